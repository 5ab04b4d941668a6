#include "TorchState.h"

namespace fedpilot::engine {

NamedTensor toNamed(const std::string& name, const torch::Tensor& tensor, TensorKind kind)
{
    NamedTensor out;
    out.name = name;
    out.kind = kind;
    const auto cpu = tensor.detach().to(torch::kCPU, torch::kFloat).contiguous();
    out.shape.assign(cpu.sizes().begin(), cpu.sizes().end());
    const float* data = cpu.data_ptr<float>();
    out.values.assign(data, data + cpu.numel());
    return out;
}

torch::Tensor fromNamed(const NamedTensor& tensor)
{
    return torch::from_blob(const_cast<float*>(tensor.values.data()), tensor.shape, torch::kFloat).clone();
}

void appendModuleState(const torch::nn::Module& module, const std::string& prefix, TensorBundle& out)
{
    for (const auto& item : module.named_parameters(true))
        out.tensors.push_back(toNamed(prefix + item.key(), item.value(), TensorKind::Parameter));
    for (const auto& item : module.named_buffers(true))
        out.tensors.push_back(toNamed(prefix + item.key(), item.value(), TensorKind::Buffer));
}

Status loadModuleState(torch::nn::Module& module, const std::string& prefix, const TensorBundle& bundle)
{
    torch::NoGradGuard noGrad;
    auto load = [&](const std::string& name, torch::Tensor& target) -> Status {
        const NamedTensor* source = bundle.find(prefix + name);
        if (!source)
            return Status::error("model state has no tensor '" + prefix + name + "'");
        if (std::vector<std::int64_t>(target.sizes().begin(), target.sizes().end()) != source->shape)
            return Status::error("tensor '" + prefix + name + "' has the wrong shape for this model");
        if (static_cast<std::int64_t>(source->values.size()) != target.numel())
            return Status::error("tensor '" + prefix + name + "' has the wrong number of values");
        target.copy_(fromNamed(*source).to(target.device(), target.scalar_type()));
        return Status::ok();
    };
    // Check everything before changing anything, so a bad state leaves the model untouched.
    for (const auto& item : module.named_parameters(true)) {
        const NamedTensor* source = bundle.find(prefix + item.key());
        if (!source)
            return Status::error("model state has no tensor '" + prefix + item.key() + "'");
        if (std::vector<std::int64_t>(item.value().sizes().begin(), item.value().sizes().end()) != source->shape)
            return Status::error("tensor '" + prefix + item.key() + "' has the wrong shape for this model");
    }
    for (auto& item : module.named_parameters(true)) {
        if (auto s = load(item.key(), item.value()); !s)
            return s;
    }
    for (auto& item : module.named_buffers(true)) {
        if (auto s = load(item.key(), item.value()); !s)
            return s;
    }
    return Status::ok();
}

void setChannelsLast(torch::nn::Module& module, bool channelsLast)
{
    torch::NoGradGuard noGrad;
    const auto format = channelsLast ? torch::MemoryFormat::ChannelsLast : torch::MemoryFormat::Contiguous;
    for (auto& p : module.parameters(true)) {
        if (p.dim() == 4)
            p.set_data(p.data().contiguous(format));
    }
}

}  // namespace fedpilot::engine
