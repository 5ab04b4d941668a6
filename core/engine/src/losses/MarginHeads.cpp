#include "losses/Losses.h"

#include <cmath>

namespace fedpilot::engine {

torch::Tensor marginLogits(const torch::Tensor& z, const torch::Tensor& weight,
                           const torch::Tensor& labels, const HeadConfig& head)
{
    namespace F = torch::nn::functional;
    const auto w = F::normalize(weight, F::NormalizeFuncOptions().dim(1));
    auto cosine = torch::matmul(z, w.t()).clamp(-1.0, 1.0);
    const auto oneHot = torch::zeros_like(cosine).scatter_(1, labels.view({-1, 1}), 1.0);
    if (head.type == MarginHead::CosFace)
        return head.scale * (cosine - head.margin * oneHot);

    // ArcFace: cos(theta + m) for the target, with the usual fallback past theta > pi - m so the
    // target logit stays monotone in theta.
    const double cosM = std::cos(head.margin), sinM = std::sin(head.margin);
    const double threshold = std::cos(M_PI - head.margin);
    const double fallback = std::sin(M_PI - head.margin) * head.margin;
    const auto sine = torch::sqrt((1.0 - cosine * cosine).clamp_min(1e-7));
    auto phi = cosine * cosM - sine * sinM;
    phi = torch::where(cosine > threshold, phi, cosine - fallback);
    return head.scale * (oneHot * phi + (1.0 - oneHot) * cosine);
}

torch::Tensor marginLoss(const torch::Tensor& z, const torch::Tensor& weight,
                         const torch::Tensor& labels, const HeadConfig& head)
{
    return torch::nn::functional::cross_entropy(marginLogits(z, weight, labels, head), labels);
}

AdapterImpl::AdapterImpl(int dim)
{
    u = register_module("u", torch::nn::Linear(torch::nn::LinearOptions(dim, dim).bias(false)));
    torch::NoGradGuard noGrad;
    u->weight.zero_();
}

torch::Tensor AdapterImpl::forward(const torch::Tensor& e)
{
    return e + u(e);
}

}  // namespace fedpilot::engine
