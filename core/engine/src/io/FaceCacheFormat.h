#pragma once
// The face cache's on-disk layout (see FaceCache.h), shared by the reader (FaceCache.cpp) and the
// writer (FaceCacheWriter.cpp): header field offsets, geometry limits, little-endian fields.

#include <cstddef>
#include <cstdint>
#include <string>

// Header integers are assembled byte by byte, but labels are copied as int32 little-endian.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "FedPilot's file formats assume a little-endian host");

namespace fedpilot::engine::facecache {

constexpr char kMagic[4] = {'F', 'P', 'F', 'C'};
constexpr std::size_t kHeaderBytes = 128;
constexpr std::size_t kDigestBytes = 32;
// Header field offsets (see FaceCache.h).
constexpr std::size_t kOffVersion = 4;
constexpr std::size_t kOffWidth = 8;
constexpr std::size_t kOffHeight = 12;
constexpr std::size_t kOffChannels = 16;
constexpr std::size_t kOffCount = 20;
constexpr std::size_t kOffNumClasses = 28;
constexpr std::size_t kOffReserved = 32;
constexpr std::size_t kOffMetaDigest = 36;
constexpr std::size_t kOffImageDigest = 68;
constexpr std::size_t kOffPadding = 100;
// Face crops are small; these bounds keep every size product far from overflow and reject
// headers that are garbage rather than a real (if unusual) geometry.
constexpr std::uint32_t kMaxSide = 65535;
constexpr std::uint32_t kMaxChannels = 4;

inline std::uint32_t readU32(const std::uint8_t* p)
{
    return std::uint32_t(p[0]) | (std::uint32_t(p[1]) << 8) | (std::uint32_t(p[2]) << 16) | (std::uint32_t(p[3]) << 24);
}

inline std::uint64_t readU64(const std::uint8_t* p)
{
    return std::uint64_t(readU32(p)) | (std::uint64_t(readU32(p + 4)) << 32);
}

inline void writeU32(std::uint8_t* p, std::uint32_t v)
{
    for (int i = 0; i < 4; ++i)
        p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

inline void writeU64(std::uint8_t* p, std::uint64_t v)
{
    writeU32(p, static_cast<std::uint32_t>(v));
    writeU32(p + 4, static_cast<std::uint32_t>(v >> 32));
}

inline std::string checkGeometry(std::uint32_t width, std::uint32_t height, std::uint32_t channels)
{
    if (width < 1 || width > kMaxSide || height < 1 || height > kMaxSide)
        return "image size " + std::to_string(width) + "x" + std::to_string(height) + " out of range (1.."
               + std::to_string(kMaxSide) + ")";
    if (channels < 1 || channels > kMaxChannels)
        return "channel count " + std::to_string(channels) + " out of range (1.." + std::to_string(kMaxChannels) + ")";
    return std::string();
}

}  // namespace fedpilot::engine::facecache
