#pragma once
// Internal: a fused single-pass PReLU for channel-innermost activations (channels-last NHWC
// images, or [N, C] rows), forward and backward, with AVX2+FMA kernels chosen at run time and a
// portable fallback. Anything else (NCHW, non-float, CUDA, a shared single weight) goes to
// torch's own at::prelu, so the result is always the same function as torch::prelu.
//
// Why: ATen 1.13's prelu_backward makes several passes over the activation and writes a
// full-size temporary for the weight gradient; in MobileFaceNet's channels-last training step
// it was the largest single cost. Here one pass reads x and dy, writes dx and accumulates
// dweight[c] per fixed block of rows (so the sum does not depend on the thread count).

#include <torch/torch.h>

#include <cstdint>

namespace fedpilot::engine {

// y = prelu(x, weight); differentiable in both arguments. weight has one value per channel
// (dimension 1 of x) or a single shared value.
torch::Tensor fusedPrelu(const torch::Tensor& x, const torch::Tensor& weight);

// True when fusedPrelu takes the fused path for these arguments (the others use at::prelu).
bool fusedPreluApplies(const torch::Tensor& x, const torch::Tensor& weight);

// Which inner loops run now: "avx2", "portable" or "torch" (see detail::setPreluKernel).
const char* fusedPreluKernelName();

namespace detail {
// Process-wide switch for tests and A/B benchmarks (default Auto: AVX2 where the CPU has it).
// Portable forces the plain C++ loops; Torch makes fusedPrelu call at::prelu everywhere.
enum class PreluKernel { Auto, Portable, Torch };
void setPreluKernel(PreluKernel kernel);
PreluKernel preluKernel();
// How many forward calls took the fused path since the process started (tests check that the
// backbones really use it).
std::int64_t fusedPreluCalls();

// The raw kernels over a [rows, channels] float matrix. gradWeightPartial has channels entries
// and is overwritten with the sum over rows of (x > 0 ? 0 : x * dy).
void preluForwardRows(const float* x, const float* weight, float* y, std::int64_t rows, std::int64_t channels);
void preluBackwardRows(const float* x, const float* dy, const float* weight, float* dx, float* gradWeightPartial,
                       std::int64_t rows, std::int64_t channels);
}  // namespace detail

// Drop-in for torch::nn::PReLU(num_parameters = channels): the same parameter name ("weight"),
// shape and initial value, so saved models and updates are unchanged.
struct FusedPReLUImpl : torch::nn::Module {
    explicit FusedPReLUImpl(std::int64_t channels, double init = 0.25);
    torch::Tensor forward(const torch::Tensor& x);

    torch::Tensor weight;
};
TORCH_MODULE(FusedPReLU);

}  // namespace fedpilot::engine
