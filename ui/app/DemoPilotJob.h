#pragma once
// "Load demo pilots": two real in-process pilots (engine::simulatePilot: pretraining, local
// rounds, FedAvg, evaluation) on small synthetic faces, AdaFedFR then FedAvg, written to a
// workspace's history so the charts and reports show measured numbers. A job object: params in,
// throttled progress (≤ 10 signals a second) and one finished() out on the owner's thread, an
// atomic cancel checked by the engine between batches. Nothing is written unless both pilots
// complete. No exception leaves the worker.

#include "jobs/LatestValue.h"

#include <QObject>
#include <QString>
#include <QStringList>

#include <atomic>
#include <thread>

namespace fedpilot::ui {

struct DemoPilotsParams {
    QString databasePath;     // the workspace's history database (opened with its own connection)
    QString workDir;          // scratch folder for the synthetic face cache; removed afterwards
    int inputSize = 32;
    int embeddingSize = 64;
    int sites = 3;
    int rounds = 2;
    int identitiesPerSite = 6;
    int imagesPerSiteIdentity = 8;
    int pretrainEpochs = 3;
    int localEpochs = 1;
    quint64 seed = 1;
    QString device = QStringLiteral("auto");
    int threads = 0;          // 0: the engine's default (cores - 1)
};

struct DemoPilotsProgress {
    QString stage;            // "demo-adafedfr: round 1: site 2 training"
    double fraction = 0;      // overall, 0..1
};

struct DemoPilotsResult {
    enum class State { Completed, Cancelled, Failed };
    State state = State::Completed;
    QString error;            // Failed only
    QStringList pilots;       // names written, in order
    int rounds = 0;           // completed rounds per pilot
    double seconds = 0;
};

class DemoPilotJob : public QObject {
    Q_OBJECT
public:
    explicit DemoPilotJob(QObject* parent = nullptr);
    ~DemoPilotJob() override;  // cancels and joins

    // False (nothing starts) while a run is in progress.
    bool start(const DemoPilotsParams& params);
    void cancel();
    bool isRunning() const { return m_running; }

    static QString pilotName(bool adafedfr) { return adafedfr ? QStringLiteral("demo-adafedfr") : QStringLiteral("demo-fedavg"); }

Q_SIGNALS:
    void progress(const fedpilot::ui::DemoPilotsProgress& progress);
    void finished(const fedpilot::ui::DemoPilotsResult& result);

private:
    DemoPilotsResult run(const DemoPilotsParams& params);
    void report(const DemoPilotsProgress& progress, bool force = false);
    void join();

    std::thread m_thread;
    std::atomic<bool> m_cancel{false};
    bool m_running = false;
    jobs::LatestValue<DemoPilotsProgress> m_latest;
};

}  // namespace fedpilot::ui

Q_DECLARE_METATYPE(fedpilot::ui::DemoPilotsProgress)
Q_DECLARE_METATYPE(fedpilot::ui::DemoPilotsResult)
