#include "imports/ImageProbe.h"

#include <cstring>

namespace fedpilot {
namespace {

std::uint32_t be16(const std::uint8_t* p) { return (std::uint32_t(p[0]) << 8) | p[1]; }
std::uint32_t le16(const std::uint8_t* p) { return (std::uint32_t(p[1]) << 8) | p[0]; }
std::uint32_t be32(const std::uint8_t* p) { return (be16(p) << 16) | be16(p + 2); }
std::uint32_t le32(const std::uint8_t* p) { return (le16(p + 2) << 16) | le16(p); }

bool startsWith(const std::uint8_t* data, std::size_t size, const char* magic, std::size_t n)
{
    return size >= n && std::memcmp(data, magic, n) == 0;
}

// Dimensions beyond int are reported as INT_MAX-ish so the caller refuses them as too large.
int clampDim(std::uint64_t v) { return v > 0x7fffffffULL ? 0x7fffffff : int(v); }

void probePng(const std::uint8_t* d, std::size_t n, ImageHeader& h)
{
    // Signature (8), IHDR length (4), "IHDR" (4), width (4), height (4).
    if (n >= 24 && std::memcmp(d + 12, "IHDR", 4) == 0) {
        h.width = clampDim(be32(d + 16));
        h.height = clampDim(be32(d + 20));
    }
}

void probeJpeg(const std::uint8_t* d, std::size_t n, ImageHeader& h)
{
    // Walk the marker segments to the first SOFn; the scan data starts after SOS.
    std::size_t i = 2;
    std::size_t scanStart = 0;
    while (i + 4 <= n) {
        if (d[i] != 0xFF) {
            h.width = h.height = 0;  // not a marker where one must be: damaged
            return;
        }
        const std::uint8_t marker = d[i + 1];
        if (marker == 0xFF) {  // fill byte
            ++i;
            continue;
        }
        if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
            i += 2;
            continue;
        }
        const std::size_t length = be16(d + i + 2);
        if (length < 2)
            return;
        const bool sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
        if (sof && i + 9 <= n) {
            h.height = int(be16(d + i + 5));
            h.width = int(be16(d + i + 7));
        }
        if (marker == 0xDA) {
            scanStart = i + 2 + length;
            break;
        }
        i += 2 + length;
    }
    if (scanStart == 0 || scanStart > n) {
        h.complete = false;
        return;
    }
    // Entropy-coded data never holds FF D9 (FF is stuffed as FF 00), so a whole file has its EOI
    // after the first scan; a truncated one has none. Trailing bytes after EOI are tolerated.
    bool eoi = false;
    for (std::size_t k = n - 1; k > scanStart; --k) {
        if (d[k] == 0xD9 && d[k - 1] == 0xFF) {
            eoi = true;
            break;
        }
    }
    h.complete = eoi;
}

void probeBmp(const std::uint8_t* d, std::size_t n, ImageHeader& h)
{
    if (n < 26)
        return;
    const std::uint32_t dib = le32(d + 14);
    if (dib == 12) {
        h.width = int(le16(d + 18));
        h.height = int(le16(d + 20));
    } else if (dib >= 40 && n >= 26) {
        const auto w = std::int32_t(le32(d + 18));
        const auto hh = std::int32_t(le32(d + 22));
        h.width = w < 0 ? 0 : w;
        h.height = hh == INT32_MIN ? 0 : (hh < 0 ? -hh : hh);  // negative height = top-down rows
    }
}

void probeGif(const std::uint8_t* d, std::size_t n, ImageHeader& h)
{
    if (n >= 10) {
        h.width = int(le16(d + 6));
        h.height = int(le16(d + 8));
    }
}

// PNM: "P1".."P6", then width, height separated by whitespace, with '#' comments.
void probePnm(const std::uint8_t* d, std::size_t n, ImageHeader& h)
{
    std::size_t i = 2;
    long values[2] = {0, 0};
    for (long& v : values) {
        for (;;) {
            while (i < n && (d[i] == ' ' || d[i] == '\t' || d[i] == '\r' || d[i] == '\n'))
                ++i;
            if (i < n && d[i] == '#') {
                while (i < n && d[i] != '\n')
                    ++i;
                continue;
            }
            break;
        }
        if (i >= n || d[i] < '0' || d[i] > '9')
            return;
        while (i < n && d[i] >= '0' && d[i] <= '9' && v < 100000000)
            v = v * 10 + (d[i++] - '0');
    }
    h.width = int(values[0]);
    h.height = int(values[1]);
}

void probeTiff(const std::uint8_t* d, std::size_t n, ImageHeader& h)
{
    const bool little = d[0] == 'I';
    auto u16 = [&](std::size_t at) { return little ? le16(d + at) : be16(d + at); };
    auto u32 = [&](std::size_t at) { return little ? le32(d + at) : be32(d + at); };
    if (n < 8)
        return;
    const std::size_t ifd = u32(4);
    if (ifd + 2 > n)
        return;
    const std::size_t entries = u16(ifd);
    for (std::size_t e = 0; e < entries; ++e) {
        const std::size_t at = ifd + 2 + e * 12;
        if (at + 12 > n)
            return;
        const std::uint32_t tag = u16(at);
        const std::uint32_t type = u16(at + 2);
        const std::uint32_t value = type == 3 ? u16(at + 8) : u32(at + 8);  // SHORT or LONG
        if (tag == 256)
            h.width = clampDim(value);
        else if (tag == 257)
            h.height = clampDim(value);
    }
}

void probeWebP(const std::uint8_t* d, std::size_t n, ImageHeader& h)
{
    if (n < 30)
        return;
    const std::uint8_t* c = d + 12;
    if (std::memcmp(c, "VP8 ", 4) == 0) {
        // Frame tag (3), start code 9D 01 2A, then 14-bit width and height.
        if (c[11] == 0x9D && c[12] == 0x01 && c[13] == 0x2A) {
            h.width = int(le16(c + 14) & 0x3FFF);
            h.height = int(le16(c + 16) & 0x3FFF);
        }
    } else if (std::memcmp(c, "VP8L", 4) == 0) {
        if (c[8] == 0x2F) {
            const std::uint32_t bits = le32(c + 9);
            h.width = int((bits & 0x3FFF) + 1);
            h.height = int(((bits >> 14) & 0x3FFF) + 1);
        }
    } else if (std::memcmp(c, "VP8X", 4) == 0) {
        h.width = int((std::uint32_t(c[12]) | std::uint32_t(c[13]) << 8 | std::uint32_t(c[14]) << 16) + 1);
        h.height = int((std::uint32_t(c[15]) | std::uint32_t(c[16]) << 8 | std::uint32_t(c[17]) << 16) + 1);
    }
}

}  // namespace

ImageHeader probeImage(const std::uint8_t* data, std::size_t size)
{
    ImageHeader h;
    if (size >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) {
        h.format = ImageFormat::Jpeg;
        probeJpeg(data, size, h);
    } else if (startsWith(data, size, "\x89PNG\r\n\x1a\n", 8)) {
        h.format = ImageFormat::Png;
        probePng(data, size, h);
    } else if (startsWith(data, size, "GIF87a", 6) || startsWith(data, size, "GIF89a", 6)) {
        h.format = ImageFormat::Gif;
        probeGif(data, size, h);
    } else if (startsWith(data, size, "BM", 2) && size >= 18) {
        h.format = ImageFormat::Bmp;
        probeBmp(data, size, h);
    } else if (size >= 3 && data[0] == 'P' && data[1] >= '1' && data[1] <= '6'
               && (data[2] == ' ' || data[2] == '\n' || data[2] == '\r' || data[2] == '\t' || data[2] == '#')) {
        h.format = ImageFormat::Pnm;
        probePnm(data, size, h);
    } else if (startsWith(data, size, "II*\0", 4) || startsWith(data, size, "MM\0*", 4)) {
        h.format = ImageFormat::Tiff;
        probeTiff(data, size, h);
    } else if (size >= 12 && std::memcmp(data, "RIFF", 4) == 0 && std::memcmp(data + 8, "WEBP", 4) == 0) {
        h.format = ImageFormat::WebP;
        probeWebP(data, size, h);
    }
    return h;
}

QString formatName(ImageFormat format)
{
    switch (format) {
    case ImageFormat::Jpeg: return QStringLiteral("jpeg");
    case ImageFormat::Png: return QStringLiteral("png");
    case ImageFormat::Gif: return QStringLiteral("gif");
    case ImageFormat::Bmp: return QStringLiteral("bmp");
    case ImageFormat::Pnm: return QStringLiteral("pnm");
    case ImageFormat::Tiff: return QStringLiteral("tiff");
    case ImageFormat::WebP: return QStringLiteral("webp");
    case ImageFormat::Unknown: break;
    }
    return QStringLiteral("unknown");
}

}  // namespace fedpilot
