#pragma once
// Deterministic synthetic face generator: the built-in demo and test data. Each identity has its
// own geometry (face shape, eye spacing, nose, mouth, brows), skin tone and hair; each image adds
// pose, lighting, expression, blur and noise. Pure C++, no image library.

#include "fedpilot/engine/FaceCache.h"
#include "fedpilot/engine/Result.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

namespace fedpilot::engine {

class FaceSynth {
public:
    explicit FaceSynth(std::uint64_t seed);
    // Renders image `imageIndex` of identity `identity` as size x size RGB (HWC) into out.
    void render(int identity, int imageIndex, int size, std::uint8_t* out) const;

private:
    std::uint64_t m_seed;
};

struct SynthCacheOptions {
    int identities = 50;
    int imagesPerIdentity = 10;
    int size = 112;
    std::uint64_t seed = 1;
    // Per identity, this many images go to the held-out split (the rest train).
    int heldOutImagesPerIdentity = 2;
    // Identities >= firstHeldOutIdentity have every image held out (0 = none).
    int firstHeldOutIdentity = 0;
};

// Writes a packed cache of synthetic faces (label = identity). progress(done, total) may be empty.
Status writeSynthCache(const std::string& path, const SynthCacheOptions& options,
                       const std::function<void(std::int64_t, std::int64_t)>& progress = {},
                       const std::atomic<bool>* cancel = nullptr);

}  // namespace fedpilot::engine
