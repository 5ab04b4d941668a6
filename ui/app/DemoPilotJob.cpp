#include "app/DemoPilotJob.h"

#include "common/Strings.h"
#include "fedpilot/engine/Simulation.h"
#include "report/HistoryWriter.h"
#include "report/SimulationHistory.h"
#include "storage/Database.h"

#include <QDir>
#include <QElapsedTimer>
#include <QMetaObject>

#include <algorithm>
#include <exception>

namespace fedpilot::ui {
namespace {

constexpr qint64 kProgressIntervalMs = 100;

engine::SimulationOptions simulationOptions(const DemoPilotsParams& p, engine::Strategy strategy, const QString& workDir)
{
    engine::SimulationOptions o;
    o.strategy = strategy;
    o.workDir = toEnginePath(workDir);
    o.seed = p.seed;  // the same faces and generic model for both strategies: a fair comparison
    o.model.inputSize = p.inputSize;
    o.model.embeddingSize = p.embeddingSize;
    o.publicIdentities = 20;
    o.publicImagesPerIdentity = 4;
    o.sites = p.sites;
    o.identitiesPerSite = p.identitiesPerSite;
    o.imagesPerSiteIdentity = p.imagesPerSiteIdentity;
    o.heldOutImagesPerSiteIdentity = 3;
    o.evalIdentities = 10;
    o.evalImagesPerIdentity = 4;
    o.rounds = p.rounds;
    o.pretrain.epochs = p.pretrainEpochs;
    o.pretrain.batchSize = 32;
    o.pretrain.optim.learningRate = 0.1;
    o.local.epochs = p.localEpochs;
    o.local.batchSize = 16;
    o.local.optim.learningRate = 0.01;
    o.local.ada.k = 10;
    for (auto* c : {&o.pretrain, &o.local}) {
        c->device = p.device.toStdString();
        c->threads = p.threads;
    }
    return o;
}

}  // namespace

DemoPilotJob::DemoPilotJob(QObject* parent) : QObject(parent)
{
    qRegisterMetaType<DemoPilotsProgress>();
    qRegisterMetaType<DemoPilotsResult>();
}

DemoPilotJob::~DemoPilotJob()
{
    m_cancel.store(true);
    join();
}

void DemoPilotJob::join()
{
    if (m_thread.joinable())
        m_thread.join();
}

bool DemoPilotJob::start(const DemoPilotsParams& params)
{
    if (m_running)
        return false;
    join();
    m_cancel.store(false);
    m_latest.reset();
    m_running = true;
    m_thread = std::thread([this, params] {
        DemoPilotsResult result;
        try {
            result = run(params);
        } catch (const std::exception& e) {
            result.state = DemoPilotsResult::State::Failed;
            result.error = QString::fromUtf8(e.what());
        } catch (...) {
            result.state = DemoPilotsResult::State::Failed;
            result.error = QStringLiteral("unexpected error in the demo thread");
        }
        QMetaObject::invokeMethod(this, [this, result] {
            if (auto last = m_latest.take())
                Q_EMIT progress(*last);
            join();
            m_running = false;
            Q_EMIT finished(result);
        }, Qt::QueuedConnection);
    });
    return true;
}

void DemoPilotJob::cancel()
{
    m_cancel.store(true);
}

void DemoPilotJob::report(const DemoPilotsProgress& p, bool force)
{
    if (m_latest.offer(p, kProgressIntervalMs, force)) {
        QMetaObject::invokeMethod(this, [this] {
            if (auto value = m_latest.take())
                Q_EMIT progress(*value);
        }, Qt::QueuedConnection);
    }
}

DemoPilotsResult DemoPilotJob::run(const DemoPilotsParams& p)
{
    DemoPilotsResult result;
    QElapsedTimer clock;
    clock.start();
    const auto fail = [&result](const QString& message) {
        result.state = DemoPilotsResult::State::Failed;
        result.error = message;
        return result;
    };
    const auto cancelled = [&result] {
        result.state = DemoPilotsResult::State::Cancelled;
        return result;
    };
    if (!QDir().mkpath(p.workDir))
        return fail(QStringLiteral("cannot create %1").arg(p.workDir));
    std::vector<report::PilotHistory> histories;
    const engine::Strategy strategies[] = {engine::Strategy::AdaFedFR, engine::Strategy::FedAvg};
    for (int i = 0; i < 2; ++i) {
        const QString name = pilotName(i == 0);
        const QString dir = QDir(p.workDir).filePath(name);
        const auto options = simulationOptions(p, strategies[i], dir);
        report({name + QStringLiteral(": starting"), i * 0.5}, true);
        auto simulated = engine::simulatePilot(options, [this, name, i](const std::string& stage, double f) {
            report({name + QStringLiteral(": ") + QString::fromStdString(stage), (i + std::clamp(f, 0.0, 1.0)) * 0.5});
        }, &m_cancel);
        QDir(dir).removeRecursively();
        if (m_cancel.load())
            return cancelled();
        if (!simulated)
            return fail(QStringLiteral("%1: %2").arg(name, QString::fromStdString(simulated.message())));
        result.rounds = static_cast<int>(simulated->rounds.size()) - 1;
        histories.push_back(report::historyFromSimulation(name, options, simulated.value()));
    }
    // Written only now, with this thread's own connection: a cancelled run leaves no half pilot.
    report({QStringLiteral("writing the history"), 1.0}, true);
    Database db(p.databasePath);
    if (auto s = db.open(); !s)
        return fail(QString::fromStdString(s.message()));
    for (const auto& h : histories) {
        auto id = report::writeHistory(db, h);
        if (!id)
            return fail(QStringLiteral("%1: %2").arg(h.pilot.name, QString::fromStdString(id.message())));
        result.pilots << h.pilot.name;
    }
    db.logEvent(QStringLiteral("info"), QStringLiteral("demo"), result.pilots.join(QStringLiteral(", ")),
                QStringLiteral("demo pilots simulated in %1 s").arg(clock.elapsed() / 1000.0, 0, 'f', 1));
    result.seconds = clock.elapsed() / 1000.0;
    return result;
}

}  // namespace fedpilot::ui
