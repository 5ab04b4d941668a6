#pragma once
// A small GIF decoder for the first frame: OpenCV 4.6 (Debian 12) reads no GIF, and Yale A is
// GIF. Output is RGB, the frame composited on the logical screen (background = colour 0 black).

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace fedpilot {

struct DecodedImage {
    int width = 0;
    int height = 0;
    std::vector<std::uint8_t> rgb;  // height * width * 3
};

// Decodes the first image of a GIF. Returns false (with a reason in error) on damaged data.
// maxPixels bounds the allocation (the caller checks header dimensions before too).
bool decodeGif(const std::uint8_t* data, std::size_t size, DecodedImage& out, std::string& error,
               std::int64_t maxPixels = 50'000'000);

}  // namespace fedpilot
