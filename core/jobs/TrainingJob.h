#pragma once
// Local training for the GUI: a site's own model trained on its imported face cache (the
// "local only" baseline of a pilot, with the engine's LocalTrainer), with the starting model's
// baseline evaluated on the held-out split before and the trained model after. With a checkpoint
// path, a cancelled run saves the whole trainer (backbone, classifier, optimizer momentum) and
// its epoch count there, and a later run with resume continues from it instead of starting over.
// A QObject that owns one worker thread: params in, throttled progress (≤ 10 signals a second) and one finished() out, always on the
// thread that owns the job. Cancel is an atomic flag checked between batches; cancellation is
// an outcome, not an error. No exception leaves the worker.

#include "fedpilot/engine/Config.h"
#include "fedpilot/engine/Trainer.h"
#include "fedpilot/engine/Verification.h"
#include "jobs/LatestValue.h"

#include "jobs/WorkerThread.h"

#include <QObject>
#include <QString>

#include <atomic>
#include <memory>
#include <optional>

namespace fedpilot::jobs {

struct TrainingJobParams {
    QString cachePath;              // packed face cache (from import)
    QString initModelPath;          // start from this model (e.g. the generic one); empty: fresh
    QString outModelPath;           // save the trained model here; empty: not saved
    engine::ModelConfig model;      // ignored when initModelPath is set (the checkpoint's wins)
    engine::TrainConfig train;
    bool evaluateBaseline = true;   // the starting model on the held-out split
    bool evaluateAfter = true;      // the trained model on the held-out split
    int evalFolds = 5;
    QString checkpointPath;         // where a cancelled run saves its trainer; empty: not saved
    bool resume = false;            // continue the run saved at checkpointPath (its model, settings,
                                    // epochs); cachePath and device still come from these params
};

// What a checkpoint holds besides the trainer itself (a JSON file next to it).
struct TrainingCheckpointInfo {
    int epochsDone = 0;
    int epochsTotal = 0;
    QString cachePath;
    int inputSize = 0;
};

enum class TrainingPhase { Loading, Baseline, Training, Evaluating, Done };

struct TrainingProgress {
    TrainingPhase phase = TrainingPhase::Loading;
    engine::TrainProgress train;    // valid in Training
    double fraction = 0;            // overall 0..1 for a progress bar
};

enum class JobState { Completed, Cancelled, Failed };

struct TrainingJobResult {
    JobState state = JobState::Completed;
    QString error;                  // Failed only
    engine::TrainOutcome outcome;
    std::optional<engine::VerificationMetrics> baseline;
    std::optional<engine::VerificationMetrics> trained;
    qint64 heldOutImages = 0;
    // Why an evaluation was skipped (e.g. too few held-out images for genuine pairs): training
    // still counts as completed.
    QString evaluationNote;
    int startEpoch = 0;             // full epochs done before this run (> 0 when resumed)
    int epochsDone = 0;             // full epochs done after it
    int epochsTotal = 0;
    bool checkpointSaved = false;   // a cancelled run left a checkpoint to resume from
};

QString phaseText(TrainingPhase phase);

class TrainingJob : public QObject {
    Q_OBJECT
public:
    explicit TrainingJob(QObject* parent = nullptr);
    ~TrainingJob() override;  // cancels and joins: never leaves a thread behind

    // False (and nothing starts) while a run is in progress.
    bool start(const TrainingJobParams& params);
    void cancel();
    bool isRunning() const { return m_worker.isRunning(); }

    // The checkpoint at path, if there is a complete one.
    static std::optional<TrainingCheckpointInfo> checkpointInfo(const QString& path);
    // Removes a checkpoint (trainer and its JSON).
    static void removeCheckpoint(const QString& path);

Q_SIGNALS:
    void progress(const fedpilot::jobs::TrainingProgress& progress);
    void finished(const fedpilot::jobs::TrainingJobResult& result);

private:
    TrainingJobResult run(const TrainingJobParams& params);
    void report(const TrainingProgress& progress, bool force = false);

    WorkerThread m_worker;
    LatestValue<TrainingProgress> m_latest;
};

}  // namespace fedpilot::jobs
