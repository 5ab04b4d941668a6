#include "synth/SynthRenderer.h"

#include <algorithm>
#include <cmath>

namespace fedpilot::engine::synth {

void FaceRenderer::drawEars()
{
    const Identity& id = m_id;
    const float halfWidth = faceHalfWidth(id.earY);
    for (int i = 0; i < 2; ++i) {
        const float side = i == 0 ? -1.0f : 1.0f;
        const float cx = side * (halfWidth + id.earRx * 0.3f + id.earOut);
        const Ellipse outer(cx, id.earY, id.earRx, id.earRy, side * 0.12f);
        m_canvas.fillWith(outer.box(), 1.0f, 0.0f, 1.0f, [&](float x, float y) { return outer.sd(x, y); },
                          [&](float, float) { return m_id.skin * Rgb{0.96f, 0.88f, 0.86f}; });
        // The bowl of the ear is in shadow; the rim (helix) catches the light.
        const Ellipse inner(cx - side * id.earRx * 0.12f, id.earY + id.earRy * 0.05f, id.earRx * 0.55f,
                            id.earRy * 0.68f, side * 0.12f);
        m_canvas.fill(inner.box(), skinShade(0.68f), 0.8f, 0.012f, [&](float x, float y) { return inner.sd(x, y); });
    }
}

void FaceRenderer::drawFace()
{
    // Ellipses only: their distance estimate is close to the true distance.
    const Rgb skin = m_id.skin;
    m_canvas.fillLarge(faceBox(), 1.0f, 0.0f, 1.0f, 1.2f,
                       [this](float x, float y, float band) { return faceSd(x, y, band); },
                       [skin](float, float) { return skin; });
}

void FaceRenderer::drawSkinDetails()
{
    const Identity& id = m_id;
    const float smile = clamp01(m_shot.smile);
    for (int i = 0; i < 2; ++i) {
        const float side = i == 0 ? -1.0f : 1.0f;
        // Cheek colour, lifted by a smile.
        const Ellipse cheek(side * (id.eyeX + 0.03f) + m_eyeShift, id.eyeY + 0.18f - 0.03f * smile, 0.1f, 0.07f);
        m_canvas.fillBlob(cheek, Rgb{0.85f, 0.35f, 0.35f}, id.blush, 0.08f);
        // Nasolabial folds deepen with age and with smiling.
        const float fx0 = side * (id.noseW + 0.03f) + m_tipShift;
        const float fx1 = side * (id.mouthW + 0.04f) + m_mouthShift;
        const Stroke fold = side < 0.0f ? Stroke(fx1, id.mouthY + 0.04f, fx0, id.noseTipY - 0.01f, -0.02f, 0.012f, 0.016f)
                                        : Stroke(fx0, id.noseTipY - 0.01f, fx1, id.mouthY + 0.04f, -0.02f, 0.016f, 0.012f);
        m_canvas.fillStroke(fold, skinShade(0.7f), 0.08f + 0.22f * id.age + 0.2f * smile, 0.025f);
        // Bags under the eyes, mostly with age.
        const Ellipse bag(side * id.eyeX + m_eyeShift, id.eyeY + id.eyeHl + 0.03f, id.eyeW * 0.85f, 0.02f);
        m_canvas.fillBlob(bag, skinShade(0.78f), 0.1f + 0.3f * id.age, 0.02f);
    }
    // Forehead lines for older faces.
    if (id.age > 0.6f) {
        const float alpha = (id.age - 0.6f) * 0.5f;
        for (int k = 0; k < 3; ++k) {
            const float y = id.eyeY - id.eyeHu - id.browGap - 0.07f - 0.035f * static_cast<float>(k);
            const Stroke line(-0.2f, y, 0.2f, y, 0.015f, 0.008f, 0.008f);
            m_canvas.fillStroke(line, skinShade(0.72f), alpha, 0.01f);
        }
    }
    for (int i = 0; i < id.freckles; ++i) {
        const Ellipse dot(id.freckleX[i] + m_eyeShift, id.freckleY[i], 0.006f, 0.006f);
        m_canvas.fillDot(dot, Rgb{0.55f, 0.33f, 0.2f}, 0.3f, 0.003f);
    }
    if (id.mole) {
        const Ellipse mole(id.moleX + m_eyeShift, id.moleY, id.moleR, id.moleR);
        m_canvas.fillDot(mole, Rgb{0.25f, 0.15f, 0.1f}, 0.85f, 0.003f);
    }
}

void FaceRenderer::drawNose()
{
    const Identity& id = m_id;
    const float tipX = m_tipShift;
    const float tipY = id.noseTipY;
    const float bridgeX = m_noseShift;
    for (int i = 0; i < 2; ++i) {
        const float side = i == 0 ? -1.0f : 1.0f;
        // The side of the nose turned away from the light is in shadow.
        const float away = std::max(0.0f, -side * m_shot.lightX);
        const float ax = bridgeX + side * id.bridgeW;
        const float bx = tipX + side * id.noseW * 0.7f;
        const Stroke bridge = side < 0.0f ? Stroke(bx, tipY - 0.035f, ax, id.eyeY + 0.02f, 0.0f, 0.03f, 0.02f)
                                          : Stroke(ax, id.eyeY + 0.02f, bx, tipY - 0.035f, 0.0f, 0.02f, 0.03f);
        m_canvas.fillStroke(bridge, skinShade(0.7f), 0.1f + 0.45f * away, 0.035f);
        // Wings of the nose and their crease.
        const Ellipse wing(tipX + side * id.noseW * 0.75f, tipY - 0.005f, 0.032f, 0.026f);
        m_canvas.fillBlob(wing, skinShade(0.85f), 0.45f, 0.015f);
        const float cx = tipX + side * id.noseW;
        const Stroke crease = side < 0.0f ? Stroke(cx - 0.005f, tipY + 0.02f, cx + 0.01f, tipY - 0.035f, 0.012f, 0.008f, 0.005f)
                                          : Stroke(cx - 0.01f, tipY - 0.035f, cx + 0.005f, tipY + 0.02f, 0.012f, 0.005f, 0.008f);
        m_canvas.fillStroke(crease, skinShade(0.6f), 0.35f, 0.008f);
    }
    // Highlight on the tip, shadow underneath.
    const Ellipse tip(tipX + 0.3f * id.tipR * m_shot.lightX, tipY - 0.015f, id.tipR, id.tipR * 0.9f);
    m_canvas.fillBlob(tip, synth::clampRgb(skinShade(1.12f)), 0.35f, 0.03f);
    const Ellipse under(tipX, tipY + 0.028f, id.noseW * 0.95f, 0.016f);
    m_canvas.fillBlob(under, skinShade(0.62f), 0.45f, 0.02f);
    const Rgb nostrilColour = mix(skinShade(0.3f), Rgb{0.12f, 0.05f, 0.04f}, 0.5f);
    for (int i = 0; i < 2; ++i) {
        const float side = i == 0 ? -1.0f : 1.0f;
        const Ellipse nostril(tipX + side * id.noseW * 0.42f, tipY + 0.012f, id.nostril, id.nostril * 0.55f, side * 0.3f);
        m_canvas.fillDot(nostril, nostrilColour, 0.85f, 0.006f);
    }
}

void FaceRenderer::drawBeard()
{
    const Identity& id = m_id;
    if (id.beard == Beard::None)
        return;
    const Rgb colour = id.beardColour;
    const float mx = m_mouthShift;
    const float soft = id.beard == Beard::Stubble ? 0.04f : 0.025f;
    // Beard line: under the nose (moustache), down to the mouth corners, then up along the
    // cheeks to the sideburns in front of the ears.
    const float top = id.noseTipY + 0.04f;
    const float corner = id.mouthY - 0.015f;
    const float cornerX = id.mouthW + 0.03f;
    const float edgeX = faceHalfWidth(id.earY);
    const float sideTop = std::max(id.earY + 0.1f, id.noseTipY);
    auto beardLine = [=](float x) {
        const float ax = std::fabs(x - mx);
        if (ax < cornerX)
            return lerp(top, corner, smoothstep(0.55f * cornerX, cornerX, ax));
        return lerp(corner, sideTop, clamp01((ax - cornerX) / std::max(edgeX - cornerX, 0.05f)));
    };
    auto fullSd = [&](float x, float y, float band) {
        return std::max(faceSd(x, y, band + 0.012f) - 0.012f, beardLine(x) - y);
    };
    Box box = faceBox();
    box.y0 = std::min(top, sideTop) - 0.03f;
    if (id.beard == Beard::Stubble) {
        // Shaved stubble is a darkening of the skin rather than visible hair.
        const Rgb shadow = mix(id.skin * 0.6f, colour, 0.3f);
        const Texture tex = texture(70.0f, 70.0f, 2.0f, 0.5f, 5.0f);
        m_canvas.fillLarge(box, 0.12f + 0.2f * id.beardDensity, soft, -1.0f, 2.0f, fullSd,
                          [&](float x, float y) { return shadow * (1.0f + sample(tex, x, y)); });
    } else if (id.beard == Beard::Full) {
        const Texture tex = texture(40.0f, 28.0f, 2.2f, 0.6f, 7.0f);
        m_canvas.fillLarge(box, id.beardDensity, soft, -1.0f, 2.0f, fullSd,
                          [&](float x, float y) { return colour * (1.0f + sample(tex, x, y)); });
    } else if (id.beard == Beard::Goatee) {
        const Ellipse chin(mx, id.mouthY + 0.07f, id.mouthW * 0.9f, 0.19f);
        const float upper = id.mouthY - 0.01f;
        const Texture tex = texture(40.0f, 28.0f, 2.2f, 0.6f, 7.0f);
        m_canvas.fillLarge(
            chin.box(), id.beardDensity, soft, -1.0f, 2.0f,
            [&](float x, float y, float band) {
                return std::max({faceSd(x, y, band + 0.01f) - 0.01f, chin.sdBand(x, y, band), upper - y});
            },
            [&](float x, float y) { return colour * (1.0f + sample(tex, x, y)); });
    }
    if (id.beard == Beard::Goatee || id.beard == Beard::Moustache) {
        const float y = id.mouthY - id.upperLip - 0.012f;
        const float w = id.mouthW * 1.1f;
        const Stroke left(mx - w, y + 0.02f, mx, y, 0.01f, 0.01f, 0.032f);
        const Stroke right(mx, y, mx + w, y + 0.02f, 0.01f, 0.032f, 0.01f);
        m_canvas.fillStroke(left, colour, id.beardDensity, 0.01f);
        m_canvas.fillStroke(right, colour, id.beardDensity, 0.01f);
    }
}

void FaceRenderer::drawMouth()
{
    const Identity& id = m_id;
    const float mx = m_mouthShift;
    const float my = id.mouthY;
    const float smile = m_shot.smile;
    const float w = id.mouthW * (1.0f + 0.08f * clamp01(smile));
    const float lift = smile * 0.035f;       // how far the corners rise
    const float gap = 0.5f * m_shot.mouthOpen;  // half the opening at the centre
    const float hu = id.upperLip * (1.0f - 0.15f * clamp01(smile));
    const float hl = id.lowerLip;
    const float cupid = id.cupid;
    const float invW = 1.0f / w;
    // Mouth-local coordinates, bent so that the line between the lips is v = 0.
    auto local = [=](float x, float y, float& t, float& v, float& profile) {
        t = (x - mx) * invW;
        v = y - my + lift * t * t;
        profile = std::sqrt(std::max(0.0f, 1.0f - t * t));
    };
    auto bow = [cupid](float t) {
        const float q = t * (1.0f / 0.2f);
        const float b = 1.0f / (1.0f + q * q);
        return 1.0f - cupid * b * b;
    };
    Box box = boxAround(mx, my, w + 0.01f, std::fabs(lift) + gap + std::max(hu, hl) + 0.02f);

    // Shadow under the lower lip, on the chin.
    const Ellipse under(mx, my + gap + hl + 0.022f, w * 0.65f, 0.016f);
    m_canvas.fillBlob(under, skinShade(0.72f), 0.35f, 0.02f);

    if (gap > 0.002f) {
        // Open mouth: dark inside, a band of upper teeth.
        const float teeth = std::min(0.02f, gap * 1.2f);
        m_canvas.fillEach(
            box, 1.0f, 0.0f, -1.0f,
            [&](float x, float y) {
                float t, v, p;
                local(x, y, t, v, p);
                return std::max(std::fabs(v) - gap * p - 0.004f, std::fabs(t) * w - w * 0.97f);
            },
            [&](float x, float y) {
                float t, v, p;
                local(x, y, t, v, p);
                const bool tooth = v < -gap * p + teeth && std::fabs(t) < 0.6f;
                return tooth ? Rgb{0.88f, 0.86f, 0.8f} * (1.0f - 0.25f * t * t) : Rgb{0.22f, 0.07f, 0.07f};
            });
    }
    const Rgb upperColour = id.lip * 0.85f;
    const Rgb lowerColour = id.lip;
    // Upper lip: from the opening up to the lip line with its cupid's bow.
    m_canvas.fillEach(
        box, 1.0f, 0.0f, -1.0f,
        [&](float x, float y) {
            float t, v, p;
            local(x, y, t, v, p);
            const float topEdge = -gap * p - hu * p * bow(t);
            const float bottomEdge = -gap * p;
            return std::max(std::max(topEdge - v, v - bottomEdge), std::fabs(t) * w - w);
        },
        [&](float, float) { return upperColour; });
    // Lower lip, lighter with a soft highlight where it faces the light.
    m_canvas.fillEach(
        box, 1.0f, 0.0f, -1.0f,
        [&](float x, float y) {
            float t, v, p;
            local(x, y, t, v, p);
            return std::max(std::max(gap * p - v, v - gap * p - hl * p), std::fabs(t) * w - w);
        },
        [&](float x, float y) {
            float t, v, p;
            local(x, y, t, v, p);
            const float centre = (v - gap * p) / std::max(hl * p, 1e-4f);
            const float shine = 0.18f * (1.0f - t * t) * std::max(0.0f, 1.0f - 4.0f * (centre - 0.4f) * (centre - 0.4f));
            return synth::clampRgb(lowerColour * (1.0f + shine));
        });
    // The dark line where the lips meet, deepest at the corners.
    const float lineWidth = std::max(0.006f, m_canvas.pixel());
    const float lineAlpha = std::min(1.0f, 0.006f / m_canvas.pixel()) * 0.75f;
    const Rgb lineColour = id.lip * 0.35f;
    m_canvas.fillEach(
        box, lineAlpha, 0.002f, -1.0f,
        [&](float x, float y) {
            float t, v, p;
            local(x, y, t, v, p);
            return std::max(std::fabs(v) - 0.5f * lineWidth - gap * p, std::fabs(t) * w - w * 1.02f);
        },
        [&](float, float) { return lineColour; });
    for (int i = 0; i < 2; ++i) {
        const float side = i == 0 ? -1.0f : 1.0f;
        const Ellipse corner(mx + side * w, my - lift, 0.012f, 0.01f);
        m_canvas.fillBlob(corner, skinShade(0.55f), 0.35f, 0.01f);
    }
}

}  // namespace fedpilot::engine::synth
