// Federation math: FedAvg, update arithmetic and validation, differential privacy.

#include "fedpilot/engine/Federation.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>

using namespace fedpilot::engine;

namespace {

NamedTensor tensor(const std::string& name, std::vector<std::int64_t> shape, std::vector<float> values,
                   TensorKind kind = TensorKind::Parameter)
{
    NamedTensor t;
    t.name = name;
    t.shape = std::move(shape);
    t.values = std::move(values);
    t.kind = kind;
    return t;
}

// A small model: a 2x2 weight, a bias and a BatchNorm running mean (a buffer).
TensorBundle model(float a, float b, float c, float d, float bias, float runningMean)
{
    TensorBundle bundle;
    bundle.tensors.push_back(tensor("fc.weight", {2, 2}, {a, b, c, d}));
    bundle.tensors.push_back(tensor("fc.bias", {1}, {bias}));
    bundle.tensors.push_back(tensor("bn.running_mean", {1}, {runningMean}, TensorKind::Buffer));
    return bundle;
}

TensorBundle randomModel(std::mt19937_64& rng)
{
    std::normal_distribution<float> normal(0.0f, 1.0f);
    TensorBundle bundle;
    std::vector<float> w(24);
    for (float& v : w)
        v = normal(rng);
    bundle.tensors.push_back(tensor("w", {4, 6}, w));
    bundle.tensors.push_back(tensor("b", {3}, {normal(rng), normal(rng), normal(rng)}));
    bundle.tensors.push_back(tensor("bn", {2}, {normal(rng), normal(rng)}, TensorKind::Buffer));
    return bundle;
}

const NamedTensor* findTensor(const TensorBundle& bundle, const std::string& name)
{
    for (const NamedTensor& t : bundle.tensors) {
        if (t.name == name)
            return &t;
    }
    return nullptr;
}

void expectBundlesNear(const TensorBundle& actual, const TensorBundle& expected, double tolerance)
{
    ASSERT_EQ(actual.tensors.size(), expected.tensors.size());
    for (const NamedTensor& e : expected.tensors) {
        const NamedTensor* a = findTensor(actual, e.name);
        ASSERT_NE(a, nullptr) << e.name;
        EXPECT_EQ(a->shape, e.shape) << e.name;
        EXPECT_EQ(a->kind, e.kind) << e.name;
        ASSERT_EQ(a->values.size(), e.values.size()) << e.name;
        for (std::size_t i = 0; i < e.values.size(); ++i)
            EXPECT_NEAR(a->values[i], e.values[i], tolerance) << e.name << "[" << i << "]";
    }
}

bool contains(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}

}  // namespace

TEST(FedAvg, EqualWeightsGiveTheMean)
{
    FedAvgAccumulator acc;
    ASSERT_TRUE(acc.add(model(1, 2, 3, 4, 10, 0), 5).isOk());
    ASSERT_TRUE(acc.add(model(3, 2, 1, 0, 20, 3), 5).isOk());
    ASSERT_TRUE(acc.add(model(2, 5, 2, 2, 30, 6), 5).isOk());
    EXPECT_EQ(acc.count(), 3);
    EXPECT_DOUBLE_EQ(acc.totalWeight(), 15.0);
    const Result<TensorBundle> mean = acc.average();
    ASSERT_TRUE(mean.isOk()) << mean.message();
    // Buffers (BatchNorm statistics) are averaged as well.
    expectBundlesNear(mean.value(), model(2, 3, 2, 2, 20, 3), 1e-6);
    // The output keeps the first update's tensor order.
    EXPECT_EQ(mean->tensors[0].name, "fc.weight");
    EXPECT_EQ(mean->tensors[2].name, "bn.running_mean");
}

TEST(FedAvg, WeightedBySampleCount)
{
    FedAvgAccumulator acc;
    ASSERT_TRUE(acc.add(model(0, 0, 0, 0, 0, 0), 100).isOk());
    ASSERT_TRUE(acc.add(model(4, 8, -4, 1, 2, 1), 300).isOk());
    const Result<TensorBundle> mean = acc.average();
    ASSERT_TRUE(mean.isOk()) << mean.message();
    expectBundlesNear(mean.value(), model(3, 6, -3, 0.75f, 1.5f, 0.75f), 1e-6);
}

TEST(FedAvg, StreamingIsOrderIndependent)
{
    std::mt19937_64 rng(5);
    std::vector<TensorBundle> updates;
    std::vector<double> weights;
    for (int i = 0; i < 7; ++i) {
        updates.push_back(randomModel(rng));
        weights.push_back(1 + static_cast<double>(rng() % 1000));
    }
    // Reference: the direct weighted mean in double.
    TensorBundle expected = updates[0];
    double total = 0;
    for (double w : weights)
        total += w;
    for (std::size_t t = 0; t < expected.tensors.size(); ++t) {
        for (std::size_t j = 0; j < expected.tensors[t].values.size(); ++j) {
            double sum = 0;
            for (std::size_t u = 0; u < updates.size(); ++u)
                sum += weights[u] * updates[u].tensors[t].values[j];
            expected.tensors[t].values[j] = static_cast<float>(sum / total);
        }
    }

    std::vector<std::size_t> order(updates.size());
    for (std::size_t i = 0; i < order.size(); ++i)
        order[i] = i;
    for (int trial = 0; trial < 4; ++trial) {
        std::shuffle(order.begin(), order.end(), rng);
        FedAvgAccumulator acc;
        for (std::size_t i : order) {
            TensorBundle update = updates[i];
            // Tensors are matched by name, not position.
            if (i % 2 == 1)
                std::reverse(update.tensors.begin(), update.tensors.end());
            ASSERT_TRUE(acc.add(update, weights[i]).isOk());
        }
        const Result<TensorBundle> mean = acc.average();
        ASSERT_TRUE(mean.isOk()) << mean.message();
        expectBundlesNear(mean.value(), expected, 1e-6);
    }
}

TEST(FedAvg, RejectsMismatchesAndLeavesStateUnchanged)
{
    FedAvgAccumulator acc;
    EXPECT_FALSE(acc.average().isOk());
    ASSERT_TRUE(acc.add(model(1, 1, 1, 1, 1, 1), 2).isOk());

    TensorBundle renamed = model(9, 9, 9, 9, 9, 9);
    renamed.tensors[1].name = "fc.other";
    TensorBundle reshaped = model(9, 9, 9, 9, 9, 9);
    reshaped.tensors[0].shape = {4};
    TensorBundle extra = model(9, 9, 9, 9, 9, 9);
    extra.tensors.push_back(tensor("extra", {1}, {9}));
    TensorBundle missing = model(9, 9, 9, 9, 9, 9);
    missing.tensors.pop_back();
    TensorBundle relabelled = model(9, 9, 9, 9, 9, 9);
    relabelled.tensors[2].kind = TensorKind::Parameter;
    TensorBundle shortValues = model(9, 9, 9, 9, 9, 9);
    shortValues.tensors[0].values.pop_back();
    TensorBundle nan = model(9, 9, 9, 9, 9, 9);
    nan.tensors[2].values[0] = std::numeric_limits<float>::quiet_NaN();
    TensorBundle inf = model(9, 9, 9, 9, 9, 9);
    inf.tensors[0].values[3] = std::numeric_limits<float>::infinity();

    const Status renamedStatus = acc.add(renamed, 1);
    EXPECT_FALSE(renamedStatus.isOk());
    EXPECT_TRUE(contains(renamedStatus.message(), "fc.other")) << renamedStatus.message();
    const Status reshapedStatus = acc.add(reshaped, 1);
    EXPECT_FALSE(reshapedStatus.isOk());
    EXPECT_TRUE(contains(reshapedStatus.message(), "fc.weight")) << reshapedStatus.message();
    EXPECT_FALSE(acc.add(extra, 1).isOk());
    EXPECT_FALSE(acc.add(missing, 1).isOk());
    EXPECT_FALSE(acc.add(relabelled, 1).isOk());
    EXPECT_FALSE(acc.add(shortValues, 1).isOk());
    const Status nanStatus = acc.add(nan, 1);
    EXPECT_FALSE(nanStatus.isOk());
    EXPECT_TRUE(contains(nanStatus.message(), "bn.running_mean")) << nanStatus.message();
    EXPECT_FALSE(acc.add(inf, 1).isOk());
    const TensorBundle fine = model(9, 9, 9, 9, 9, 9);
    EXPECT_FALSE(acc.add(fine, 0).isOk());
    EXPECT_FALSE(acc.add(fine, -3).isOk());
    EXPECT_FALSE(acc.add(fine, std::numeric_limits<double>::quiet_NaN()).isOk());
    EXPECT_FALSE(acc.add(fine, std::numeric_limits<double>::infinity()).isOk());
    EXPECT_FALSE(acc.add(TensorBundle{}, 1).isOk());

    // None of the rejected updates left a trace.
    EXPECT_EQ(acc.count(), 1);
    EXPECT_DOUBLE_EQ(acc.totalWeight(), 2.0);
    const Result<TensorBundle> mean = acc.average();
    ASSERT_TRUE(mean.isOk());
    expectBundlesNear(mean.value(), model(1, 1, 1, 1, 1, 1), 0);
}

TEST(FedAvg, ClearStartsOver)
{
    FedAvgAccumulator acc;
    ASSERT_TRUE(acc.add(model(1, 1, 1, 1, 1, 1), 1).isOk());
    acc.clear();
    EXPECT_EQ(acc.count(), 0);
    EXPECT_DOUBLE_EQ(acc.totalWeight(), 0.0);
    EXPECT_FALSE(acc.average().isOk());
    // A different architecture is accepted after clear().
    TensorBundle other;
    other.tensors.push_back(tensor("x", {3}, {1, 2, 3}));
    ASSERT_TRUE(acc.add(other, 1).isOk());
    const Result<TensorBundle> mean = acc.average();
    ASSERT_TRUE(mean.isOk());
    expectBundlesNear(mean.value(), other, 0);
}

TEST(UpdateMath, DifferenceAndApplyDeltaRoundTrip)
{
    const TensorBundle before = model(1, 2, 3, 4, 5, 6);
    const TensorBundle after = model(1.5f, 1, 3, 8, 5, 7);
    const Result<TensorBundle> delta = difference(after, before);
    ASSERT_TRUE(delta.isOk()) << delta.message();
    expectBundlesNear(delta.value(), model(0.5f, -1, 0, 4, 0, 1), 1e-7);

    const Result<TensorBundle> back = applyDelta(before, delta.value());
    ASSERT_TRUE(back.isOk()) << back.message();
    expectBundlesNear(back.value(), after, 1e-6);
    const Result<TensorBundle> half = applyDelta(before, delta.value(), 0.5);
    ASSERT_TRUE(half.isOk());
    expectBundlesNear(half.value(), model(1.25f, 1.5f, 3, 6, 5, 6.5f), 1e-6);

    // A delta without buffers (as DP sends) leaves the base's buffers alone.
    TensorBundle parametersOnly = delta.value();
    parametersOnly.tensors.pop_back();
    const Result<TensorBundle> partial = applyDelta(before, parametersOnly);
    ASSERT_TRUE(partial.isOk());
    EXPECT_FLOAT_EQ(findTensor(partial.value(), "bn.running_mean")->values[0], 6.0f);

    TensorBundle reshaped = after;
    reshaped.tensors[0].shape = {1, 4};
    EXPECT_FALSE(difference(reshaped, before).isOk());
    EXPECT_FALSE(applyDelta(before, reshaped).isOk());
    TensorBundle fewer = after;
    fewer.tensors.pop_back();
    const Result<TensorBundle> missing = difference(fewer, before);
    ASSERT_FALSE(missing.isOk());
    EXPECT_TRUE(contains(missing.message(), "bn.running_mean")) << missing.message();
    EXPECT_FALSE(applyDelta(before, delta.value(), std::nan("")).isOk());
}

TEST(UpdateMath, L2NormSkipsBuffersUnlessAsked)
{
    const TensorBundle bundle = model(3, 0, 0, 0, 4, 12);
    EXPECT_DOUBLE_EQ(l2Norm(bundle), 5.0);
    EXPECT_DOUBLE_EQ(l2Norm(bundle, true), 13.0);
}

TEST(UpdateMath, ValidateUpdate)
{
    const TensorBundle reference = model(0, 0, 0, 0, 0, 0);
    UpdateLimits limits;
    limits.maxNorm = 10;
    EXPECT_TRUE(validateUpdate(reference, model(3, 0, 0, 0, 4, 100), limits).isOk());

    TensorBundle nan = model(1, 1, 1, 1, 1, 1);
    nan.tensors[1].values[0] = std::numeric_limits<float>::quiet_NaN();
    const Status nanStatus = validateUpdate(reference, nan, limits);
    ASSERT_FALSE(nanStatus.isOk());
    EXPECT_TRUE(contains(nanStatus.message(), "non-finite")) << nanStatus.message();
    EXPECT_TRUE(contains(nanStatus.message(), "fc.bias")) << nanStatus.message();

    TensorBundle inf = model(1, 1, 1, 1, 1, 1);
    inf.tensors[2].values[0] = -std::numeric_limits<float>::infinity();
    const Status infStatus = validateUpdate(reference, inf, limits);
    ASSERT_FALSE(infStatus.isOk());
    EXPECT_TRUE(contains(infStatus.message(), "bn.running_mean")) << infStatus.message();

    TensorBundle reshaped = model(1, 1, 1, 1, 1, 1);
    reshaped.tensors[0].shape = {4};
    const Status shapeStatus = validateUpdate(reference, reshaped, limits);
    ASSERT_FALSE(shapeStatus.isOk());
    EXPECT_TRUE(contains(shapeStatus.message(), "shape mismatch")) << shapeStatus.message();
    EXPECT_TRUE(contains(shapeStatus.message(), "fc.weight")) << shapeStatus.message();

    TensorBundle missing = model(1, 1, 1, 1, 1, 1);
    missing.tensors.erase(missing.tensors.begin() + 1);
    const Status missingStatus = validateUpdate(reference, missing, limits);
    ASSERT_FALSE(missingStatus.isOk());
    EXPECT_TRUE(contains(missingStatus.message(), "missing tensor")) << missingStatus.message();
    EXPECT_TRUE(contains(missingStatus.message(), "fc.bias")) << missingStatus.message();
    UpdateLimits partial = limits;
    partial.requireAllTensors = false;
    EXPECT_TRUE(validateUpdate(reference, missing, partial).isOk());

    TensorBundle extra = model(1, 1, 1, 1, 1, 1);
    extra.tensors.push_back(tensor("head.weight", {1}, {0}));
    const Status extraStatus = validateUpdate(reference, extra, limits);
    ASSERT_FALSE(extraStatus.isOk());
    EXPECT_TRUE(contains(extraStatus.message(), "unexpected tensor")) << extraStatus.message();
    EXPECT_TRUE(contains(extraStatus.message(), "head.weight")) << extraStatus.message();

    const Status normStatus = validateUpdate(reference, model(6, 0, 0, 0, 8.5f, 0), limits);
    ASSERT_FALSE(normStatus.isOk());
    EXPECT_TRUE(contains(normStatus.message(), "exceeds bound")) << normStatus.message();
    // Relabelling a parameter as a buffer must not dodge the bound.
    TensorBundle relabelled = model(6, 0, 0, 0, 8.5f, 0);
    relabelled.tensors[0].kind = TensorKind::Buffer;
    EXPECT_FALSE(validateUpdate(reference, relabelled, limits).isOk());
    // No bound: any finite norm passes.
    EXPECT_TRUE(validateUpdate(reference, model(600, 0, 0, 0, 800, 0), UpdateLimits{}).isOk());
}

TEST(Privacy, GaussianSigma)
{
    // sqrt(2 ln(1.25 / 1e-5)) = sqrt(2 ln 125000) = 4.8448...
    EXPECT_NEAR(gaussianSigma(1.0, 1e-5), std::sqrt(2 * std::log(125000.0)), 1e-12);
    EXPECT_NEAR(gaussianSigma(1.0, 1e-5), 4.8448, 1e-4);
    EXPECT_NEAR(gaussianSigma(2.0, 1e-5), 4.8448 / 2, 1e-4);
    EXPECT_EQ(gaussianSigma(0.0, 1e-5), 0.0);
    EXPECT_EQ(gaussianSigma(-1.0, 1e-5), 0.0);
    EXPECT_EQ(gaussianSigma(std::numeric_limits<double>::infinity(), 1e-5), 0.0);
    // No Gaussian mechanism exists for these deltas: refuse rather than add no noise.
    EXPECT_TRUE(std::isnan(gaussianSigma(1.0, 0.0)));
    EXPECT_TRUE(std::isnan(gaussianSigma(1.0, 1.0)));
}

TEST(Privacy, ClipBoundsTheNorm)
{
    TensorBundle update = model(30, -40, 0, 0, 0, 123);   // parameter norm 50
    const Result<DpReport> report = clipAndNoise(update, 2.0, 0.0, 1);
    ASSERT_TRUE(report.isOk()) << report.message();
    EXPECT_DOUBLE_EQ(report->normBefore, 50.0);
    EXPECT_DOUBLE_EQ(report->clipFactor, 2.0 / 50.0);
    EXPECT_DOUBLE_EQ(report->noiseStd, 0.0);
    EXPECT_LE(l2Norm(update), 2.0);
    EXPECT_NEAR(l2Norm(update), 2.0, 1e-5);
    EXPECT_NEAR(update.tensors[0].values[0], 1.2, 1e-6);   // direction kept
    EXPECT_EQ(update.tensors[2].values[0], 123.0f);       // buffers untouched

    // Many random updates: the bound always holds despite float rounding.
    std::mt19937_64 rng(9);
    for (int i = 0; i < 200; ++i) {
        TensorBundle random = randomModel(rng);
        ASSERT_TRUE(clipAndNoise(random, 0.37, 0.0, 1).isOk());
        EXPECT_LE(l2Norm(random), 0.37);
    }
}

TEST(Privacy, UpdateUnderTheClipIsUnchanged)
{
    TensorBundle update = model(0.3f, 0, 0, 0.4f, 0, 9);
    const TensorBundle original = update;
    const Result<DpReport> report = clipAndNoise(update, 1.0, 0.0, 1);
    ASSERT_TRUE(report.isOk());
    EXPECT_DOUBLE_EQ(report->clipFactor, 1.0);
    EXPECT_NEAR(report->normBefore, 0.5, 1e-7);
    expectBundlesNear(update, original, 0);
}

TEST(Privacy, NoiseHasTheRightSpread)
{
    const std::size_t coordinates = 200000;
    TensorBundle update;
    update.tensors.push_back(tensor("w", {static_cast<std::int64_t>(coordinates)},
                                    std::vector<float>(coordinates, 0.0f)));
    update.tensors.push_back(tensor("bn", {2}, {1, 2}, TensorKind::Buffer));
    const double sigma = 1.5;
    const double clip = 2.0;
    const Result<DpReport> report = clipAndNoise(update, clip, sigma, 42);
    ASSERT_TRUE(report.isOk());
    EXPECT_DOUBLE_EQ(report->noiseStd, sigma * clip);

    double sum = 0;
    double sumSquares = 0;
    for (float v : update.tensors[0].values) {
        sum += v;
        sumSquares += static_cast<double>(v) * v;
    }
    const double n = static_cast<double>(coordinates);
    const double mean = sum / n;
    const double spread = std::sqrt(sumSquares / n - mean * mean);
    EXPECT_NEAR(spread, sigma * clip, 0.02 * sigma * clip);
    EXPECT_NEAR(mean, 0.0, 0.05);
    EXPECT_EQ(update.tensors[1].values, (std::vector<float>{1, 2}));
}

TEST(Privacy, NoiseIsDeterministicBySeed)
{
    std::mt19937_64 rng(1);
    const TensorBundle base = randomModel(rng);
    TensorBundle a = base;
    TensorBundle b = base;
    TensorBundle c = base;
    ASSERT_TRUE(clipAndNoise(a, 1.0, 0.8, 1234).isOk());
    ASSERT_TRUE(clipAndNoise(b, 1.0, 0.8, 1234).isOk());
    ASSERT_TRUE(clipAndNoise(c, 1.0, 0.8, 1235).isOk());
    EXPECT_EQ(a.tensors[0].values, b.tensors[0].values);
    EXPECT_EQ(a.tensors[1].values, b.tensors[1].values);
    EXPECT_NE(a.tensors[0].values, c.tensors[0].values);
}

TEST(Privacy, RejectsBadArgumentsWithoutTouchingTheUpdate)
{
    TensorBundle update = model(30, -40, 0, 0, 0, 1);
    const TensorBundle original = update;
    EXPECT_FALSE(clipAndNoise(update, 0.0, 1.0, 1).isOk());
    EXPECT_FALSE(clipAndNoise(update, -1.0, 1.0, 1).isOk());
    EXPECT_FALSE(clipAndNoise(update, 1.0, -1.0, 1).isOk());
    EXPECT_FALSE(clipAndNoise(update, 1.0, gaussianSigma(1.0, 0.0), 1).isOk());
    TensorBundle nan = update;
    nan.tensors[0].values[1] = std::numeric_limits<float>::quiet_NaN();
    const Result<DpReport> nanReport = clipAndNoise(nan, 1.0, 1.0, 1);
    ASSERT_FALSE(nanReport.isOk());
    EXPECT_TRUE(contains(nanReport.message(), "fc.weight")) << nanReport.message();
    expectBundlesNear(update, original, 0);
}

TEST(Privacy, ComposeBudget)
{
    const DpBudget budget = composeBudget(1.0, 1e-5, 3, 1e-5);
    EXPECT_DOUBLE_EQ(budget.epsilonSimple, 3.0);
    EXPECT_DOUBLE_EQ(budget.deltaSimple, 3e-5);
    // sqrt(2 * 3 * ln(1e5)) * 1 + 3 * 1 * (e - 1) = 8.31130 + 5.15485
    EXPECT_NEAR(budget.epsilonAdvanced, std::sqrt(6 * std::log(1e5)) + 3 * (std::exp(1.0) - 1), 1e-12);
    EXPECT_NEAR(budget.epsilonAdvanced, 13.46615, 1e-4);
    EXPECT_DOUBLE_EQ(budget.deltaAdvanced, 4e-5);

    // With many rounds of a small epsilon, the advanced bound beats simple composition.
    const DpBudget many = composeBudget(0.1, 1e-7, 1000, 1e-5);
    EXPECT_DOUBLE_EQ(many.epsilonSimple, 100.0);
    EXPECT_LT(many.epsilonAdvanced, many.epsilonSimple);

    const DpBudget none = composeBudget(1.0, 1e-5, 0);
    EXPECT_EQ(none.epsilonSimple, 0.0);
    EXPECT_EQ(none.epsilonAdvanced, 0.0);
    // DP off (infinite epsilon) guarantees nothing, however few the rounds.
    EXPECT_TRUE(std::isinf(composeBudget(std::numeric_limits<double>::infinity(), 1e-5, 2).epsilonSimple));
}
