#include "train/BatchLoader.h"

#include <algorithm>
#include <array>
#include <random>

namespace fedpilot::engine {

BatchLoader::BatchLoader(const FaceCache& cache, std::vector<LoaderItem> items, int batchSize,
                         int minBatch, bool pinMemory, int prefetch)
    : m_cache(cache)
    , m_items(std::move(items))
    , m_batchSize(std::max(1, batchSize))
    , m_prefetch(std::max(1, prefetch))
    , m_pin(pinMemory)
{
    const auto n = static_cast<std::int64_t>(m_items.size());
    m_batchCount = n / m_batchSize;
    if (n % m_batchSize >= std::max(1, minBatch))
        ++m_batchCount;
    m_thread = std::thread([this] { run(); });
}

BatchLoader::~BatchLoader()
{
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_stop = true;
    }
    m_cv.notify_all();
    if (m_thread.joinable())
        m_thread.join();
}

std::optional<Batch> BatchLoader::next()
{
    std::unique_lock<std::mutex> lock(m_mutex);
    m_cv.wait(lock, [this] { return !m_ready.empty() || m_done; });
    if (m_ready.empty())
        return std::nullopt;
    Batch batch = std::move(m_ready.front());
    m_ready.pop_front();
    lock.unlock();
    m_cv.notify_all();
    return batch;
}

void BatchLoader::run()
{
    for (std::int64_t b = 0; b < m_batchCount; ++b) {
        const auto begin = static_cast<std::size_t>(b * m_batchSize);
        const auto end = std::min(m_items.size(), begin + static_cast<std::size_t>(m_batchSize));
        Batch batch;
        try {
            batch = make(begin, end);
        } catch (...) {
            break;  // allocation failure: end the stream; the trainer sees fewer batches
        }
        std::unique_lock<std::mutex> lock(m_mutex);
        m_cv.wait(lock, [this] { return m_stop || static_cast<int>(m_ready.size()) < m_prefetch; });
        if (m_stop)
            break;
        m_ready.push_back(std::move(batch));
        lock.unlock();
        m_cv.notify_all();
    }
    std::lock_guard<std::mutex> lock(m_mutex);
    m_done = true;
    m_cv.notify_all();
}

Batch BatchLoader::make(std::size_t begin, std::size_t end) const
{
    const auto& info = m_cache.info();
    const int h = info.height, w = info.width, c = info.channels;
    const auto count = static_cast<std::int64_t>(end - begin);
    auto options = torch::TensorOptions().dtype(torch::kFloat);
    if (m_pin)
        options = options.pinned_memory(true);
    // NHWC storage, viewed as NCHW: exactly the channels-last layout, so no copy later.
    auto images = torch::empty({count, h, w, 3}, options);
    auto labels = torch::empty({count}, torch::kLong);
    float* out = images.data_ptr<float>();
    std::int64_t* outLabels = labels.data_ptr<std::int64_t>();

    std::array<float, 256> lut;
    for (int v = 0; v < 256; ++v)
        lut[v] = (static_cast<float>(v) - 127.5f) / 127.5f;

    for (std::int64_t i = 0; i < count; ++i) {
        const auto& item = m_items[begin + static_cast<std::size_t>(i)];
        const std::uint8_t* src = m_cache.image(item.index);
        float* dst = out + i * h * w * 3;
        for (int y = 0; y < h; ++y) {
            for (int x = 0; x < w; ++x) {
                const int sx = item.flip ? (w - 1 - x) : x;
                const std::uint8_t* p = src + (static_cast<std::size_t>(y) * w + sx) * c;
                float* q = dst + (static_cast<std::size_t>(y) * w + x) * 3;
                if (c >= 3) {
                    q[0] = lut[p[0]];
                    q[1] = lut[p[1]];
                    q[2] = lut[p[2]];
                } else {
                    q[0] = q[1] = q[2] = lut[p[0]];  // grey caches feed the 3-channel network
                }
            }
        }
        outLabels[i] = item.label;
    }
    Batch batch;
    batch.images = images.permute({0, 3, 1, 2});
    batch.labels = labels;
    batch.size = count;
    return batch;
}

std::vector<LoaderItem> epochItems(const std::vector<std::int64_t>& indices,
                                   const std::vector<std::int64_t>& labels, bool flip,
                                   std::uint64_t seed, int epoch)
{
    std::vector<LoaderItem> items(indices.size());
    std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ULL + static_cast<std::uint64_t>(epoch) + 1);
    for (std::size_t i = 0; i < indices.size(); ++i)
        items[i] = {indices[i], labels[i], flip && (rng() & 1U)};
    // Fisher-Yates with our own draws: std::shuffle's use of the engine is implementation-defined.
    for (std::size_t i = items.size(); i > 1; --i)
        std::swap(items[i - 1], items[static_cast<std::size_t>(rng() % i)]);
    return items;
}

}  // namespace fedpilot::engine
