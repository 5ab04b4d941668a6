#pragma once
// Internal: turns cache images into normalised float batches on a background thread, so the
// training step never waits for data (the GPU or the compute threads stay busy).

#include "fedpilot/engine/FaceCache.h"

#include <torch/torch.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace fedpilot::engine {

struct Batch {
    torch::Tensor images;  // [B,C,H,W] float in [-1,1], channels-last memory layout
    torch::Tensor labels;  // [B] int64
    std::int64_t size = 0;
};

struct LoaderItem {
    std::int64_t index = 0;  // image index in the cache
    std::int64_t label = 0;  // training label (already remapped)
    bool flip = false;       // mirror horizontally
};

class BatchLoader {
public:
    // Produces batches of `items` in the given order; batches smaller than minBatch are dropped
    // (BatchNorm cannot train on one sample). pinMemory for fast host-to-GPU copies.
    BatchLoader(const FaceCache& cache, std::vector<LoaderItem> items, int batchSize, int minBatch,
                bool pinMemory, int prefetch = 2);
    ~BatchLoader();
    BatchLoader(const BatchLoader&) = delete;
    BatchLoader& operator=(const BatchLoader&) = delete;

    // Next batch, or nothing at the end.
    std::optional<Batch> next();
    std::int64_t batchCount() const { return m_batchCount; }

private:
    void run();
    Batch make(std::size_t begin, std::size_t end) const;

    FaceCache m_cache;
    std::vector<LoaderItem> m_items;
    int m_batchSize;
    int m_prefetch;
    bool m_pin;
    std::int64_t m_batchCount = 0;
    std::deque<Batch> m_ready;
    bool m_done = false;
    bool m_stop = false;
    std::mutex m_mutex;
    std::condition_variable m_cv;
    std::thread m_thread;
};

// Shuffled items for one epoch, flips drawn per item; deterministic by (seed, epoch).
std::vector<LoaderItem> epochItems(const std::vector<std::int64_t>& indices,
                                   const std::vector<std::int64_t>& labels, bool flip,
                                   std::uint64_t seed, int epoch);

}  // namespace fedpilot::engine
