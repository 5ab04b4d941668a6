// Backbones, model state exchange and checkpoints, devices.

#include "fedpilot/engine/Device.h"
#include "fedpilot/engine/FaceModel.h"
#include "fedpilot/engine/FaceSynth.h"
#include "fedpilot/engine/Federation.h"

#include "EngineTestSupport.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <random>

using namespace fedpilot::engine;
using fedpilot::enginetest::TempDir;
namespace fs = std::filesystem;

namespace {

FaceCache smallCache(const TempDir& dir, int size, int identities = 4, int images = 3)
{
    SynthCacheOptions o;
    o.identities = identities;
    o.imagesPerIdentity = images;
    o.size = size;
    o.heldOutImagesPerIdentity = 1;
    const auto path = dir.file("faces-" + std::to_string(size) + ".fpcache");
    EXPECT_TRUE(writeSynthCache(path, o).isOk());
    return FaceCache::open(path).value();
}

ModelConfig config(Backbone b, int size, int embedding)
{
    ModelConfig c;
    c.backbone = b;
    c.inputSize = size;
    c.embeddingSize = embedding;
    return c;
}

}  // namespace

TEST(FaceModel, MobileFaceNetHasAboutOneMillionParameters)
{
    auto model = FaceModel::create(config(Backbone::MobileFaceNet, 112, 512));
    ASSERT_TRUE(model.isOk()) << model.message();
    EXPECT_GT(model->parameterCount(), 900000);
    EXPECT_LT(model->parameterCount(), 1300000);
}

TEST(FaceModel, EveryBackboneEmbedsUnitVectorsAtSmallSizes)
{
    TempDir dir;
    const auto cache = smallCache(dir, 32);
    for (Backbone b : {Backbone::MobileFaceNet, Backbone::IResNet18}) {
        auto model = FaceModel::create(config(b, 32, 64));
        ASSERT_TRUE(model.isOk()) << model.message();
        EmbedOptions options;
        options.device = "cpu";
        auto e = model->embed(cache, {0, 1, 2}, options);
        ASSERT_TRUE(e.isOk()) << e.message();
        ASSERT_EQ(e->size(), 3u * 64u);
        for (int row = 0; row < 3; ++row) {
            double norm = 0;
            for (int k = 0; k < 64; ++k)
                norm += double(e.value()[row * 64 + k]) * e.value()[row * 64 + k];
            EXPECT_NEAR(std::sqrt(norm), 1.0, 1e-4) << toString(b);
        }
    }
}

TEST(FaceModel, IResNet50IsDeeperThanIResNet18)
{
    auto r18 = FaceModel::create(config(Backbone::IResNet18, 32, 64));
    auto r50 = FaceModel::create(config(Backbone::IResNet50, 32, 64));
    ASSERT_TRUE(r18.isOk() && r50.isOk());
    EXPECT_GT(r50->parameterCount(), r18->parameterCount() * 3 / 2);
}

TEST(FaceModel, RejectsBadConfigurations)
{
    EXPECT_FALSE(FaceModel::create(config(Backbone::MobileFaceNet, 100, 512)).isOk());  // not a multiple of 16
    EXPECT_FALSE(FaceModel::create(config(Backbone::MobileFaceNet, 112, 0)).isOk());
    EXPECT_FALSE(parseBackbone("resnet9000").isOk());
}

TEST(FaceModel, CheckpointRoundTripGivesIdenticalEmbeddings)
{
    TempDir dir;
    const auto cache = smallCache(dir, 32);
    auto model = FaceModel::create(config(Backbone::MobileFaceNet, 32, 64), 5);
    ASSERT_TRUE(model.isOk());
    ASSERT_TRUE(model->save(dir.file("m.fpmodel")).isOk());
    auto loaded = FaceModel::load(dir.file("m.fpmodel"));
    ASSERT_TRUE(loaded.isOk()) << loaded.message();
    EXPECT_EQ(loaded->config().inputSize, 32);
    EXPECT_EQ(loaded->config().embeddingSize, 64);
    EmbedOptions options;
    options.device = "cpu";
    auto a = model->embed(cache, cache.allIndices(), options);
    auto b = loaded->embed(cache, cache.allIndices(), options);
    ASSERT_TRUE(a.isOk() && b.isOk());
    ASSERT_EQ(a->size(), b->size());
    for (std::size_t i = 0; i < a->size(); ++i)
        ASSERT_FLOAT_EQ(a.value()[i], b.value()[i]);
}

TEST(FaceModel, DifferentSeedsGiveDifferentWeightsSameSeedTheSame)
{
    auto a = FaceModel::create(config(Backbone::MobileFaceNet, 32, 64), 1);
    auto b = FaceModel::create(config(Backbone::MobileFaceNet, 32, 64), 1);
    auto c = FaceModel::create(config(Backbone::MobileFaceNet, 32, 64), 2);
    const auto sa = a->state(), sb = b->state(), sc = c->state();
    auto same = difference(sa, sb);
    auto other = difference(sa, sc);
    ASSERT_TRUE(same.isOk() && other.isOk());
    EXPECT_EQ(l2Norm(same.value()), 0.0);
    EXPECT_GT(l2Norm(other.value()), 1.0);
}

TEST(FaceModel, LoadStateRejectsWrongShapesAndLeavesTheModelUntouched)
{
    auto model = FaceModel::create(config(Backbone::MobileFaceNet, 32, 64), 1);
    auto bigger = FaceModel::create(config(Backbone::MobileFaceNet, 32, 128), 1);
    const auto before = model->state();
    const auto status = model->loadState(bigger->state());
    EXPECT_FALSE(status.isOk());
    EXPECT_NE(status.message().find("shape"), std::string::npos) << status.message();
    auto diff = difference(model->state(), before);
    ASSERT_TRUE(diff.isOk());
    EXPECT_EQ(l2Norm(diff.value(), true), 0.0);

    TensorBundle missing = before;
    missing.tensors.erase(missing.tensors.begin());
    EXPECT_FALSE(model->loadState(missing).isOk());
}

TEST(FaceModel, LoadRejectsFilesThatAreNotModels)
{
    TempDir dir;
    TensorBundle plain;
    plain.tensors.push_back({"x", {2}, {1.0f, 2.0f}, TensorKind::Parameter});
    ASSERT_TRUE(saveBundle(dir.file("plain.bundle"), plain).isOk());
    EXPECT_FALSE(FaceModel::load(dir.file("plain.bundle")).isOk());
    EXPECT_FALSE(FaceModel::load(dir.file("missing.fpmodel")).isOk());
}

TEST(FaceModel, EmbedRejectsIndicesOutsideTheCacheAndCachesOfAnotherSize)
{
    TempDir dir;
    const auto cache = smallCache(dir, 32);
    auto model = FaceModel::create(config(Backbone::MobileFaceNet, 32, 64));
    EmbedOptions options;
    options.device = "cpu";
    EXPECT_FALSE(model->embed(cache, {0, cache.size()}, options).isOk());
    EXPECT_FALSE(model->embed(cache, {-1}, options).isOk());
    const auto other = smallCache(dir, 48);
    auto wrongSize = model->embed(other, {0}, options);
    EXPECT_FALSE(wrongSize.isOk());
    EXPECT_NE(wrongSize.message().find("px"), std::string::npos);
}

TEST(FaceModel, PublicRepresentationsAreUnitRowsPerIdentity)
{
    TempDir dir;
    const auto cache = smallCache(dir, 32, 5, 3);
    auto model = FaceModel::create(config(Backbone::MobileFaceNet, 32, 64));
    EmbedOptions options;
    options.device = "cpu";
    auto reps = computePublicRepresentations(model.value(), cache, cache.allIndices(), options);
    ASSERT_TRUE(reps.isOk()) << reps.message();
    ASSERT_EQ(reps->shape, (std::vector<std::int64_t>{5, 64}));
    for (int r = 0; r < 5; ++r) {
        double norm = 0;
        for (int k = 0; k < 64; ++k)
            norm += double(reps->values[r * 64 + k]) * reps->values[r * 64 + k];
        EXPECT_NEAR(norm, 1.0, 1e-4);
    }
}

TEST(Device, CpuAlwaysResolvesAndCudaOnlyWhenPresent)
{
    EXPECT_EQ(resolveDevice("cpu").value(), "cpu");
    EXPECT_TRUE(resolveDevice("auto").isOk());
    EXPECT_FALSE(resolveDevice("tpu").isOk());
    if (!cudaAvailable()) {
        EXPECT_EQ(resolveDevice("auto").value(), "cpu");
        EXPECT_FALSE(resolveDevice("cuda").isOk());
    } else {
        EXPECT_EQ(resolveDevice("auto").value(), "cuda:0");
    }
    EXPECT_GE(defaultThreadCount(), 1);
    EXPECT_EQ(configureThreads(1), 1);
}
