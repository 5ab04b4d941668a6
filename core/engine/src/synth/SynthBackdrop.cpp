#include "synth/SynthRenderer.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

namespace fedpilot::engine::synth {

void FaceRenderer::drawBackground()
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

void FaceRenderer::drawNeckAndClothes()
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

}  // namespace fedpilot::engine::synth
