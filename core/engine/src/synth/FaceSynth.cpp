#include "fedpilot/engine/FaceSynth.h"

#include "synth/SynthParams.h"
#include "synth/SynthRenderer.h"

#include <cstddef>
#include <vector>

namespace fedpilot::engine::synth {

namespace {

// Magnification from face units to the image at scale 1. It frames the head like a face crop
// (chin just inside, the top of the hair may be cut), so most pixels show the face rather than
// the background, which otherwise dominates pixel distances between images of one person.
constexpr float kZoom = 1.3f;

}  // namespace

FaceRenderer::FaceRenderer(const Identity& id, const Shot& shot, int size, float* rgb, float* weight)
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

void FaceRenderer::render(std::uint8_t* out)
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

}  // namespace fedpilot::engine::synth

namespace fedpilot::engine {

FaceSynth::FaceSynth(std::uint64_t seed) : m_seed(seed) {}

void FaceSynth::render(int identity, int imageIndex, int size, std::uint8_t* out) const
{
    if (size <= 0 || out == nullptr)
        return;
    const synth::Identity id = synth::makeIdentity(m_seed, identity);
    const synth::Shot shot = synth::makeShot(m_seed, identity, imageIndex, id, size);
    // Scratch buffers are per thread: render() is const and may run on many threads at once,
    // and reusing them avoids two allocations per image.
    thread_local std::vector<float> rgb;
    thread_local std::vector<float> weight;
    const std::size_t pixels = static_cast<std::size_t>(size) * static_cast<std::size_t>(size);
    rgb.resize(pixels * 3);
    weight.resize(pixels);
    synth::FaceRenderer renderer(id, shot, size, rgb.data(), weight.data());
    renderer.render(out);
}

}  // namespace fedpilot::engine
