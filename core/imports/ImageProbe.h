#pragma once
// Content-based image format detection and header-only dimensions, so that a file is refused
// by its declared size before any decoder allocates memory for it (OpenCV 4.6 has no
// header-only API: cv::imread would decode a 30000x30000 PNG).

#include <cstddef>
#include <cstdint>

#include <QString>

namespace fedpilot {

enum class ImageFormat { Unknown, Jpeg, Png, Gif, Bmp, Pnm, Tiff, WebP };

struct ImageHeader {
    ImageFormat format = ImageFormat::Unknown;
    int width = 0;   // 0 when the header is cut short or malformed
    int height = 0;
    bool complete = true;  // false when the file visibly ends early (JPEG without EOI after the scan data)
};

// Looks at the magic bytes and parses just enough of the header for width and height.
// Unknown format: format == Unknown. Known format with a damaged/short header: width == 0.
ImageHeader probeImage(const std::uint8_t* data, std::size_t size);

QString formatName(ImageFormat format);

}  // namespace fedpilot
