#include "backbones/Backbone.h"

#include <cmath>

namespace fedpilot::engine {

ConvBnImpl::ConvBnImpl(int in, int out, int kernel, int stride, int padding, int groups, bool activation)
{
    conv = register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, kernel)
                                                         .stride(stride)
                                                         .padding(padding)
                                                         .groups(groups)
                                                         .bias(false)));
    bn = register_module("bn", torch::nn::BatchNorm2d(out));
    if (activation)
        prelu = register_module("prelu", FusedPReLU(out));
}

torch::Tensor ConvBnImpl::forward(torch::Tensor x)
{
    x = bn(conv(x));
    return prelu ? prelu(x) : x;
}

namespace {

// Kaiming-normal (fan_out) convolutions and linear layers, as common face recognition code does;
// BatchNorm at identity. Seeded so two sites starting from "the same seed" get the same weights.
void initialise(torch::nn::Module& module, std::uint64_t seed)
{
    torch::NoGradGuard noGrad;
    auto generator = at::detail::createCPUGenerator(seed);
    for (auto& item : module.named_parameters(true)) {
        auto& p = item.value();
        const auto& name = item.key();
        if (p.dim() >= 2) {
            const double fanOut = static_cast<double>(p.size(0)) * (p.dim() > 2 ? p[0][0].numel() : 1);
            const double std = std::sqrt(2.0 / fanOut);
            p.copy_(at::normal(0.0, std, p.sizes(), generator));
        } else if (name.size() >= 6 && name.compare(name.size() - 6, 6, "weight") == 0
                   && name.find("prelu") == std::string::npos) {
            p.fill_(1.0);  // BatchNorm scale
        } else if (name.find("prelu") == std::string::npos) {
            p.zero_();     // biases, BatchNorm shift
        }
    }
}

}  // namespace

std::shared_ptr<BackboneNet> makeBackbone(const ModelConfig& config, std::uint64_t seed)
{
    std::shared_ptr<BackboneNet> net;
    switch (config.backbone) {
    case Backbone::MobileFaceNet: net = makeMobileFaceNet(config); break;
    case Backbone::IResNet18: net = makeIResNet(config, 18); break;
    case Backbone::IResNet50: net = makeIResNet(config, 50); break;
    }
    initialise(*net, seed);
    return net;
}

}  // namespace fedpilot::engine
