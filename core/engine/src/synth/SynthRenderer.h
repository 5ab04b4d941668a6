#pragma once
// The face renderer: draws one shot of one identity into a float canvas, then lights, blurs and
// quantizes it. The work is split by part of the picture:
//   FaceSynth.cpp       the public entry point and the order of the layers (render())
//   SynthBackdrop.cpp   background, neck and clothes
//   SynthFaceParts.cpp  ears, face, skin details, nose, beard, mouth
//   SynthEyes.cpp       eyes, brows, glasses
//   SynthHair.cpp       hair behind and on top of the head
//   SynthCamera.cpp     lighting, defocus, exposure/noise/8-bit output
// The geometry and texture helpers below run per pixel inside the fills, so they stay inline.

#include "synth/SynthMath.h"
#include "synth/SynthParams.h"
#include "synth/SynthRaster.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace fedpilot::engine::synth {

// Draws one image: layers of shapes from back to front, then light, camera and quantization.
class FaceRenderer {
public:
    FaceRenderer(const Identity& id, const Shot& shot, int size, float* rgb, float* weight);
    void render(std::uint8_t* out);

private:
    // Painters, back to front.
    void drawBackground();
    void drawBackHair();
    void drawNeckAndClothes();
    void drawEars();
    void drawFace();
    void drawSkinDetails();
    void drawNose();
    void drawBeard();
    void drawMouth();
    void drawEyes();
    void drawBrows();
    void drawGlasses();
    void drawHair();
    void drawPart(float part, const Ellipse& cap);
    // Camera.
    void shade();
    void blur();
    void develop(std::uint8_t* out) const;

    // Signed distance to the face outline; exact only within `band` of the edge, which is all a
    // fill of that edge width needs (the smooth blend can move the edge out by m_blendMargin).
    float faceSd(float x, float y, float band) const
    {
        const float kc = m_cranium.norm2(x, y);
        const float kk = m_cheeks.norm2(x, y);
        const float kj = m_jaw.norm2(x, y);
        if (m_cranium.surelyInside(kc, band) || m_cheeks.surelyInside(kk, band) || m_jaw.surelyInside(kj, band))
            return -band;
        const float margin = band + m_blendMargin;
        if (m_cranium.surelyOutside(kc, margin) && m_cheeks.surelyOutside(kk, margin) && m_jaw.surelyOutside(kj, margin))
            return margin;
        // A part at least kFar away changes neither the union nor its blend near the edge (the
        // blend widths are below kFar / 2), so its exact distance is not worth computing.
        constexpr float kFar = 0.3f;
        auto part = [x, y](const Ellipse& e, float k2) { return e.surelyOutside(k2, kFar) ? kFar : e.sd(x, y); };
        const float upper = smoothMin(part(m_cranium, kc), part(m_cheeks, kk), 0.06f);
        return smoothMin(upper, part(m_jaw, kj), m_id.jawBlend);
    }
    Box faceBox() const { return synth::unite(synth::unite(m_cranium.box(), m_cheeks.box()), m_jaw.box()); }
    // Half width of the face at height y (from the cranium and cheek ellipses).
    float faceHalfWidth(float y) const
    {
        auto halfWidth = [y](const Ellipse& e) {
            const float t = (y - e.cy) / e.ry;
            return t * t < 1.0f ? e.rx * std::sqrt(1.0f - t * t) : 0.0f;
        };
        return std::max(halfWidth(m_cranium), halfWidth(m_cheeks));
    }
    Rgb skinShade(float k) const { return m_id.skin * k; }

    // How much of a texture with `frequency` cycles per face unit to keep: detail approaching
    // the pixel rate only aliases into speckle, so it fades out between 1/8 and 3/4 cycle per
    // pixel. Small images thus show the average colour, large ones the strands.
    float detail(float frequency) const { return clamp01(1.2f - 1.6f * frequency * m_canvas.pixel()); }

    // Two octaves of table noise around 0 (range about +-0.5 each), faded by detail().
    struct Texture {
        float fx0, fy0, a0, fx1, fy1, a1, ox, oy;
        bool strands;  // 1-D streaks across x (hair falling down), cheaper than 2-D noise
    };
    Texture texture(float fx, float fy, float octave, float amplitude, float offset, bool strands = false) const
    {
        return {fx, fy, amplitude * detail(std::max(fx, fy)), fx * octave, fy * octave,
                0.6f * amplitude * detail(octave * std::max(fx, fy)), offset, 0.37f * offset, strands};
    }
    float sample(const Texture& t, float x, float y) const
    {
        float v = 0.0f;
        if (t.strands) {
            // The y term slants and waves the strands a little instead of keeping them parallel.
            if (t.a0 > 0.0f)
                v += t.a0 * (m_noise.line(x * t.fx0 + y * t.fy0 + t.ox) - 0.5f);
            if (t.a1 > 0.0f)
                v += t.a1 * (m_noise.line(x * t.fx1 - y * t.fy1 + 977.0f + t.oy) - 0.5f);
            return v;
        }
        if (t.a0 > 0.0f)
            v += t.a0 * (m_noise.at(x * t.fx0 + t.ox, y * t.fy0 + t.oy) - 0.5f);
        if (t.a1 > 0.0f)
            v += t.a1 * (m_noise.at(x * t.fx1 + 2.0f * t.oy, y * t.fy1 + t.ox) - 0.5f);
        return v;
    }
    // Hair: streaks along the strands, or isotropic curls.
    Texture hairTexture(bool curly) const
    {
        return curly ? texture(22.0f, 22.0f, 2.3f, 0.6f, 3.0f)
                     : texture(m_id.strandFreq, 2.0f, 2.4f, 0.45f, 11.0f + 300.0f * rng01(17), true);
    }

    // Height of the hairline at x: hair lies above it.
    float hairlineAt(float x) const
    {
        const Identity& id = m_id;
        const float ax = std::fabs(x) / id.headRx;
        const float sideY = m_earTop;
        float line = lerp(id.hairline, sideY, smoothstep(0.45f, 0.95f, ax));
        // Receding temples give the "M" shape: a broad, smooth bump, or it reads as horns.
        const float q = (ax - 0.5f) * (1.0f / 0.35f);
        const float bump = std::max(0.0f, 1.0f - q * q);
        line -= id.recess * bump * bump;
        return line;
    }

    // A stable random number in [0, 1) for small per-identity choices made while drawing.
    float rng01(std::uint64_t salt) const { return synth::unitFloat(synth::mix64(m_id.texture ^ (salt * synth::kGolden))); }

    const Identity& m_id;
    const Shot& m_shot;
    int m_size;
    synth::Canvas m_canvas;
    Ellipse m_cranium, m_cheeks, m_jaw;
    float m_eyeShift = 0.0f, m_noseShift = 0.0f, m_tipShift = 0.0f, m_mouthShift = 0.0f;
    float m_earTop = 0.0f;
    float m_blendMargin = 0.0f;
    synth::NoiseTable m_noise;
};

}  // namespace fedpilot::engine::synth
