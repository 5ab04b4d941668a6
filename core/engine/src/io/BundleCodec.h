#pragma once
// Tensor bundle encoding and decoding (layout in TensorBundle.h): validation, fp16 conversion,
// optional zstd compression and a SHA-256 per tensor. Exceptions (allocation) propagate; the
// public functions in TensorBundle.cpp turn them into errors.

#include "fedpilot/engine/TensorBundle.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace fedpilot::engine::bundle {

Result<std::string> encode(const TensorBundle& bundle, const BundleEncodeOptions& options);
Result<TensorBundle> decode(const std::uint8_t* data, std::size_t size);

}  // namespace fedpilot::engine::bundle
