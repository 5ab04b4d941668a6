#include "synth/SynthParams.h"

#include <cmath>

namespace fedpilot::engine::synth {

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

}  // namespace fedpilot::engine::synth
