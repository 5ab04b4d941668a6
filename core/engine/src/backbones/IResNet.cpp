// IResNet (Deng et al., "ArcFace: Additive Angular Margin Loss for Deep Face Recognition",
// CVPR 2019): pre-activation style residual blocks BN-conv-BN-PReLU-conv-BN, stride in the
// second convolution, a BN-flatten-linear-BN embedding layer.

#include "backbones/Backbone.h"

namespace fedpilot::engine {
namespace {

struct IBasicBlockImpl : torch::nn::Module {
    IBasicBlockImpl(int in, int out, int stride)
    {
        namespace nn = torch::nn;
        bn1 = register_module("bn1", nn::BatchNorm2d(in));
        conv1 = register_module("conv1", nn::Conv2d(nn::Conv2dOptions(in, out, 3).padding(1).bias(false)));
        bn2 = register_module("bn2", nn::BatchNorm2d(out));
        prelu = register_module("prelu", FusedPReLU(out));
        conv2 = register_module("conv2", nn::Conv2d(nn::Conv2dOptions(out, out, 3).stride(stride).padding(1).bias(false)));
        bn3 = register_module("bn3", nn::BatchNorm2d(out));
        if (stride != 1 || in != out) {
            downConv = register_module("down_conv", nn::Conv2d(nn::Conv2dOptions(in, out, 1).stride(stride).bias(false)));
            downBn = register_module("down_bn", nn::BatchNorm2d(out));
        }
    }
    torch::Tensor forward(torch::Tensor x)
    {
        auto y = bn3(conv2(prelu(bn2(conv1(bn1(x))))));
        auto shortcut = downConv ? downBn(downConv(x)) : x;
        return y + shortcut;
    }
    torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr}, bn3{nullptr}, downBn{nullptr};
    torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, downConv{nullptr};
    FusedPReLU prelu{nullptr};
};
TORCH_MODULE(IBasicBlock);

struct IResNetNet : BackboneNet {
    IResNetNet(const ModelConfig& config, const std::vector<int>& layers)
    {
        namespace nn = torch::nn;
        stem = register_module("stem", ConvBn(3, 64, 3, 1, 1, 1, true));
        body = register_module("body", nn::Sequential());
        const int widths[] = {64, 128, 256, 512};
        int in = 64;
        for (std::size_t stage = 0; stage < layers.size(); ++stage) {
            for (int i = 0; i < layers[stage]; ++i) {
                body->push_back(IBasicBlock(in, widths[stage], i == 0 ? 2 : 1));
                in = widths[stage];
            }
        }
        const int spatial = config.inputSize / 16;
        bnOut = register_module("bn_out", nn::BatchNorm2d(512));
        linear = register_module("linear", nn::Linear(nn::LinearOptions(512 * spatial * spatial, config.embeddingSize)));
        features = register_module("features", nn::BatchNorm1d(config.embeddingSize));
    }
    torch::Tensor forward(torch::Tensor x) override
    {
        x = body->forward(stem(x));
        x = bnOut(x).flatten(1);
        return features(linear(x));
    }
    ConvBn stem{nullptr};
    torch::nn::Sequential body{nullptr};
    torch::nn::BatchNorm2d bnOut{nullptr};
    torch::nn::Linear linear{nullptr};
    torch::nn::BatchNorm1d features{nullptr};
};

}  // namespace

std::shared_ptr<BackboneNet> makeIResNet(const ModelConfig& config, int depth)
{
    const std::vector<int> layers = depth == 50 ? std::vector<int>{3, 4, 14, 3} : std::vector<int>{2, 2, 2, 2};
    return std::make_shared<IResNetNet>(config, layers);
}

}  // namespace fedpilot::engine
