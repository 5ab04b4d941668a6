// Loss functions against their textbook forms.

#include "losses/Losses.h"

#include <gtest/gtest.h>

using namespace fedpilot::engine;
namespace F = torch::nn::functional;

namespace {

torch::Tensor unit(torch::Tensor t)
{
    return F::normalize(t, F::NormalizeFuncOptions().dim(1));
}

}  // namespace

TEST(Losses, CosFaceWithZeroMarginIsSoftmaxCrossEntropy)
{
    torch::manual_seed(3);
    const auto z = unit(torch::randn({16, 32}, torch::kDouble));
    const auto w = torch::randn({10, 32}, torch::kDouble);
    const auto y = torch::randint(0, 10, {16}, torch::kLong);
    HeadConfig head;
    head.scale = 30.0;
    head.margin = 0.0;
    const auto loss = marginLoss(z, w, y, head);
    const auto logits = 30.0 * torch::matmul(z, unit(w).t());
    const auto reference = -torch::log_softmax(logits, 1).gather(1, y.view({-1, 1})).mean();
    EXPECT_NEAR(loss.item<double>(), reference.item<double>(), 1e-9);
}

TEST(Losses, CosFaceMarginLowersOnlyTheTargetLogit)
{
    torch::manual_seed(4);
    const auto z = unit(torch::randn({8, 16}, torch::kDouble));
    const auto w = torch::randn({5, 16}, torch::kDouble);
    const auto y = torch::randint(0, 5, {8}, torch::kLong);
    HeadConfig plain;
    plain.margin = 0.0;
    HeadConfig margin;
    margin.margin = 0.4;
    const auto diff = marginLogits(z, w, y, plain) - marginLogits(z, w, y, margin);
    const auto expected = torch::zeros({8, 5}, torch::kDouble).scatter_(1, y.view({-1, 1}), 30.0 * 0.4);
    EXPECT_TRUE(torch::allclose(diff, expected, 1e-9, 1e-9));
    EXPECT_GT(marginLoss(z, w, y, margin).item<double>(), marginLoss(z, w, y, plain).item<double>());
}

TEST(Losses, ArcFaceAddsAngularMarginToTheTarget)
{
    torch::manual_seed(5);
    const auto z = unit(torch::randn({6, 8}, torch::kDouble));
    const auto w = torch::randn({4, 8}, torch::kDouble);
    const auto y = torch::tensor({0, 1, 2, 3, 0, 1}, torch::kLong);
    HeadConfig arc = defaultHead(MarginHead::ArcFace);
    const auto logits = marginLogits(z, w, y, arc);
    const auto cosine = torch::matmul(z, unit(w).t());
    for (int i = 0; i < 6; ++i) {
        const int target = y[i].item<int>();
        const double c = cosine[i][target].item<double>();
        const double theta = std::acos(c);
        const double expected = theta + 0.5 < M_PI ? std::cos(theta + 0.5) : c - std::sin(M_PI - 0.5) * 0.5;
        EXPECT_NEAR(logits[i][target].item<double>(), 64.0 * expected, 1e-6);
        for (int j = 0; j < 4; ++j) {
            if (j != target) {
                EXPECT_NEAR(logits[i][j].item<double>(), 64.0 * cosine[i][j].item<double>(), 1e-9);
            }
        }
    }
}

TEST(Losses, KNegativeWithAllPublicClassesIsExtendedSoftmax)
{
    torch::manual_seed(6);
    const int b = 12, d = 24, p = 40;
    const auto z = unit(torch::randn({b, d}, torch::kDouble));
    const auto positives = unit(torch::randn({b, d}, torch::kDouble));
    const auto reps = torch::randn({p, d}, torch::kDouble);
    KNegativeOptions options;
    options.k = p;
    options.tau = 1.0 / 30.0;
    const auto loss = kNegativeLoss(z, positives, reps, options);
    // -log(e^{z.w/tau} / (e^{z.w/tau} + sum_j e^{z.c_j/tau})) averaged over the batch.
    const auto pos = (z * positives).sum(1) / options.tau;
    const auto neg = torch::matmul(z, unit(reps).t()) / options.tau;
    const auto denominator = torch::logsumexp(torch::cat({pos.view({-1, 1}), neg}, 1), 1);
    const auto reference = (denominator - pos).mean();
    EXPECT_NEAR(loss.item<double>(), reference.item<double>(), 1e-9);
}

TEST(Losses, KNegativeCapsKAndPicksTheHardestNegatives)
{
    torch::manual_seed(7);
    const auto z = unit(torch::randn({4, 8}, torch::kDouble));
    const auto positives = unit(torch::randn({4, 8}, torch::kDouble));
    const auto reps = torch::randn({6, 8}, torch::kDouble);
    KNegativeOptions all;
    all.k = 1000;  // capped at |P|
    KNegativeOptions exact;
    exact.k = 6;
    EXPECT_NEAR(kNegativeLoss(z, positives, reps, all).item<double>(),
                kNegativeLoss(z, positives, reps, exact).item<double>(), 1e-12);

    // With k=2 the loss must use the two most similar public rows per sample.
    KNegativeOptions two;
    two.k = 2;
    const auto sim = torch::matmul(z, unit(reps).t());
    const auto top = std::get<0>(sim.topk(2, 1));
    const auto pos = (z * positives).sum(1);
    const auto logits = torch::cat({pos.view({-1, 1}), top}, 1) / two.tau;
    const auto reference = (torch::logsumexp(logits, 1) - pos / two.tau).mean();
    EXPECT_NEAR(kNegativeLoss(z, positives, reps, two).item<double>(), reference.item<double>(), 1e-9);
}

TEST(Losses, KNegativeGradientReachesEmbeddingsAndSelectedPublicRows)
{
    torch::manual_seed(8);
    auto z = unit(torch::randn({3, 8})).detach().set_requires_grad(true);
    const auto positives = unit(torch::randn({3, 8}));
    auto reps = torch::randn({10, 8}).set_requires_grad(true);
    KNegativeOptions options;
    options.k = 2;
    kNegativeLoss(z, positives, reps, options).backward();
    EXPECT_GT(z.grad().abs().sum().item<double>(), 0.0);
    const auto rowsTouched = (reps.grad().abs().sum(1) > 0).sum().item<std::int64_t>();
    EXPECT_GE(rowsTouched, 2);
    EXPECT_LE(rowsTouched, 6);  // at most k rows per sample
}

TEST(Losses, SimilarityThresholdDropsEasyNegatives)
{
    // One sample whose positive is perfect: with delta = 0 no negative is harder, so the loss is 0.
    auto z = torch::tensor({{1.0, 0.0}}, torch::kDouble);
    auto positives = z.clone();
    auto reps = torch::tensor({{0.0, 1.0}, {-1.0, 0.0}}, torch::kDouble);
    KNegativeOptions options;
    options.k = 2;
    options.similarityDelta = 0.0;
    EXPECT_NEAR(kNegativeLoss(z, positives, reps, options).item<double>(), 0.0, 1e-12);
    options.similarityDelta = -1.0;  // off
    EXPECT_GT(kNegativeLoss(z, positives, reps, options).item<double>(), 0.0);
}

TEST(Losses, AdapterStartsAsIdentity)
{
    Adapter adapter(16);
    const auto e = torch::randn({5, 16});
    EXPECT_TRUE(torch::allclose(adapter->forward(e), e));
}
