#include "fedpilot/engine/FaceSynth.h"

#include <algorithm>
#include <cstddef>
#include <exception>
#include <string>
#include <system_error>
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

// Renders images [start, start + count) of the cache into pixels, on up to `threads` threads.
// Falls back to fewer threads (down to this one) if the system refuses to start more. False if
// rendering failed (out of memory); every started thread has been joined either way.
bool renderBatch(const FaceSynth& synth, const SynthCacheOptions& options, std::int64_t start, std::int64_t count,
                 int threads, std::uint8_t* pixels, std::size_t imageBytes, const std::atomic<bool>* cancel)
{
    const int workers = static_cast<int>(std::min<std::int64_t>(threads, count));
    std::atomic<bool> failed{false};
    auto renderRange = [&](std::int64_t first, std::int64_t stride) noexcept {
        try {
            for (std::int64_t k = first; k < count; k += stride) {
                if (cancelled(cancel) || failed.load(std::memory_order_relaxed))
                    return;
                const std::int64_t n = start + k;
                synth.render(static_cast<int>(n / options.imagesPerIdentity),
                             static_cast<int>(n % options.imagesPerIdentity), options.size,
                             pixels + static_cast<std::size_t>(k) * imageBytes);
            }
        } catch (...) {
            failed = true;
        }
    };
    std::vector<std::thread> pool;
    try {
        pool.reserve(static_cast<std::size_t>(std::max(0, workers - 1)));
        for (int t = 1; t < workers; ++t)
            pool.emplace_back(renderRange, t, workers);
    } catch (...) {
        // Fewer threads than hoped: the strides without one are rendered below.
    }
    const int started = static_cast<int>(pool.size()) + 1;
    renderRange(0, workers);
    for (int t = started; t < workers; ++t)
        renderRange(t, workers);
    for (auto& worker : pool)
        worker.join();
    return !failed.load();
}

Status writeCache(const std::string& path, const SynthCacheOptions& options,
                  const std::function<void(std::int64_t, std::int64_t)>& progress, const std::atomic<bool>* cancel)
{
    auto created = FaceCacheWriter::create(path, options.size, options.size, 3);
    if (!created)
        return created.status();
    FaceCacheWriter writer = std::move(created.value());

    const FaceSynth synth(options.seed);
    const std::int64_t total = static_cast<std::int64_t>(options.identities) * options.imagesPerIdentity;
    const std::size_t imageBytes = static_cast<std::size_t>(options.size) * static_cast<std::size_t>(options.size) * 3;
    // Rendering dominates, so images are rendered a batch at a time on all cores and then
    // appended in order: the file is identical whatever the machine's core count. A batch is a
    // few images per thread, which bounds memory (25 MB at 256 px on 16 threads).
    const int threads = static_cast<int>(std::max(1u, std::min(16u, std::thread::hardware_concurrency())));
    const std::int64_t batch = std::min<std::int64_t>(total, 8LL * threads);
    std::vector<std::uint8_t> pixels(static_cast<std::size_t>(batch) * imageBytes);
    if (progress)
        progress(0, total);

    for (std::int64_t start = 0; start < total; start += batch) {
        if (cancelled(cancel)) {
            writer.abort();
            return Status::error("cancelled");
        }
        const std::int64_t count = std::min(batch, total - start);
        if (!renderBatch(synth, options, start, count, threads, pixels.data(), imageBytes, cancel)) {
            writer.abort();
            return Status::error("rendering synthetic faces failed (out of memory?)");
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

}  // namespace

Status writeSynthCache(const std::string& path, const SynthCacheOptions& options,
                       const std::function<void(std::int64_t, std::int64_t)>& progress,
                       const std::atomic<bool>* cancel)
{
    if (auto s = validate(options); !s)
        return s;
    // No exception leaves the engine: allocation failures and the like become errors (the
    // writer's destructor removes the partial file on the way out).
    try {
        return writeCache(path, options, progress, cancel);
    } catch (const std::exception& e) {
        return Status::error(std::string("writing the synthetic cache failed: ") + e.what());
    }
}

}  // namespace fedpilot::engine
