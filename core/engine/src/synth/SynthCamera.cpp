#include "synth/SynthRenderer.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace fedpilot::engine::synth {

namespace {

// Triangular noise samples (sum of two uniforms, centred), built once per process; large
// enough that rows of the largest supported images start at many different places.
constexpr float kNoiseTableSigma = 127.0f * 0.40824829f;  // sqrt(1/6) of the +-127 range
const std::vector<std::int8_t>& noiseTable()
{
    static const std::vector<std::int8_t> table = [] {
        std::vector<std::int8_t> t(1 << 17);
        for (std::size_t i = 0; i < t.size(); ++i) {
            const std::uint64_t bits = synth::mix64(kNoiseTag + i * synth::kGolden);
            const int a = static_cast<int>(bits & 0xFF);
            const int b = static_cast<int>((bits >> 8) & 0xFF);
            t[i] = static_cast<std::int8_t>((a + b - 255) / 2);
        }
        return t;
    }();
    return table;
}

}  // namespace

// Lighting: head pixels are lit as a big ellipsoid (gives the face its roundness and makes
// the light direction visible), everything else as a flat surface facing the camera.
void FaceRenderer::shade()
{
    const Identity& id = m_id;
    const Shot& s = m_shot;
    float* rgb = m_canvas.rgb();
    const float* weight = m_canvas.weight();
    const float top = id.headCy - id.headRy - id.hairThick;
    const float ecy = 0.5f * (top + id.chinY);
    const float iA = 1.0f / (id.headRx * 1.08f + 0.5f * id.hairThick);
    const float iB = 1.0f / (0.5f * (id.chinY - top) * 1.05f);
    // The light is fixed to the camera; bring it into the rotated face frame.
    const float c = synth::portableCos(s.angle);
    const float sn = synth::portableSin(s.angle);
    const float lx = c * s.lightX + sn * s.lightY;
    const float ly = -sn * s.lightX + c * s.lightY;
    const float lz = s.lightZ;
    float hx = lx, hy = ly, hz = lz + 1.0f;
    const float hInv = 1.0f / std::sqrt(hx * hx + hy * hy + hz * hz);
    hx *= hInv;
    hy *= hInv;
    hz *= hInv;
    constexpr float kWrap = 0.35f;
    constexpr float kInvWrap = 1.0f / (1.0f + kWrap);
    const float ambient = s.ambient;
    const float diffuse = s.diffuse;
    const float specular = s.specular;
    const float flat = ambient + diffuse * (lz + kWrap) * kInvWrap;
    const std::size_t n = static_cast<std::size_t>(m_size);
    // Row-wise in passes that vectorize: positions and the two square-root arguments,
    // the square roots, then the lighting. Pixels off the head have weight 0 and so end up
    // with the flat shade and no highlight.
    const int size = m_size;
    thread_local std::vector<float> scratch;
    scratch.resize(5 * n);
    float* su = scratch.data();
    float* sv = su + n;
    float* rim = sv + n;     // max(r2, 1): its root normalizes normals beyond the ellipsoid
    float* depth = rim + n;  // max(1 - r2, 0): its root is the normal's z
    float* gain = depth + n;
    const float colX = m_canvas.colX();
    const float colY = m_canvas.colY();
    for (int row = 0; row < size; ++row) {
        const float x0 = m_canvas.originX() + static_cast<float>(row) * m_canvas.rowX();
        const float y0 = m_canvas.originY() + static_cast<float>(row) * m_canvas.rowY() - ecy;
        for (int col = 0; col < size; ++col) {
            const float u = (x0 + static_cast<float>(col) * colX) * iA;
            const float v = (y0 + static_cast<float>(col) * colY) * iB;
            const float r2 = u * u + v * v;
            su[col] = u;
            sv[col] = v;
            rim[col] = std::max(r2, 1.0f);
            depth[col] = std::max(1.0f - r2, 0.0f);
        }
        synth::sqrtInPlace(rim, size);
        synth::sqrtInPlace(depth, size);
        const float* w = weight + static_cast<std::size_t>(row) * n;
        for (int col = 0; col < size; ++col) {
            const float inv = 1.0f / rim[col];
            const float u = su[col] * inv;
            const float v = sv[col] * inv;
            const float nz = depth[col];
            const float lit = synth::positivePart((u * lx + v * ly + nz * lz + kWrap) * kInvWrap);
            float ndh = synth::positivePart(u * hx + v * hy + nz * hz);
            ndh *= ndh;
            ndh *= ndh;
            ndh *= ndh;
            ndh *= ndh;
            gain[col] = flat + w[col] * (ambient + diffuse * lit - flat);
            su[col] = w[col] * specular * ndh;  // reused for the highlight
        }
        float* p = rgb + 3 * static_cast<std::size_t>(row) * n;
        for (int col = 0; col < size; ++col) {
            p[3 * col] = p[3 * col] * gain[col] + su[col];
            p[3 * col + 1] = p[3 * col + 1] * gain[col] + su[col];
            p[3 * col + 2] = p[3 * col + 2] * gain[col] + su[col];
        }
    }
}

// Mild defocus: separable Gaussian with clamped edges.
void FaceRenderer::blur()
{
    const float sigma = m_shot.blurPixels;
    if (sigma < 0.3f)
        return;
    const int radius = std::max(1, static_cast<int>(std::ceil(2.5f * sigma)));
    float kernel[64];
    const int taps = std::min(2 * radius + 1, 63);
    const int r = taps / 2;
    float total = 0.0f;
    for (int k = -r; k <= r; ++k) {
        kernel[k + r] = synth::portableExp(-0.5f * static_cast<float>(k * k) / (sigma * sigma));
        total += kernel[k + r];
    }
    for (int k = 0; k < taps; ++k)
        kernel[k] /= total;
    // Both passes run over whole rows so the inner loops are contiguous and vectorize.
    const int n = m_size;
    const std::size_t rowFloats = static_cast<std::size_t>(n) * 3;
    thread_local std::vector<float> temp;
    thread_local std::vector<float> padded;
    temp.resize(rowFloats * static_cast<std::size_t>(n));
    padded.resize(static_cast<std::size_t>(n + 2 * r) * 3);
    float* rgb = m_canvas.rgb();
    for (int row = 0; row < n; ++row) {
        const float* src = rgb + static_cast<std::size_t>(row) * rowFloats;
        for (int i = -r; i < n + r; ++i) {
            const int c = std::min(std::max(i, 0), n - 1);
            std::memcpy(&padded[static_cast<std::size_t>(i + r) * 3], src + 3 * c, 3 * sizeof(float));
        }
        float* dst = temp.data() + static_cast<std::size_t>(row) * rowFloats;
        std::fill(dst, dst + rowFloats, 0.0f);
        for (int k = 0; k < taps; ++k) {
            const float wk = kernel[k];
            const float* p = padded.data() + 3 * k;
            for (std::size_t j = 0; j < rowFloats; ++j)
                dst[j] += wk * p[j];
        }
    }
    for (int row = 0; row < n; ++row) {
        float* dst = rgb + static_cast<std::size_t>(row) * rowFloats;
        std::fill(dst, dst + rowFloats, 0.0f);
        for (int k = 0; k < taps; ++k) {
            const int rr = std::min(std::max(row + k - r, 0), n - 1);
            const float wk = kernel[k];
            const float* p = temp.data() + static_cast<std::size_t>(rr) * rowFloats;
            for (std::size_t j = 0; j < rowFloats; ++j)
                dst[j] += wk * p[j];
        }
    }
}

// Camera response: exposure gradient, white balance, contrast/brightness, sensor noise, 8 bits.
void FaceRenderer::develop(std::uint8_t* out) const
{
    const Shot& s = m_shot;
    const float* rgb = m_canvas.rgb();
    const std::size_t n = static_cast<std::size_t>(m_size);
    const std::size_t rowFloats = 3 * n;
    const float step = 2.0f / static_cast<float>(m_size);
    const float gain[3] = {s.balance.r * s.contrast, s.balance.g * s.contrast, s.balance.b * s.contrast};
    const float offset = 255.0f * (0.5f - 0.5f * s.contrast + s.brightness) + 0.5f;
    thread_local std::vector<float> colGain;
    thread_local std::vector<float> chanGain;
    colGain.resize(rowFloats);
    chanGain.resize(rowFloats);
    // Raw pointers: the uint8 output may alias anything, including the vectors' internals,
    // which would force a reload per pixel and block vectorization.
    float* cg = colGain.data();
    float* hg = chanGain.data();
    for (int col = 0; col < m_size; ++col) {
        const float x = (static_cast<float>(col) + 0.5f) * step - 1.0f;
        for (int ch = 0; ch < 3; ++ch) {
            hg[3 * col + ch] = 255.0f * gain[ch];
            cg[3 * col + ch] = 255.0f * gain[ch] * (1.0f + s.gradX * x);
        }
    }
    // Each row reads its noise from a fixed table at a row- and image-specific random start:
    // a fresh-looking pattern per image for the price of contiguous loads.
    const std::vector<std::int8_t>& table = noiseTable();
    // Rows longer than the table (images over 40000 px wide) wrap around it.
    const bool wrap = rowFloats + 1 > table.size();
    const auto span = static_cast<std::uint32_t>(wrap ? table.size() : table.size() - rowFloats);
    const float noiseScale = 255.0f * s.noise / kNoiseTableSigma;
    const float gradY = s.gradY;
    const int count = static_cast<int>(rowFloats);
    for (int row = 0; row < m_size; ++row) {
        const float y = (static_cast<float>(row) + 0.5f) * step - 1.0f;
        const float gy = gradY * y;
        const auto start = static_cast<std::uint32_t>(synth::hashInt(s.noiseKey, row) % span);
        const std::int8_t* noise = table.data() + start;
        const float* p = rgb + static_cast<std::size_t>(row) * rowFloats;
        std::uint8_t* o = out + static_cast<std::size_t>(row) * rowFloats;
        if (wrap) {
            for (std::size_t j = 0; j < rowFloats; ++j) {
                const float noiseValue = static_cast<float>(table[(start + j) % table.size()]);
                const float v = p[j] * (cg[j] + hg[j] * gy) + offset + noiseValue * noiseScale;
                o[j] = static_cast<std::uint8_t>(static_cast<int>(clampf(v, 0.0f, 255.0f)));
            }
            continue;
        }
        for (int j = 0; j < count; ++j) {
            const float v = p[j] * (cg[j] + hg[j] * gy) + offset + static_cast<float>(noise[j]) * noiseScale;
            o[j] = static_cast<std::uint8_t>(static_cast<int>(clampf(v, 0.0f, 255.0f)));
        }
    }
}

}  // namespace fedpilot::engine::synth
