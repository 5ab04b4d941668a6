#pragma once
// IEEE 754 binary16 ("half") conversion for fp16 tensor bundles. Small and dependency-free so the
// engine's base library needs neither torch nor a half-float library.

#include <cstdint>

namespace fedpilot::engine::detail {

// float -> half bits, round-to-nearest-even; overflow becomes +-inf, NaN stays NaN (quiet),
// values below half's range become subnormals or signed zero.
std::uint16_t floatToHalf(float value);
// half bits -> float; exact (every half is representable as a float).
float halfToFloat(std::uint16_t bits);

}  // namespace fedpilot::engine::detail
