#include "imports/GifDecoder.h"

#include <array>

namespace fedpilot {
namespace {

class Reader {
public:
    Reader(const std::uint8_t* d, std::size_t n) : m_d(d), m_n(n) {}
    bool has(std::size_t k) const { return m_pos + k <= m_n; }
    std::uint8_t u8() { return m_d[m_pos++]; }
    std::uint16_t u16()
    {
        const std::uint16_t v = std::uint16_t(m_d[m_pos] | (m_d[m_pos + 1] << 8));
        m_pos += 2;
        return v;
    }
    void skip(std::size_t k) { m_pos += k; }
    const std::uint8_t* here() const { return m_d + m_pos; }

private:
    const std::uint8_t* m_d;
    std::size_t m_n;
    std::size_t m_pos = 0;
};

// Concatenates the data sub-blocks that follow (size byte, data, ..., 0 terminator).
bool readSubBlocks(Reader& r, std::vector<std::uint8_t>* out)
{
    for (;;) {
        if (!r.has(1))
            return false;
        const std::size_t len = r.u8();
        if (len == 0)
            return true;
        if (!r.has(len))
            return false;
        if (out)
            out->insert(out->end(), r.here(), r.here() + len);
        r.skip(len);
    }
}

// Variable-width LZW as GIF uses it; fills `indices` with up to `expected` palette indices.
bool lzwDecode(const std::vector<std::uint8_t>& in, int minCodeSize, std::size_t expected,
               std::vector<std::uint8_t>& indices)
{
    if (minCodeSize < 2 || minCodeSize > 8)
        return false;
    const int clear = 1 << minCodeSize;
    const int end = clear + 1;
    std::array<std::uint16_t, 4096> prefix{};
    std::array<std::uint8_t, 4096> suffix{};
    std::array<std::uint8_t, 4097> stack{};
    for (int i = 0; i < clear; ++i)
        suffix[std::size_t(i)] = std::uint8_t(i);
    int codeSize = minCodeSize + 1;
    int next = end + 1;
    int previous = -1;
    std::uint8_t first = 0;
    std::uint32_t bits = 0;
    int bitCount = 0;
    std::size_t pos = 0;
    indices.clear();
    indices.reserve(expected);
    while (indices.size() < expected) {
        while (bitCount < codeSize) {
            if (pos >= in.size())
                return false;  // data ended before the image was complete
            bits |= std::uint32_t(in[pos++]) << bitCount;
            bitCount += 8;
        }
        const int code = int(bits & ((1u << codeSize) - 1));
        bits >>= codeSize;
        bitCount -= codeSize;
        if (code == clear) {
            codeSize = minCodeSize + 1;
            next = end + 1;
            previous = -1;
            continue;
        }
        if (code == end)
            break;
        if (previous < 0) {
            if (code >= clear)
                return false;
            indices.push_back(std::uint8_t(code));
            previous = code;
            first = std::uint8_t(code);
            continue;
        }
        int current = code;
        std::size_t top = 0;
        if (code >= next) {
            if (code > next)
                return false;
            stack[top++] = first;
            current = previous;
        }
        while (current >= clear) {
            if (top >= stack.size() - 1 || current >= 4096)
                return false;
            stack[top++] = suffix[std::size_t(current)];
            current = prefix[std::size_t(current)];
        }
        first = std::uint8_t(current);
        stack[top++] = first;
        while (top > 0 && indices.size() < expected)
            indices.push_back(stack[--top]);
        if (next < 4096) {
            prefix[std::size_t(next)] = std::uint16_t(previous);
            suffix[std::size_t(next)] = first;
            ++next;
            if (next == (1 << codeSize) && codeSize < 12)
                ++codeSize;
        }
        previous = code;
    }
    return indices.size() == expected;
}

}  // namespace

bool decodeGif(const std::uint8_t* data, std::size_t size, DecodedImage& out, std::string& error,
               std::int64_t maxPixels)
{
    Reader r(data, size);
    if (!r.has(13)) {
        error = "GIF header cut short";
        return false;
    }
    r.skip(6);
    const int screenW = r.u16();
    const int screenH = r.u16();
    const std::uint8_t packed = r.u8();
    r.skip(2);  // background index, aspect ratio
    if (screenW <= 0 || screenH <= 0 || std::int64_t(screenW) * screenH > maxPixels) {
        error = "GIF screen size out of range";
        return false;
    }
    std::vector<std::uint8_t> globalPalette;
    if (packed & 0x80) {
        const std::size_t entries = std::size_t(2) << (packed & 7);
        if (!r.has(entries * 3)) {
            error = "GIF palette cut short";
            return false;
        }
        globalPalette.assign(r.here(), r.here() + entries * 3);
        r.skip(entries * 3);
    }
    for (;;) {
        if (!r.has(1)) {
            error = "GIF has no image";
            return false;
        }
        const std::uint8_t block = r.u8();
        if (block == 0x21) {  // extension: label + sub-blocks
            if (!r.has(1) || (r.skip(1), !readSubBlocks(r, nullptr))) {
                error = "GIF extension cut short";
                return false;
            }
            continue;
        }
        if (block != 0x2C) {
            error = "GIF has no image";
            return false;
        }
        if (!r.has(9)) {
            error = "GIF image descriptor cut short";
            return false;
        }
        const int left = r.u16(), top = r.u16(), w = r.u16(), h = r.u16();
        const std::uint8_t flags = r.u8();
        std::vector<std::uint8_t> palette = globalPalette;
        if (flags & 0x80) {
            const std::size_t entries = std::size_t(2) << (flags & 7);
            if (!r.has(entries * 3)) {
                error = "GIF palette cut short";
                return false;
            }
            palette.assign(r.here(), r.here() + entries * 3);
            r.skip(entries * 3);
        }
        if (palette.empty() || w <= 0 || h <= 0 || std::int64_t(w) * h > maxPixels || !r.has(1)) {
            error = "GIF image descriptor invalid";
            return false;
        }
        const int minCodeSize = r.u8();
        std::vector<std::uint8_t> lzw;
        std::vector<std::uint8_t> indices;
        if (!readSubBlocks(r, &lzw) || !lzwDecode(lzw, minCodeSize, std::size_t(w) * std::size_t(h), indices)) {
            error = "GIF image data damaged or cut short";
            return false;
        }
        out.width = screenW;
        out.height = screenH;
        out.rgb.assign(std::size_t(screenW) * std::size_t(screenH) * 3, 0);
        const bool interlaced = (flags & 0x40) != 0;
        // Interlaced rows come in four passes: every 8th from 0, every 8th from 4, every 4th from 2, every 2nd from 1.
        std::vector<int> rowOrder;
        rowOrder.reserve(std::size_t(h));
        if (interlaced) {
            for (int y = 0; y < h; y += 8) rowOrder.push_back(y);
            for (int y = 4; y < h; y += 8) rowOrder.push_back(y);
            for (int y = 2; y < h; y += 4) rowOrder.push_back(y);
            for (int y = 1; y < h; y += 2) rowOrder.push_back(y);
        } else {
            for (int y = 0; y < h; ++y) rowOrder.push_back(y);
        }
        const std::size_t paletteEntries = palette.size() / 3;
        for (int row = 0; row < h; ++row) {
            const int y = top + rowOrder[std::size_t(row)];
            if (y < 0 || y >= screenH)
                continue;
            for (int x = 0; x < w; ++x) {
                const int sx = left + x;
                if (sx >= screenW)
                    break;
                const std::size_t index = indices[std::size_t(row) * std::size_t(w) + std::size_t(x)];
                if (index >= paletteEntries)
                    continue;
                std::uint8_t* px = &out.rgb[(std::size_t(y) * std::size_t(screenW) + std::size_t(sx)) * 3];
                px[0] = palette[index * 3];
                px[1] = palette[index * 3 + 1];
                px[2] = palette[index * 3 + 2];
            }
        }
        return true;
    }
}

}  // namespace fedpilot
