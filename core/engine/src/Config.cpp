#include "fedpilot/engine/Config.h"

#include <cmath>

namespace fedpilot::engine {

const char* toString(Backbone b)
{
    switch (b) {
    case Backbone::MobileFaceNet: return "mobilefacenet";
    case Backbone::IResNet18: return "iresnet18";
    case Backbone::IResNet50: return "iresnet50";
    }
    return "unknown";
}

const char* toString(MarginHead h)
{
    return h == MarginHead::CosFace ? "cosface" : "arcface";
}

const char* toString(Strategy s)
{
    switch (s) {
    case Strategy::AdaFedFR: return "adafedfr";
    case Strategy::FedAvg: return "fedavg";
    case Strategy::Local: return "local";
    }
    return "unknown";
}

Result<Backbone> parseBackbone(const std::string& name)
{
    for (Backbone b : {Backbone::MobileFaceNet, Backbone::IResNet18, Backbone::IResNet50}) {
        if (name == toString(b))
            return b;
    }
    return Result<Backbone>::error("unknown backbone '" + name + "' (mobilefacenet, iresnet18, iresnet50)");
}

Result<MarginHead> parseMarginHead(const std::string& name)
{
    if (name == "cosface")
        return MarginHead::CosFace;
    if (name == "arcface")
        return MarginHead::ArcFace;
    return Result<MarginHead>::error("unknown head '" + name + "' (cosface, arcface)");
}

Result<Strategy> parseStrategy(const std::string& name)
{
    for (Strategy s : {Strategy::AdaFedFR, Strategy::FedAvg, Strategy::Local}) {
        if (name == toString(s))
            return s;
    }
    return Result<Strategy>::error("unknown strategy '" + name + "' (adafedfr, fedavg, local)");
}

HeadConfig defaultHead(MarginHead type)
{
    HeadConfig head;
    head.type = type;
    if (type == MarginHead::ArcFace) {
        head.scale = 64.0;
        head.margin = 0.5;
    }
    return head;
}

Status validate(const ModelConfig& config)
{
    if (config.inputSize < 16 || config.inputSize > 512 || config.inputSize % 16 != 0)
        return Status::error("input size must be a multiple of 16 between 16 and 512, got "
                             + std::to_string(config.inputSize));
    if (config.embeddingSize < 8 || config.embeddingSize > 4096)
        return Status::error("embedding size must be between 8 and 4096, got "
                             + std::to_string(config.embeddingSize));
    return Status::ok();
}

Status validate(const TrainConfig& c)
{
    auto finitePositive = [](double v) { return std::isfinite(v) && v > 0; };
    if (c.epochs < 1)
        return Status::error("epochs must be at least 1");
    if (c.batchSize < 2 || c.batchSize > 8192)
        return Status::error("batch size must be between 2 and 8192");
    if (!finitePositive(c.optim.learningRate))
        return Status::error("learning rate must be a positive number");
    if (!std::isfinite(c.optim.momentum) || c.optim.momentum < 0 || c.optim.momentum >= 1)
        return Status::error("momentum must be in [0, 1)");
    if (!std::isfinite(c.optim.weightDecay) || c.optim.weightDecay < 0)
        return Status::error("weight decay must be >= 0");
    if (!finitePositive(c.head.scale) || !std::isfinite(c.head.margin) || c.head.margin < 0
        || c.head.margin >= 1.5)
        return Status::error("head scale must be > 0 and margin in [0, 1.5)");
    if (c.ada.k < 1)
        return Status::error("k must be at least 1");
    if (!finitePositive(c.ada.tau) || c.ada.tau > 10)
        return Status::error("tau must be in (0, 10]");
    if (!std::isfinite(c.ada.lambdaNeg) || c.ada.lambdaNeg < 0 || !std::isfinite(c.ada.lambdaPer)
        || c.ada.lambdaPer < 0)
        return Status::error("loss weights must be >= 0");
    if (c.threads < 0)
        return Status::error("threads must be >= 0");
    return Status::ok();
}

}  // namespace fedpilot::engine
