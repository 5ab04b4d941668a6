// fedpilot-cli demo: a whole pilot on this machine. An embedded coordinator serves on loopback
// with real TLS and gRPC; N site processes (this same program, 'site join') enroll with one-time
// codes and train the rounds. Writes the coordinator's history DB and results.json.

#include "CliCommand.h"
#include "CliSupport.h"
#include "FedCliSupport.h"
#include "services/CoordinatorService.h"
#include "common/Strings.h"
#include "fedpilot/engine/FaceCache.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QSaveFile>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

namespace fedpilot::cli {

int runDemo(const QStringList& args)
{
    QCommandLineParser p;
    p.addOption({QStringLiteral("sites"), QStringLiteral("Number of site processes (default 3)."), QStringLiteral("n"), QStringLiteral("3")});
    p.addOption({QStringLiteral("out"), QStringLiteral("Output folder (coordinator/, site-N/, results.json)."), QStringLiteral("DIR")});
    p.addOption({QStringLiteral("synthetic"), QStringLiteral("Built-in synthetic faces for the public set and every site.")});
    p.addOption({QStringLiteral("data"), QStringLiteral("Folder with public.fpcache and site-1.fpcache ... site-N.fpcache (packed caches from import)."),
                 QStringLiteral("DIR")});
    p.addOption({QStringLiteral("config"), QStringLiteral("Pilot config JSON (defaults otherwise)."), QStringLiteral("FILE")});
    p.addOption({QStringLiteral("timeout"), QStringLiteral("Give up after this many seconds (default 1800)."), QStringLiteral("s"), QStringLiteral("1800")});
    p.addOption({QStringLiteral("site-threads"), QStringLiteral("CPU threads per site process (default 1)."), QStringLiteral("n"), QStringLiteral("1")});
    addPilotOverrideOptions(p);
    if (auto code = parseArguments(p, args, QStringLiteral("Run a complete pilot on loopback: a coordinator and N site processes over gRPC "
                                                           "with mutual TLS; prints per-round global and per-site metrics and bytes moved.")))
        return *code;
    int sites = 3, siteThreads = 1;
    double timeoutS = 1800;
    if (!readInt(p, QStringLiteral("sites"), 1, 64, sites) || !readDouble(p, QStringLiteral("timeout"), 10, 86400, timeoutS)
        || !readInt(p, QStringLiteral("site-threads"), 1, 64, siteThreads))
        return kExitUsage;
    if (!p.isSet(QStringLiteral("out")))
        return fail(QStringLiteral("--out is required"), kExitUsage);
    if (p.isSet(QStringLiteral("synthetic")) == p.isSet(QStringLiteral("data")))
        return fail(QStringLiteral("give either --synthetic or --data"), kExitUsage);
    auto config = readPilotConfig(p);
    if (!config)
        return fail(QString::fromStdString(config.message()), kExitUsage);
    if (!p.isSet(QStringLiteral("min-sites")) && !p.isSet(QStringLiteral("config")))
        config->minSites = sites;  // a demo waits for all its sites
    if (!p.isSet(QStringLiteral("name")) && !p.isSet(QStringLiteral("config")))
        config->name = QStringLiteral("demo");
    const QDir out(p.value(QStringLiteral("out")));
    if (p.isSet(QStringLiteral("data"))) {
        // Every cache is checked before anything starts: a missing or damaged one is a usage error.
        const QDir data(p.value(QStringLiteral("data")));
        QStringList names{QStringLiteral("public.fpcache")};
        for (int i = 1; i <= sites; ++i)
            names << QStringLiteral("site-%1.fpcache").arg(i);
        QStringList problems;
        for (const QString& name : names) {
            const QString path = data.absoluteFilePath(name);
            if (!QFile::exists(path)) {
                problems << QStringLiteral("%1 is missing").arg(path);
                continue;
            }
            if (auto cache = engine::FaceCache::open(toEnginePath(path)); !cache)
                problems << QStringLiteral("%1: %2").arg(path, QString::fromStdString(cache.message()));
        }
        if (!problems.isEmpty())
            return fail(QStringLiteral("--data needs public.fpcache and site-1..%1.fpcache (from import): %2")
                            .arg(sites).arg(problems.join(QStringLiteral("; "))),
                        kExitUsage);
        config->publicCache = data.absoluteFilePath(QStringLiteral("public.fpcache"));
    }

    CoordinatorService service(out.filePath(QStringLiteral("coordinator")));
    if (auto s = service.init(config.value()); !s)
        return fail(QString::fromStdString(s.message()));
    if (auto s = service.open(); !s)
        return fail(QString::fromStdString(s.message()));
    QStringList codes;
    for (int i = 1; i <= sites; ++i) {
        auto code = service.issueEnrollmentCode(QStringLiteral("site-%1").arg(i), QStringLiteral("Demo organization %1").arg(i));
        if (!code)
            return fail(QString::fromStdString(code.message()));
        codes << code.value();
    }

    const bool json = p.isSet(QStringLiteral("json"));
    ProgressLine progress(!json);
    std::mutex mutex;
    std::condition_variable changed;
    int port = 0;
    bool done = false;
    engine::Status result = engine::Status::ok();
    std::atomic<bool> stopCoordinator{false};
    // The coordinator runs on its own thread; the main thread supervises the site processes.
    std::thread coordinator([&] {
        auto s = service.run(QStringLiteral("127.0.0.1:0"), &stopCoordinator, [&](int listening) {
            std::lock_guard<std::mutex> lock(mutex);
            port = listening;
            changed.notify_all();
        }, [&](const std::string& stage, double f) { progress.update(f, QString::fromStdString(stage)); });
        std::lock_guard<std::mutex> lock(mutex);
        result = s;
        done = true;
        changed.notify_all();
    });
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeoutS);
    {
        std::unique_lock<std::mutex> lock(mutex);
        changed.wait_until(lock, deadline, [&] { return port != 0 || done || cancelled(); });
    }
    progress.finish();
    std::vector<std::unique_ptr<QProcess>> processes;
    if (port != 0) {
        for (int i = 1; i <= sites; ++i) {
            const QString siteDir = out.filePath(QStringLiteral("site-%1").arg(i));
            QDir().mkpath(siteDir);
            QStringList a{QStringLiteral("site"), QStringLiteral("join"), QStringLiteral("--dir"), siteDir,
                          QStringLiteral("--coordinator"), QStringLiteral("127.0.0.1:%1").arg(port),
                          QStringLiteral("--ca"), service.caCertificatePath(), QStringLiteral("--name"), QStringLiteral("site-%1").arg(i),
                          QStringLiteral("--code"), codes[i - 1], QStringLiteral("--threads"), QString::number(siteThreads)};
            if (p.isSet(QStringLiteral("data")))
                a << QStringLiteral("--data") << QDir(p.value(QStringLiteral("data"))).absoluteFilePath(QStringLiteral("site-%1.fpcache").arg(i));
            else
                a << QStringLiteral("--synthetic") << QStringLiteral("--synthetic-seed") << QString::number(1000 + 97 * i);
            auto proc = std::make_unique<QProcess>();
            proc->setProcessChannelMode(QProcess::MergedChannels);
            proc->setStandardOutputFile(QDir(siteDir).filePath(QStringLiteral("site.log")));
            proc->start(QCoreApplication::applicationFilePath(), a);
            processes.push_back(std::move(proc));
        }
        if (!json)
            printLine(QStringLiteral("coordinator on 127.0.0.1:%1, %2 site processes started (logs in %3/site-N/site.log)")
                          .arg(port).arg(sites).arg(out.absolutePath()));
    }
    {
        std::unique_lock<std::mutex> lock(mutex);
        while (!done && !cancelled() && std::chrono::steady_clock::now() < deadline) {
            changed.wait_for(lock, std::chrono::milliseconds(200));
            lock.unlock();
            // A site that failed (sites leave with 0 on STOP), or every site gone, before the
            // pilot ended: the demo cannot complete as asked.
            bool anyRunning = processes.empty();
            QString failedSite;
            for (std::size_t i = 0; i < processes.size(); ++i) {
                auto& proc = processes[i];
                // waitForFinished(0) reaps an exit that happened; it is false for one already reaped.
                if (proc->state() != QProcess::NotRunning && !proc->waitForFinished(0))
                    anyRunning = true;
                else if (failedSite.isEmpty() && (proc->exitStatus() != QProcess::NormalExit || proc->exitCode() != 0))
                    failedSite = QStringLiteral("site-%1").arg(i + 1);
            }
            lock.lock();
            if (!done && !failedSite.isEmpty()) {
                QFile log(out.filePath(failedSite + QStringLiteral("/site.log")));
                QString tail = log.open(QIODevice::ReadOnly) ? QString::fromUtf8(log.readAll()).trimmed() : QString();
                tail = tail.section(QLatin1Char('\n'), -3);
                result = engine::Status::error((failedSite + QStringLiteral(" failed before the pilot finished: ") + tail
                                                + QStringLiteral(" (see ") + failedSite + QStringLiteral("/site.log)")).toStdString());
                break;
            }
            if (!anyRunning && !done) {
                result = engine::Status::error("every site process exited before the pilot finished (see site-N/site.log)");
                break;
            }
        }
    }
    const bool sitesGone = !done && !result;
    const engine::Status siteFailure = result;
    if (!done)
        stopCoordinator = true;
    coordinator.join();
    if (sitesGone) {
        done = true;
        result = siteFailure;
    }
    QJsonArray siteExits;
    for (std::size_t i = 0; i < processes.size(); ++i) {
        auto& proc = processes[i];
        // Sites leave on STOP; a stuck one is ended after a grace period (short when the pilot
        // failed: the coordinator is gone and the sites would only retry).
        if (!proc->waitForFinished(result.isOk() ? 30000 : 2000)) {
            proc->terminate();
            if (!proc->waitForFinished(5000))
                proc->kill();
            proc->waitForFinished(5000);
        }
        siteExits.append(QJsonObject{{QStringLiteral("site"), QStringLiteral("site-%1").arg(i + 1)},
                                     {QStringLiteral("exit_code"), proc->exitStatus() == QProcess::NormalExit ? proc->exitCode() : -1}});
    }
    QJsonObject summary = service.summary();
    summary.insert(QStringLiteral("site_processes"), siteExits);
    summary.insert(QStringLiteral("ok"), result.isOk() && done);
    if (!result)
        summary.insert(QStringLiteral("error"), QString::fromStdString(result.message()));
    QSaveFile file(out.filePath(QStringLiteral("results.json")));
    if (!file.open(QIODevice::WriteOnly) || file.write(QJsonDocument(summary).toJson()) < 0 || !file.commit())
        return fail(QStringLiteral("cannot write results.json"));
    if (json) {
        printJson(summary);
    } else {
        for (const auto& r : summary.value(QStringLiteral("rounds")).toArray()) {
            const QJsonObject o = r.toObject();
            printLine(QStringLiteral("round %1: %2, accuracy %3, AUC %4, %5 sites accepted, up %6 B (raw %7 B), down %8 B (raw %9 B)")
                          .arg(o.value(QStringLiteral("round")).toInt()).arg(o.value(QStringLiteral("state")).toString())
                          .arg(o.value(QStringLiteral("accuracy")).toDouble(), 0, 'f', 4).arg(o.value(QStringLiteral("auc")).toDouble(), 0, 'f', 4)
                          .arg(o.value(QStringLiteral("sites_accepted")).toInt())
                          .arg(qint64(o.value(QStringLiteral("bytes_up")).toDouble())).arg(qint64(o.value(QStringLiteral("bytes_up_raw")).toDouble()))
                          .arg(qint64(o.value(QStringLiteral("bytes_down")).toDouble())).arg(qint64(o.value(QStringLiteral("bytes_down_raw")).toDouble())));
        }
        printLine(QStringLiteral("results written to %1").arg(out.absoluteFilePath(QStringLiteral("results.json"))));
    }
    if (!done)
        return fail(cancelled() ? QStringLiteral("cancelled") : QStringLiteral("the pilot did not finish within %1 s").arg(timeoutS),
                    cancelled() ? kExitCancelled : kExitFailure);
    if (!result)
        return fail(QString::fromStdString(result.message()));
    return kExitOk;
}

}  // namespace fedpilot::cli
