#include "synth/SynthRenderer.h"

#include <algorithm>
#include <cmath>

namespace fedpilot::engine::synth {

void FaceRenderer::drawEyes()
{
    const Identity& id = m_id;
    const float open = m_shot.eyeOpen;
    const float w = id.eyeW;
    const float hu = std::max(0.12f * w, id.eyeHu * open);
    const float hl = std::max(0.1f * w, id.eyeHl * (0.6f + 0.4f * open));
    // The eye opening is the lens between two circular arcs that meet at the corners.
    const float cu = (w * w - hu * hu) / (2.0f * hu);
    const float ru = cu + hu;
    const float cl = (w * w - hl * hl) / (2.0f * hl);
    const float rl = cl + hl;
    const float cosT = synth::portableCos(id.eyeTilt);
    const float sinT = synth::portableSin(id.eyeTilt);
    const float irisR = id.irisR;
    const float pupilR = irisR * 0.42f;
    const float gazeU = m_shot.gazeX * w;
    const float gazeV = m_shot.gazeY * w - 0.12f * hu;
    const Rgb lash{0.06f, 0.05f, 0.05f};
    const Rgb sclera{0.93f, 0.91f, 0.88f};
    const float lashT = std::max(0.012f, 0.16f * hu);
    const float pixel = m_canvas.pixel();

    for (int i = 0; i < 2; ++i) {
        const float side = i == 0 ? -1.0f : 1.0f;
        const float ex = side * id.eyeX + m_eyeShift;
        const float ey = id.eyeY;
        // Eye-local coordinates: u towards the outer corner, v down, tilted at the canthus.
        auto local = [=](float x, float y, float& u, float& v) {
            const float px = (x - ex) * side;
            const float py = y - ey;
            u = px * cosT + py * sinT;
            v = -px * sinT + py * cosT;
        };
        auto scleraSd = [=](float u, float v) {
            return std::max(length2(u, v - cu) - ru, length2(u, v + cl) - rl);
        };
        // Face-space box of an eye-local rectangle (u0..u1, v0..v1), tilt included.
        auto localBox = [=](float u0, float u1, float v0, float v1) {
            const float cu0 = 0.5f * (u0 + u1);
            const float cv0 = 0.5f * (v0 + v1);
            const float hu0 = 0.5f * (u1 - u0);
            const float hv0 = 0.5f * (v1 - v0);
            const float cx = ex + side * (cu0 * cosT - cv0 * sinT);
            const float cy = ey + cu0 * sinT + cv0 * cosT;
            const float ac = std::fabs(cosT);
            const float as = std::fabs(sinT);
            return boxAround(cx, cy, hu0 * ac + hv0 * as, hu0 * as + hv0 * ac);
        };
        const Box opening = localBox(-w, w, -hu, hl);

        // Socket shadow and lid crease above the eye.
        const Ellipse socket(ex + side * 0.1f * w, ey - 0.45f * id.eyeHu, w * 1.45f, w * 0.95f);
        m_canvas.fillBlob(socket, skinShade(0.72f), id.socket, 0.06f);
        const float creaseR = ru + std::max(0.35f * id.eyeHu, 0.012f);
        m_canvas.fill(localBox(-0.85f * w, 0.85f * w, -hu - (creaseR - ru) - 0.01f, 0.0f), skinShade(0.62f), 0.3f,
                      0.01f, [&](float x, float y) {
            float u, v;
            local(x, y, u, v);
            return std::max(std::fabs(length2(u, v - cu) - creaseR) - 0.004f, std::max(std::fabs(u) - 0.85f * w, v));
        });

        // The eyeball in one pass, clipped to the opening: white (darker towards the corners),
        // iris (darker rim), pupil, the shadow the upper lid casts, and the catchlight (a
        // reflection of the light on the cornea). One pass instead of five layers.
        const Rgb iris = m_id.iris;
        const float pupilDraw = std::max(pupilR, 0.5f * pixel);
        const float pupilAlpha = std::min(1.0f, (pupilR * pupilR) / (pupilDraw * pupilDraw));
        const float glintR = std::max(irisR * 0.2f, 0.5f * pixel);
        const float glintAlpha = 0.85f * std::min(1.0f, (irisR * 0.2f) * (irisR * 0.2f) / (glintR * glintR));
        const float gu = gazeU - side * 0.35f * irisR * m_shot.lightX - 0.2f * irisR;
        const float gv = gazeV + 0.35f * irisR * m_shot.lightY - 0.25f * irisR;
        const float invPixel = 1.0f / pixel;
        const float invShadow = 1.0f / (pixel + 0.25f * hu);
        const float invIris = 1.0f / irisR;
        const Rgb shadow{0.2f, 0.15f, 0.13f};
        const Rgb black{0.03f, 0.03f, 0.03f};
        const Rgb white{1.0f, 1.0f, 1.0f};
        m_canvas.fillWith(
            opening, 1.0f, 0.0f, -1.0f,
            [&](float x, float y) {
                float u, v;
                local(x, y, u, v);
                return scleraSd(u, v);
            },
            [&](float x, float y) {
                float u, v;
                local(x, y, u, v);
                const float t = u / w;
                Rgb c = sclera * (1.0f - 0.3f * t * t);
                const float dIris = length2(u - gazeU, v - gazeV);
                const float r = dIris * invIris;
                const float ring = smoothstep(0.75f, 1.0f, r);
                const Rgb irisColour = iris * ((1.15f - 0.3f * r) * (1.0f - 0.45f * ring));
                c = mix(c, irisColour, clamp01(0.5f - (dIris - irisR) * invPixel));
                c = mix(c, black, clamp01(0.5f - (dIris - pupilDraw) * invPixel) * pupilAlpha);
                const float belowLid = ru - length2(u, v - cu);
                c = mix(c, shadow, clamp01(0.5f - (belowLid - 0.12f * hu) * invShadow) * 0.45f);
                const float dGlint = length2(u - gu, v - gv);
                return mix(c, white, clamp01(0.5f - (dGlint - glintR) * invPixel) * glintAlpha);
            });

        // Lash line along the upper lid (thicker towards the outer corner) and a faint lower lid.
        const float lashDraw = std::max(lashT, pixel);
        m_canvas.fill(localBox(-1.04f * w, 1.04f * w, -hu - 1.6f * lashDraw, 0.1f * hu), lash, std::min(1.0f, lashT / lashDraw) * 0.95f, 0.0f, [&](float x, float y) {
            float u, v;
            local(x, y, u, v);
            const float thick = lashDraw * (0.75f + 0.5f * clamp01(0.5f + 0.5f * u / w));
            return std::max(std::fabs(length2(u, v - cu) - ru - 0.3f * thick) - 0.5f * thick,
                            std::max(std::fabs(u) - 1.04f * w, v - 0.1f * hu));
        });
        const float lowerDraw = std::max(0.005f, pixel);
        m_canvas.fill(localBox(-0.95f * w, 0.95f * w, 0.0f, hl + lowerDraw), skinShade(0.55f), 0.35f * std::min(1.0f, 0.005f / lowerDraw), 0.003f,
                      [&](float x, float y) {
                          float u, v;
                          local(x, y, u, v);
                          return std::max(std::fabs(length2(u, v + cl) - rl) - 0.5f * lowerDraw,
                                          std::max(std::fabs(u) - 0.95f * w, -v));
                      });
    }
}

void FaceRenderer::drawBrows()
{
    const Identity& id = m_id;
    const float lift = m_shot.browRaise;
    const Texture tex = texture(90.0f, 25.0f, 2.0f, 0.5f, 23.0f);
    const Rgb brow = id.brow;
    for (int i = 0; i < 2; ++i) {
        const float side = i == 0 ? -1.0f : 1.0f;
        const float ex = side * id.eyeX + m_eyeShift;
        const float innerY = id.eyeY - id.eyeHu - id.browGap - lift;
        const float innerX = ex - side * id.browInner;
        const float outerX = ex + side * id.browOuter;
        const float outerY = innerY + id.browSlant - 0.3f * lift;
        const float thin = id.browThick * 0.45f;
        const Stroke stroke = side < 0.0f
                                  ? Stroke(outerX, outerY, innerX, innerY, id.browArch, thin, id.browThick)
                                  : Stroke(innerX, innerY, outerX, outerY, id.browArch, id.browThick, thin);
        // Hairs: streaky texture and a soft edge rather than a painted line.
        Stroke drawn = stroke;
        float alpha = 0.92f;
        const float pixel = m_canvas.pixel();
        if (stroke.maxThickness() < pixel) {
            const float k = pixel / stroke.maxThickness();
            drawn.t0 *= k;
            drawn.t1 *= k;
            alpha /= k;
        }
        m_canvas.fillWith(
            drawn.box(), alpha, 0.008f, -1.0f, [&](float x, float y) { return drawn.sd(x, y); },
            [&](float x, float y) { return brow * (1.0f + sample(tex, x, y)); });
    }
}

void FaceRenderer::drawGlasses()
{
    const Identity& id = m_id;
    if (id.glasses == Glasses::None)
        return;
    const float hx = id.eyeW * 1.55f * id.glassesScale;
    const float hy = id.eyeW * 1.12f * id.glassesScale;
    const float cy = id.eyeY + 0.008f;
    const float pixel = m_canvas.pixel();
    const float t = std::max(id.frameThick, pixel);
    const float frameAlpha = std::min(1.0f, id.frameThick / t);
    const bool round = id.glasses == Glasses::Round;
    for (int i = 0; i < 2; ++i) {
        const float side = i == 0 ? -1.0f : 1.0f;
        const float cx = side * id.eyeX + m_eyeShift;
        const Ellipse lensShape(cx, cy, hx, hy);
        auto lensSd = [&](float x, float y) {
            return round ? lensShape.sd(x, y) : synth::sdRoundBox(x, y, cx, cy, hx, hy, 0.35f * hy);
        };
        const Box box = boxAround(cx, cy, hx + t, hy + t);
        m_canvas.fill(box, Rgb{0.35f, 0.4f, 0.45f}, id.lensTint, 0.0f, lensSd);
        m_canvas.fill(box, id.frame, frameAlpha, 0.0f,
                      [&](float x, float y) { return std::fabs(lensSd(x, y)) - 0.5f * t; });
        // Temple arm running back to the ear.
        const float outer = cx + side * hx;
        const float ear = side * (faceHalfWidth(id.earY) + 0.01f);
        const Stroke arm = side < 0.0f ? Stroke(ear, cy - 0.2f * hy + 0.02f, outer, cy - 0.4f * hy, 0.0f, t * 0.8f, t)
                                       : Stroke(outer, cy - 0.4f * hy, ear, cy - 0.2f * hy + 0.02f, 0.0f, t, t * 0.8f);
        m_canvas.fill(arm.box(), id.frame, frameAlpha, 0.0f, [&](float x, float y) { return arm.sd(x, y); });
    }
    const float inner = id.eyeX - hx;
    const Stroke bridge(-inner + m_eyeShift, cy - 0.3f * hy, inner + m_eyeShift, cy - 0.3f * hy, 0.02f, t, t);
    m_canvas.fill(bridge.box(), id.frame, frameAlpha, 0.0f, [&](float x, float y) { return bridge.sd(x, y); });
}

}  // namespace fedpilot::engine::synth
