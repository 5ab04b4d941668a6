#include "losses/Losses.h"

#include <algorithm>
#include <limits>

namespace fedpilot::engine {

torch::Tensor kNegativeLoss(const torch::Tensor& z, const torch::Tensor& positives,
                            const torch::Tensor& publicReps, const KNegativeOptions& options,
                            const torch::Tensor& tau)
{
    namespace F = torch::nn::functional;
    const auto c = F::normalize(publicReps, F::NormalizeFuncOptions().dim(1));
    const auto k = std::min<std::int64_t>(options.k, c.size(0));
    const auto positive = (z * positives).sum(1, /*keepdim=*/true);        // [B,1]
    const auto similarity = torch::matmul(z, c.t());                          // [B,P]

    torch::Tensor index;
    torch::Tensor keep;
    {
        // The selection is "adaptive" (per sample, per step) but not differentiated.
        torch::NoGradGuard noGrad;
        index = std::get<1>(similarity.topk(k, 1));
        if (options.similarityDelta >= 0) {
            const auto selected = similarity.gather(1, index);
            keep = selected > (positive - options.similarityDelta);
        }
    }
    auto negatives = similarity.gather(1, index);                            // [B,k], with grad
    if (keep.defined())
        negatives = negatives.masked_fill(keep.logical_not(), -std::numeric_limits<float>::infinity());
    auto logits = torch::cat({positive, negatives}, 1);
    logits = tau.defined() ? logits / tau : logits / options.tau;
    const auto target = torch::zeros({z.size(0)}, torch::TensorOptions().dtype(torch::kLong).device(z.device()));
    return F::cross_entropy(logits, target);
}

}  // namespace fedpilot::engine
