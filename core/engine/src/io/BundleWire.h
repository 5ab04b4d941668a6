#pragma once
// The tensor bundle's wire primitives (see TensorBundle.h for the layout): little-endian
// appends for the encoder, a bounds-checked reader for the decoder, and the size checks that
// both sides apply so that a bundle that encodes always decodes.

#include "fedpilot/engine/TensorBundle.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace fedpilot::engine::bundle {

// "tensor 3 ('fc.weight')", for error messages.
std::string tensorLabel(std::size_t index, const std::string& name);

// numel of a shape, or false (with why) if a dim is negative or the product overflows.
bool checkedNumel(const std::vector<std::int64_t>& shape, std::int64_t& numel, std::string& why);

// Both encode and decode enforce the same limits so a bundle that encodes always decodes.
bool checkTensorSize(std::int64_t numel, Encoding encoding, std::uint64_t& rawBytes, std::string& why);

void appendU16(std::string& out, std::uint16_t v);
void appendU32(std::string& out, std::uint32_t v);
void appendU64(std::string& out, std::uint64_t v);

// Bounds-checked little-endian reader: every read states how much it needs and fails, rather than
// reading past the end, when the input is shorter.
class Reader {
public:
    Reader(const std::uint8_t* data, std::size_t size) : m_data(data), m_size(size) {}

    std::size_t remaining() const { return m_size - m_pos; }
    std::size_t position() const { return m_pos; }

    bool bytes(std::size_t count, const std::uint8_t*& out)
    {
        if (count > remaining())
            return false;
        out = m_data + m_pos;
        m_pos += count;
        return true;
    }

    template <typename T>
    bool integer(T& out)
    {
        const std::uint8_t* p = nullptr;
        if (!bytes(sizeof(T), p))
            return false;
        std::uint64_t v = 0;
        for (std::size_t i = 0; i < sizeof(T); ++i)
            v |= static_cast<std::uint64_t>(p[i]) << (8 * i);
        out = static_cast<T>(v);
        return true;
    }

private:
    const std::uint8_t* m_data;
    std::size_t m_size;
    std::size_t m_pos = 0;
};

// "tensor bundle: truncated at byte N reading <what> (needs X bytes, Y left)".
std::string truncated(const std::string& what, std::size_t needed, const Reader& reader);

}  // namespace fedpilot::engine::bundle
