#pragma once
// Small, portable building blocks for the face synthesizer: a counter-based hash and random
// stream, value noise, colours, and sin/cos/exp written with basic arithmetic only.
//
// Why not <random> and <cmath> transcendentals: the standard distributions are implementation
// defined and libm's sin/exp may differ in the last bit between platforms, so the same seed
// would give different faces on different machines. sqrt is correctly rounded by IEEE 754, so
// it is the one library function used per pixel.

#include <algorithm>
#include <cmath>
#include <cstdint>

#if defined(__SSE2__) || defined(_M_X64)
#include <emmintrin.h>
#define FEDPILOT_SYNTH_SSE 1
#endif

// No fused multiply-add: contracting a*b+c changes the last bit of some results depending on
// the target, and the synthesizer promises identical bytes everywhere. Clang honours this
// pragma; GCC only fuses where FMA is enabled (not for baseline x86-64, but by default on
// AArch64, where -ffp-contract=off is needed for bit-identical output).
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

namespace fedpilot::engine::synth {

constexpr std::uint64_t kGolden = 0x9E3779B97F4A7C15ull;
constexpr float kPi = 3.14159265358979f;

// splitmix64's finalizer: a bijective 64-bit mix with good avalanche.
inline std::uint64_t mix64(std::uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// Order-sensitive combination of two keys.
inline std::uint64_t hashPair(std::uint64_t a, std::uint64_t b)
{
    return mix64(mix64(a + kGolden) ^ (b * 0xD1B54A32D192ED03ull + 0x8CB92BA72F3D8DD7ull));
}

inline std::uint64_t hashInt(std::uint64_t key, std::int64_t value)
{
    return hashPair(key, static_cast<std::uint64_t>(value));
}

// 24 random bits as a float in [0, 1): exact in single precision, so identical everywhere.
inline float unitFloat(std::uint64_t bits)
{
    return static_cast<float>(bits >> 40) * (1.0f / 16777216.0f);
}

// Counter-based random stream: value n is mix64(key + n * golden), like splitmix64.
class Rng {
public:
    explicit Rng(std::uint64_t key) : m_key(key) {}

    std::uint64_t next() { return mix64(m_key + (++m_counter) * kGolden); }
    float uniform() { return unitFloat(next()); }
    float range(float lo, float hi) { return lo + (hi - lo) * uniform(); }
    bool chance(float p) { return uniform() < p; }
    int below(int n) { return static_cast<int>((next() >> 33) % static_cast<std::uint64_t>(n)); }
    // Approximately standard normal (Irwin-Hall sum of four 16-bit uniforms, range +-3.46).
    float normal()
    {
        const std::uint64_t b = next();
        const float sum = static_cast<float>((b & 0xFFFF) + ((b >> 16) & 0xFFFF) + ((b >> 32) & 0xFFFF) + (b >> 48));
        return (sum * (1.0f / 65536.0f) - 2.0f) * 1.7320508f;
    }
    // Triangular on [-1, 1]: small values are more likely, like most real pose deviations.
    float symmetric()
    {
        const float a = uniform();
        const float b = uniform();
        return a + b - 1.0f;
    }
    // Index drawn with the given relative weights.
    template <int N>
    int weighted(const float (&weights)[N])
    {
        float total = 0.0f;
        for (float w : weights)
            total += w;
        float r = uniform() * total;
        for (int i = 0; i < N; ++i) {
            if (r < weights[i])
                return i;
            r -= weights[i];
        }
        return N - 1;
    }

private:
    std::uint64_t m_key;
    std::uint64_t m_counter = 0;
};

// Written as min(max()) so the compiler emits branch-free minss/maxss in the pixel loops.
inline float clampf(float v, float lo, float hi) { return std::min(std::max(v, lo), hi); }
inline float clamp01(float v) { return clampf(v, 0.0f, 1.0f); }
// max(v, 0) exactly, as arithmetic: GCC does not if-convert some max() chains into vector code.
inline float positivePart(float v) { return 0.5f * (v + std::fabs(v)); }
inline float lerp(float a, float b, float t) { return a + (b - a) * t; }
inline float smoothstep(float e0, float e1, float x)
{
    const float t = clamp01((x - e0) / (e1 - e0));
    return t * t * (3.0f - 2.0f * t);
}
inline float length2(float x, float y) { return std::sqrt(x * x + y * y); }

// In-place square roots of n values >= 0. std::sqrt in a loop is not vectorized by GCC (it may
// set errno), so x86 uses the packed instruction; both are IEEE-exact, so results are the same.
inline void sqrtInPlace(float* values, int n)
{
    int i = 0;
#if defined(FEDPILOT_SYNTH_SSE)
    for (; i + 4 <= n; i += 4)
        _mm_storeu_ps(values + i, _mm_sqrt_ps(_mm_loadu_ps(values + i)));
#endif
    for (; i < n; ++i)
        values[i] = std::sqrt(values[i]);
}

// floor() for |v| < 2^31 without a libm call (baseline x86-64 has no rounding instruction).
inline std::int32_t floorInt(float v)
{
    const auto i = static_cast<std::int32_t>(v);
    return static_cast<float>(i) > v ? i - 1 : i;
}

// sin for any argument, from a Taylor series on [-pi/2, pi/2] in double precision.
inline float portableSin(float angle)
{
    constexpr double kTwoPi = 6.283185307179586;
    constexpr double kHalfPi = 1.5707963267948966;
    double x = static_cast<double>(angle);
    x -= kTwoPi * std::floor(x / kTwoPi + 0.5);  // [-pi, pi]
    if (x > kHalfPi)
        x = 2.0 * kHalfPi - x;
    else if (x < -kHalfPi)
        x = -2.0 * kHalfPi - x;
    const double x2 = x * x;
    double term = x;
    double sum = x;
    for (int k = 1; k <= 8; ++k) {
        term *= -x2 / static_cast<double>((2 * k) * (2 * k + 1));
        sum += term;
    }
    return static_cast<float>(sum);
}
inline float portableCos(float angle) { return portableSin(angle + 1.5707963f); }

// exp for x <= 0 (Gaussian weights): exp(x / 32)^32 with a short series for the small root.
inline float portableExp(float value)
{
    const double x = static_cast<double>(value) / 32.0;
    double term = 1.0;
    double sum = 1.0;
    for (int k = 1; k <= 8; ++k) {
        term *= x / static_cast<double>(k);
        sum += term;
    }
    for (int k = 0; k < 5; ++k)
        sum *= sum;
    return static_cast<float>(sum);
}

// Value noise from a small table of random values, built once per image: the textures would
// otherwise cost four hashes per pixel and octave. The pattern repeats every kSize cells, far
// beyond what any single texture spans.
class NoiseTable {
public:
    static constexpr int kSize = 64;

    void build(std::uint64_t seed)
    {
        for (int i = 0; i < kSize * kSize; ++i)
            m_values[i] = unitFloat(mix64(seed + static_cast<std::uint64_t>(i + 1) * kGolden));
    }
    // Smooth noise in [0, 1].
    float at(float x, float y) const
    {
        const std::int32_t jx = floorInt(x);
        const std::int32_t jy = floorInt(y);
        const float fx = static_cast<float>(jx);
        const float fy = static_cast<float>(jy);
        const auto ix = static_cast<unsigned>(jx) & (kSize - 1);
        const auto iy = static_cast<unsigned>(jy) & (kSize - 1);
        const unsigned ix1 = (ix + 1) & (kSize - 1);
        const unsigned iy1 = (iy + 1) & (kSize - 1);
        float tx = x - fx;
        float ty = y - fy;
        tx = tx * tx * (3.0f - 2.0f * tx);
        ty = ty * ty * (3.0f - 2.0f * ty);
        const float a = m_values[iy * kSize + ix];
        const float b = m_values[iy * kSize + ix1];
        const float c = m_values[iy1 * kSize + ix];
        const float d = m_values[iy1 * kSize + ix1];
        return lerp(lerp(a, b, tx), lerp(c, d, tx), ty);
    }

    // Smooth 1-D noise in [0, 1] (the table read as one long line): half the cost of at().
    float line(float t) const
    {
        const std::int32_t j = floorInt(t);
        float f = t - static_cast<float>(j);
        f = f * f * (3.0f - 2.0f * f);
        const auto i = static_cast<unsigned>(j) & (kSize * kSize - 1);
        return lerp(m_values[i], m_values[(i + 1) & (kSize * kSize - 1)], f);
    }

private:
    float m_values[kSize * kSize];
};

struct Rgb {
    float r = 0.0f;
    float g = 0.0f;
    float b = 0.0f;
};
inline Rgb operator*(const Rgb& c, float s) { return {c.r * s, c.g * s, c.b * s}; }
inline Rgb operator*(const Rgb& a, const Rgb& b) { return {a.r * b.r, a.g * b.g, a.b * b.b}; }
inline Rgb operator+(const Rgb& a, const Rgb& b) { return {a.r + b.r, a.g + b.g, a.b + b.b}; }
inline Rgb mix(const Rgb& a, const Rgb& b, float t)
{
    return {lerp(a.r, b.r, t), lerp(a.g, b.g, t), lerp(a.b, b.b, t)};
}
inline Rgb clampRgb(const Rgb& c) { return {clamp01(c.r), clamp01(c.g), clamp01(c.b)}; }

// Hue in [0, 1), saturation and value in [0, 1].
inline Rgb hsv(float h, float s, float v)
{
    h = (h - std::floor(h)) * 6.0f;
    const int sector = static_cast<int>(h) % 6;
    const float f = h - static_cast<float>(static_cast<int>(h));
    const float p = v * (1.0f - s);
    const float q = v * (1.0f - s * f);
    const float t = v * (1.0f - s * (1.0f - f));
    switch (sector) {
    case 0: return {v, t, p};
    case 1: return {q, v, p};
    case 2: return {p, v, t};
    case 3: return {p, q, v};
    case 4: return {t, p, v};
    default: return {v, p, q};
    }
}

}  // namespace fedpilot::engine::synth
