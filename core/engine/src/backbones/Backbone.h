#pragma once
// Internal: the backbone networks (torch inside).

#include "backbones/FusedPrelu.h"
#include "fedpilot/engine/Config.h"

#include <torch/torch.h>

#include <memory>

namespace fedpilot::engine {

// A face embedding network: [N,3,S,S] in [-1,1] -> [N,embeddingSize] (not normalised).
struct BackboneNet : torch::nn::Module {
    virtual torch::Tensor forward(torch::Tensor x) = 0;
};

// Builds the backbone named in config, initialised deterministically from seed.
std::shared_ptr<BackboneNet> makeBackbone(const ModelConfig& config, std::uint64_t seed);

// Conv -> BN -> optional PReLU, the building block of both families. The PReLU is the fused
// one (backbones/FusedPrelu.h): same parameters and function as torch::nn::PReLU, faster on
// channels-last CPU activations.
struct ConvBnImpl : torch::nn::Module {
    ConvBnImpl(int in, int out, int kernel, int stride, int padding, int groups, bool activation);
    torch::Tensor forward(torch::Tensor x);

    torch::nn::Conv2d conv{nullptr};
    torch::nn::BatchNorm2d bn{nullptr};
    FusedPReLU prelu{nullptr};
};
TORCH_MODULE(ConvBn);

std::shared_ptr<BackboneNet> makeMobileFaceNet(const ModelConfig& config);
std::shared_ptr<BackboneNet> makeIResNet(const ModelConfig& config, int depth);

}  // namespace fedpilot::engine
