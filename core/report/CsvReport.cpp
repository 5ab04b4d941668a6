#include "report/CsvReport.h"

#include <QSaveFile>

#include <cmath>

namespace fedpilot::report {
namespace {

QString quoted(const QString& field)
{
    if (!field.contains(QLatin1Char(',')) && !field.contains(QLatin1Char('"')) && !field.contains(QLatin1Char('\n'))
        && !field.contains(QLatin1Char('\r')))
        return field;
    QString out = field;
    out.replace(QStringLiteral("\""), QStringLiteral("\"\""));
    return QLatin1Char('"') + out + QLatin1Char('"');
}

QString num(double v)
{
    return std::isfinite(v) ? QString::number(v, 'g', 10) : QString();
}

class Rows {
public:
    void add(const QString& section, const QString& round, const QString& site, const QString& key, const QString& value)
    {
        m_text += quoted(section) + QLatin1Char(',') + quoted(round) + QLatin1Char(',') + quoted(site) + QLatin1Char(',')
            + quoted(key) + QLatin1Char(',') + quoted(value) + QStringLiteral("\r\n");
    }
    // Missing numbers are left out rather than written as empty cells.
    void addNumber(const QString& section, int round, const QString& site, const QString& key, double value)
    {
        if (std::isfinite(value))
            add(section, QString::number(round), site, key, num(value));
    }
    QString text() const { return m_text; }

private:
    QString m_text;
};

}  // namespace

QString toCsv(const PilotHistory& h, const PilotAssessment& a)
{
    Rows rows;
    rows.add(QStringLiteral("section"), QStringLiteral("round"), QStringLiteral("site"), QStringLiteral("key"), QStringLiteral("value"));
    const QString pilot = QStringLiteral("pilot");
    rows.add(pilot, {}, {}, QStringLiteral("name"), h.pilot.name);
    rows.add(pilot, {}, {}, QStringLiteral("strategy"), h.pilot.strategy);
    rows.add(pilot, {}, {}, QStringLiteral("backbone"), h.pilot.backbone);
    rows.add(pilot, {}, {}, QStringLiteral("status"), h.pilot.status);
    rows.add(pilot, {}, {}, QStringLiteral("total_rounds"), QString::number(h.pilot.totalRounds));
    rows.add(pilot, {}, {}, QStringLiteral("completed_rounds"), QString::number(h.pilot.completedRounds));
    rows.add(pilot, {}, {}, QStringLiteral("decision"), a.finalRound < 1 ? QStringLiteral("undecided") : a.go ? QStringLiteral("go") : QStringLiteral("no-go"));
    rows.add(pilot, {}, {}, QStringLiteral("baseline_accuracy"), num(a.baselineAccuracy));
    rows.add(pilot, {}, {}, QStringLiteral("final_personalized_accuracy"), num(a.finalPersonalizedAccuracy));
    rows.add(pilot, {}, {}, QStringLiteral("total_bytes_wire"), QString::number(h.totalWireBytes()));
    rows.add(pilot, {}, {}, QStringLiteral("total_bytes_raw"), QString::number(h.totalRawBytes()));
    if (std::isfinite(h.pilot.dpEpsilon)) {
        rows.add(pilot, {}, {}, QStringLiteral("dp_epsilon"), num(h.pilot.dpEpsilon));
        rows.add(pilot, {}, {}, QStringLiteral("dp_delta"), num(h.pilot.dpDelta));
    }
    for (const auto& c : a.checks)
        rows.add(QStringLiteral("target"), {}, {}, c.name,
                 QStringLiteral("%1 | target %2 | %3").arg(c.actual, c.target, !c.applicable ? QStringLiteral("info") : c.passed ? QStringLiteral("pass") : QStringLiteral("fail")));

    const QString round = QStringLiteral("round");
    for (const auto& r : h.rounds) {
        const QString idx = QString::number(r.index);
        rows.add(round, idx, {}, QStringLiteral("state"), r.state);
        rows.add(round, idx, {}, QStringLiteral("sites_invited"), QString::number(r.sitesInvited));
        rows.add(round, idx, {}, QStringLiteral("sites_accepted"), QString::number(r.sitesAccepted));
        rows.addNumber(round, r.index, {}, QStringLiteral("accuracy"), r.accuracy);
        rows.addNumber(round, r.index, {}, QStringLiteral("auc"), r.auc);
        rows.addNumber(round, r.index, {}, QStringLiteral("eer"), r.eer);
        rows.addNumber(round, r.index, {}, QStringLiteral("tar_far_1e-3"), r.tarFar[2]);
        rows.addNumber(round, r.index, {}, QStringLiteral("dp_epsilon_spent"), r.dpEpsilonSpent);
        if (!r.modelSha256.isEmpty())
            rows.add(round, idx, {}, QStringLiteral("model_sha256"), r.modelSha256);
    }
    const QString site = QStringLiteral("site");
    for (const auto& m : h.siteMetrics) {
        const QString name = h.siteName(m.siteId);
        const QString prefix = m.kind == QLatin1String("baseline") ? QStringLiteral("baseline_") : QString();
        rows.addNumber(site, m.round, name, prefix + QStringLiteral("generic_accuracy"), m.genericAccuracy);
        rows.addNumber(site, m.round, name, prefix + QStringLiteral("generic_tar_far_1e-3"), m.genericTar1e3);
        rows.addNumber(site, m.round, name, prefix + QStringLiteral("personalized_accuracy"), m.personalizedAccuracy);
        rows.addNumber(site, m.round, name, prefix + QStringLiteral("personalized_tar_far_1e-3"), m.personalizedTar1e3);
        rows.addNumber(site, m.round, name, prefix + QStringLiteral("loss"), m.loss);
        rows.addNumber(site, m.round, name, prefix + QStringLiteral("train_seconds"), m.trainSeconds);
        if (m.kind == QLatin1String("round"))
            rows.add(site, QString::number(m.round), name, QStringLiteral("update_status"), m.updateStatus);
    }
    for (const auto& t : h.traffic) {
        rows.add(QStringLiteral("traffic"), QString::number(t.round), h.siteName(t.siteId),
                 t.direction + QLatin1Char('_') + t.channel + QStringLiteral("_bytes_wire"), QString::number(t.bytesWire));
        rows.add(QStringLiteral("traffic"), QString::number(t.round), h.siteName(t.siteId),
                 t.direction + QLatin1Char('_') + t.channel + QStringLiteral("_bytes_raw"), QString::number(t.bytesRaw));
    }
    for (const auto& m : h.models)
        rows.add(QStringLiteral("model"), QString::number(m.round), {}, m.kind + QStringLiteral("_sha256"), m.sha256);
    return rows.text();
}

engine::Status writeCsv(const PilotHistory& history, const PilotAssessment& assessment, const QString& path)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return engine::Status::error("cannot write " + path.toStdString() + ": " + file.errorString().toStdString());
    // A UTF-8 BOM so spreadsheet programs do not read "ε" and site names as Latin-1.
    file.write("\xEF\xBB\xBF");
    file.write(toCsv(history, assessment).toUtf8());
    if (!file.commit())
        return engine::Status::error("cannot write " + path.toStdString() + ": " + file.errorString().toStdString());
    return engine::Status::ok();
}

QVector<QStringList> parseCsv(const QString& input)
{
    QString text = input;
    if (text.startsWith(QChar(0xFEFF)))
        text.remove(0, 1);
    QVector<QStringList> rows;
    QStringList row;
    QString field;
    bool inQuotes = false;
    bool rowHasData = false;
    for (int i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (inQuotes) {
            if (c == QLatin1Char('"')) {
                if (i + 1 < text.size() && text.at(i + 1) == QLatin1Char('"')) {
                    field += c;
                    ++i;
                } else {
                    inQuotes = false;
                }
            } else {
                field += c;
            }
            continue;
        }
        if (c == QLatin1Char('"')) {
            inQuotes = true;
            rowHasData = true;
        } else if (c == QLatin1Char(',')) {
            row << field;
            field.clear();
            rowHasData = true;
        } else if (c == QLatin1Char('\n') || c == QLatin1Char('\r')) {
            if (c == QLatin1Char('\r') && i + 1 < text.size() && text.at(i + 1) == QLatin1Char('\n'))
                ++i;
            if (rowHasData || !field.isEmpty()) {
                row << field;
                rows << row;
            }
            row.clear();
            field.clear();
            rowHasData = false;
        } else {
            field += c;
            rowHasData = true;
        }
    }
    if (rowHasData || !field.isEmpty()) {
        row << field;
        rows << row;
    }
    return rows;
}

}  // namespace fedpilot::report
