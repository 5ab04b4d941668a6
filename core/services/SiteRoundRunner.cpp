#include "services/SiteRoundRunner.h"

#include "common/Strings.h"
#include "fedpilot/engine/FaceModel.h"
#include "fedpilot/engine/FaceSynth.h"
#include "fedpilot/engine/Federation.h"
#include "fedpilot/engine/Verification.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>

namespace fedpilot {

using engine::Result;
using engine::Status;

namespace {

void fill(v1::Verification* out, const engine::VerificationMetrics& m)
{
    out->set_accuracy(m.accuracy);
    out->set_auc(m.auc);
    out->set_eer(m.eer);
    for (const auto& t : m.tarAtFar) {
        if (std::abs(t.far - 1e-3) < 1e-9 && t.available)
            out->set_tar_far_1e3(t.tar);
    }
    out->set_genuine_pairs(static_cast<std::uint64_t>(m.genuinePairs));
    out->set_impostor_pairs(static_cast<std::uint64_t>(m.impostorPairs));
}

}  // namespace

SiteRoundRunner::SiteRoundRunner(QString dir, SiteDataOptions options)
    : m_dir(std::move(dir))
    , m_options(std::move(options))
{
}

Status SiteRoundRunner::ensureData(int inputSize)
{
    if (m_cache && m_cache->info().width == inputSize)
        return Status::ok();
    QString path = m_options.cachePath;
    if (m_options.synthetic) {
        path = QDir(m_dir).filePath(QStringLiteral("data/synthetic-%1px.fpcache").arg(inputSize));
        if (!QFile::exists(path)) {
            QDir().mkpath(QDir(m_dir).filePath(QStringLiteral("data")));
            engine::SynthCacheOptions synth;
            synth.identities = m_options.syntheticIdentities;
            synth.imagesPerIdentity = m_options.syntheticImagesPerIdentity;
            synth.heldOutImagesPerIdentity = m_options.syntheticHeldOutPerIdentity;
            synth.size = inputSize;
            synth.seed = m_options.syntheticSeed;
            if (auto s = engine::writeSynthCache(toEnginePath(path), synth); !s)
                return s;
        }
    }
    if (path.isEmpty())
        return Status::error("the site has no data (give a face cache or use synthetic faces)");
    auto cache = engine::FaceCache::open(toEnginePath(path));
    if (!cache)
        return cache.status();
    if (cache->info().width != inputSize || cache->info().height != inputSize)
        return Status::error("the face cache holds " + std::to_string(cache->info().width) + " px faces; the pilot's model needs "
                             + std::to_string(inputSize) + " px (re-import at that size)");
    m_cache = cache.value();
    m_train = m_cache->indices(engine::Split::Train);
    m_heldOut = m_cache->indices(engine::Split::HeldOut);
    if (m_train.empty() || m_heldOut.size() < 4)
        return Status::error("the face cache needs training images and at least 4 held-out images");
    return Status::ok();
}

Result<engine::EvalReport> SiteRoundRunner::evaluate(const std::vector<float>& embeddings, int dim) const
{
    std::vector<std::int32_t> labels;
    for (auto i : m_heldOut)
        labels.push_back(m_cache->label(i));
    engine::EvalProtocol protocol;
    protocol.folds = 5;  // few held-out faces per site
    return engine::evaluateEmbeddings(embeddings, dim, labels, protocol);
}

Result<v1::MetricsReport> SiteRoundRunner::evaluateBaseline(const engine::TensorBundle& state, std::uint32_t round)
{
    auto config = engine::readModelMeta(state);
    if (!config)
        return config.status();
    if (auto s = ensureData(config->inputSize); !s)
        return s;
    auto model = engine::FaceModel::create(config.value());
    if (!model)
        return model.status();
    if (auto s = model->loadState(state); !s)
        return s;
    engine::EmbedOptions embed;
    embed.device = m_options.device;
    embed.threads = m_options.threads;
    auto e = model->embed(*m_cache, m_heldOut, embed);
    if (!e)
        return e.status();
    auto report = evaluate(e.value(), config->embeddingSize);
    if (!report)
        return report.status();
    v1::MetricsReport r;
    r.set_round(round);
    r.set_kind("baseline");
    fill(r.mutable_generic(), report->verification);
    fill(r.mutable_personalized(), report->verification);
    r.set_identification_top1(report->identification.top1);
    r.set_samples(static_cast<std::uint64_t>(m_train.size()));
    return r;
}

Result<SiteRoundRunner::TrainResult> SiteRoundRunner::train(const v1::Task& task, const engine::TensorBundle& global,
                                                            const std::string& repsBytes, std::uint64_t siteSeed,
                                                            const std::atomic<bool>* cancel, const ProgressFn& progress)
{
    using R = Result<TrainResult>;
    const auto& s = task.settings();
    std::optional<engine::TensorBundle> reps;
    if (!repsBytes.empty()) {
        auto decoded = engine::decodeBundle(repsBytes);
        if (!decoded || decoded->tensors.size() != 1)
            return R::error("the public representations are malformed");
        reps = std::move(decoded.value());
    }
    engine::ModelConfig model;
    auto backbone = engine::parseBackbone(s.backbone());
    auto strategy = engine::parseStrategy(s.strategy());
    auto head = engine::parseMarginHead(s.head().empty() ? std::string("cosface") : s.head());
    if (!backbone || !strategy || !head)
        return R::error("the task's settings name an unknown backbone, strategy or head");
    model.backbone = backbone.value();
    model.inputSize = static_cast<int>(s.input_size());
    model.embeddingSize = static_cast<int>(s.embedding_size());
    if (auto st = ensureData(model.inputSize); !st)
        return st;

    // The trainer (classifier, adapter, optimizer, learnable public reps) persists across rounds.
    const QString trainerPath = QDir(m_dir).filePath(QStringLiteral("trainer.fpt"));
    std::optional<engine::LocalTrainer> trainer;
    if (QFile::exists(trainerPath)) {
        auto loaded = engine::LocalTrainer::load(toEnginePath(trainerPath));
        if (loaded && loaded->modelConfig().inputSize == model.inputSize && loaded->modelConfig().embeddingSize == model.embeddingSize
            && loaded->modelConfig().backbone == model.backbone && loaded->config().strategy == strategy.value())
            trainer = std::move(loaded.value());
    }
    if (!trainer) {
        engine::TrainConfig t;
        t.strategy = strategy.value();
        t.head = engine::defaultHead(head.value());
        t.epochs = static_cast<int>(std::max<std::uint32_t>(1, s.epochs()));
        t.batchSize = static_cast<int>(std::max<std::uint32_t>(1, s.batch_size()));
        t.optim.learningRate = s.learning_rate();
        t.optim.momentum = s.momentum();
        t.optim.weightDecay = s.weight_decay();
        t.ada.k = static_cast<int>(std::max<std::uint32_t>(1, s.k()));
        t.ada.tau = s.tau() > 0 ? s.tau() : 1.0 / 30.0;
        t.ada.lambdaNeg = s.lambda_neg();
        t.ada.lambdaPer = s.lambda_per();
        t.seed = s.seed() * 1000 + m_options.syntheticSeed;
        t.device = m_options.device;
        t.threads = m_options.threads;
        auto created = engine::LocalTrainer::create(model, t);
        if (!created)
            return created.status();
        trainer = std::move(created.value());
    }
    const engine::NamedTensor* repsTensor = reps ? &reps->tensors.front() : nullptr;
    auto outcome = trainer->trainRound(global, repsTensor, *m_cache, m_train, static_cast<int>(s.epochs()),
                                       [&](const engine::TrainProgress& p) {
                                           if (progress)
                                               progress(double(p.step) / std::max<std::int64_t>(1, p.totalSteps));
                                       }, cancel);
    if (!outcome)
        return outcome.status();
    TrainResult result;
    if (outcome->state == engine::TrainState::Cancelled) {
        result.cancelled = true;
        return result;
    }
    if (auto st = trainer->save(toEnginePath(trainerPath)); !st)
        return st;
    auto update = trainer->lastUpdate();
    if (!update)
        return update.status();
    engine::BundleEncodeOptions encode;
    if (!engine::parseEncoding(s.upload_encoding().empty() ? std::string("fp16") : s.upload_encoding(), encode.encoding))
        return R::error("the task asks for an unknown upload encoding '" + s.upload_encoding() + "'");
    encode.compression = s.upload_compression() == "none" ? engine::Compression::None : engine::Compression::Zstd;
    encode.roundingSeed = siteSeed * 0x9e3779b97f4a7c15ULL + task.round() * 1000003ULL + task.attempt();
    auto bytes = engine::encodeBundle(update.value(), encode);
    if (!bytes)
        return bytes.status();
    result.update = std::move(bytes.value());
    result.rawBytes = static_cast<std::uint64_t>(update->numel()) * 4;
    result.updateNorm = engine::l2Norm(update.value());

    // Local metrics: the site's backbone alone (generic) and with its adapter (personalized).
    engine::EmbedOptions embed;
    embed.device = m_options.device;
    embed.threads = m_options.threads;
    auto local = engine::FaceModel::create(model);
    if (!local)
        return local.status();
    if (auto st = local->loadState(trainer->localState()); !st)
        return st;
    auto ge = local->embed(*m_cache, m_heldOut, embed);
    auto pe = trainer->embedPersonalized(*m_cache, m_heldOut, embed);
    if (!ge || !pe)
        return R::error(!ge ? ge.message() : pe.message());
    auto gr = evaluate(ge.value(), model.embeddingSize);
    auto pr = evaluate(pe.value(), model.embeddingSize);
    if (!gr || !pr)
        return R::error(!gr ? gr.message() : pr.message());
    auto& r = result.report;
    r.set_round(task.round());
    r.set_kind("round");
    r.set_loss(outcome->finalLoss);
    fill(r.mutable_generic(), gr->verification);
    fill(r.mutable_personalized(), pr->verification);
    r.set_identification_top1(pr->identification.top1);
    r.set_samples(static_cast<std::uint64_t>(m_train.size()));
    r.set_train_seconds(outcome->seconds);
    r.set_device(outcome->device);
    r.set_update_norm(result.updateNorm);
    QJsonArray epochLoss;
    for (double loss : outcome->epochLoss)
        epochLoss.append(loss);
    r.set_extra_json(QJsonDocument(QJsonObject{{QStringLiteral("images_per_sec"), outcome->imagesPerSec},
                                               {QStringLiteral("epochs"), int(outcome->epochLoss.size())},
                                               {QStringLiteral("epoch_loss"), epochLoss},
                                               {QStringLiteral("update_bytes"), qint64(result.update.size())},
                                               {QStringLiteral("update_raw_bytes"), qint64(result.rawBytes)}})
                         .toJson(QJsonDocument::Compact)
                         .toStdString());
    return result;
}

}  // namespace fedpilot
