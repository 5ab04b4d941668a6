#include "jobs/TrainingJob.h"

#include "common/Strings.h"
#include "fedpilot/engine/FaceCache.h"
#include "fedpilot/engine/FaceModel.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMetaObject>

#include <exception>

namespace fedpilot::jobs {
namespace {

constexpr qint64 kProgressIntervalMs = 100;  // at most 10 progress signals a second
constexpr double kBaselineShare = 0.05;
constexpr double kTrainShare = 0.85;

QString checkpointMetaPath(const QString& checkpoint)
{
    return checkpoint + QStringLiteral(".json");
}

engine::Result<engine::VerificationMetrics> evaluateModel(const engine::FaceModel& model, const engine::FaceCache& cache,
                                                          const std::vector<std::int64_t>& indices, const TrainingJobParams& p,
                                                          const std::atomic<bool>* cancel)
{
    engine::EmbedOptions embed;
    embed.device = p.train.device;
    embed.threads = p.train.threads;
    embed.batchSize = std::max(16, p.train.batchSize);
    auto embeddings = model.embed(cache, indices, embed, cancel);
    if (!embeddings)
        return embeddings.status();
    std::vector<std::int32_t> labels;
    labels.reserve(indices.size());
    for (auto i : indices)
        labels.push_back(cache.label(i));
    engine::EvalProtocol protocol;
    protocol.folds = std::max(2, p.evalFolds);
    protocol.genuinePerFold = 100;
    protocol.impostorPerFold = 100;
    auto report = engine::evaluateEmbeddings(embeddings.value(), model.config().embeddingSize, labels, protocol);
    if (!report)
        return report.status();
    return report->verification;
}

}  // namespace

QString phaseText(TrainingPhase phase)
{
    switch (phase) {
    case TrainingPhase::Loading: return QStringLiteral("Loading data and model");
    case TrainingPhase::Baseline: return QStringLiteral("Evaluating the baseline");
    case TrainingPhase::Training: return QStringLiteral("Training");
    case TrainingPhase::Evaluating: return QStringLiteral("Evaluating the trained model");
    case TrainingPhase::Done: return QStringLiteral("Done");
    }
    return {};
}

TrainingJob::TrainingJob(QObject* parent) : QObject(parent) {}

TrainingJob::~TrainingJob()
{
    m_worker.stopAndJoin();
}

bool TrainingJob::start(const TrainingJobParams& params)
{
    if (m_worker.isRunning())
        return false;
    m_latest.reset();
    return m_worker.start([this, params] {
        TrainingJobResult result;
        try {
            result = run(params);
        } catch (const std::exception& e) {
            result.state = JobState::Failed;
            result.error = QString::fromUtf8(e.what());
        } catch (...) {
            result.state = JobState::Failed;
            result.error = QStringLiteral("unexpected error in the training thread");
        }
        QMetaObject::invokeMethod(this, [this, result] {
            // Deliver the last progress first so a bar ends where the work ended.
            if (auto last = m_latest.take())
                Q_EMIT progress(*last);
            m_worker.finish();
            Q_EMIT finished(result);
        }, Qt::QueuedConnection);
    });
}

void TrainingJob::cancel()
{
    m_worker.requestCancel();
}

void TrainingJob::report(const TrainingProgress& p, bool force)
{
    if (m_latest.offer(p, kProgressIntervalMs, force)) {
        QMetaObject::invokeMethod(this, [this] {
            if (auto value = m_latest.take())
                Q_EMIT progress(*value);
        }, Qt::QueuedConnection);
    }
}

std::optional<TrainingCheckpointInfo> TrainingJob::checkpointInfo(const QString& path)
{
    if (path.isEmpty() || !QFile::exists(path))
        return std::nullopt;
    QFile f(checkpointMetaPath(path));
    if (!f.open(QIODevice::ReadOnly))
        return std::nullopt;
    const QJsonObject o = QJsonDocument::fromJson(f.readAll()).object();
    TrainingCheckpointInfo info;
    info.epochsDone = o.value(QStringLiteral("epochs_done")).toInt(-1);
    info.epochsTotal = o.value(QStringLiteral("epochs_total")).toInt(-1);
    info.cachePath = o.value(QStringLiteral("cache")).toString();
    info.inputSize = o.value(QStringLiteral("input_size")).toInt();
    if (info.epochsDone < 0 || info.epochsTotal < 1 || info.epochsDone >= info.epochsTotal)
        return std::nullopt;
    return info;
}

void TrainingJob::removeCheckpoint(const QString& path)
{
    if (path.isEmpty())
        return;
    QFile::remove(checkpointMetaPath(path));
    QFile::remove(path);
}

TrainingJobResult TrainingJob::run(const TrainingJobParams& p)
{
    TrainingJobResult result;
    const auto fail = [&result](const std::string& message) {
        result.state = JobState::Failed;
        result.error = QString::fromStdString(message);
        return result;
    };
    const auto cancelled = [&result] {
        result.state = JobState::Cancelled;
        return result;
    };
    report({TrainingPhase::Loading, {}, 0}, true);
    auto cache = engine::FaceCache::open(toEnginePath(p.cachePath), false);
    if (!cache)
        return fail(cache.message());

    // The trainer: a checkpoint's (resume), or a new one starting from the given model or from scratch.
    std::optional<engine::LocalTrainer> trainer;
    engine::TensorBundle startState;
    int epochsTotal = p.train.epochs;
    if (p.resume) {
        const auto info = checkpointInfo(p.checkpointPath);
        if (!info)
            return fail("there is no checkpoint to resume from at " + p.checkpointPath.toStdString());
        auto loaded = engine::LocalTrainer::load(toEnginePath(p.checkpointPath));
        if (!loaded)
            return fail(loaded.message());
        trainer.emplace(std::move(loaded.value()));
        result.startEpoch = info->epochsDone;
        epochsTotal = info->epochsTotal;
    } else {
        engine::ModelConfig modelConfig = p.model;
        if (!p.initModelPath.isEmpty()) {
            auto init = engine::FaceModel::load(toEnginePath(p.initModelPath));
            if (!init)
                return fail(init.message());
            modelConfig = init->config();
            startState = init->state();
        }
        engine::TrainConfig config = p.train;
        config.strategy = engine::Strategy::Local;  // a site alone: no public negatives, no adapter
        auto created = engine::LocalTrainer::create(modelConfig, config);
        if (!created)
            return fail(created.message());
        trainer.emplace(std::move(created.value()));
        if (startState.tensors.empty())
            startState = trainer->localState();
    }
    if (p.resume)
        startState = trainer->localState();
    result.epochsTotal = epochsTotal;
    result.epochsDone = result.startEpoch;
    const engine::ModelConfig modelConfig = trainer->modelConfig();
    if (modelConfig.inputSize != cache->info().width)
        return fail("the model takes " + std::to_string(modelConfig.inputSize) + " px faces but the cache holds "
                    + std::to_string(cache->info().width) + " px ones: import again at that size or pick another model");
    auto model = engine::FaceModel::create(modelConfig, p.train.seed);
    if (!model)
        return fail(model.message());
    if (auto s = model->loadState(startState); !s)
        return fail(s.message());
    const auto train = cache->indices(engine::Split::Train);
    const auto heldOut = cache->indices(engine::Split::HeldOut);
    result.heldOutImages = static_cast<qint64>(heldOut.size());
    if (train.empty())
        return fail("the cache has no training images");

    // A resumed run's starting model is half trained: its "baseline" would mislead.
    if (p.evaluateBaseline && !p.resume && !heldOut.empty()) {
        report({TrainingPhase::Baseline, {}, 0.01}, true);
        auto metrics = evaluateModel(model.value(), cache.value(), heldOut, p, m_worker.cancelFlag());
        if (m_worker.cancelRequested())
            return cancelled();
        if (metrics)
            result.baseline = metrics.value();
        else
            result.evaluationNote = QString::fromStdString(metrics.message());
    }
    if (m_worker.cancelRequested())
        return cancelled();

    const int start = result.startEpoch;
    const int remaining = epochsTotal - start;
    std::atomic<std::int64_t> stepsPerEpoch{0};
    auto outcome = trainer->trainRound(startState, nullptr, cache.value(), train, remaining, [&](const engine::TrainProgress& t) {
        const std::int64_t perEpoch = t.epochs > 0 ? t.totalSteps / t.epochs : 0;
        if (perEpoch > 0)
            stepsPerEpoch.store(perEpoch);
        const double f = t.totalSteps > 0 ? double(t.step) / double(t.totalSteps) : 0;
        engine::TrainProgress shown = t;  // epochs and steps of the whole run, not of this part of it
        shown.epoch = start + t.epoch;
        shown.epochs = epochsTotal;
        shown.step = perEpoch * start + t.step;
        shown.totalSteps = perEpoch * epochsTotal;
        report({TrainingPhase::Training, shown, kBaselineShare + kTrainShare * (start + f * remaining) / epochsTotal});
    }, m_worker.cancelFlag());
    if (!outcome)
        return fail(outcome.message());
    result.outcome = outcome.value();
    if (outcome->state == engine::TrainState::Cancelled) {
        const std::int64_t perEpoch = stepsPerEpoch.load();
        result.epochsDone = start + (perEpoch > 0 ? static_cast<int>(outcome->steps / perEpoch) : 0);
        if (!p.checkpointPath.isEmpty()) {
            // The weights of the moment it stopped; a partial epoch is trained again on resume.
            const auto saved = trainer->save(toEnginePath(p.checkpointPath));
            if (!saved)
                return fail("cancelled, but the checkpoint could not be saved: " + saved.message());
            QFile meta(checkpointMetaPath(p.checkpointPath));
            const QJsonObject o{{QStringLiteral("epochs_done"), result.epochsDone},
                                {QStringLiteral("epochs_total"), epochsTotal},
                                {QStringLiteral("cache"), p.cachePath},
                                {QStringLiteral("input_size"), modelConfig.inputSize}};
            if (!meta.open(QIODevice::WriteOnly | QIODevice::Truncate) || meta.write(QJsonDocument(o).toJson()) < 0)
                return fail("cancelled, but the checkpoint could not be saved: cannot write " + meta.fileName().toStdString());
            result.checkpointSaved = true;
        }
        return cancelled();
    }
    result.epochsDone = epochsTotal;
    if (auto s = model->loadState(trainer->localState()); !s)
        return fail(s.message());
    if (!p.checkpointPath.isEmpty())
        removeCheckpoint(p.checkpointPath);  // the run is complete: nothing left to resume

    if (!p.outModelPath.isEmpty()) {
        const auto saved = model->save(toEnginePath(p.outModelPath));
        if (!saved)
            return fail(saved.message());
    }
    if (p.evaluateAfter && !heldOut.empty()) {
        report({TrainingPhase::Evaluating, {}, kBaselineShare + kTrainShare}, true);
        auto metrics = evaluateModel(model.value(), cache.value(), heldOut, p, m_worker.cancelFlag());
        if (m_worker.cancelRequested())
            return cancelled();
        if (metrics)
            result.trained = metrics.value();
        else
            result.evaluationNote = QString::fromStdString(metrics.message());
    }
    if (heldOut.empty() && (p.evaluateBaseline || p.evaluateAfter))
        result.evaluationNote = QStringLiteral("the cache has no held-out images to evaluate on");
    report({TrainingPhase::Done, {}, 1.0}, true);
    return result;
}

}  // namespace fedpilot::jobs
