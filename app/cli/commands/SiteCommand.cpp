// fedpilot-cli site join: take part in a pilot as a site (enroll once, then rounds until STOP).

#include "CliCommand.h"
#include "CliSupport.h"
#include "FedCliSupport.h"
#include "services/PilotSession.h"

#include <QDateTime>
#include <QTextStream>

namespace fedpilot::cli {
namespace {

int runJoin(const QStringList& args)
{
    QCommandLineParser p;
    p.addOption({QStringLiteral("dir"), QStringLiteral("Site folder (site.db, certificate, trainer state)."), QStringLiteral("DIR")});
    p.addOption({QStringLiteral("coordinator"), QStringLiteral("Coordinator address HOST:PORT."), QStringLiteral("HOST:PORT")});
    p.addOption({QStringLiteral("ca"), QStringLiteral("The pilot's CA certificate (from the coordinator)."), QStringLiteral("FILE")});
    p.addOption({QStringLiteral("name"), QStringLiteral("Site name (as in the enrollment code)."), QStringLiteral("NAME")});
    p.addOption({QStringLiteral("code"), QStringLiteral("One-time enrollment code (first join only)."), QStringLiteral("CODE")});
    p.addOption({QStringLiteral("organization"), QStringLiteral("Organization of the site."), QStringLiteral("TEXT")});
    p.addOption({QStringLiteral("data"), QStringLiteral("The site's packed face cache (from import)."), QStringLiteral("FILE")});
    p.addOption({QStringLiteral("synthetic"), QStringLiteral("Use built-in synthetic faces instead of --data.")});
    p.addOption({QStringLiteral("synthetic-seed"), QStringLiteral("Seed of the site's synthetic people (default 1000)."), QStringLiteral("n"), QStringLiteral("1000")});
    p.addOption({QStringLiteral("identities"), QStringLiteral("Synthetic identities (default 10)."), QStringLiteral("n"), QStringLiteral("10")});
    p.addOption({QStringLiteral("images"), QStringLiteral("Synthetic images per identity (default 12)."), QStringLiteral("n"), QStringLiteral("12")});
    p.addOption({QStringLiteral("device"), QStringLiteral("auto (default), cpu, cuda or cuda:N."), QStringLiteral("dev"), QStringLiteral("auto")});
    p.addOption({QStringLiteral("threads"), QStringLiteral("CPU threads (default: cores - 1)."), QStringLiteral("n"), QStringLiteral("0")});
    p.addOption({QStringLiteral("give-up-after"), QStringLiteral("Seconds without reaching the coordinator before giving up (default 120)."),
                 QStringLiteral("s"), QStringLiteral("120")});
    if (auto code = parseArguments(p, args, QStringLiteral("Join a pilot as a site: enroll (once), then train the rounds the coordinator hands out.")))
        return *code;
    for (const char* required : {"dir", "coordinator", "ca", "name"}) {
        if (!p.isSet(QLatin1String(required)))
            return fail(QStringLiteral("--%1 is required").arg(QLatin1String(required)), kExitUsage);
    }
    if (p.isSet(QStringLiteral("data")) == p.isSet(QStringLiteral("synthetic")))
        return fail(QStringLiteral("give either --data or --synthetic"), kExitUsage);
    PilotSessionOptions o;
    o.dir = p.value(QStringLiteral("dir"));
    o.coordinator = p.value(QStringLiteral("coordinator"));
    o.caPath = p.value(QStringLiteral("ca"));
    o.siteName = p.value(QStringLiteral("name"));
    o.enrollmentCode = p.value(QStringLiteral("code"));
    o.organization = p.value(QStringLiteral("organization"));
    o.data.cachePath = p.value(QStringLiteral("data"));
    o.data.synthetic = p.isSet(QStringLiteral("synthetic"));
    o.data.device = p.value(QStringLiteral("device")).toStdString();
    qint64 seed = 1000;
    if (!readInt(p, QStringLiteral("synthetic-seed"), qint64(0), qint64(1) << 40, seed) || !readInt(p, QStringLiteral("identities"), 2, 100000, o.data.syntheticIdentities)
        || !readInt(p, QStringLiteral("images"), 6, 10000, o.data.syntheticImagesPerIdentity) || !readInt(p, QStringLiteral("threads"), 0, 1024, o.data.threads)
        || !readDouble(p, QStringLiteral("give-up-after"), 1, 86400, o.giveUpAfterS))
        return kExitUsage;
    o.data.syntheticSeed = quint64(seed);
    PilotSession session(o);
    const QString name = o.siteName;
    auto status = session.run(cancelFlag(), [&](const QString& line) {
        QTextStream(stderr) << QDateTime::currentDateTime().toString(QStringLiteral("HH:mm:ss")) << " site " << name << ": " << line << "\n";
    });
    if (!status)
        return cancelled() ? fail(QStringLiteral("cancelled"), kExitCancelled) : fail(QString::fromStdString(status.message()));
    if (p.isSet(QStringLiteral("json")))
        printJson(QJsonObject{{QStringLiteral("site"), name}, {QStringLiteral("status"), QStringLiteral("finished")}});
    return kExitOk;
}

}  // namespace

int runSite(const QStringList& args)
{
    return dispatchSubcommand(args, {{"join", runJoin, "enroll once, then take part in the pilot's rounds"}});
}

}  // namespace fedpilot::cli
