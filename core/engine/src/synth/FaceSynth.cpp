#include "fedpilot/engine/FaceSynth.h"

#include "synth/SynthMath.h"
#include "synth/SynthRaster.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

// See SynthMath.h: no fused multiply-add, so every build gives the same bytes.
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

namespace fedpilot::engine {
namespace {

using synth::Box;
using synth::boxAround;
using synth::clamp01;
using synth::clampf;
using synth::Ellipse;
using synth::length2;
using synth::lerp;
using synth::mix;
using synth::Rgb;
using synth::Rng;
using synth::smoothMin;
using synth::smoothstep;
using synth::Stroke;

// Domain tags: the identity, per-image and pixel-noise streams never share keys.
constexpr std::uint64_t kIdentityTag = 0x6964656E74697479ull;
constexpr std::uint64_t kImageTag = 0x696D616765696D67ull;
constexpr std::uint64_t kNoiseTag = 0x6E6F6973656E6F69ull;

enum class HairStyle { Short, Long, Bald, Fringe, Buzz, Afro, SidePart };
enum class Beard { None, Stubble, Full, Goatee, Moustache };
enum class Glasses { None, Round, Square };

constexpr int kMaxFreckles = 24;
// Magnification from face units to the image at scale 1. It frames the head like a face crop
// (chin just inside, the top of the hair may be cut), so most pixels show the face rather than
// the background, which otherwise dominates pixel distances between images of one person.
constexpr float kZoom = 1.3f;

// Everything that stays the same across the images of one person. Lengths are in face units
// (half the image), y grows downwards, the head is centred on x = 0.
struct Identity {
    Rgb skin, lip, hair, brow, iris, frame, beardColour;
    float darkness = 0.0f;  // 0 = lightest skin, 1 = darkest
    // Head outline: cranium, cheekbones and jaw ellipses blended into one shape.
    float headCy, headRx, headRy;
    float cheekY, cheekRx, cheekRy;
    float jawCy, jawRx, jawRy, jawBlend, chinY;
    float neckHalfW, shoulderRx;
    float earY, earRx, earRy, earOut;
    // Eyes: centre offset, half width, upper/lower lid heights, canthal tilt, iris radius.
    float eyeX, eyeY, eyeW, eyeHu, eyeHl, eyeTilt, irisR, socket;
    float browGap, browInner, browOuter, browThick, browSlant, browArch;
    float noseTipY, noseW, bridgeW, nostril, tipR;
    float mouthY, mouthW, upperLip, lowerLip, cupid, restSmile;
    HairStyle hairStyle;
    float hairline, hairThick, hairLengthY, hairPart, sweep, recess, strandFreq, innerHair;
    Glasses glasses;
    float frameThick, lensTint, glassesScale;
    Beard beard;
    float beardDensity;
    bool mole;
    float moleX, moleY, moleR;
    int freckles;
    float freckleX[kMaxFreckles], freckleY[kMaxFreckles];
    float blush, age;
    std::uint64_t texture;
};

// Everything that changes from one image of a person to the next.
struct Shot {
    float angle, scale, shiftX, shiftY, yaw;
    float lightX, lightY, lightZ, ambient, diffuse, specular;
    float brightness, contrast, gradX, gradY;
    Rgb balance;
    Rgb bg0, bg1;
    float bgDirX, bgDirY, vignette;
    Rgb clothes;
    float collar;
    float smile, mouthOpen, eyeOpen, browRaise, gazeX, gazeY;
    float blurPixels, noise;
    std::uint64_t noiseKey;
};

Rgb pickColour(Rng& rng, const Rgb* colours, const float* weights, int n)
{
    float total = 0.0f;
    for (int i = 0; i < n; ++i)
        total += weights[i];
    float r = rng.uniform() * total;
    for (int i = 0; i < n; ++i) {
        if (r < weights[i])
            return colours[i];
        r -= weights[i];
    }
    return colours[n - 1];
}

Identity makeIdentity(std::uint64_t seed, int identity)
{
    Rng rng(synth::hashInt(synth::hashPair(seed, kIdentityTag), identity));
    Identity id{};

    // Skin: a position along a light-to-dark palette plus small red and yellow undertones.
    static const Rgb kSkin[] = {{0.98f, 0.87f, 0.78f}, {0.94f, 0.78f, 0.66f}, {0.87f, 0.67f, 0.52f},
                                {0.74f, 0.53f, 0.38f}, {0.55f, 0.37f, 0.25f}, {0.36f, 0.23f, 0.16f}};
    const float tone = rng.uniform() * 4.999f;
    const int band = static_cast<int>(tone);
    Rgb skin = mix(kSkin[band], kSkin[band + 1], tone - static_cast<float>(band));
    const float red = rng.range(-0.035f, 0.035f);
    const float yellow = rng.range(-0.03f, 0.03f);
    id.skin = synth::clampRgb({skin.r + red, skin.g + 0.4f * yellow, skin.b - yellow});
    id.darkness = tone / 5.0f;
    const float d = id.darkness;

    // Hair colour: darker skin makes dark hair more likely, like the populations it imitates.
    static const Rgb kHair[] = {{0.05f, 0.045f, 0.045f}, {0.16f, 0.10f, 0.07f}, {0.30f, 0.19f, 0.11f},
                                {0.50f, 0.36f, 0.22f},   {0.80f, 0.67f, 0.42f}, {0.45f, 0.17f, 0.08f},
                                {0.68f, 0.32f, 0.13f},   {0.55f, 0.54f, 0.52f}, {0.86f, 0.85f, 0.82f}};
    const float hairWeights[] = {1.0f + 3.0f * d, 1.5f + d, 1.2f, 0.8f * (1.0f - d), 0.7f * (1.0f - d) * (1.0f - d),
                                 0.35f, 0.25f * (1.0f - d), 0.4f, 0.15f};
    // One draw per statement throughout: the order in which a compiler evaluates function
    // arguments or operands is unspecified, and GCC and Clang differ.
    const Rgb hairBase = pickColour(rng, kHair, hairWeights, 9);
    id.hair = synth::clampRgb(hairBase * rng.range(0.85f, 1.15f));
    id.age = rng.uniform();
    if (id.age > 0.7f)
        id.hair = mix(id.hair, Rgb{0.6f, 0.6f, 0.58f}, (id.age - 0.7f) * rng.range(0.0f, 2.5f));
    id.brow = mix(id.hair * 0.75f, Rgb{0.12f, 0.08f, 0.06f}, 0.35f);
    id.beardColour = id.hair * rng.range(0.8f, 1.0f);

    static const Rgb kIris[] = {{0.20f, 0.11f, 0.06f}, {0.36f, 0.21f, 0.10f}, {0.45f, 0.36f, 0.17f},
                                {0.30f, 0.44f, 0.25f}, {0.32f, 0.50f, 0.70f}, {0.47f, 0.52f, 0.56f}};
    const float irisWeights[] = {2.0f + 3.0f * d, 1.5f, 0.7f * (1.0f - d), 0.5f * (1.0f - d),
                                 0.8f * (1.0f - d) * (1.0f - d), 0.4f * (1.0f - d)};
    const Rgb irisBase = pickColour(rng, kIris, irisWeights, 6);
    id.iris = synth::clampRgb(irisBase * rng.range(0.85f, 1.15f));
    const Rgb lipBase = mix(Rgb{0.78f, 0.36f, 0.38f}, Rgb{0.42f, 0.20f, 0.20f}, d);
    id.lip = mix(id.skin, lipBase, rng.range(0.45f, 0.75f));

    // Head outline.
    id.headCy = -0.12f + rng.range(-0.02f, 0.02f);
    id.headRx = rng.range(0.47f, 0.57f);
    id.headRy = rng.range(0.58f, 0.67f);
    id.cheekY = rng.range(0.0f, 0.1f);
    id.cheekRx = id.headRx * rng.range(0.9f, 1.03f);
    id.cheekRy = rng.range(0.28f, 0.38f);
    id.chinY = rng.range(0.66f, 0.76f);
    id.jawCy = rng.range(0.22f, 0.3f);
    id.jawRy = id.chinY - id.jawCy;
    id.jawRx = id.headRx * rng.range(0.62f, 0.9f);
    id.jawBlend = rng.range(0.08f, 0.16f);
    id.neckHalfW = id.headRx * rng.range(0.5f, 0.62f);
    id.shoulderRx = rng.range(0.85f, 1.1f);

    // Eyes and brows.
    id.eyeY = rng.range(-0.07f, 0.0f);
    id.eyeX = rng.range(0.165f, 0.225f);
    id.eyeW = rng.range(0.07f, 0.095f);
    id.eyeHu = id.eyeW * rng.range(0.42f, 0.6f);
    id.eyeHl = id.eyeW * rng.range(0.28f, 0.42f);
    id.eyeTilt = rng.range(-0.12f, 0.18f);
    id.irisR = id.eyeW * rng.range(0.42f, 0.5f);
    id.socket = rng.range(0.15f, 0.45f);
    id.browGap = rng.range(0.045f, 0.085f);
    id.browInner = id.eyeW * rng.range(0.85f, 1.2f);
    id.browOuter = id.eyeW * rng.range(1.0f, 1.35f);
    id.browThick = rng.range(0.018f, 0.045f);
    id.browSlant = rng.range(-0.03f, 0.03f);
    id.browArch = rng.range(0.004f, 0.03f);

    // Nose and mouth.
    id.noseTipY = rng.range(0.17f, 0.27f);
    id.noseW = rng.range(0.065f, 0.1f);
    id.bridgeW = rng.range(0.025f, 0.045f);
    id.nostril = rng.range(0.014f, 0.024f);
    id.tipR = rng.range(0.03f, 0.05f);
    id.mouthY = std::min(id.noseTipY + rng.range(0.13f, 0.2f), id.chinY - 0.2f);
    id.mouthW = rng.range(0.11f, 0.16f);
    id.upperLip = rng.range(0.018f, 0.035f);
    id.lowerLip = rng.range(0.025f, 0.048f);
    id.cupid = rng.range(0.1f, 0.45f);
    id.restSmile = rng.range(-0.2f, 0.3f);

    id.earY = 0.5f * (id.eyeY + id.noseTipY) + rng.range(-0.02f, 0.03f);
    id.earRx = rng.range(0.045f, 0.07f);
    id.earRy = rng.range(0.1f, 0.14f);
    id.earOut = rng.range(0.0f, 0.035f);

    // Hair.
    const float styleWeights[] = {0.24f, 0.2f, 0.08f, 0.14f, 0.1f, 0.08f, 0.16f};
    id.hairStyle = static_cast<HairStyle>(rng.weighted(styleWeights));
    id.hairline = rng.range(-0.5f, -0.37f);
    id.hairThick = rng.range(0.04f, 0.11f);
    id.hairLengthY = id.chinY + rng.range(-0.25f, 0.35f);
    const float partSide = rng.chance(0.5f) ? -1.0f : 1.0f;
    id.hairPart = partSide * rng.range(0.1f, 0.28f) * id.headRx;
    id.sweep = rng.range(0.04f, 0.12f);
    id.recess = rng.chance(0.35f) ? rng.range(0.0f, 0.06f) * (0.4f + id.age) : 0.0f;
    id.strandFreq = rng.range(16.0f, 30.0f);
    id.innerHair = rng.range(0.8f, 0.92f);
    switch (id.hairStyle) {
    case HairStyle::Long:
        id.recess = 0.0f;  // temple recession only reads as such with short hair
        id.hairLengthY = rng.range(0.55f, 1.15f);
        if (rng.chance(0.5f))
            id.hairPart = 0.0f;
        break;
    case HairStyle::Fringe:
        id.recess = 0.0f;
        id.hairLengthY = rng.chance(0.5f) ? rng.range(0.3f, 0.8f) : -1.0f;
        break;
    case HairStyle::Buzz:
        id.hairThick = rng.range(0.01f, 0.02f);
        break;
    case HairStyle::Bald:
        id.hairThick = rng.range(0.012f, 0.025f);
        break;
    case HairStyle::Afro:
        id.recess = 0.0f;
        id.hairThick = rng.range(0.15f, 0.24f);
        break;
    case HairStyle::SidePart:
        id.hairLengthY = rng.chance(0.4f) ? rng.range(0.15f, 0.45f) : -1.0f;
        break;
    case HairStyle::Short:
        break;
    }

    // Optional features.
    const float glassesRoll = rng.uniform();
    id.glasses = glassesRoll < 0.12f ? Glasses::Round : (glassesRoll < 0.24f ? Glasses::Square : Glasses::None);
    static const Rgb kFrames[] = {{0.05f, 0.05f, 0.06f}, {0.25f, 0.14f, 0.08f}, {0.55f, 0.56f, 0.58f},
                                  {0.72f, 0.58f, 0.3f},  {0.5f, 0.1f, 0.12f}};
    const float frameWeights[] = {3.0f, 1.5f, 1.2f, 0.8f, 0.4f};
    id.frame = pickColour(rng, kFrames, frameWeights, 5);
    id.frameThick = rng.range(0.008f, 0.02f);
    id.lensTint = rng.chance(0.2f) ? rng.range(0.1f, 0.35f) : rng.range(0.0f, 0.06f);
    id.glassesScale = rng.range(0.9f, 1.15f);

    const float beardWeights[] = {0.7f, 0.1f, 0.09f, 0.06f, 0.05f};
    id.beard = static_cast<Beard>(rng.weighted(beardWeights));
    id.beardDensity = rng.range(0.6f, 0.95f);

    id.mole = rng.chance(0.3f);
    const float moleSide = rng.chance(0.5f) ? -1.0f : 1.0f;
    id.moleX = moleSide * rng.range(0.1f, 0.36f);
    id.moleY = rng.range(-0.02f, 0.5f);
    id.moleR = rng.range(0.007f, 0.014f);
    id.freckles = rng.chance(0.18f * (1.0f - d)) ? 10 + rng.below(kMaxFreckles - 9) : 0;
    for (int i = 0; i < kMaxFreckles; ++i) {
        const float freckleSide = rng.chance(0.5f) ? -1.0f : 1.0f;
        id.freckleX[i] = freckleSide * rng.range(0.03f, 0.3f);
        id.freckleY[i] = id.eyeY + rng.range(0.06f, 0.24f);
    }
    id.blush = rng.range(0.0f, 0.22f);
    id.texture = rng.next();
    return id;
}

Shot makeShot(std::uint64_t seed, int identity, int imageIndex, const Identity& id, int size)
{
    Rng rng(synth::hashInt(synth::hashInt(synth::hashPair(seed, kImageTag), identity), imageIndex));
    Shot s{};
    s.angle = rng.symmetric() * (10.0f * synth::kPi / 180.0f);
    s.scale = 1.0f + rng.symmetric() * 0.08f;
    s.shiftX = rng.symmetric() * 0.1f;  // 5% of the image width = 0.1 face units
    s.shiftY = rng.symmetric() * 0.1f;
    s.yaw = rng.symmetric() * 0.05f;

    // Light: any azimuth, mostly from the front; soft ambient fill.
    const float azimuth = rng.uniform() * 2.0f * synth::kPi;
    s.lightZ = rng.range(0.6f, 0.95f);
    const float side = std::sqrt(1.0f - s.lightZ * s.lightZ);
    s.lightX = side * synth::portableCos(azimuth);
    s.lightY = side * synth::portableSin(azimuth);
    s.ambient = rng.range(0.4f, 0.6f);
    s.diffuse = rng.range(0.95f, 1.1f) - s.ambient;
    s.specular = rng.range(0.02f, 0.12f);
    s.brightness = rng.symmetric() * 0.07f;
    s.contrast = rng.range(0.85f, 1.15f);
    s.gradX = rng.symmetric() * 0.12f;
    s.gradY = rng.symmetric() * 0.12f;
    const float red = 1.0f + rng.symmetric() * 0.06f;
    const float blue = 1.0f + rng.symmetric() * 0.06f;
    s.balance = {red, 1.0f, blue};

    // Background: two muted colours and a gradient direction.
    const float hue = rng.uniform();
    const float sat0 = rng.range(0.05f, 0.35f);
    const float val0 = rng.range(0.3f, 0.85f);
    s.bg0 = synth::hsv(hue, sat0, val0);
    const float hue1 = hue + rng.range(-0.15f, 0.15f);
    const float sat1 = rng.range(0.05f, 0.35f);
    const float val1 = rng.range(0.3f, 0.85f);
    s.bg1 = synth::hsv(hue1, sat1, val1);
    const float bgAngle = rng.uniform() * 2.0f * synth::kPi;
    s.bgDirX = synth::portableCos(bgAngle);
    s.bgDirY = synth::portableSin(bgAngle);
    s.vignette = rng.range(0.0f, 0.25f);
    const float clothHue = rng.uniform();
    const float clothSat = rng.range(0.1f, 0.7f);
    const float clothVal = rng.range(0.12f, 0.85f);
    s.clothes = synth::hsv(clothHue, clothSat, clothVal);
    s.collar = rng.range(0.08f, 0.2f);

    // Expression, around the person's resting expression.
    s.smile = clampf(id.restSmile + rng.normal() * 0.35f, -0.4f, 1.2f);
    s.mouthOpen = rng.chance(0.35f) ? rng.range(0.008f, 0.045f) : 0.0f;
    s.eyeOpen = rng.chance(0.04f) ? rng.range(0.15f, 0.3f) : rng.range(0.65f, 1.1f);
    s.eyeOpen *= 1.0f - 0.12f * clamp01(s.smile);  // a real smile narrows the eyes
    s.browRaise = rng.range(-0.01f, 0.02f);
    s.gazeX = rng.symmetric() * 0.25f;
    s.gazeY = rng.symmetric() * 0.1f;

    // Camera: occasional mild defocus (scaled with the image so it looks alike at every size)
    // and sensor noise.
    s.blurPixels = rng.chance(0.3f) ? rng.range(0.35f, 1.0f) * static_cast<float>(size) / 112.0f : 0.0f;
    s.noise = rng.range(0.004f, 0.02f);
    s.noiseKey = rng.next() ^ kNoiseTag;
    return s;
}

// Draws one image: layers of shapes from back to front, then light, camera and quantization.
class FaceRenderer {
public:
    FaceRenderer(const Identity& id, const Shot& shot, int size, float* rgb, float* weight)
        : m_id(id), m_shot(shot), m_size(size),
          m_canvas(size, shot.angle, shot.scale * kZoom, shot.shiftX, shot.shiftY, rgb, weight)
    {
        m_noise.build(id.texture);
        m_cranium = Ellipse(0.0f, id.headCy, id.headRx, id.headRy);
        m_cheeks = Ellipse(0.0f, id.cheekY, id.cheekRx, id.cheekRy);
        m_jaw = Ellipse(0.0f, id.jawCy, id.jawRx, id.jawRy);
        // Yaw is faked by sliding the inner features sideways in proportion to how far they
        // stand out from the face plane: a cheap but convincing small head turn.
        m_eyeShift = shot.yaw * 0.5f;
        m_noseShift = shot.yaw * 0.75f;
        m_tipShift = shot.yaw * 1.0f;
        m_mouthShift = shot.yaw * 0.6f;
        m_earTop = id.earY - id.earRy * 0.8f;
        m_blendMargin = 0.25f * (0.06f + id.jawBlend);
    }

    void render(std::uint8_t* out)
    {
        drawBackground();
        drawBackHair();
        drawNeckAndClothes();
        drawEars();
        drawFace();
        drawSkinDetails();
        drawNose();
        drawBeard();
        drawMouth();
        drawEyes();
        drawBrows();
        drawGlasses();
        drawHair();
        shade();
        blur();
        develop(out);
    }

private:
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

    void drawBackground()
    {
        float* rgb = m_canvas.rgb();
        const std::size_t n = static_cast<std::size_t>(m_size);
        const float step = 2.0f / static_cast<float>(m_size);
        // Locals, not members: a store through a float* could alias any member, which would
        // force reloads and keep the loops scalar.
        const Rgb base = m_shot.bg0;
        const Rgb delta = m_shot.bg1 + m_shot.bg0 * -1.0f;
        const float dirX = m_shot.bgDirX;
        const float dirY = m_shot.bgDirY;
        const float vignette = 0.5f * m_shot.vignette;
        thread_local std::vector<float> tRow;
        thread_local std::vector<float> vRow;
        tRow.resize(n);
        vRow.resize(n);
        float* tr = tRow.data();
        float* vr = vRow.data();
        // int counters: SSE2 can convert int32 but not size_t lanes to float.
        const int size = m_size;
        for (int row = 0; row < size; ++row) {
            const float y = (static_cast<float>(row) + 0.5f) * step - 1.0f;
            // Gradient position and vignette first, in a loop the compiler vectorizes.
            for (int col = 0; col < size; ++col) {
                const float x = (static_cast<float>(col) + 0.5f) * step - 1.0f;
                tr[col] = clamp01(0.5f + 0.5f * (x * dirX + y * dirY));
                vr[col] = 1.0f - vignette * (x * x + y * y);
            }
            float* p = rgb + 3 * static_cast<std::size_t>(row) * n;
            for (int col = 0; col < size; ++col) {
                p[3 * col] = (base.r + delta.r * tr[col]) * vr[col];
                p[3 * col + 1] = (base.g + delta.g * tr[col]) * vr[col];
                p[3 * col + 2] = (base.b + delta.b * tr[col]) * vr[col];
            }
        }
        std::fill(m_canvas.weight(), m_canvas.weight() + n * n, 0.0f);
    }

    // Long hair hangs behind the neck and shoulders; an afro's volume sits behind the face.
    void drawBackHair()
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

    void drawNeckAndClothes()
    {
        const Identity& id = m_id;
        const float neckTop = id.jawCy;
        const float neckBottom = 1.4f;
        const float neckCy = 0.5f * (neckTop + neckBottom);
        const float neckHy = 0.5f * (neckBottom - neckTop);
        const float chin = id.chinY;
        m_canvas.fillLarge(
            boxAround(0.0f, neckCy, id.neckHalfW, neckHy), 1.0f, 0.0f, 0.0f, 1.2f,
            [&](float x, float y, float) { return synth::sdRoundBox(x, y, 0.0f, neckCy, id.neckHalfW, neckHy, 0.05f); },
            [&](float, float y) { return skinShade(0.55f + 0.3f * smoothstep(chin - 0.02f, chin + 0.22f, y)); });

        // Shoulders with a neckline cut out of them.
        const Ellipse shoulders(0.0f, chin + 0.78f, id.shoulderRx, 0.58f);
        const Ellipse neckline(0.0f, chin + 0.22f, id.neckHalfW * 1.35f, m_shot.collar);
        const Rgb clothes = m_shot.clothes;
        m_canvas.fillLarge(
            shoulders.box(), 1.0f, 0.0f, 0.0f, 1.2f,
            [&](float x, float y, float band) {
                return std::max(shoulders.sdBand(x, y, band), -neckline.sdBand(x, y, band));
            },
            [&](float x, float y) {
                // Folds: the cloth darkens towards the armpits and the neckline.
                const float fold = 1.0f - 0.25f * smoothstep(0.3f, 0.9f, std::fabs(x)) - 0.15f * smoothstep(0.08f, 0.0f, neckline.sd(x, y));
                return clothes * fold;
            });
    }

    void drawEars()
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

    void drawFace()
    {
        // Ellipses only: their distance estimate is close to the true distance.
        const Rgb skin = m_id.skin;
        m_canvas.fillLarge(faceBox(), 1.0f, 0.0f, 1.0f, 1.2f,
                           [this](float x, float y, float band) { return faceSd(x, y, band); },
                           [skin](float, float) { return skin; });
    }

    void drawSkinDetails()
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

    void drawNose()
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

    void drawBeard()
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

    void drawMouth()
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

    void drawEyes()
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

    void drawBrows()
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

    void drawGlasses()
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

    void drawHair()
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

    void drawPart(float part, const Ellipse& cap)
    {
        if (part == 0.0f && m_id.hairStyle != HairStyle::Long)
            return;
        const float top = cap.cy - cap.ry * 0.8f;
        const float bottom = hairlineAt(part) - 0.005f;
        const Stroke line(part * 0.85f, top, part, bottom, 0.0f, 0.007f, 0.004f);
        m_canvas.fillStroke(line, mix(m_id.skin, m_id.hair, 0.4f), 0.55f, 0.004f);
    }

    // A stable random number in [0, 1) for small per-identity choices made while drawing.
    float rng01(std::uint64_t salt) const { return synth::unitFloat(synth::mix64(m_id.texture ^ (salt * synth::kGolden))); }

    // Lighting: head pixels are lit as a big ellipsoid (gives the face its roundness and makes
    // the light direction visible), everything else as a flat surface facing the camera.
    void shade()
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
    void blur()
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
    void develop(std::uint8_t* out) const
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

    // Triangular noise samples (sum of two uniforms, centred), built once per process; large
    // enough that rows of the largest supported images start at many different places.
    static constexpr float kNoiseTableSigma = 127.0f * 0.40824829f;  // sqrt(1/6) of the +-127 range
    static const std::vector<std::int8_t>& noiseTable()
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

}  // namespace

FaceSynth::FaceSynth(std::uint64_t seed) : m_seed(seed) {}

void FaceSynth::render(int identity, int imageIndex, int size, std::uint8_t* out) const
{
    if (size <= 0 || out == nullptr)
        return;
    const Identity id = makeIdentity(m_seed, identity);
    const Shot shot = makeShot(m_seed, identity, imageIndex, id, size);
    // Scratch buffers are per thread: render() is const and may run on many threads at once,
    // and reusing them avoids two allocations per image.
    thread_local std::vector<float> rgb;
    thread_local std::vector<float> weight;
    const std::size_t pixels = static_cast<std::size_t>(size) * static_cast<std::size_t>(size);
    rgb.resize(pixels * 3);
    weight.resize(pixels);
    FaceRenderer renderer(id, shot, size, rgb.data(), weight.data());
    renderer.render(out);
}

}  // namespace fedpilot::engine
