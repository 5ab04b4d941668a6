#include "train/Sgd.h"

namespace fedpilot::engine {

std::size_t Sgd::add(const torch::Tensor& parameter, double weightDecay)
{
    m_params.push_back(parameter);
    m_decay.push_back(weightDecay);
    m_buffers.emplace_back();
    return m_params.size() - 1;
}

void Sgd::replace(std::size_t slot, const torch::Tensor& parameter)
{
    m_params[slot] = parameter;
    m_buffers[slot] = torch::Tensor();
}

void Sgd::zeroGrad()
{
    // Dropping the gradients (instead of zero-filling them) lets backward write fresh tensors:
    // one memset and one accumulation fewer per parameter and step.
    for (auto& p : m_params)
        p.mutable_grad().reset();
}

void Sgd::step()
{
    torch::NoGradGuard noGrad;
    for (std::size_t i = 0; i < m_params.size(); ++i) {
        auto& p = m_params[i];
        if (!p.grad().defined())
            continue;
        auto d = p.grad();
        if (m_decay[i] != 0.0)
            d = d.add(p, m_decay[i]);
        if (m_momentum != 0.0) {
            auto& buffer = m_buffers[i];
            if (!buffer.defined())
                buffer = d.detach().clone();
            else
                buffer.mul_(m_momentum).add_(d);
            d = buffer;
        }
        p.add_(d, -m_lr);
    }
}

}  // namespace fedpilot::engine
