// Training: pretraining learns identities that generalise, local rounds keep their state,
// cancel is clean, checkpoints restore exactly.

#include "fedpilot/engine/FaceSynth.h"
#include "fedpilot/engine/Federation.h"
#include "fedpilot/engine/Trainer.h"
#include "fedpilot/engine/Verification.h"

#include "EngineTestSupport.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <random>

using namespace fedpilot::engine;
using fedpilot::enginetest::TempDir;
namespace fs = std::filesystem;

namespace {

// 40 training identities, then 20 identities that are entirely held out.
FaceCache population(const TempDir& dir)
{
    SynthCacheOptions o;
    o.identities = 60;
    o.imagesPerIdentity = 8;
    o.size = 32;
    o.seed = 11;
    o.heldOutImagesPerIdentity = 2;
    o.firstHeldOutIdentity = 40;
    const auto path = dir.file("population.fpcache");
    EXPECT_TRUE(writeSynthCache(path, o).isOk());
    return FaceCache::open(path).value();
}

ModelConfig smallModel()
{
    ModelConfig c;
    c.inputSize = 32;
    c.embeddingSize = 64;
    return c;
}

TrainConfig cpuConfig()
{
    TrainConfig c;
    c.device = "cpu";
    c.batchSize = 32;
    c.threads = 1;
    return c;
}

double heldOutAccuracy(const FaceModel& model, const FaceCache& cache)
{
    std::vector<std::int64_t> items;
    std::vector<std::int32_t> labels;
    for (std::int64_t i = 0; i < cache.size(); ++i) {
        if (cache.label(i) >= 40) {
            items.push_back(i);
            labels.push_back(cache.label(i));
        }
    }
    EmbedOptions options;
    options.device = "cpu";
    auto e = model.embed(cache, items, options);
    EXPECT_TRUE(e.isOk()) << e.message();
    auto report = evaluateEmbeddings(e.value(), model.config().embeddingSize, labels);
    EXPECT_TRUE(report.isOk()) << report.message();
    return report->verification.accuracy;
}

std::vector<std::int64_t> trainIdentities(const FaceCache& cache, int first, int last)
{
    std::vector<std::int64_t> out;
    for (std::int64_t i = 0; i < cache.size(); ++i)
        if (cache.label(i) >= first && cache.label(i) < last && cache.split(i) == Split::Train)
            out.push_back(i);
    return out;
}

}  // namespace

TEST(Training, PretrainingRaisesHeldOutVerificationClearlyAboveTheUntrainedModel)
{
    TempDir dir;
    const auto cache = population(dir);
    auto model = FaceModel::create(smallModel(), 3);
    ASSERT_TRUE(model.isOk());
    const double before = heldOutAccuracy(model.value(), cache);

    auto config = cpuConfig();
    config.epochs = 10;
    config.optim.learningRate = 0.1;
    int progressCalls = 0;
    double lastFraction = 0;
    auto outcome = pretrain(model.value(), cache, trainIdentities(cache, 0, 40), config, [&](const TrainProgress& p) {
        ++progressCalls;
        EXPECT_GE(p.step, 0);
        EXPECT_LE(p.step, p.totalSteps);
        EXPECT_TRUE(std::isfinite(p.loss));
        lastFraction = double(p.step) / p.totalSteps;
    });
    ASSERT_TRUE(outcome.isOk()) << outcome.message();
    EXPECT_EQ(outcome->state, TrainState::Completed);
    EXPECT_GT(progressCalls, 0);
    EXPECT_DOUBLE_EQ(lastFraction, 1.0);
    ASSERT_EQ(outcome->epochLoss.size(), 10u);
    EXPECT_LT(outcome->epochLoss.back(), outcome->epochLoss.front());

    const double after = heldOutAccuracy(model.value(), cache);
    std::cout << "held-out verification accuracy: untrained " << before << ", trained " << after << "\n";
    EXPECT_GT(after, before + 0.08);
    EXPECT_GT(after, 0.8);
}

TEST(Training, CancelStopsBetweenBatchesAndReportsCancelled)
{
    TempDir dir;
    const auto cache = population(dir);
    auto model = FaceModel::create(smallModel(), 3);
    std::atomic<bool> cancel{false};
    auto config = cpuConfig();
    config.epochs = 50;
    auto outcome = pretrain(model.value(), cache, trainIdentities(cache, 0, 40), config, [&](const TrainProgress& p) {
        if (p.step >= 3)
            cancel = true;
    }, &cancel);
    ASSERT_TRUE(outcome.isOk());
    EXPECT_EQ(outcome->state, TrainState::Cancelled);
    EXPECT_LT(outcome->steps, 10);
}

TEST(Training, NonFiniteLossIsAnErrorNotASilentNaNModel)
{
    TempDir dir;
    const auto cache = population(dir);
    auto model = FaceModel::create(smallModel(), 3);
    auto state = model->state();
    for (auto& v : state.tensors.front().values)
        v = std::nanf("");
    ASSERT_TRUE(model->loadState(state).isOk());
    auto config = cpuConfig();
    config.epochs = 1;
    auto outcome = pretrain(model.value(), cache, trainIdentities(cache, 0, 40), config);
    ASSERT_FALSE(outcome.isOk());
    EXPECT_NE(outcome.message().find("diverged"), std::string::npos) << outcome.message();
}

TEST(Training, PretrainRejectsACacheOfAnotherSizeAndTooFewIdentities)
{
    TempDir dir;
    const auto cache = population(dir);
    ModelConfig big = smallModel();
    big.inputSize = 48;
    auto model = FaceModel::create(big);
    EXPECT_FALSE(pretrain(model.value(), cache, cache.allIndices(), cpuConfig()).isOk());
    auto small = FaceModel::create(smallModel());
    EXPECT_FALSE(pretrain(small.value(), cache, trainIdentities(cache, 0, 1), cpuConfig()).isOk());
}

class LocalRounds : public ::testing::TestWithParam<Strategy> {};

TEST_P(LocalRounds, StateUpdateAndCheckpointAcrossRounds)
{
    TempDir dir;
    const auto cache = population(dir);
    auto global = FaceModel::create(smallModel(), 3);
    EmbedOptions embed;
    embed.device = "cpu";
    auto reps = computePublicRepresentations(global.value(), cache, trainIdentities(cache, 0, 20), embed);
    ASSERT_TRUE(reps.isOk());

    auto config = cpuConfig();
    config.strategy = GetParam();
    config.epochs = 2;
    config.optim.learningRate = 0.05;
    config.ada.k = 10;
    auto trainer = LocalTrainer::create(smallModel(), config);
    ASSERT_TRUE(trainer.isOk());
    EXPECT_FALSE(trainer->lastUpdate().isOk());  // nothing trained yet

    const auto site = trainIdentities(cache, 20, 30);
    auto round1 = trainer->trainRound(global->state(), &reps.value(), cache, site);
    ASSERT_TRUE(round1.isOk()) << round1.message();
    EXPECT_EQ(round1->state, TrainState::Completed);
    EXPECT_EQ(trainer->roundsTrained(), 1);
    const bool ada = GetParam() == Strategy::AdaFedFR;
    EXPECT_EQ(round1->epochLossNeg.back() > 0, ada);
    EXPECT_EQ(round1->epochLossPer.back() > 0, ada);

    auto update = trainer->lastUpdate();
    ASSERT_TRUE(update.isOk()) << update.message();
    EXPECT_TRUE(validateUpdate(global->state(), update.value(), {}).isOk());
    EXPECT_GT(l2Norm(update.value()), 0.0);
    // update = local - global, exactly.
    auto rebuilt = applyDelta(global->state(), update.value());
    auto residual = difference(rebuilt.value(), trainer->localState());
    EXPECT_LT(l2Norm(residual.value(), true), 1e-3);

    // Checkpoint: the restored trainer embeds identically and continues.
    ASSERT_TRUE(trainer->save(dir.file("site.trainer")).isOk());
    auto restored = LocalTrainer::load(dir.file("site.trainer"));
    ASSERT_TRUE(restored.isOk()) << restored.message();
    EXPECT_EQ(restored->roundsTrained(), 1);
    const auto heldOut = cache.indices(Split::HeldOut);
    std::vector<std::int64_t> siteHeldOut;
    for (auto i : heldOut)
        if (cache.label(i) >= 20 && cache.label(i) < 30)
            siteHeldOut.push_back(i);
    auto a = trainer->embedPersonalized(cache, siteHeldOut, embed);
    auto b = restored->embedPersonalized(cache, siteHeldOut, embed);
    ASSERT_TRUE(a.isOk() && b.isOk());
    for (std::size_t i = 0; i < a->size(); ++i)
        ASSERT_NEAR(a.value()[i], b.value()[i], 1e-5);
    auto restoredUpdate = restored->lastUpdate();
    ASSERT_TRUE(restoredUpdate.isOk());
    EXPECT_NEAR(l2Norm(restoredUpdate.value()), l2Norm(update.value()), 1e-3);

    // Round 2 from a new global model: the backbone restarts from it, local state carries over.
    auto round2 = restored->trainRound(rebuilt.value(), &reps.value(), cache, site, 1);
    ASSERT_TRUE(round2.isOk()) << round2.message();
    EXPECT_EQ(restored->roundsTrained(), 2);
    EXPECT_EQ(round2->epochLoss.size(), 1u);
    // The classifier was already fitted: round 2 starts from a lower loss than round 1 did.
    EXPECT_LT(round2->epochLoss.front(), round1->epochLoss.front());
}

INSTANTIATE_TEST_SUITE_P(Strategies, LocalRounds, ::testing::Values(Strategy::AdaFedFR, Strategy::FedAvg, Strategy::Local),
                         [](const auto& info) { return std::string(toString(info.param)); });

TEST(LocalTrainer, RejectsMissingOrMalformedPublicRepresentationsAndNewIdentities)
{
    TempDir dir;
    const auto cache = population(dir);
    auto global = FaceModel::create(smallModel(), 3);
    auto config = cpuConfig();
    config.epochs = 1;
    auto trainer = LocalTrainer::create(smallModel(), config);
    const auto site = trainIdentities(cache, 20, 25);
    EXPECT_FALSE(trainer->trainRound(global->state(), nullptr, cache, site).isOk());
    NamedTensor wrong{"public", {3, 32}, std::vector<float>(96, 0.1f), TensorKind::Parameter};
    EXPECT_FALSE(trainer->trainRound(global->state(), &wrong, cache, site).isOk());
    NamedTensor nan{"public", {2, 64}, std::vector<float>(128, 0.1f), TensorKind::Parameter};
    nan.values[5] = std::nanf("");
    EXPECT_FALSE(trainer->trainRound(global->state(), &nan, cache, site).isOk());

    NamedTensor good{"public", {2, 64}, std::vector<float>(128, 0.1f), TensorKind::Parameter};
    ASSERT_TRUE(trainer->trainRound(global->state(), &good, cache, site).isOk());
    // Identities the site did not have in its first round cannot appear later.
    auto other = trainer->trainRound(global->state(), &good, cache, trainIdentities(cache, 25, 30));
    EXPECT_FALSE(other.isOk());
}

TEST(LocalTrainer, CancelledRoundGivesNoUpdate)
{
    TempDir dir;
    const auto cache = population(dir);
    auto global = FaceModel::create(smallModel(), 3);
    auto config = cpuConfig();
    config.strategy = Strategy::FedAvg;
    config.epochs = 20;
    auto trainer = LocalTrainer::create(smallModel(), config);
    std::atomic<bool> cancel{true};
    auto outcome = trainer->trainRound(global->state(), nullptr, cache, trainIdentities(cache, 0, 10), 0, {}, &cancel);
    ASSERT_TRUE(outcome.isOk());
    EXPECT_EQ(outcome->state, TrainState::Cancelled);
    EXPECT_FALSE(trainer->lastUpdate().isOk());
    EXPECT_EQ(trainer->roundsTrained(), 0);
}
