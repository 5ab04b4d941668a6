#include "jobs/TrainingJob.h"

#include "common/Strings.h"
#include "fedpilot/engine/FaceCache.h"
#include "fedpilot/engine/FaceModel.h"

#include <QMetaObject>

#include <exception>

namespace fedpilot::jobs {
namespace {

constexpr qint64 kProgressIntervalMs = 100;  // at most 10 progress signals a second
constexpr double kBaselineShare = 0.05;
constexpr double kTrainShare = 0.85;

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
    m_cancel.store(true);
    join();
}

void TrainingJob::join()
{
    if (m_thread.joinable())
        m_thread.join();
}

bool TrainingJob::start(const TrainingJobParams& params)
{
    if (m_running)
        return false;
    join();  // a finished run's thread may still be unwinding
    m_cancel.store(false);
    m_latest.reset();
    m_running = true;
    m_thread = std::thread([this, params] {
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
            join();
            m_running = false;
            Q_EMIT finished(result);
        }, Qt::QueuedConnection);
    });
    return true;
}

void TrainingJob::cancel()
{
    m_cancel.store(true);
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
    auto model = p.initModelPath.isEmpty() ? engine::FaceModel::create(p.model, p.train.seed)
                                           : engine::FaceModel::load(toEnginePath(p.initModelPath));
    if (!model)
        return fail(model.message());
    if (model->config().inputSize != cache->info().width)
        return fail("the model takes " + std::to_string(model->config().inputSize) + " px faces but the cache holds "
                    + std::to_string(cache->info().width) + " px ones: import again at that size or pick another model");
    const auto train = cache->indices(engine::Split::Train);
    const auto heldOut = cache->indices(engine::Split::HeldOut);
    result.heldOutImages = static_cast<qint64>(heldOut.size());
    if (train.empty())
        return fail("the cache has no training images");

    if (p.evaluateBaseline && !heldOut.empty()) {
        report({TrainingPhase::Baseline, {}, 0.01}, true);
        auto metrics = evaluateModel(model.value(), cache.value(), heldOut, p, &m_cancel);
        if (m_cancel.load())
            return cancelled();
        if (metrics)
            result.baseline = metrics.value();
        else
            result.evaluationNote = QString::fromStdString(metrics.message());
    }
    if (m_cancel.load())
        return cancelled();

    auto outcome = engine::pretrain(model.value(), cache.value(), train, p.train, [this](const engine::TrainProgress& t) {
        const double f = t.totalSteps > 0 ? double(t.step) / double(t.totalSteps) : 0;
        report({TrainingPhase::Training, t, kBaselineShare + kTrainShare * f});
    }, &m_cancel);
    if (!outcome)
        return fail(outcome.message());
    result.outcome = outcome.value();
    if (outcome->state == engine::TrainState::Cancelled)
        return cancelled();

    if (!p.outModelPath.isEmpty()) {
        const auto saved = model->save(toEnginePath(p.outModelPath));
        if (!saved)
            return fail(saved.message());
    }
    if (p.evaluateAfter && !heldOut.empty()) {
        report({TrainingPhase::Evaluating, {}, kBaselineShare + kTrainShare}, true);
        auto metrics = evaluateModel(model.value(), cache.value(), heldOut, p, &m_cancel);
        if (m_cancel.load())
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
