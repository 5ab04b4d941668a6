#pragma once
// What the face synthesizer draws: the attributes of one identity (fixed across its images) and
// of one shot (pose, light, expression, camera), each drawn from its own counter-based random
// stream. makeIdentity is in SynthIdentity.cpp, makeShot in SynthShot.cpp.

#include "synth/SynthMath.h"

#include <cstdint>

namespace fedpilot::engine::synth {

// Domain tags: the identity, per-image and pixel-noise streams never share keys.
constexpr std::uint64_t kIdentityTag = 0x6964656E74697479ull;
constexpr std::uint64_t kImageTag = 0x696D616765696D67ull;
constexpr std::uint64_t kNoiseTag = 0x6E6F6973656E6F69ull;

enum class HairStyle { Short, Long, Bald, Fringe, Buzz, Afro, SidePart };
enum class Beard { None, Stubble, Full, Goatee, Moustache };
enum class Glasses { None, Round, Square };

constexpr int kMaxFreckles = 24;

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

Identity makeIdentity(std::uint64_t seed, int identity);
// size is the image side in pixels (the defocus is scaled with it).
Shot makeShot(std::uint64_t seed, int identity, int imageIndex, const Identity& id, int size);

}  // namespace fedpilot::engine::synth
