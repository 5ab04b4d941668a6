#include "fedpilot/engine/FaceSynth.h"

#include <algorithm>
#include <cstddef>
#include <string>
#include <thread>
#include <vector>

namespace fedpilot::engine {

namespace {

bool cancelled(const std::atomic<bool>* cancel) { return cancel != nullptr && cancel->load(std::memory_order_relaxed); }

Status validate(const SynthCacheOptions& o)
{
    if (o.identities < 1)
        return Status::error("synthetic cache needs at least one identity");
    if (o.imagesPerIdentity < 1)
        return Status::error("synthetic cache needs at least one image per identity");
    if (o.size < 16 || o.size > 256)
        return Status::error("synthetic face size must be between 16 and 256, got " + std::to_string(o.size));
    if (o.heldOutImagesPerIdentity < 0 || o.heldOutImagesPerIdentity > o.imagesPerIdentity)
        return Status::error("held-out images per identity must be between 0 and the images per identity");
    if (o.firstHeldOutIdentity < 0)
        return Status::error("first held-out identity must not be negative");
    const auto total = static_cast<long long>(o.identities) * static_cast<long long>(o.imagesPerIdentity);
    if (total > (1LL << 31))
        return Status::error("synthetic cache would hold too many images");
    return Status::ok();
}

}  // namespace

Status writeSynthCache(const std::string& path, const SynthCacheOptions& options,
                       const std::function<void(std::int64_t, std::int64_t)>& progress,
                       const std::atomic<bool>* cancel)
{
    if (auto s = validate(options); !s)
        return s;
    auto created = FaceCacheWriter::create(path, options.size, options.size, 3);
    if (!created)
        return created.status();
    FaceCacheWriter writer = std::move(created.value());

    const FaceSynth synth(options.seed);
    const std::int64_t total = static_cast<std::int64_t>(options.identities) * options.imagesPerIdentity;
    const std::size_t imageBytes = static_cast<std::size_t>(options.size) * static_cast<std::size_t>(options.size) * 3;
    // Rendering dominates, so images are rendered a batch at a time on all cores and then
    // appended in order: the file is identical whatever the machine's core count.
    const int threads = static_cast<int>(std::max(1u, std::min(16u, std::thread::hardware_concurrency())));
    const std::int64_t batch = std::min<std::int64_t>(total, 64LL * threads);
    std::vector<std::uint8_t> pixels(static_cast<std::size_t>(batch) * imageBytes);
    if (progress)
        progress(0, total);

    for (std::int64_t start = 0; start < total; start += batch) {
        if (cancelled(cancel)) {
            writer.abort();
            return Status::error("cancelled");
        }
        const std::int64_t count = std::min(batch, total - start);
        auto renderRange = [&](std::int64_t first, std::int64_t stride) {
            for (std::int64_t k = first; k < count; k += stride) {
                if (cancelled(cancel))
                    return;
                const std::int64_t n = start + k;
                synth.render(static_cast<int>(n / options.imagesPerIdentity), static_cast<int>(n % options.imagesPerIdentity),
                             options.size, pixels.data() + static_cast<std::size_t>(k) * imageBytes);
            }
        };
        const int workers = static_cast<int>(std::min<std::int64_t>(threads, count));
        if (workers <= 1) {
            renderRange(0, 1);
        } else {
            std::vector<std::thread> pool;
            pool.reserve(static_cast<std::size_t>(workers - 1));
            for (int t = 1; t < workers; ++t)
                pool.emplace_back(renderRange, t, workers);
            renderRange(0, workers);
            for (auto& worker : pool)
                worker.join();
        }

        for (std::int64_t k = 0; k < count; ++k) {
            if (cancelled(cancel)) {
                writer.abort();
                return Status::error("cancelled");
            }
            const std::int64_t n = start + k;
            const int identity = static_cast<int>(n / options.imagesPerIdentity);
            const int image = static_cast<int>(n % options.imagesPerIdentity);
            const bool heldOutIdentity = options.firstHeldOutIdentity > 0 && identity >= options.firstHeldOutIdentity;
            const bool heldOutImage = image >= options.imagesPerIdentity - options.heldOutImagesPerIdentity;
            const Split split = heldOutIdentity || heldOutImage ? Split::HeldOut : Split::Train;
            if (auto s = writer.add(pixels.data() + static_cast<std::size_t>(k) * imageBytes, identity, split); !s) {
                writer.abort();
                return s;
            }
            if (progress)
                progress(n + 1, total);
        }
    }
    if (cancelled(cancel)) {
        writer.abort();
        return Status::error("cancelled");
    }
    return writer.finish();
}

}  // namespace fedpilot::engine
