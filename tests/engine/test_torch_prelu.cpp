// The fused PReLU (backbones/FusedPrelu.h) against torch::prelu and autograd: forward, grad
// input and grad weight, channels-last and NCHW, several channel counts (vector tail included),
// both kernels, thread-count independence, and a MobileFaceNet training step. Also a
// micro-benchmark, disabled by default:
//   engine_test_torch_prelu --gtest_also_run_disabled_tests --gtest_filter='*Benchmark*'

#include "backbones/Backbone.h"
#include "backbones/FusedPrelu.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

using namespace fedpilot::engine;
using fedpilot::engine::detail::PreluKernel;
namespace prelu = fedpilot::engine::detail;

namespace {

// Restores the default kernel choice and thread count at the end of a test.
struct KernelScope {
    explicit KernelScope(PreluKernel k) { prelu::setPreluKernel(k); }
    ~KernelScope() { prelu::setPreluKernel(PreluKernel::Auto); }
};

// Random x with a share of exact zeros (the x > 0 boundary) and both signs.
torch::Tensor randomInput(const std::vector<std::int64_t>& shape, torch::Generator& gen)
{
    auto x = at::randn(shape, gen);
    auto zeros = at::rand(shape, gen) < 0.05;
    return x.masked_fill(zeros, 0.0);
}

struct Grads {
    torch::Tensor y, dx, dw;
};

Grads run(bool fused, const torch::Tensor& x0, const torch::Tensor& w0, const torch::Tensor& dy)
{
    auto x = x0.detach().clone(at::MemoryFormat::Preserve).set_requires_grad(true);
    auto w = w0.detach().clone().set_requires_grad(true);
    auto y = fused ? fusedPrelu(x, w) : torch::prelu(x, w);
    y.backward(dy);
    return {y.detach(), x.grad(), w.grad()};
}

void expectClose(const torch::Tensor& actual, const torch::Tensor& expected, double rtol, double atol, const char* what)
{
    ASSERT_EQ(actual.sizes(), expected.sizes()) << what;
    const double err = (actual - expected).abs().max().item<double>();
    const double scale = expected.abs().max().item<double>();
    EXPECT_TRUE(torch::allclose(actual, expected, rtol, atol)) << what << ": max |diff| " << err << " (max |expected| " << scale << ")";
}

// Grad weight sums N*H*W products in another order than ATen: compare relative to the size of the
// sum of absolute terms.
void expectWeightGradClose(const torch::Tensor& actual, const torch::Tensor& expected, const torch::Tensor& x,
                           const torch::Tensor& dy)
{
    const auto dims = x.dim() == 4 ? std::vector<std::int64_t>{0, 2, 3} : std::vector<std::int64_t>{0};
    auto bound = (x * dy).abs().sum(dims) * 1e-5 + 1e-6;
    EXPECT_TRUE(((actual - expected).abs() <= bound).all().item<bool>())
        << "grad weight: max |diff| " << (actual - expected).abs().max().item<double>();
}

void checkAgainstTorch(const std::vector<std::int64_t>& shape, at::MemoryFormat format, torch::Generator& gen)
{
    auto x = randomInput(shape, gen).contiguous(format);
    auto w = at::rand({shape[1]}, gen) * 0.5 - 0.1;  // some negative slopes too
    auto dy = at::randn(shape, gen).contiguous(format);
    auto expected = run(false, x, w, dy);
    auto actual = run(true, x, w, dy);
    SCOPED_TRACE(::testing::Message() << "shape " << x.sizes() << (format == at::MemoryFormat::ChannelsLast ? " channels-last" : " contiguous")
                                      << ", kernel " << fusedPreluKernelName());
    expectClose(actual.y, expected.y, 0, 0, "forward");
    expectClose(actual.dx, expected.dx, 0, 0, "grad input");
    expectWeightGradClose(actual.dw, expected.dw, x, dy);
    if (x.dim() == 4 && format == at::MemoryFormat::ChannelsLast) {
        EXPECT_TRUE(actual.y.is_contiguous(at::MemoryFormat::ChannelsLast));
        EXPECT_TRUE(actual.dx.is_contiguous(at::MemoryFormat::ChannelsLast));
    }
}

}  // namespace

TEST(FusedPrelu, AppliesOnlyToChannelsInnermostFloatCpuTensors)
{
    auto w = torch::full({8}, 0.25);
    auto nchw = torch::randn({2, 8, 5, 5});
    EXPECT_TRUE(fusedPreluApplies(nchw.contiguous(at::MemoryFormat::ChannelsLast), w));
    EXPECT_FALSE(fusedPreluApplies(nchw, w));
    EXPECT_TRUE(fusedPreluApplies(torch::randn({4, 8}), w));
    EXPECT_FALSE(fusedPreluApplies(torch::randn({4, 8}).t().contiguous().t(), w));  // column-major rows
    EXPECT_FALSE(fusedPreluApplies(nchw.contiguous(at::MemoryFormat::ChannelsLast).to(torch::kDouble), w.to(torch::kDouble)));
    EXPECT_FALSE(fusedPreluApplies(nchw.contiguous(at::MemoryFormat::ChannelsLast), torch::full({1}, 0.25)));
    EXPECT_FALSE(fusedPreluApplies(torch::randn({2, 8, 5}), w));
}

TEST(FusedPrelu, MatchesTorchForChannelsLastAndNchwAndBothKernels)
{
    for (PreluKernel kernel : {PreluKernel::Auto, PreluKernel::Portable}) {
        KernelScope scope(kernel);
        auto gen = at::detail::createCPUGenerator(1234);
        std::mt19937 rng(99);
        for (std::int64_t c : {1, 3, 8, 13, 64}) {
            for (int trial = 0; trial < 3; ++trial) {
                const std::int64_t n = 1 + rng() % 4, h = 1 + rng() % 9, wd = 1 + rng() % 9;
                checkAgainstTorch({n, c, h, wd}, at::MemoryFormat::ChannelsLast, gen);
                checkAgainstTorch({n, c, h, wd}, at::MemoryFormat::Contiguous, gen);
            }
            checkAgainstTorch({1 + static_cast<std::int64_t>(rng() % 50), c}, at::MemoryFormat::Contiguous, gen);
        }
    }
}

TEST(FusedPrelu, NoGradForwardMatchesTorchAndRecordsNoGraph)
{
    auto gen = at::detail::createCPUGenerator(21);
    auto x = randomInput({3, 13, 5, 4}, gen).contiguous(at::MemoryFormat::ChannelsLast);
    auto w = at::rand({13}, gen).set_requires_grad(true);
    torch::NoGradGuard noGrad;
    const auto calls = prelu::fusedPreluCalls();
    auto y = fusedPrelu(x, w);
    EXPECT_EQ(prelu::fusedPreluCalls(), calls + 1);
    EXPECT_FALSE(y.requires_grad());
    EXPECT_TRUE(y.is_contiguous(at::MemoryFormat::ChannelsLast));
    EXPECT_TRUE(torch::equal(y, torch::prelu(x, w)));
}

TEST(FusedPrelu, LargeTensorsAndThreadCountGiveTheSameBits)
{
    auto gen = at::detail::createCPUGenerator(7);
    const std::vector<std::int64_t> shape{4, 13, 80, 80};  // several accumulation blocks
    auto x = randomInput(shape, gen).contiguous(at::MemoryFormat::ChannelsLast);
    auto w = at::rand({13}, gen);
    auto dy = at::randn(shape, gen).contiguous(at::MemoryFormat::ChannelsLast);
    const int threads = torch::get_num_threads();
    torch::set_num_threads(1);
    auto one = run(true, x, w, dy);
    torch::set_num_threads(2);
    auto two = run(true, x, w, dy);
    torch::set_num_threads(threads);
    EXPECT_TRUE(torch::equal(one.y, two.y));
    EXPECT_TRUE(torch::equal(one.dx, two.dx));
    EXPECT_TRUE(torch::equal(one.dw, two.dw));
    auto expected = run(false, x, w, dy);
    expectWeightGradClose(one.dw, expected.dw, x, dy);
    expectClose(one.dx, expected.dx, 0, 0, "grad input");
}

TEST(FusedPrelu, AcceptsAGradientInAnotherLayout)
{
    auto gen = at::detail::createCPUGenerator(3);
    auto x = randomInput({2, 16, 6, 7}, gen).contiguous(at::MemoryFormat::ChannelsLast);
    auto w = at::rand({16}, gen);
    auto dy = at::randn({2, 16, 6, 7}, gen);  // NCHW gradient for a channels-last activation
    auto expected = run(false, x, w, dy);
    auto actual = run(true, x, w, dy);
    expectClose(actual.dx, expected.dx, 0, 0, "grad input");
    expectWeightGradClose(actual.dw, expected.dw, x, dy);
}

TEST(FusedPrelu, InfiniteGradientWherePositiveLeavesWeightGradientFinite)
{
    for (PreluKernel kernel : {PreluKernel::Auto, PreluKernel::Portable}) {
        KernelScope scope(kernel);
        auto gen = at::detail::createCPUGenerator(5);
        auto x = randomInput({2, 11, 3, 4}, gen).contiguous(at::MemoryFormat::ChannelsLast);
        auto w = at::rand({11}, gen);
        auto dy = at::randn({2, 11, 3, 4}, gen).masked_fill(x > 0.5, INFINITY).contiguous(at::MemoryFormat::ChannelsLast);
        auto expected = run(false, x, w, dy);
        auto actual = run(true, x, w, dy);
        EXPECT_TRUE(torch::isfinite(expected.dw).all().item<bool>());
        EXPECT_TRUE(torch::allclose(actual.dw, expected.dw, 1e-5, 1e-6)) << fusedPreluKernelName();
        EXPECT_TRUE(torch::equal(actual.dx, expected.dx)) << fusedPreluKernelName();
    }
}

TEST(FusedPrelu, ModuleKeepsTorchPReLUParameterNameAndInit)
{
    FusedPReLU prelu(12);
    auto params = prelu->named_parameters();
    ASSERT_EQ(params.size(), 1u);
    EXPECT_EQ(params.begin()->key(), "weight");
    EXPECT_EQ(params.begin()->value().sizes().vec(), std::vector<std::int64_t>{12});
    EXPECT_TRUE(torch::equal(params.begin()->value(), torch::nn::PReLU(torch::nn::PReLUOptions().num_parameters(12))->weight));
}

// A MobileFaceNet training step (forward, loss, backward) on channels-last input: every
// parameter gradient agrees with the same step using torch's PReLU.
TEST(FusedPrelu, MobileFaceNetTrainingStepMatchesTorchPrelu)
{
    ModelConfig config;
    config.backbone = Backbone::MobileFaceNet;
    config.inputSize = 32;
    config.embeddingSize = 32;
    auto net = makeBackbone(config, 5);
    {
        torch::NoGradGuard noGrad;
        for (auto& p : net->parameters())
            if (p.dim() == 4)
                p.set_data(p.contiguous(at::MemoryFormat::ChannelsLast));
    }
    net->train();
    auto gen = at::detail::createCPUGenerator(11);
    auto x = (at::rand({6, 3, 32, 32}, gen) * 2 - 1).contiguous(at::MemoryFormat::ChannelsLast);
    auto target = at::randn({6, 32}, gen);

    auto step = [&](PreluKernel kernel) {
        KernelScope scope(kernel);
        for (auto& p : net->parameters())
            p.mutable_grad().reset();
        // Fresh BN running stats do not matter for the gradients; the same module is reused.
        auto loss = (net->forward(x) - target).pow(2).mean();
        loss.backward();
        std::vector<torch::Tensor> grads;
        for (auto& p : net->parameters())
            grads.push_back(p.grad().clone());
        return std::make_pair(loss.item<double>(), grads);
    };
    const auto callsBefore = prelu::fusedPreluCalls();
    auto fused = step(PreluKernel::Auto);
    EXPECT_GE(prelu::fusedPreluCalls() - callsBefore, 30) << "the backbone did not use the fused PReLU";
    auto reference = step(PreluKernel::Torch);
    EXPECT_NEAR(fused.first, reference.first, 1e-6 * std::abs(reference.first));
    ASSERT_EQ(fused.second.size(), reference.second.size());
    auto names = net->named_parameters();
    // Some gradients are rounding noise (a batch norm's bias right before another batch norm
    // has an exact gradient of 0): an absolute floor relative to the largest gradient.
    double largest = 0;
    for (const auto& g : reference.second)
        largest = std::max(largest, g.abs().max().item<double>());
    for (std::size_t i = 0; i < fused.second.size(); ++i) {
        const auto& a = fused.second[i];
        const auto& b = reference.second[i];
        const double scale = b.abs().max().item<double>();
        EXPECT_TRUE(torch::allclose(a, b, 1e-3, 1e-4 * scale + 1e-6 * largest))
            << names[i].key() << ": max |diff| " << (a - b).abs().max().item<double>() << ", max |grad| " << scale;
    }
}

// Micro-benchmark: at::prelu (+ autograd's prelu_backward) against the fused op with the AVX2
// and the portable kernels on a 64x128x56x56 channels-last tensor (MobileFaceNet's first
// expanded stage at 112 px), interleaved rounds, medians.
TEST(FusedPrelu, DISABLED_BenchmarkAgainstAtPrelu)
{
    const std::vector<std::int64_t> shape{64, 128, 56, 56};
    auto gen = at::detail::createCPUGenerator(1);
    auto x0 = at::randn(shape, gen).contiguous(at::MemoryFormat::ChannelsLast);
    auto w0 = at::full({128}, 0.25);
    auto dy = at::randn(shape, gen).contiguous(at::MemoryFormat::ChannelsLast);
    auto x = x0.clone(at::MemoryFormat::Preserve).set_requires_grad(true);
    auto w = w0.clone().set_requires_grad(true);
    using Clock = std::chrono::steady_clock;
    const PreluKernel kernels[] = {PreluKernel::Torch, PreluKernel::Auto, PreluKernel::Portable};
    const char* names[] = {"at::prelu + prelu_backward", "fused (avx2 if available)", "fused (portable loops)"};
    std::vector<double> fwd[3], bwd[3];
    const int rounds = 7;
    for (int r = 0; r < rounds; ++r) {
        for (int k = 0; k < 3; ++k) {
            KernelScope scope(kernels[k]);
            x.mutable_grad().reset();
            w.mutable_grad().reset();
            auto t0 = Clock::now();
            auto y = fusedPrelu(x, w);
            auto t1 = Clock::now();
            y.backward(dy);
            auto t2 = Clock::now();
            if (r > 0) {  // first round warms up the allocator
                fwd[k].push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
                bwd[k].push_back(std::chrono::duration<double, std::milli>(t2 - t1).count());
            }
        }
    }
    auto median = [](std::vector<double> v) {
        std::sort(v.begin(), v.end());
        return v[v.size() / 2];
    };
    std::printf("PReLU 64x128x56x56 channels-last, %d intra-op thread(s), median of %d interleaved rounds:\n",
                torch::get_num_threads(), rounds - 1);
    for (int k = 0; k < 3; ++k)
        std::printf("  %-28s forward %8.1f ms  backward %8.1f ms  total %8.1f ms\n", names[k], median(fwd[k]),
                    median(bwd[k]), median(fwd[k]) + median(bwd[k]));
}
