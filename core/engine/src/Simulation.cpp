#include "fedpilot/engine/Simulation.h"

#include "fedpilot/engine/FaceModel.h"
#include "fedpilot/engine/FaceSynth.h"
#include "fedpilot/engine/Federation.h"

#include <algorithm>
#include <filesystem>

namespace fedpilot::engine {
namespace {

struct Groups {
    std::vector<std::int64_t> publicAll;
    std::vector<std::int64_t> evalAll;
    std::vector<std::vector<std::int64_t>> siteTrain;
    std::vector<std::vector<std::int64_t>> siteHeldOut;
};

// Identities [0,P) are public, then each site's block, then the evaluation identities.
Groups groupIndices(const FaceCache& cache, const SimulationOptions& o)
{
    Groups g;
    g.siteTrain.resize(o.sites);
    g.siteHeldOut.resize(o.sites);
    const int siteStart = o.publicIdentities;
    const int evalStart = siteStart + o.sites * o.identitiesPerSite;
    for (std::int64_t i = 0; i < cache.size(); ++i) {
        const int label = cache.label(i);
        if (label < siteStart) {
            g.publicAll.push_back(i);
        } else if (label >= evalStart) {
            g.evalAll.push_back(i);
        } else {
            const int site = (label - siteStart) / o.identitiesPerSite;
            (cache.split(i) == Split::Train ? g.siteTrain : g.siteHeldOut)[site].push_back(i);
        }
    }
    return g;
}

Result<VerificationMetrics> verify(const std::vector<float>& embeddings, int dim, const FaceCache& cache,
                                   const std::vector<std::int64_t>& items, int folds)
{
    std::vector<std::int32_t> labels;
    for (auto i : items)
        labels.push_back(cache.label(i));
    EvalProtocol protocol;
    protocol.folds = folds;
    auto report = evaluateEmbeddings(embeddings, dim, labels, protocol);
    if (!report)
        return report.status();
    return report->verification;
}

}  // namespace

Result<SimulationResult> simulatePilot(const SimulationOptions& o, const SimulationProgressFn& progress,
                                       const std::atomic<bool>* cancel)
{
    using R = Result<SimulationResult>;
    if (o.workDir.empty())
        return R::error("the simulation needs a work folder");
    if (o.sites < 1 || o.rounds < 0 || o.identitiesPerSite < 2 || o.publicIdentities < 2 || o.evalIdentities < 2)
        return R::error("the simulation needs >= 1 site, >= 2 identities per group and >= 0 rounds");
    if (o.heldOutImagesPerSiteIdentity < 2 || o.imagesPerSiteIdentity <= o.heldOutImagesPerSiteIdentity)
        return R::error("each site identity needs >= 2 held-out images and at least one training image");
    auto report = [&](const std::string& stage, double f) {
        if (progress)
            progress(stage, f);
    };
    auto isCancelled = [&] { return cancel && cancel->load(); };

    // 1. Data: one synthetic population, split into public / sites / evaluation identities.
    std::error_code ec;
    std::filesystem::create_directories(o.workDir, ec);
    const std::string cachePath = (std::filesystem::path(o.workDir) / "simulation.fpcache").string();
    SynthCacheOptions synth;
    synth.identities = o.publicIdentities + o.sites * o.identitiesPerSite + o.evalIdentities;
    synth.imagesPerIdentity = std::max({o.publicImagesPerIdentity, o.imagesPerSiteIdentity, o.evalImagesPerIdentity});
    synth.size = o.model.inputSize;
    synth.seed = o.seed;
    synth.heldOutImagesPerIdentity = o.heldOutImagesPerSiteIdentity;
    report("generating synthetic faces", 0);
    if (auto s = writeSynthCache(cachePath, synth, {}, cancel); !s)
        return s;
    auto cache = FaceCache::open(cachePath);
    if (!cache)
        return cache.status();
    Groups groups = groupIndices(cache.value(), o);
    // Fewer images per identity for groups that asked for fewer.
    auto trim = [&](std::vector<std::int64_t>& items, int perIdentity) {
        std::vector<std::int64_t> kept;
        std::vector<int> seen(synth.identities, 0);
        for (auto i : items) {
            if (seen[cache->label(i)]++ < perIdentity)
                kept.push_back(i);
        }
        items = kept;
    };
    trim(groups.publicAll, o.publicImagesPerIdentity);
    trim(groups.evalAll, o.evalImagesPerIdentity);

    SimulationResult result;
    const int dim = o.model.embeddingSize;
    EmbedOptions embed;
    embed.device = o.local.device;
    embed.threads = o.local.threads;

    // 2. Coordinator: the floor, then pretraining of the generic model on the public identities.
    auto model = FaceModel::create(o.model, o.seed);
    if (!model)
        return model.status();
    result.modelParameters = model->parameterCount();
    {
        auto e = model->embed(cache.value(), groups.evalAll, embed, cancel);
        if (!e)
            return e.status();
        auto v = verify(e.value(), dim, cache.value(), groups.evalAll, 10);
        if (!v)
            return v.status();
        result.untrained = v.value();
    }
    report("pretraining the generic model", 0.05);
    auto pre = pretrain(model.value(), cache.value(), groups.publicAll, o.pretrain,
                        [&](const TrainProgress& p) { report("pretraining the generic model", 0.05 + 0.25 * p.step / std::max<std::int64_t>(1, p.totalSteps)); },
                        cancel);
    if (!pre)
        return pre.status();
    if (pre->state == TrainState::Cancelled)
        return R::error("cancelled");
    result.pretraining = pre.value();

    TrainConfig localConfig = o.local;
    std::vector<LocalTrainer> trainers;
    for (int s = 0; s < o.sites; ++s) {
        localConfig.seed = o.seed * 1000 + s;
        localConfig.strategy = o.strategy;
        auto t = LocalTrainer::create(o.model, localConfig);
        if (!t)
            return t.status();
        trainers.push_back(std::move(t.value()));
    }
    result.dpSigma = o.dpEpsilon > 0 ? gaussianSigma(o.dpEpsilon, o.dpDelta) : 0.0;

    TensorBundle global = model->state();
    for (int round = 0; round <= o.rounds; ++round) {
        RoundResult rr;
        rr.round = round;
        const double roundBase = 0.3 + 0.7 * round / (o.rounds + 1);
        if (round > 0) {
            // 3. Public class representations under the current global model.
            auto reps = computePublicRepresentations(model.value(), cache.value(), groups.publicAll, embed, cancel);
            if (!reps)
                return reps.status();
            FedAvgAccumulator accumulator;
            for (int s = 0; s < o.sites; ++s) {
                if (isCancelled())
                    return R::error("cancelled");
                report("round " + std::to_string(round) + ": site " + std::to_string(s + 1) + " training",
                       roundBase + 0.7 / (o.rounds + 1) * s / o.sites);
                auto outcome = trainers[s].trainRound(global, &reps.value(), cache.value(), groups.siteTrain[s], 0, {}, cancel);
                if (!outcome)
                    return R::error("site " + std::to_string(s + 1) + ": " + outcome.message());
                if (outcome->state == TrainState::Cancelled)
                    return R::error("cancelled");
                auto update = trainers[s].lastUpdate();
                if (!update)
                    return update.status();
                SiteRoundResult sr;
                sr.site = s;
                sr.training = outcome.value();
                sr.samples = static_cast<std::int64_t>(groups.siteTrain[s].size());
                sr.updateNorm = l2Norm(update.value());
                sr.updateBytesFp32 = update->numel() * 4;
                if (result.dpSigma > 0) {
                    // Central DP is the coordinator's job in the product; client-level here.
                    for (auto& t : update->tensors)
                        if (t.kind == TensorKind::Buffer)
                            std::fill(t.values.begin(), t.values.end(), 0.0f);
                    auto dp = clipAndNoise(update.value(), o.dpClip, result.dpSigma, o.seed * 7919 + round * 131 + s);
                    if (!dp)
                        return dp.status();
                }
                if (o.strategy != Strategy::Local) {
                    if (auto st = accumulator.add(update.value(), static_cast<double>(sr.samples)); !st)
                        return st;
                }
                // Personalized evaluation: the site's own model on its held-out images.
                auto pe = trainers[s].embedPersonalized(cache.value(), groups.siteHeldOut[s], embed, cancel);
                if (!pe)
                    return pe.status();
                auto pv = verify(pe.value(), dim, cache.value(), groups.siteHeldOut[s], 5);
                if (!pv)
                    return pv.status();
                sr.personalized = pv.value();
                rr.sites.push_back(sr);
            }
            if (o.strategy != Strategy::Local) {
                auto mean = accumulator.average();
                if (!mean)
                    return mean.status();
                auto next = applyDelta(global, mean.value());
                if (!next)
                    return next.status();
                global = next.value();
                if (auto st = model->loadState(global); !st)
                    return st;
            }
        }
        // 4. Generic evaluation of the (new) global model on identities nobody trained on.
        report("round " + std::to_string(round) + ": evaluation", roundBase + 0.65 / (o.rounds + 1));
        auto e = model->embed(cache.value(), groups.evalAll, embed, cancel);
        if (!e)
            return e.status();
        std::vector<std::int32_t> labels;
        for (auto i : groups.evalAll)
            labels.push_back(cache->label(i));
        auto full = evaluateEmbeddings(e.value(), dim, labels, {});
        if (!full)
            return full.status();
        rr.generic = full->verification;
        rr.identification = full->identification;
        result.rounds.push_back(rr);
    }
    report("done", 1.0);
    return result;
}

}  // namespace fedpilot::engine
