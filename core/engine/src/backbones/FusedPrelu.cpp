#include "backbones/FusedPrelu.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <vector>

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#define FEDPILOT_PRELU_X86 1
#include <immintrin.h>
#endif

namespace fedpilot::engine {
namespace detail {
namespace {

// ---- portable kernels -------------------------------------------------------------------------

// Written so that GCC vectorises them for the baseline instruction set (SSE2 on x86-64): the
// arrays never overlap (__restrict), and the choice between the two branches is a bit mask, as
// GCC does not if-convert a float ?: here under its default -ftrapping-math.
inline float pick(bool condition, float ifTrue, float ifFalse)
{
    std::uint32_t a, b;
    std::memcpy(&a, &ifTrue, sizeof a);
    std::memcpy(&b, &ifFalse, sizeof b);
    const std::uint32_t mask = 0u - static_cast<std::uint32_t>(condition);
    const std::uint32_t bits = (a & mask) | (b & ~mask);
    float r;
    std::memcpy(&r, &bits, sizeof r);
    return r;
}

void forwardPortable(const float* __restrict x, const float* __restrict w, float* __restrict y, std::int64_t rows,
                     std::int64_t channels)
{
    for (std::int64_t r = 0; r < rows; ++r) {
        const float* xr = x + r * channels;
        float* yr = y + r * channels;
        for (std::int64_t c = 0; c < channels; ++c) {
            const float v = xr[c];
            yr[c] = pick(v > 0.0f, v, w[c] * v);
        }
    }
}

void backwardPortable(const float* __restrict x, const float* __restrict dy, const float* __restrict w,
                      float* __restrict dx, float* __restrict acc, std::int64_t rows, std::int64_t channels)
{
    std::fill(acc, acc + channels, 0.0f);
    for (std::int64_t r = 0; r < rows; ++r) {
        const float* xr = x + r * channels;
        const float* gr = dy + r * channels;
        float* dr = dx + r * channels;
        for (std::int64_t c = 0; c < channels; ++c) {
            const float v = xr[c];
            const float g = gr[c];
            const bool positive = v > 0.0f;
            dr[c] = pick(positive, g, w[c] * g);
            acc[c] += pick(positive, 0.0f, v * g);
        }
    }
}

// ---- AVX2 + FMA kernels -----------------------------------------------------------------------

#ifdef FEDPILOT_PRELU_X86
__attribute__((target("avx2,fma"))) void forwardAvx2(const float* x, const float* w, float* y, std::int64_t rows,
                                                     std::int64_t channels)
{
    const __m256 zero = _mm256_setzero_ps();
    const std::int64_t vecEnd = channels - channels % 8;
    for (std::int64_t r = 0; r < rows; ++r) {
        const float* xr = x + r * channels;
        float* yr = y + r * channels;
        std::int64_t c = 0;
        for (; c < vecEnd; c += 8) {
            const __m256 v = _mm256_loadu_ps(xr + c);
            const __m256 scaled = _mm256_mul_ps(v, _mm256_loadu_ps(w + c));
            const __m256 positive = _mm256_cmp_ps(v, zero, _CMP_GT_OQ);
            _mm256_storeu_ps(yr + c, _mm256_blendv_ps(scaled, v, positive));
        }
        for (; c < channels; ++c) {
            const float v = xr[c];
            yr[c] = v > 0.0f ? v : w[c] * v;
        }
    }
}

__attribute__((target("avx2,fma"))) void backwardAvx2(const float* x, const float* dy, const float* w, float* dx,
                                                      float* acc, std::int64_t rows, std::int64_t channels)
{
    std::fill(acc, acc + channels, 0.0f);
    const __m256 zero = _mm256_setzero_ps();
    const std::int64_t vecEnd = channels - channels % 8;
    for (std::int64_t r = 0; r < rows; ++r) {
        const float* xr = x + r * channels;
        const float* gr = dy + r * channels;
        float* dr = dx + r * channels;
        std::int64_t c = 0;
        for (; c < vecEnd; c += 8) {
            const __m256 v = _mm256_loadu_ps(xr + c);
            const __m256 g = _mm256_loadu_ps(gr + c);
            const __m256 positive = _mm256_cmp_ps(v, zero, _CMP_GT_OQ);
            const __m256 scaled = _mm256_mul_ps(g, _mm256_loadu_ps(w + c));
            _mm256_storeu_ps(dr + c, _mm256_blendv_ps(scaled, g, positive));
            // acc += x > 0 ? 0 : x * g (masking the product, not x, so that an infinite or NaN
            // gradient where x > 0 adds nothing, as in ATen).
            const __m256 product = _mm256_andnot_ps(positive, _mm256_mul_ps(v, g));
            _mm256_storeu_ps(acc + c, _mm256_add_ps(_mm256_loadu_ps(acc + c), product));
        }
        for (; c < channels; ++c) {
            const float v = xr[c];
            const float g = gr[c];
            const bool positive = v > 0.0f;
            dr[c] = positive ? g : w[c] * g;
            acc[c] += positive ? 0.0f : v * g;
        }
    }
}

bool cpuHasAvx2()
{
    static const bool has = [] {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    }();
    return has;
}
#else
bool cpuHasAvx2() { return false; }
#endif

// FEDPILOT_PRELU=torch|portable|auto picks the kernel for a whole process (diagnosis, A/B runs).
PreluKernel kernelFromEnvironment()
{
    const char* v = std::getenv("FEDPILOT_PRELU");
    if (v && std::strcmp(v, "torch") == 0)
        return PreluKernel::Torch;
    if (v && std::strcmp(v, "portable") == 0)
        return PreluKernel::Portable;
    return PreluKernel::Auto;
}

std::atomic<PreluKernel> g_kernel{kernelFromEnvironment()};
std::atomic<std::int64_t> g_fusedCalls{0};

[[maybe_unused]] bool useAvx2()
{
    return g_kernel.load(std::memory_order_relaxed) == PreluKernel::Auto && cpuHasAvx2();
}

}  // namespace

void setPreluKernel(PreluKernel kernel) { g_kernel.store(kernel); }
PreluKernel preluKernel() { return g_kernel.load(); }
std::int64_t fusedPreluCalls() { return g_fusedCalls.load(); }
void countFusedCall() { g_fusedCalls.fetch_add(1, std::memory_order_relaxed); }

void preluForwardRows(const float* x, const float* weight, float* y, std::int64_t rows, std::int64_t channels)
{
#ifdef FEDPILOT_PRELU_X86
    if (useAvx2())
        return forwardAvx2(x, weight, y, rows, channels);
#endif
    forwardPortable(x, weight, y, rows, channels);
}

void preluBackwardRows(const float* x, const float* dy, const float* weight, float* dx, float* gradWeightPartial,
                       std::int64_t rows, std::int64_t channels)
{
#ifdef FEDPILOT_PRELU_X86
    if (useAvx2())
        return backwardAvx2(x, dy, weight, dx, gradWeightPartial, rows, channels);
#endif
    backwardPortable(x, dy, weight, dx, gradWeightPartial, rows, channels);
}

}  // namespace detail

namespace {

// The layout the kernels need: channels innermost and dense, i.e. [N, C] contiguous or
// [N, C, H, W] in channels-last memory.
bool channelsInnermost(const torch::Tensor& t)
{
    if (t.dim() == 2)
        return t.is_contiguous();
    if (t.dim() == 4)
        return t.is_contiguous(at::MemoryFormat::ChannelsLast);
    return false;
}

at::MemoryFormat formatOf(const torch::Tensor& t)
{
    return t.dim() == 4 ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
}

// About 128k elements per block: the weight-gradient partial sums are per block, so their order
// (and the float result) depends only on the shape, never on the thread count.
std::int64_t rowsPerBlock(std::int64_t channels)
{
    return std::max<std::int64_t>(1, (std::int64_t{1} << 17) / channels);
}

torch::Tensor forwardKernel(const torch::Tensor& x, const torch::Tensor& weight)
{
    auto y = at::empty(x.sizes(), x.options().memory_format(formatOf(x)));
    const std::int64_t channels = x.size(1);
    const std::int64_t rows = x.numel() / channels;
    const float* xp = x.data_ptr<float>();
    const float* wp = weight.data_ptr<float>();
    float* yp = y.data_ptr<float>();
    at::parallel_for(0, rows, rowsPerBlock(channels), [&](std::int64_t begin, std::int64_t end) {
        detail::preluForwardRows(xp + begin * channels, wp, yp + begin * channels, end - begin, channels);
    });
    return y;
}

std::pair<torch::Tensor, torch::Tensor> backwardKernel(const torch::Tensor& x, const torch::Tensor& dy,
                                                       const torch::Tensor& weight)
{
    auto dx = at::empty(x.sizes(), x.options().memory_format(formatOf(x)));
    const std::int64_t channels = x.size(1);
    const std::int64_t rows = x.numel() / channels;
    const std::int64_t block = rowsPerBlock(channels);
    const std::int64_t blocks = (rows + block - 1) / block;
    std::vector<float> partial(static_cast<std::size_t>(blocks * channels));
    const float* xp = x.data_ptr<float>();
    const float* gp = dy.data_ptr<float>();
    const float* wp = weight.data_ptr<float>();
    float* dxp = dx.data_ptr<float>();
    at::parallel_for(0, blocks, 1, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t b = begin; b < end; ++b) {
            const std::int64_t r0 = b * block;
            const std::int64_t n = std::min(block, rows - r0);
            detail::preluBackwardRows(xp + r0 * channels, gp + r0 * channels, wp, dxp + r0 * channels,
                                      partial.data() + b * channels, n, channels);
        }
    });
    std::vector<double> total(static_cast<std::size_t>(channels), 0.0);
    for (std::int64_t b = 0; b < blocks; ++b)
        for (std::int64_t c = 0; c < channels; ++c)
            total[c] += partial[b * channels + c];
    auto dw = at::empty({channels}, weight.options());
    float* dwp = dw.data_ptr<float>();
    for (std::int64_t c = 0; c < channels; ++c)
        dwp[c] = static_cast<float>(total[c]);
    return {dx, dw.view(weight.sizes())};
}

struct FusedPreluFunction : torch::autograd::Function<FusedPreluFunction> {
    static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x,
                                 const torch::Tensor& weight)
    {
        auto w = weight.contiguous();
        detail::countFusedCall();
        ctx->save_for_backward({x, w});
        return forwardKernel(x, w);
    }

    static torch::autograd::tensor_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::tensor_list grads)
    {
        const auto saved = ctx->get_saved_variables();
        const auto& x = saved[0];
        const auto& w = saved[1];
        auto dy = grads[0];
        if (!dy.defined())
            return {torch::Tensor(), torch::Tensor()};
        if (dy.scalar_type() != x.scalar_type() || !channelsInnermost(dy))
            dy = dy.to(x.scalar_type()).contiguous(formatOf(x));
        auto [dx, dw] = backwardKernel(x, dy, w);
        return {dx, dw};
    }
};

}  // namespace

bool fusedPreluApplies(const torch::Tensor& x, const torch::Tensor& weight)
{
    return x.defined() && weight.defined() && x.device().is_cpu() && weight.device().is_cpu()
        && x.scalar_type() == at::kFloat && weight.scalar_type() == at::kFloat && !x.is_sparse() && x.numel() > 0
        && (x.dim() == 2 || x.dim() == 4) && weight.numel() == x.size(1) && channelsInnermost(x);
}

torch::Tensor fusedPrelu(const torch::Tensor& x, const torch::Tensor& weight)
{
    if (detail::preluKernel() == detail::PreluKernel::Torch || !fusedPreluApplies(x, weight))
        return at::prelu(x, weight);
    if (!torch::GradMode::is_enabled() || !(x.requires_grad() || weight.requires_grad())) {
        detail::countFusedCall();  // inference: no autograd node, nothing saved
        return forwardKernel(x, weight.contiguous());
    }
    return FusedPreluFunction::apply(x, weight);
}

const char* fusedPreluKernelName()
{
    switch (detail::preluKernel()) {
    case detail::PreluKernel::Torch: return "torch";
    case detail::PreluKernel::Portable: return "portable";
    case detail::PreluKernel::Auto: break;
    }
    return detail::cpuHasAvx2() ? "avx2" : "portable";
}

FusedPReLUImpl::FusedPReLUImpl(std::int64_t channels, double init)
{
    weight = register_parameter("weight", torch::full({channels}, init));
}

torch::Tensor FusedPReLUImpl::forward(const torch::Tensor& x)
{
    return fusedPrelu(x, weight);
}

}  // namespace fedpilot::engine
