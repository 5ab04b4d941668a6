// fedpilot-cli coordinator: set up and run a pilot's coordinator (headless).
//   init         write the pilot config into a coordinator folder
//   enroll-code  issue a one-time enrollment code for a site
//   remove-site  revoke a site's certificate
//   run          serve the pilot over gRPC + mutual TLS until its last round (resumes after a restart)
//   status       rounds, metrics and traffic as JSON
//   bench-aggregate  time and peak memory of aggregating N simulated updates

#include "CliCommand.h"
#include "CliSupport.h"
#include "FedCliSupport.h"
#include "services/CoordinatorService.h"

#include <QDir>
#include <QJsonDocument>
#include <QSaveFile>
#include <QTextStream>

namespace fedpilot::cli {
namespace {

int runInit(const QStringList& args)
{
    QCommandLineParser p;
    p.addOption({QStringLiteral("dir"), QStringLiteral("Coordinator folder."), QStringLiteral("DIR")});
    p.addOption({QStringLiteral("config"), QStringLiteral("Pilot config JSON (see docs/protocol.md); default: built-in defaults."), QStringLiteral("FILE")});
    addPilotOverrideOptions(p);
    if (auto code = parseArguments(p, args, QStringLiteral("Create or update the pilot config of a coordinator folder.")))
        return *code;
    if (!p.isSet(QStringLiteral("dir")))
        return fail(QStringLiteral("--dir is required"), kExitUsage);
    auto config = readPilotConfig(p);
    if (!config)
        return fail(QString::fromStdString(config.message()), kExitUsage);
    CoordinatorService service(p.value(QStringLiteral("dir")));
    if (auto s = service.init(config.value()); !s)
        return fail(QString::fromStdString(s.message()));
    if (auto s = service.open(); !s)
        return fail(QString::fromStdString(s.message()));
    if (p.isSet(QStringLiteral("json")))
        printJson(QJsonObject{{QStringLiteral("dir"), service.dir()}, {QStringLiteral("ca"), service.caCertificatePath()},
                              {QStringLiteral("config"), federation::toJson(config.value())}});
    else
        printLine(QStringLiteral("Pilot '%1' ready in %2; sites need the CA certificate %3")
                      .arg(config->name, service.dir(), service.caCertificatePath()));
    return kExitOk;
}

int runEnrollCode(const QStringList& args)
{
    QCommandLineParser p;
    p.addOption({QStringLiteral("dir"), QStringLiteral("Coordinator folder."), QStringLiteral("DIR")});
    p.addOption({QStringLiteral("site"), QStringLiteral("Site name (its certificate's name)."), QStringLiteral("NAME")});
    p.addOption({QStringLiteral("organization"), QStringLiteral("Organization of the site."), QStringLiteral("TEXT")});
    p.addOption({QStringLiteral("contact"), QStringLiteral("Contact at the site."), QStringLiteral("TEXT")});
    p.addOption({QStringLiteral("valid-hours"), QStringLiteral("Validity of the code (default 72)."), QStringLiteral("h"), QStringLiteral("72")});
    if (auto code = parseArguments(p, args, QStringLiteral("Issue a one-time enrollment code for a site.")))
        return *code;
    int hours = 72;
    if (!p.isSet(QStringLiteral("dir")) || !p.isSet(QStringLiteral("site")))
        return fail(QStringLiteral("--dir and --site are required"), kExitUsage);
    if (!readInt(p, QStringLiteral("valid-hours"), 1, 24 * 365, hours))
        return kExitUsage;
    CoordinatorService service(p.value(QStringLiteral("dir")));
    if (auto s = service.open(); !s)
        return fail(QString::fromStdString(s.message()));
    auto code = service.issueEnrollmentCode(p.value(QStringLiteral("site")), p.value(QStringLiteral("organization")),
                                            p.value(QStringLiteral("contact")), hours);
    if (!code)
        return fail(QString::fromStdString(code.message()));
    if (p.isSet(QStringLiteral("json")))
        printJson(QJsonObject{{QStringLiteral("site"), p.value(QStringLiteral("site"))}, {QStringLiteral("code"), code.value()},
                              {QStringLiteral("ca"), service.caCertificatePath()}, {QStringLiteral("valid_hours"), hours}});
    else
        printLine(code.value());
    return kExitOk;
}

int runRemoveSite(const QStringList& args)
{
    QCommandLineParser p;
    p.addOption({QStringLiteral("dir"), QStringLiteral("Coordinator folder."), QStringLiteral("DIR")});
    p.addOption({QStringLiteral("site"), QStringLiteral("Site name."), QStringLiteral("NAME")});
    if (auto code = parseArguments(p, args, QStringLiteral("Remove a site: its certificate is revoked and its calls refused.")))
        return *code;
    if (!p.isSet(QStringLiteral("dir")) || !p.isSet(QStringLiteral("site")))
        return fail(QStringLiteral("--dir and --site are required"), kExitUsage);
    CoordinatorService service(p.value(QStringLiteral("dir")));
    if (auto s = service.open(); !s)
        return fail(QString::fromStdString(s.message()));
    if (auto s = service.removeSite(p.value(QStringLiteral("site"))); !s)
        return fail(QString::fromStdString(s.message()));
    printLine(QStringLiteral("site '%1' removed").arg(p.value(QStringLiteral("site"))));
    return kExitOk;
}

int runServe(const QStringList& args)
{
    QCommandLineParser p;
    p.addOption({QStringLiteral("dir"), QStringLiteral("Coordinator folder."), QStringLiteral("DIR")});
    p.addOption({QStringLiteral("listen"), QStringLiteral("Address to serve on (default 127.0.0.1:7443; port 0 picks one)."), QStringLiteral("HOST:PORT"),
                 QStringLiteral("127.0.0.1:7443")});
    p.addOption({QStringLiteral("port-file"), QStringLiteral("Write the port in use to FILE once listening."), QStringLiteral("FILE")});
    if (auto code = parseArguments(p, args, QStringLiteral("Run the pilot: pretrain (or resume), serve sites, run every round, then exit.")))
        return *code;
    if (!p.isSet(QStringLiteral("dir")))
        return fail(QStringLiteral("--dir is required"), kExitUsage);
    CoordinatorService service(p.value(QStringLiteral("dir")));
    if (auto s = service.open(); !s)
        return fail(QString::fromStdString(s.message()));
    const bool json = p.isSet(QStringLiteral("json"));
    ProgressLine progress(!json);
    auto status = service.run(p.value(QStringLiteral("listen")), cancelFlag(), [&](int port) {
        progress.finish();
        if (p.isSet(QStringLiteral("port-file"))) {
            QSaveFile f(p.value(QStringLiteral("port-file")));
            if (f.open(QIODevice::WriteOnly)) {
                f.write(QByteArray::number(port));
                f.commit();
            }
        }
        QTextStream(stderr) << "coordinator: serving pilot '" << service.config().name << "' on port " << port << "\n";
    }, [&](const std::string& stage, double f) { progress.update(f, QString::fromStdString(stage)); });
    progress.finish();
    if (!status)
        return cancelled() ? fail(QStringLiteral("cancelled"), kExitCancelled) : fail(QString::fromStdString(status.message()));
    if (json)
        printJson(service.summary());
    else
        printLine(QStringLiteral("pilot '%1' finished").arg(service.config().name));
    return kExitOk;
}

int runStatus(const QStringList& args)
{
    QCommandLineParser p;
    p.addOption({QStringLiteral("dir"), QStringLiteral("Coordinator folder."), QStringLiteral("DIR")});
    if (auto code = parseArguments(p, args, QStringLiteral("Print the pilot's rounds, metrics and traffic as JSON.")))
        return *code;
    if (!p.isSet(QStringLiteral("dir")))
        return fail(QStringLiteral("--dir is required"), kExitUsage);
    CoordinatorService service(p.value(QStringLiteral("dir")));
    if (auto s = service.open(); !s)
        return fail(QString::fromStdString(s.message()));
    printJson(service.summary());
    return kExitOk;
}

}  // namespace

int runCoordinator(const QStringList& args)
{
    return dispatchSubcommand(args, {{"init", runInit, "create the pilot: config, CA, database (once)"},
                                     {"enroll-code", runEnrollCode, "issue a one-time enrollment code for a site"},
                                     {"remove-site", runRemoveSite, "revoke a site's certificate"},
                                     {"run", runServe, "serve the pilot's rounds until it ends"},
                                     {"status", runStatus, "the pilot's progress, sites and rounds"},
                                     {"bench-aggregate", runFedBenchAggregate, "benchmark the aggregation of N updates"}});
}

}  // namespace fedpilot::cli
