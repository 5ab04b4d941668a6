#include "fedpilot/engine/Verification.h"

#include <cmath>
#include <exception>
#include <map>

namespace fedpilot::engine {

namespace {

constexpr std::int64_t kTopK = 5;

// Row `item` scaled to unit length, or left zero when it has no direction.
void normalizedRow(const std::vector<float>& embeddings, int dim, std::int64_t item, std::vector<double>& out)
{
    const float* row = embeddings.data() + item * dim;
    double norm2 = 0;
    for (int k = 0; k < dim; ++k)
        norm2 += static_cast<double>(row[k]) * row[k];
    const double scale = norm2 > 0 ? 1.0 / std::sqrt(norm2) : 0.0;
    out.resize(static_cast<std::size_t>(dim));
    for (int k = 0; k < dim; ++k)
        out[static_cast<std::size_t>(k)] = row[k] * scale;
}

}  // namespace

IdentificationMetrics identify(const std::vector<float>& embeddings, int dim,
                               const std::vector<std::int32_t>& labels,
                               const std::vector<std::int64_t>& galleryItems,
                               const std::vector<std::int64_t>& probeItems)
{
    IdentificationMetrics metrics;
    // Malformed input has no Result channel here; it yields empty metrics (no probes scored).
    if (dim <= 0 || embeddings.size() != labels.size() * static_cast<std::size_t>(dim))
        return metrics;
    const auto count = static_cast<std::int64_t>(labels.size());
    const auto valid = [count](std::int64_t item) { return item >= 0 && item < count; };

    try {
        // Items are normalised before averaging (as the public class representations are), so
        // an image with a large embedding norm does not outvote the others.
        std::map<std::int32_t, std::size_t> slotOf;
        std::vector<std::vector<double>> centres;
        std::vector<double> row;
        for (std::int64_t item : galleryItems) {
            if (!valid(item))
                continue;
            const auto [it, inserted] = slotOf.emplace(labels[static_cast<std::size_t>(item)], centres.size());
            if (inserted)
                centres.emplace_back(static_cast<std::size_t>(dim), 0.0);
            normalizedRow(embeddings, dim, item, row);
            std::vector<double>& centre = centres[it->second];
            for (int k = 0; k < dim; ++k)
                centre[static_cast<std::size_t>(k)] += row[static_cast<std::size_t>(k)];
        }
        for (std::vector<double>& centre : centres) {
            double norm2 = 0;
            for (double v : centre)
                norm2 += v * v;
            const double scale = norm2 > 0 ? 1.0 / std::sqrt(norm2) : 0.0;
            for (double& v : centre)
                v *= scale;
        }
        metrics.galleryIdentities = static_cast<std::int64_t>(centres.size());

        std::int64_t top1 = 0;
        std::int64_t top5 = 0;
        std::vector<double> scores(centres.size());
        for (std::int64_t item : probeItems) {
            if (!valid(item))
                continue;
            ++metrics.probes;
            const auto slot = slotOf.find(labels[static_cast<std::size_t>(item)]);
            if (slot == slotOf.end())
                continue;   // not enrolled: no rank can be right
            normalizedRow(embeddings, dim, item, row);
            for (std::size_t c = 0; c < centres.size(); ++c) {
                double dot = 0;
                for (int k = 0; k < dim; ++k)
                    dot += row[static_cast<std::size_t>(k)] * centres[c][static_cast<std::size_t>(k)];
                scores[c] = dot;
            }
            // Rank counts every other identity scoring at least as high: ties are resolved
            // against the probe, so a degenerate (e.g. zero) embedding cannot score a hit.
            const double own = scores[slot->second];
            std::int64_t rank = 1;
            for (std::size_t c = 0; c < centres.size() && rank <= kTopK; ++c) {
                if (c != slot->second && scores[c] >= own)
                    ++rank;
            }
            if (rank == 1)
                ++top1;
            if (rank <= kTopK)
                ++top5;
        }
        if (metrics.probes > 0) {
            metrics.top1 = static_cast<double>(top1) / static_cast<double>(metrics.probes);
            metrics.top5 = static_cast<double>(top5) / static_cast<double>(metrics.probes);
        }
    } catch (const std::exception&) {
        // Only allocation can fail; report nothing rather than a partial, misleading rate.
        return IdentificationMetrics{};
    }
    return metrics;
}

}  // namespace fedpilot::engine
