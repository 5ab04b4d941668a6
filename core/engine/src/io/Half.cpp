#include "io/Half.h"

#include <cstring>

namespace fedpilot::engine::detail {

namespace {

std::uint32_t floatBits(float value)
{
    std::uint32_t bits = 0;
    std::memcpy(&bits, &value, sizeof bits);
    return bits;
}

float bitsToFloat(std::uint32_t bits)
{
    float value = 0.0f;
    std::memcpy(&value, &bits, sizeof value);
    return value;
}

// Shifts mantissa right by shift bits, rounding to nearest with ties to even.
std::uint32_t shiftRoundEven(std::uint32_t mantissa, unsigned shift)
{
    const std::uint32_t kept = mantissa >> shift;
    const std::uint32_t rest = mantissa & ((1u << shift) - 1u);
    const std::uint32_t halfway = 1u << (shift - 1u);
    if (rest > halfway || (rest == halfway && (kept & 1u)))
        return kept + 1u;
    return kept;
}

}  // namespace

std::uint16_t floatToHalf(float value)
{
    const std::uint32_t bits = floatBits(value);
    const auto sign = static_cast<std::uint16_t>((bits >> 16) & 0x8000u);
    const std::uint32_t magnitude = bits & 0x7fffffffu;

    if (magnitude >= 0x7f800000u) {
        if (magnitude == 0x7f800000u)
            return static_cast<std::uint16_t>(sign | 0x7c00u);
        // NaN: keep the top payload bits and force the quiet bit so the result cannot become inf.
        return static_cast<std::uint16_t>(sign | 0x7e00u | ((magnitude >> 13) & 0x3ffu));
    }
    // 65520 is halfway between 65504 (the largest half) and 2^16; the tie goes to the even
    // neighbour, which is 2^16, i.e. inf.
    if (magnitude >= 0x477ff000u)
        return static_cast<std::uint16_t>(sign | 0x7c00u);

    const std::uint32_t exponent = magnitude >> 23;   // biased float exponent
    if (exponent < 113) {
        // Below 2^-14: a half subnormal, counted in units of 2^-24. Anything under 2^-25 (and
        // 2^-25 itself, a tie with an even zero) rounds to zero; shifts past 24 bits would too.
        if (exponent < 102)
            return sign;
        const std::uint32_t mantissa = (magnitude & 0x7fffffu) | 0x800000u;
        // value = mantissa * 2^(exponent - 150) = (mantissa >> (126 - exponent)) * 2^-24
        const std::uint32_t units = shiftRoundEven(mantissa, 126u - exponent);
        // units may round up to 0x400, which is exactly the smallest normal half's encoding.
        return static_cast<std::uint16_t>(sign | units);
    }

    const std::uint32_t halfExponent = exponent - 127u + 15u;   // 1 .. 30 here
    const std::uint32_t combined = (halfExponent << 23) | (magnitude & 0x7fffffu);
    // Rounding may carry from the mantissa into the exponent; that is the correct next value,
    // and the overflow check above guarantees it never reaches the inf encoding by accident.
    return static_cast<std::uint16_t>(sign | shiftRoundEven(combined, 13u));
}

float halfToFloat(std::uint16_t bits)
{
    const std::uint32_t sign = static_cast<std::uint32_t>(bits & 0x8000u) << 16;
    const std::uint32_t exponent = (bits >> 10) & 0x1fu;
    const std::uint32_t mantissa = bits & 0x3ffu;

    if (exponent == 0) {
        if (mantissa == 0)
            return bitsToFloat(sign);
        // Subnormal half: mantissa * 2^-24, exact in float. Normalise by hand.
        std::uint32_t m = mantissa;
        std::uint32_t e = 127u - 15u + 1u;   // float exponent for 2^-14
        while ((m & 0x400u) == 0) {
            m <<= 1;
            --e;
        }
        return bitsToFloat(sign | (e << 23) | ((m & 0x3ffu) << 13));
    }
    if (exponent == 31)
        return bitsToFloat(sign | 0x7f800000u | (mantissa << 13));   // inf, or NaN with its payload
    return bitsToFloat(sign | ((exponent - 15u + 127u) << 23) | (mantissa << 13));
}

}  // namespace fedpilot::engine::detail
