#pragma once
// Internal: conversions between torch modules/tensors and torch-free tensor bundles.

#include "fedpilot/engine/Result.h"
#include "fedpilot/engine/TensorBundle.h"

#include <torch/torch.h>

#include <string>

namespace fedpilot::engine {

// A CPU float copy of a tensor.
NamedTensor toNamed(const std::string& name, const torch::Tensor& tensor, TensorKind kind);
// A CPU float tensor holding a copy of the values.
torch::Tensor fromNamed(const NamedTensor& tensor);
// Parameters then buffers, each in registration order, names prefixed.
void appendModuleState(const torch::nn::Module& module, const std::string& prefix, TensorBundle& out);
// Copies every parameter and buffer of module from bundle entries "<prefix><name>"; all must be
// present with the same shape (strict). Other bundle entries are ignored.
Status loadModuleState(torch::nn::Module& module, const std::string& prefix, const TensorBundle& bundle);
// Converts 4-D parameters and buffers to channels-last (or back to contiguous).
void setChannelsLast(torch::nn::Module& module, bool channelsLast);

}  // namespace fedpilot::engine
