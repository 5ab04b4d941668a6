#include "io/BundleWire.h"

namespace fedpilot::engine::bundle {

std::string tensorLabel(std::size_t index, const std::string& name)
{
    return "tensor " + std::to_string(index) + " ('" + name + "')";
}

bool checkedNumel(const std::vector<std::int64_t>& shape, std::int64_t& numel, std::string& why)
{
    std::int64_t product = 1;
    for (std::size_t i = 0; i < shape.size(); ++i) {
        if (shape[i] < 0) {
            why = "dimension " + std::to_string(i) + " is negative (" + std::to_string(shape[i]) + ")";
            return false;
        }
        if (__builtin_mul_overflow(product, shape[i], &product)) {
            why = "shape overflows a 64-bit element count";
            return false;
        }
    }
    numel = product;
    return true;
}

bool checkTensorSize(std::int64_t numel, Encoding encoding, std::uint64_t& rawBytes, std::string& why)
{
    const std::uint64_t count = static_cast<std::uint64_t>(numel);
    // The decoded fp32 values are what gets allocated, so they count against the limit too
    // (an fp16 tensor just under the limit would otherwise decode to twice the limit).
    if (count > kMaxTensorBytes / sizeof(float)) {
        why = "too large (" + std::to_string(count) + " elements; the limit is "
              + std::to_string(kMaxTensorBytes) + " bytes as fp32)";
        return false;
    }
    if (encoding == Encoding::Int8) {
        const std::uint64_t blocks = (count + kInt8BlockValues - 1) / kInt8BlockValues;
        rawBytes = count + blocks * sizeof(float);
    } else {
        rawBytes = count * (encoding == Encoding::Fp16 ? 2u : 4u);
    }
    return true;
}

void appendU16(std::string& out, std::uint16_t v)
{
    out.push_back(static_cast<char>(v & 0xffu));
    out.push_back(static_cast<char>(v >> 8));
}

void appendU32(std::string& out, std::uint32_t v)
{
    for (int i = 0; i < 4; ++i)
        out.push_back(static_cast<char>((v >> (8 * i)) & 0xffu));
}

void appendU64(std::string& out, std::uint64_t v)
{
    for (int i = 0; i < 8; ++i)
        out.push_back(static_cast<char>((v >> (8 * i)) & 0xffu));
}

std::string truncated(const std::string& what, std::size_t needed, const Reader& reader)
{
    return "tensor bundle: truncated at byte " + std::to_string(reader.position()) + " reading " + what
           + " (needs " + std::to_string(needed) + " bytes, " + std::to_string(reader.remaining())
           + " left)";
}

}  // namespace fedpilot::engine::bundle
