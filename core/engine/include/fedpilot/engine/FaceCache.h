#pragma once
// The packed face cache: fixed-size aligned uint8 face crops (HWC, RGB), int32 labels and a
// split flag per image. Written by import (or synth), memory-mapped by the engine.
//
// File layout (little-endian), format version 1:
//   header (128 bytes): magic "FPFC", u32 version, u32 width, u32 height, u32 channels,
//     u64 count, u32 numClasses, u32 reserved, 32-byte SHA-256 of the metadata section,
//     32-byte SHA-256 of the image section, zero padding
//   image section: count * height * width * channels bytes, starting at offset 128
//   metadata section: count int32 labels, then count uint8 split flags
// A cache is written to "<path>.partial" and renamed only when complete, so a file with the
// final name is always whole.

#include "fedpilot/engine/Result.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace fedpilot::engine {

enum class Split : std::uint8_t { Train = 0, HeldOut = 1 };

struct FaceCacheInfo {
    int width = 0;
    int height = 0;
    int channels = 0;
    std::int64_t count = 0;
    int numClasses = 0;   // labels are 0 .. numClasses-1
};

constexpr std::uint32_t kFaceCacheVersion = 1;

class FaceCache {
public:
    // Opens and validates a cache; verifyImages also checks the image section's SHA-256.
    static Result<FaceCache> open(const std::string& path, bool verifyImages = true);

    const FaceCacheInfo& info() const;
    std::int64_t size() const { return info().count; }
    std::size_t imageBytes() const;
    // Pointer to image i (height*width*channels bytes, HWC); valid while any copy of this cache lives.
    const std::uint8_t* image(std::int64_t i) const;
    std::int32_t label(std::int64_t i) const;
    Split split(std::int64_t i) const;
    // Indices of all images in a split, ascending.
    std::vector<std::int64_t> indices(Split split) const;
    std::vector<std::int64_t> allIndices() const;

private:
    struct Impl;
    std::shared_ptr<const Impl> d;
};

class FaceCacheWriter {
public:
    // Starts writing "<path>.partial"; nothing appears under path until finish() succeeds.
    static Result<FaceCacheWriter> create(const std::string& path, int width, int height, int channels);
    FaceCacheWriter(FaceCacheWriter&&) noexcept;
    FaceCacheWriter& operator=(FaceCacheWriter&&) noexcept;
    ~FaceCacheWriter();  // removes the partial file unless finished

    Status add(const std::uint8_t* pixels, std::int32_t label, Split split);
    std::int64_t count() const;
    // Writes the header and checksums, flushes to disk and renames into place.
    Status finish();
    // Drops the partial file.
    void abort();

private:
    FaceCacheWriter();
    struct Impl;
    std::unique_ptr<Impl> d;
};

}  // namespace fedpilot::engine
