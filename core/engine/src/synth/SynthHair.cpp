#include "synth/SynthRenderer.h"

#include <algorithm>
#include <cmath>

namespace fedpilot::engine::synth {

// Long hair hangs behind the neck and shoulders; an afro's volume sits behind the face.
void FaceRenderer::drawBackHair()
{
    const Identity& id = m_id;
    const float top = id.headCy - id.headRy - id.hairThick;
    if (id.hairStyle == HairStyle::Afro) {
        const Ellipse back(0.0f, id.headCy - 0.02f, id.headRx + id.hairThick, id.headRy + 0.8f * id.hairThick);
        const float cut = id.earY + 0.12f;
        const Texture tex = hairTexture(true);
        const Rgb colour = id.hair * 0.85f;
        m_canvas.fillLarge(back.box(), 1.0f, 0.02f, 1.0f, 1.2f,
                           [&](float x, float y, float band) { return std::max(back.sdBand(x, y, band), y - cut); },
                          [&](float x, float y) { return colour * (1.0f + sample(tex, x, y)); });
        return;
    }
    const bool hasLength = id.hairStyle == HairStyle::Long
                           || ((id.hairStyle == HairStyle::Fringe || id.hairStyle == HairStyle::SidePart)
                               && id.hairLengthY > 0.0f);
    if (!hasLength)
        return;
    const float bottom = id.hairLengthY + 0.3f;
    const Ellipse back(0.0f, 0.5f * (top + bottom), id.headRx + id.hairThick + 0.06f, 0.5f * (bottom - top));
    const float lengthY = id.hairLengthY;
    Box box = back.box();
    box.y1 = std::min(box.y1, lengthY + 0.05f);
    const Texture tex = hairTexture(false);
    const Rgb colour = id.hair * 0.8f;
    m_canvas.fillLarge(
        box, 1.0f, 0.02f, 1.0f, 2.0f,
        [&](float x, float y, float band) {
            // Ragged ends: the cut line wanders a little with the strands.
            const float ends = lengthY + 0.04f * (m_noise.at(x * 25.0f, 40.5f) - 0.5f);
            return std::max(back.sdBand(x, y, band), y - ends);
        },
        [&](float x, float y) { return colour * (1.0f + sample(tex, x, y)); });
}

void FaceRenderer::drawHair()
{
    const Identity& id = m_id;
    const Ellipse cap(0.0f, id.headCy - 0.2f * id.hairThick, id.headRx + id.hairThick, id.headRy + id.hairThick);
    const Texture tex = hairTexture(id.hairStyle == HairStyle::Afro);
    const Rgb hair = id.hair;
    auto hairColour = [&](float x, float y) { return hair * (1.0f + sample(tex, x, y)); };
    Box capBox = cap.box();
    capBox.y1 = std::max(m_earTop, id.hairline) + 0.05f;

    switch (id.hairStyle) {
    case HairStyle::Short:
    case HairStyle::Afro:
        m_canvas.fillLarge(capBox, 1.0f, 0.012f, 1.0f, 2.0f,
                          [&](float x, float y, float band) { return std::max(cap.sdBand(x, y, band), y - hairlineAt(x)); },
                          hairColour);
        break;
    case HairStyle::Buzz: {
        // Stubble: the scalp shows through.
        const Texture stubble = texture(60.0f, 60.0f, 2.0f, 0.8f, 31.0f);
        m_canvas.fillLarge(
            capBox, 0.8f, 0.008f, 1.0f, 2.0f,
            [&](float x, float y, float band) { return std::max(cap.sdBand(x, y, band), y - hairlineAt(x)); },
            [&](float x, float y) { return mix(m_id.skin, hair, clamp01(0.7f + sample(stubble, x, y))); });
        break;
    }
    case HairStyle::Bald: {
        // Only a horseshoe of hair around the back and sides remains.
        const Ellipse crown(0.0f, id.headCy - 0.08f, id.headRx * 0.84f, id.headRy * 0.8f);
        const float bottom = m_earTop + 0.04f;
        m_canvas.fillLarge(
            capBox, 0.85f, 0.02f, 1.0f, 2.0f,
            [&](float x, float y, float band) { return std::max({cap.sdBand(x, y, band), -crown.sdBand(x, y, band), y - bottom}); },
            hairColour);
        break;
    }
    case HairStyle::Fringe: {
        // Bangs cut in a slightly ragged line above the brows; sides down to the length.
        const float fringeY = id.eyeY - id.eyeHu - id.browGap - rng01(11) * 0.03f - 0.025f;
        const float sideBottom = id.hairLengthY > 0.0f ? id.hairLengthY : m_earTop + 0.05f;
        const float inner = id.headRx * 0.8f;
        Box box = cap.box();
        box.y1 = std::max(sideBottom, fringeY) + 0.05f;
        const Ellipse outerE(0.0f, id.headCy, id.headRx + id.hairThick, 2.0f);
        m_canvas.fillLarge(
            box, 1.0f, 0.01f, 1.0f, 2.0f,
            [&](float x, float y, float band) {
                const float ragged = fringeY + 0.025f * (m_noise.at(x * 30.0f, 50.5f) - 0.5f);
                const float ax = std::fabs(x);
                const float line = ax < inner ? ragged : lerp(ragged, sideBottom, smoothstep(inner, id.headRx, ax));
                const float outerSd = y < id.headCy ? cap.sdBand(x, y, band) : outerE.sdBand(x, y, band);
                return std::max(outerSd, y - line);
            },
            hairColour);
        break;
    }
    case HairStyle::Long: {
        const float part = id.hairPart;
        m_canvas.fillLarge(capBox, 1.0f, 0.012f, 1.0f, 2.0f,
                          [&](float x, float y, float band) {
                              const float line = hairlineAt(x) - 0.05f * std::fabs(x - part) / id.headRx;
                              return std::max(cap.sdBand(x, y, band), y - line);
                          },
                          hairColour);
        // Strands falling along the cheeks frame the face (and hide the ears).
        const float top = id.headCy - id.headRy - id.hairThick;
        const float bottom = id.hairLengthY + 0.3f;
        const Ellipse outer(0.0f, 0.5f * (top + bottom), id.headRx + id.hairThick + 0.06f, 0.5f * (bottom - top));
        const Ellipse inner(0.0f, id.headCy + 0.22f, id.headRx * id.innerHair, id.headRy + 0.3f);
        const float lengthY = id.hairLengthY;
        Box box = outer.box();
        box.y1 = lengthY + 0.05f;
        m_canvas.fillLarge(box, 1.0f, 0.015f, 1.0f, 1.2f,
                          [&](float x, float y, float band) {
                              return std::max({outer.sdBand(x, y, band), -inner.sdBand(x, y, band), y - lengthY});
                          },
                          hairColour);
        drawPart(part, cap);
        break;
    }
    case HairStyle::SidePart: {
        // Swept from the part across the forehead: lower and fuller on the far side.
        const float part = id.hairPart;
        const float dir = part < 0.0f ? 1.0f : -1.0f;
        const Ellipse swept(dir * 0.03f, id.headCy - 0.25f * id.hairThick, id.headRx + id.hairThick * 1.2f,
                            id.headRy + id.hairThick);
        Box box = swept.box();
        box.y1 = std::max({m_earTop, id.hairline + id.sweep, id.hairLengthY}) + 0.05f;
        const float sideBottom = id.hairLengthY > 0.0f ? id.hairLengthY : m_earTop;
        const Ellipse outerE(dir * 0.03f, id.headCy, id.headRx + id.hairThick * 1.2f, 2.0f);
        m_canvas.fillLarge(
            box, 1.0f, 0.012f, 1.0f, 2.0f,
            [&](float x, float y, float band) {
                const float across = clamp01((x - part) * dir / (id.headRx * 1.2f));
                float line = hairlineAt(x) + id.sweep * across * (1.0f - 0.6f * across);
                const float ax = std::fabs(x) / id.headRx;
                line = std::max(line, lerp(line, sideBottom, smoothstep(0.75f, 1.0f, ax)));
                const float outerSd = y < id.headCy ? swept.sdBand(x, y, band) : outerE.sdBand(x, y, band);
                return std::max(outerSd, y - line);
            },
            hairColour);
        drawPart(part, cap);
        break;
    }
    }
}

void FaceRenderer::drawPart(float part, const Ellipse& cap)
{
    if (part == 0.0f && m_id.hairStyle != HairStyle::Long)
        return;
    const float top = cap.cy - cap.ry * 0.8f;
    const float bottom = hairlineAt(part) - 0.005f;
    const Stroke line(part * 0.85f, top, part, bottom, 0.0f, 0.007f, 0.004f);
    m_canvas.fillStroke(line, mix(m_id.skin, m_id.hair, 0.4f), 0.55f, 0.004f);
}

}  // namespace fedpilot::engine::synth
