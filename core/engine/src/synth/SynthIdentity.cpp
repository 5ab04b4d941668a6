#include "synth/SynthParams.h"

#include <algorithm>

namespace fedpilot::engine::synth {

namespace {

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

}  // namespace

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

}  // namespace fedpilot::engine::synth
