#pragma once
// Signed-distance rasterizer for the face synthesizer.
//
// Shapes are described in "face space" (origin at the image centre, unit = half the image, y
// down) by a signed distance function: negative inside, in face units. The canvas maps every
// pixel centre through the inverse of the per-image similarity transform (rotation, scale,
// shift), so a shape is written once and every pose comes for free. Coverage comes from the
// distance measured in pixels, which anti-aliases edges at the cost of one evaluation per pixel
// (no supersampling), and only pixels inside the shape's transformed bounding box are visited.

#include "synth/SynthMath.h"

#include <algorithm>
#include <cmath>

// No fused multiply-add: contracting a*b+c changes the last bit of some results depending on
// the target, and the synthesizer promises identical bytes everywhere. Clang honours this
// pragma; GCC only fuses where FMA is enabled (not for baseline x86-64, but by default on
// AArch64, where -ffp-contract=off is needed for bit-identical output).
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

namespace fedpilot::engine::synth {

struct Box {
    float x0, y0, x1, y1;
};
inline Box boxAround(float cx, float cy, float rx, float ry) { return {cx - rx, cy - ry, cx + rx, cy + ry}; }
inline Box unite(const Box& a, const Box& b)
{
    return {std::min(a.x0, b.x0), std::min(a.y0, b.y0), std::max(a.x1, b.x1), std::max(a.y1, b.y1)};
}

// ---- distance functions (face units, negative inside) ----

// Axis-aligned ellipse centred at the origin. Exact on the boundary and a good estimate near it
// (Quilez's first-order approximation), which is all that anti-aliasing needs.
struct Ellipse {
    float cx = 0.0f, cy = 0.0f;
    float irx = 1.0f, iry = 1.0f;  // 1 / radius
    float cosA = 1.0f, sinA = 0.0f;  // rotation of the ellipse's axes
    float rx = 1.0f, ry = 1.0f;

    float irmin = 1.0f;  // 1 / the smaller radius

    Ellipse() = default;
    Ellipse(float centreX, float centreY, float radiusX, float radiusY, float angle = 0.0f)
        : cx(centreX), cy(centreY), irx(1.0f / radiusX), iry(1.0f / radiusY), rx(radiusX), ry(radiusY),
          irmin(1.0f / std::min(radiusX, radiusY))
    {
        if (angle != 0.0f) {
            cosA = portableCos(angle);
            sinA = portableSin(angle);
        }
    }
    // Squared "normalised radius": < 1 inside, 1 on the boundary. No square root, so large
    // shapes use it to skip the exact distance far from their edge.
    float norm2(float x, float y) const
    {
        float px = x - cx;
        float py = y - cy;
        if (sinA != 0.0f) {
            const float u = px * cosA + py * sinA;
            py = -px * sinA + py * cosA;
            px = u;
        }
        const float ax = px * irx;
        const float ay = py * iry;
        return ax * ax + ay * ay;
    }
    // True when the point is at least `margin` inside / outside. A point at normalised radius k
    // is at least |k - 1| * min(rx, ry) from the boundary.
    bool surelyInside(float k2, float margin) const
    {
        const float k = 1.0f - margin * irmin;
        return k > 0.0f && k2 < k * k;
    }
    bool surelyOutside(float k2, float margin) const
    {
        const float k = 1.0f + margin * irmin;
        return k2 > k * k;
    }
    // The distance, but clamped to +-band where the point is clearly more than band away.
    float sdBand(float x, float y, float band) const
    {
        const float k2 = norm2(x, y);
        if (surelyInside(k2, band))
            return -band;
        if (surelyOutside(k2, band))
            return band;
        return sd(x, y);
    }
    float sd(float x, float y) const
    {
        float px = x - cx;
        float py = y - cy;
        if (sinA != 0.0f) {
            const float u = px * cosA + py * sinA;
            py = -px * sinA + py * cosA;
            px = u;
        }
        const float ax = px * irx;
        const float ay = py * iry;
        const float k0 = std::sqrt(ax * ax + ay * ay);
        const float bx = ax * irx;
        const float by = ay * iry;
        const float k1 = std::sqrt(bx * bx + by * by);
        if (k1 < 1e-12f)
            return -std::min(rx, ry);
        return k0 * (k0 - 1.0f) / k1;
    }
    Box box() const
    {
        const float r = std::max(rx, ry);
        return sinA != 0.0f ? boxAround(cx, cy, r, r) : boxAround(cx, cy, rx, ry);
    }
};

// Rounded rectangle centred at (cx, cy) with half sizes (hx, hy) and corner radius r.
inline float sdRoundBox(float x, float y, float cx, float cy, float hx, float hy, float r)
{
    const float qx = std::fabs(x - cx) - hx + r;
    const float qy = std::fabs(y - cy) - hy + r;
    const float outside = length2(std::max(qx, 0.0f), std::max(qy, 0.0f));
    return outside + std::min(std::max(qx, qy), 0.0f) - r;
}

// Polynomial smooth minimum: a union of two shapes whose seam is rounded over width k.
inline float smoothMin(float a, float b, float k)
{
    const float h = std::max(k - std::fabs(a - b), 0.0f) / k;
    return std::min(a, b) - h * h * k * 0.25f;
}

// A tapered stroke along a parabolic arc from (ax, ay) to (bx, by) (ax < bx keeps "arch > 0"
// meaning "bulges up"), thickness t0 at a and t1 at b, round caps. Brows, lid lines, folds.
struct Stroke {
    float cx, cy, dx, dy, half, arch, t0, t1;

    Stroke(float ax, float ay, float bx, float by, float archHeight, float thickA, float thickB)
        : cx(0.5f * (ax + bx)), cy(0.5f * (ay + by)), arch(archHeight), t0(thickA), t1(thickB)
    {
        const float len = length2(bx - ax, by - ay);
        half = std::max(0.5f * len, 1e-6f);
        dx = (bx - ax) / std::max(len, 1e-6f);
        dy = (by - ay) / std::max(len, 1e-6f);
    }
    float sd(float x, float y) const
    {
        const float px = x - cx;
        const float py = y - cy;
        const float u = px * dx + py * dy;
        const float v = -px * dy + py * dx;
        const float t = clampf(u / half, -1.0f, 1.0f);
        const float curve = -arch * (1.0f - t * t);
        const float thick = lerp(t0, t1, 0.5f * (t + 1.0f));
        const float dv = v - curve;
        const float du = std::fabs(u) - half;
        if (du > 0.0f)
            return length2(du, dv) - 0.5f * thick;
        const float slope = 2.0f * arch * t / half;
        return std::fabs(dv) / std::sqrt(1.0f + slope * slope) - 0.5f * thick;
    }
    Box box() const
    {
        const float pad = std::fabs(arch) + 0.5f * std::max(t0, t1);
        const float ex = std::fabs(dx) * half;
        const float ey = std::fabs(dy) * half;
        return {cx - ex - pad, cy - ey - pad, cx + ex + pad, cy + ey + pad};
    }
    float maxThickness() const { return std::max(t0, t1); }
};

// ---- the canvas ----

class Canvas {
public:
    // rgb: size*size*3 floats (linear 0..1 albedo), weight: size*size floats (how much of the
    // pixel lies on the head, which decides how it is shaded later). Both must be initialised.
    Canvas(int size, float angle, float scale, float shiftX, float shiftY, float* rgb, float* weight)
        : m_size(size), m_rgb(rgb), m_weight(weight)
    {
        m_cos = portableCos(angle);
        m_sin = portableSin(angle);
        m_scale = scale;
        m_shiftX = shiftX;
        m_shiftY = shiftY;
        const float step = 2.0f / static_cast<float>(size);
        m_pixel = step / scale;
        // face = R(-angle) * (image - shift) / scale, image = (pixel + 0.5) * step - 1
        m_colX = m_cos * step / scale;
        m_colY = -m_sin * step / scale;
        m_rowX = m_sin * step / scale;
        m_rowY = m_cos * step / scale;
        const float ix = 0.5f * step - 1.0f - shiftX;
        const float iy = 0.5f * step - 1.0f - shiftY;
        m_originX = (m_cos * ix + m_sin * iy) / scale;
        m_originY = (-m_sin * ix + m_cos * iy) / scale;
    }

    int size() const { return m_size; }
    // Width of one pixel in face units.
    float pixel() const { return m_pixel; }
    float* rgb() const { return m_rgb; }
    float* weight() const { return m_weight; }
    // Face-space position of pixel (0, 0) and the steps per column and per row.
    float originX() const { return m_originX; }
    float originY() const { return m_originY; }
    float colX() const { return m_colX; }
    float colY() const { return m_colY; }
    float rowX() const { return m_rowX; }
    float rowY() const { return m_rowY; }

    // The pixel rectangle covering box grown by margin; false when it misses the image.
    bool pixelRange(const Box& box, float margin, int& c0, int& c1, int& r0, int& r1) const
    {
        const float bx0 = box.x0 - margin, by0 = box.y0 - margin, bx1 = box.x1 + margin, by1 = box.y1 + margin;
        float minC = 1e30f, maxC = -1e30f, minR = 1e30f, maxR = -1e30f;
        const float half = 0.5f * static_cast<float>(m_size);
        const float xs[4] = {bx0, bx1, bx0, bx1};
        const float ys[4] = {by0, by0, by1, by1};
        for (int k = 0; k < 4; ++k) {
            const float ix = m_scale * (m_cos * xs[k] - m_sin * ys[k]) + m_shiftX;
            const float iy = m_scale * (m_sin * xs[k] + m_cos * ys[k]) + m_shiftY;
            const float c = (ix + 1.0f) * half - 0.5f;
            const float r = (iy + 1.0f) * half - 0.5f;
            minC = std::min(minC, c);
            maxC = std::max(maxC, c);
            minR = std::min(minR, r);
            maxR = std::max(maxR, r);
        }
        const float last = static_cast<float>(m_size - 1);
        if (maxC < 0.0f || maxR < 0.0f || minC > last || minR > last)
            return false;
        c0 = static_cast<int>(std::floor(std::max(minC, 0.0f)));
        c1 = static_cast<int>(std::ceil(std::min(maxC, last)));
        r0 = static_cast<int>(std::floor(std::max(minR, 0.0f)));
        r1 = static_cast<int>(std::ceil(std::min(maxR, last)));
        return true;
    }

    // Calls fn(pixelIndex, x, y) for every pixel whose centre may lie within margin of box.
    template <typename Fn>
    void forEach(const Box& box, float margin, Fn&& fn) const
    {
        int c0, c1, r0, r1;
        if (!pixelRange(box, margin, c0, c1, r0, r1))
            return;
        // Local copies: fn stores floats, which the compiler must assume could alias members.
        const float colX = m_colX, colY = m_colY;
        for (int row = r0; row <= r1; ++row) {
            float x = m_originX + static_cast<float>(row) * m_rowX + static_cast<float>(c0) * colX;
            float y = m_originY + static_cast<float>(row) * m_rowY + static_cast<float>(c0) * colY;
            int index = row * m_size + c0;
            for (int col = c0; col <= c1; ++col, ++index) {
                fn(index, x, y);
                x += colX;
                y += colY;
            }
        }
    }

    // Paints a shape in one colour. soft widens the edge (face units) for shadows and hair.
    // sdf(x, y) must be a fair distance estimate (within kShapeLipschitz of the truth).
    template <typename Sdf>
    void fill(const Box& box, const Rgb& colour, float alpha, float soft, Sdf&& sdf) const
    {
        fillWith(box, alpha, soft, -1.0f, sdf, [&colour](float, float) { return colour; });
    }

    // Paints a shape whose colour varies over it; weight >= 0 also blends the head weight to it.
    template <typename Sdf, typename Colour>
    void fillWith(const Box& box, float alpha, float soft, float weight, Sdf&& sdf, Colour&& colour) const
    {
        fillLarge(box, alpha, soft, weight, kShapeLipschitz, [&sdf](float x, float y, float) { return sdf(x, y); },
                  colour);
    }

    // As fillWith, but evaluating the distance at every pixel: for estimates that can overstate
    // the distance badly somewhere (vertical distances to curves with vertical tangents).
    template <typename Sdf, typename Colour>
    void fillEach(const Box& box, float alpha, float soft, float weight, Sdf&& sdf, Colour&& colour) const
    {
        if (alpha <= 0.0f)
            return;
        const float width = m_pixel + soft;
        const float inv = 1.0f / width;
        float* const rgb = m_rgb;
        float* const weights = weight >= 0.0f ? m_weight : nullptr;
        forEach(box, width, [&](int index, float x, float y) {
            const float a = clamp01(0.5f - sdf(x, y) * inv) * alpha;
            if (a <= 0.0f)
                return;
            const Rgb c = colour(x, y);
            float* p = rgb + 3 * index;
            p[0] += (c.r - p[0]) * a;
            p[1] += (c.g - p[1]) * a;
            p[2] += (c.b - p[2]) * a;
            if (weights != nullptr)
                weights[index] += (weight - weights[index]) * a;
        });
    }

    // Paints a large shape tile by tile: a 4x4 tile whose centre is far enough from the edge
    // is entirely inside (painted without distance evaluations) or entirely outside (skipped).
    // sdf(x, y, band) may clamp its result to +-band when the point is at least band from the
    // edge; it must not overstate the true distance by more than the factor lipschitz (1 for
    // true distances, more where a term is a vertical distance to a sloped curve).
    template <typename Sdf, typename Colour>
    void fillLarge(const Box& box, float alpha, float soft, float weight, float lipschitz, Sdf&& sdf,
                   Colour&& colour) const
    {
        if (alpha <= 0.0f)
            return;
        constexpr int kTile = 4;
        const float width = m_pixel + soft;
        const float inv = 1.0f / width;
        int c0, c1, r0, r1;
        if (!pixelRange(box, width, c0, c1, r0, r1))
            return;
        const float tileRadius = 0.7072f * static_cast<float>(kTile) * m_pixel;
        const float tileBand = lipschitz * tileRadius + width;
        // Local copies: the stores below could alias members as far as the compiler knows.
        float* const rgb = m_rgb;
        float* const weights = weight >= 0.0f ? m_weight : nullptr;
        const float ox = m_originX, oy = m_originY, colX = m_colX, colY = m_colY, rowX = m_rowX, rowY = m_rowY;
        const int size = m_size;
        auto paint = [&](int index, float x, float y, float a) {
            const Rgb c = colour(x, y);
            float* p = rgb + 3 * index;
            p[0] += (c.r - p[0]) * a;
            p[1] += (c.g - p[1]) * a;
            p[2] += (c.b - p[2]) * a;
            if (weights != nullptr)
                weights[index] += (weight - weights[index]) * a;
        };
        for (int tr = r0; tr <= r1; tr += kTile) {
            const int tr1 = std::min(tr + kTile - 1, r1);
            for (int tc = c0; tc <= c1; tc += kTile) {
                const int tc1 = std::min(tc + kTile - 1, c1);
                const float mc = static_cast<float>(tc) + 0.5f * static_cast<float>(kTile - 1);
                const float mr = static_cast<float>(tr) + 0.5f * static_cast<float>(kTile - 1);
                const float d = sdf(ox + mc * colX + mr * rowX, oy + mc * colY + mr * rowY, tileBand);
                if (d >= tileBand)
                    continue;
                const bool inside = d <= -tileBand;
                for (int row = tr; row <= tr1; ++row) {
                    float x = ox + static_cast<float>(row) * rowX + static_cast<float>(tc) * colX;
                    float y = oy + static_cast<float>(row) * rowY + static_cast<float>(tc) * colY;
                    int index = row * size + tc;
                    for (int col = tc; col <= tc1; ++col, ++index, x += colX, y += colY) {
                        const float a = inside ? alpha : clamp01(0.5f - sdf(x, y, width) * inv) * alpha;
                        if (a > 0.0f)
                            paint(index, x, y, a);
                    }
                }
            }
        }
    }

    static constexpr float kShapeLipschitz = 1.5f;

    // Strokes thinner than a pixel are drawn one pixel wide at proportionally lower opacity,
    // so small images keep the same amount of "ink" instead of over-dark hairlines.
    void fillStroke(Stroke stroke, const Rgb& colour, float alpha, float soft) const
    {
        const float t = stroke.maxThickness();
        if (t < m_pixel) {
            const float k = m_pixel / std::max(t, 1e-6f);
            stroke.t0 *= k;
            stroke.t1 *= k;
            alpha /= k;
        }
        fill(stroke.box(), colour, alpha, soft, [&stroke](float x, float y) { return stroke.sd(x, y); });
    }

    // A soft-edged ellipse (shadows, blush, highlights). Its edge is a blur `soft` wide, so the
    // distance is estimated from the normalised radius alone, (k^2 - 1) * r / 2 with r the
    // smaller radius: no square roots, and exact enough where the edge is soft anyway.
    void fillBlob(const Ellipse& e, const Rgb& colour, float alpha, float soft) const
    {
        const float halfR = 0.5f / e.irmin;
        fillEach(e.box(), alpha, soft, -1.0f, [&e, halfR](float x, float y) { return (e.norm2(x, y) - 1.0f) * halfR; },
                 [&colour](float, float) { return colour; });
    }

    // A small ellipse with the same thin-feature rule (nostrils, pupils, moles, highlights).
    void fillDot(Ellipse e, const Rgb& colour, float alpha, float soft) const
    {
        const float d = 2.0f * std::min(e.rx, e.ry);
        if (d < m_pixel) {
            const float k = m_pixel / std::max(d, 1e-6f);
            e = Ellipse(e.cx, e.cy, e.rx * k, e.ry * k, 0.0f);
            alpha /= k * k;
        }
        fill(e.box(), colour, alpha, soft, [&e](float x, float y) { return e.sd(x, y); });
    }

private:
    int m_size;
    float* m_rgb;
    float* m_weight;
    float m_cos = 1.0f, m_sin = 0.0f, m_scale = 1.0f, m_shiftX = 0.0f, m_shiftY = 0.0f;
    float m_pixel = 0.0f;
    float m_originX = 0.0f, m_originY = 0.0f, m_colX = 0.0f, m_colY = 0.0f, m_rowX = 0.0f, m_rowY = 0.0f;
};

}  // namespace fedpilot::engine::synth
