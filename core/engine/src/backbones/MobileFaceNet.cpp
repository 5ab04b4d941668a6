// MobileFaceNet (Chen et al., "MobileFaceNets: Efficient CNNs for Accurate Real-Time Face
// Verification on Mobile Devices", CCBR 2018): inverted-residual bottlenecks and a global
// depthwise convolution (GDC) instead of global pooling. ~1M parameters at 512-d.

#include "backbones/Backbone.h"

namespace fedpilot::engine {
namespace {

// Expand 1x1 -> depthwise kxk -> linear project 1x1, with an optional residual connection.
struct BottleneckImpl : torch::nn::Module {
    BottleneckImpl(int in, int out, int stride, int expanded, bool residual)
        : m_residual(residual)
    {
        expand = register_module("expand", ConvBn(in, expanded, 1, 1, 0, 1, true));
        depthwise = register_module("depthwise", ConvBn(expanded, expanded, 3, stride, 1, expanded, true));
        project = register_module("project", ConvBn(expanded, out, 1, 1, 0, 1, false));
    }
    torch::Tensor forward(torch::Tensor x)
    {
        auto y = project(depthwise(expand(x)));
        return m_residual ? x + y : y;
    }
    bool m_residual;
    ConvBn expand{nullptr}, depthwise{nullptr}, project{nullptr};
};
TORCH_MODULE(Bottleneck);

struct MobileFaceNetNet : BackboneNet {
    explicit MobileFaceNetNet(const ModelConfig& config)
    {
        const int gdcKernel = config.inputSize / 16;
        stem = register_module("stem", ConvBn(3, 64, 3, 2, 1, 1, true));
        stemDw = register_module("stem_dw", ConvBn(64, 64, 3, 1, 1, 64, true));
        body = register_module("body", torch::nn::Sequential());
        // (in, out, stride, expanded, repeats): the first block of each group may downsample.
        struct Stage { int in, out, stride, expanded, residualBlocks, residualExpanded; };
        const Stage stages[] = {{64, 64, 2, 128, 4, 128}, {64, 128, 2, 256, 6, 256}, {128, 128, 2, 512, 2, 256}};
        for (const auto& s : stages) {
            body->push_back(Bottleneck(s.in, s.out, s.stride, s.expanded, false));
            for (int i = 0; i < s.residualBlocks; ++i)
                body->push_back(Bottleneck(s.out, s.out, 1, s.residualExpanded, true));
        }
        sep = register_module("sep", ConvBn(128, 512, 1, 1, 0, 1, true));
        gdc = register_module("gdc", ConvBn(512, 512, gdcKernel, 1, 0, 512, false));
        linear = register_module("linear", torch::nn::Linear(torch::nn::LinearOptions(512, config.embeddingSize).bias(false)));
        features = register_module("features", torch::nn::BatchNorm1d(config.embeddingSize));
    }

    torch::Tensor forward(torch::Tensor x) override
    {
        x = stemDw(stem(x));
        x = body->forward(x);
        x = gdc(sep(x)).flatten(1);
        return features(linear(x));
    }

    ConvBn stem{nullptr}, stemDw{nullptr}, sep{nullptr}, gdc{nullptr};
    torch::nn::Sequential body{nullptr};
    torch::nn::Linear linear{nullptr};
    torch::nn::BatchNorm1d features{nullptr};
};

}  // namespace

std::shared_ptr<BackboneNet> makeMobileFaceNet(const ModelConfig& config)
{
    return std::make_shared<MobileFaceNetNet>(config);
}

}  // namespace fedpilot::engine
