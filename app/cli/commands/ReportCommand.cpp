// fedpilot-cli report: a pilot's history (site or coordinator database) as a PDF or CSV report.

#include "CliCommand.h"
#include "CliSupport.h"
#include "report/HistoryReader.h"
#include "report/PilotAssessment.h"
#include "report/ReportWriter.h"
#include "storage/Database.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace fedpilot::cli {

int runReport(const QStringList& args)
{
    QCommandLineParser p;
    p.addOption({QStringLiteral("db"), QStringLiteral("Coordinator or site database holding the pilot's history (required)."), QStringLiteral("FILE")});
    p.addOption({QStringLiteral("out"), QStringLiteral("Report to write: FILE.pdf or FILE.csv (required)."), QStringLiteral("FILE")});
    p.addOption({QStringLiteral("pilot"), QStringLiteral("Pilot name (default: the most recently updated one)."), QStringLiteral("NAME")});
    p.addOption({QStringLiteral("targets"), QStringLiteral("JSON file with go/no-go targets (min_accuracy_gain, max_site_regression, max_rounds, "
                                                           "min_participation, max_wire_mb_per_site_round, max_dp_epsilon); default: the "
                                                           "targets stored in the database, else built-in ones."), QStringLiteral("FILE")});
    if (auto code = parseArguments(p, args, QStringLiteral("Write a pilot report: PDF (go/no-go against the targets, configuration, participation, "
                                                           "metrics and traffic tables, charts, privacy budget, model hashes) or CSV (every number "
                                                           "in long form: section,round,site,key,value).")))
        return *code;
    if (!p.isSet(QStringLiteral("db")) || !p.isSet(QStringLiteral("out")))
        return fail(QStringLiteral("give --db FILE and --out REPORT.pdf|REPORT.csv"), kExitUsage);
    const QString dbPath = p.value(QStringLiteral("db"));
    const QString out = p.value(QStringLiteral("out"));
    const QString suffix = QFileInfo(out).suffix().toLower();
    if (suffix != QLatin1String("pdf") && suffix != QLatin1String("csv"))
        return fail(QStringLiteral("--out must end in .pdf or .csv"), kExitUsage);
    if (!QFileInfo::exists(dbPath))
        return fail(QStringLiteral("no database at %1").arg(dbPath));

    Database db(dbPath);
    if (auto s = db.open(); !s)
        return fail(QString::fromStdString(s.message()));
    report::ReportTargets targets = report::storedTargets(db);
    if (p.isSet(QStringLiteral("targets"))) {
        QFile file(p.value(QStringLiteral("targets")));
        if (!file.open(QIODevice::ReadOnly))
            return fail(QStringLiteral("cannot read %1: %2").arg(file.fileName(), file.errorString()));
        QJsonParseError error{};
        const auto doc = QJsonDocument::fromJson(file.readAll(), &error);
        if (error.error != QJsonParseError::NoError || !doc.isObject())
            return fail(QStringLiteral("%1 is not a JSON object: %2").arg(file.fileName(), error.errorString()));
        targets = report::targetsFromJson(doc.object(), targets);
    }
    report::HistoryReader reader(db);
    auto history = p.isSet(QStringLiteral("pilot")) ? reader.loadByName(p.value(QStringLiteral("pilot"))) : reader.loadLatest();
    if (!history)
        return fail(QString::fromStdString(history.message()));
    auto info = report::writeReport(history.value(), targets, out);
    if (!info)
        return fail(QString::fromStdString(info.message()));

    const auto& a = info->assessment;
    const QString decision = a.finalRound < 1 ? QStringLiteral("undecided") : a.go ? QStringLiteral("go") : QStringLiteral("no-go");
    if (p.isSet(QStringLiteral("json"))) {
        QJsonArray checks;
        for (const auto& c : a.checks)
            checks.append(QJsonObject{{QStringLiteral("name"), c.name}, {QStringLiteral("target"), c.target}, {QStringLiteral("actual"), c.actual},
                                      {QStringLiteral("applicable"), c.applicable}, {QStringLiteral("passed"), c.passed}});
        printJson(QJsonObject{{QStringLiteral("path"), QFileInfo(out).absoluteFilePath()}, {QStringLiteral("pilot"), history->pilot.name},
                              {QStringLiteral("pages"), info->pages}, {QStringLiteral("bytes"), info->bytes},
                              {QStringLiteral("decision"), decision}, {QStringLiteral("checks"), checks}});
    } else {
        printLine(QStringLiteral("%1: %2 (%3)").arg(out, info->pages > 0 ? QStringLiteral("%1 pages").arg(info->pages) : QStringLiteral("CSV"),
                                                   report::formatBytes(info->bytes)));
        printLine(QStringLiteral("pilot %1: %2. %3").arg(history->pilot.name, decision.toUpper(), a.headline));
        for (const auto& c : a.checks)
            printLine(QStringLiteral("  [%1] %2: %3 (target %4)")
                          .arg(!c.applicable ? QStringLiteral("info") : c.passed ? QStringLiteral("pass") : QStringLiteral("FAIL"), c.name, c.actual, c.target));
    }
    return kExitOk;
}

}  // namespace fedpilot::cli
