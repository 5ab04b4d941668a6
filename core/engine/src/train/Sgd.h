#pragma once
// Internal: SGD with momentum and weight decay (PyTorch's update rule). Our own, small, so its
// momentum buffers are plain tensors we can checkpoint identically on LibTorch 1.13 and 2.x
// (torch::optim's state keys changed between those versions).

#include <torch/torch.h>

#include <vector>

namespace fedpilot::engine {

class Sgd {
public:
    Sgd(double momentum) : m_momentum(momentum) {}

    // Adds a parameter with its own weight decay; returns its slot.
    std::size_t add(const torch::Tensor& parameter, double weightDecay);
    // Replaces the tensor in a slot (e.g. a resized public-representation copy); resets its momentum.
    void replace(std::size_t slot, const torch::Tensor& parameter);
    void setLearningRate(double lr) { m_lr = lr; }
    double learningRate() const { return m_lr; }
    void zeroGrad();
    void step();

    std::size_t size() const { return m_params.size(); }
    // Momentum buffer of a slot (undefined before the first step).
    torch::Tensor& momentumBuffer(std::size_t slot) { return m_buffers[slot]; }

private:
    std::vector<torch::Tensor> m_params;
    std::vector<double> m_decay;
    std::vector<torch::Tensor> m_buffers;
    double m_momentum;
    double m_lr = 0.0;
};

}  // namespace fedpilot::engine
