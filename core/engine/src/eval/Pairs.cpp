#include "fedpilot/engine/Verification.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <exception>
#include <fstream>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <unordered_set>

namespace fedpilot::engine {

namespace {

struct ItemPair {
    std::int64_t a = 0;
    std::int64_t b = 0;
};

std::int64_t uniformIndex(std::mt19937_64& rng, std::int64_t size)
{
    return std::uniform_int_distribution<std::int64_t>(0, size - 1)(rng);
}

std::int64_t saturatingProduct(std::int64_t a, std::int64_t b)
{
    if (a != 0 && b > std::numeric_limits<std::int64_t>::max() / a)
        return std::numeric_limits<std::int64_t>::max();
    return a * b;
}

std::int64_t pairCapacity(std::int64_t items)
{
    return items < 2 ? 0 : saturatingProduct(items, items - 1) / 2;
}

// Items of each identity in ascending item order, identities in ascending label order, so the
// result depends on the labels and the seed alone.
std::vector<std::vector<std::int64_t>> groupByLabel(const std::vector<std::int32_t>& labels)
{
    std::map<std::int32_t, std::vector<std::int64_t>> byLabel;
    for (std::size_t i = 0; i < labels.size(); ++i)
        byLabel[labels[i]].push_back(static_cast<std::int64_t>(i));
    std::vector<std::vector<std::int64_t>> groups;
    groups.reserve(byLabel.size());
    for (auto& entry : byLabel)
        groups.push_back(std::move(entry.second));
    return groups;
}

// Distinct pairs (i < j) of positions 0..n-1, `count` of them, uniformly without replacement.
std::vector<ItemPair> sampleWithin(std::int64_t n, std::int64_t count, std::mt19937_64& rng)
{
    std::vector<ItemPair> pairs;
    const std::int64_t capacity = pairCapacity(n);
    if (count * 2 >= capacity) {
        // Asking for half or more: enumerating is cheaper than rejection sampling.
        for (std::int64_t i = 0; i < n; ++i) {
            for (std::int64_t j = i + 1; j < n; ++j)
                pairs.push_back({i, j});
        }
        std::shuffle(pairs.begin(), pairs.end(), rng);
        pairs.resize(static_cast<std::size_t>(std::min<std::int64_t>(count, capacity)));
        return pairs;
    }
    // Under half the pairs are taken, so each draw is new with probability > 1/2.
    std::unordered_set<std::uint64_t> used;
    while (static_cast<std::int64_t>(pairs.size()) < count) {
        std::int64_t i = uniformIndex(rng, n);
        std::int64_t j = uniformIndex(rng, n);
        if (i == j)
            continue;
        if (i > j)
            std::swap(i, j);
        if (used.insert(static_cast<std::uint64_t>(i) * static_cast<std::uint64_t>(n)
                        + static_cast<std::uint64_t>(j)).second)
            pairs.push_back({i, j});
    }
    return pairs;
}

// Genuine pairs spread as evenly as capacity allows over identities with two or more items,
// so that a few large identities do not dominate the benchmark.
std::vector<ItemPair> sampleGenuine(const std::vector<std::vector<std::int64_t>>& groups,
                                    std::int64_t wanted, std::mt19937_64& rng)
{
    std::vector<std::size_t> eligible;
    for (std::size_t g = 0; g < groups.size(); ++g) {
        if (groups[g].size() >= 2)
            eligible.push_back(g);
    }
    // Shuffled first so that which equal-capacity identities get the rounding extra is random.
    std::shuffle(eligible.begin(), eligible.end(), rng);
    std::stable_sort(eligible.begin(), eligible.end(), [&groups](std::size_t x, std::size_t y) {
        return groups[x].size() < groups[y].size();
    });

    // Water-filling: smallest identities first, each takes min(capacity, fair share of the rest).
    std::vector<ItemPair> pairs;
    std::int64_t remaining = wanted;
    for (std::size_t k = 0; k < eligible.size() && remaining > 0; ++k) {
        const std::vector<std::int64_t>& items = groups[eligible[k]];
        const auto left = static_cast<std::int64_t>(eligible.size() - k);
        const std::int64_t share = remaining / left + (remaining % left != 0 ? 1 : 0);
        const std::int64_t quota = std::min(pairCapacity(static_cast<std::int64_t>(items.size())), share);
        for (const ItemPair& local : sampleWithin(static_cast<std::int64_t>(items.size()), quota, rng))
            pairs.push_back({items[static_cast<std::size_t>(local.a)], items[static_cast<std::size_t>(local.b)]});
        remaining -= quota;
    }
    return pairs;
}

std::vector<ItemPair> sampleImpostors(const std::vector<std::vector<std::int64_t>>& groups,
                                      std::int64_t wanted, std::mt19937_64& rng)
{
    std::vector<ItemPair> pairs;
    if (groups.size() < 2 || wanted <= 0)
        return pairs;

    // Items laid out identity by identity, so "any item of another identity" is a uniform draw
    // from the layout with one contiguous block cut out.
    std::vector<std::int64_t> layout;
    std::vector<std::size_t> groupOf;
    std::vector<std::int64_t> groupStart;
    for (std::size_t g = 0; g < groups.size(); ++g) {
        groupStart.push_back(static_cast<std::int64_t>(layout.size()));
        for (std::int64_t item : groups[g]) {
            layout.push_back(item);
            groupOf.push_back(g);
        }
    }
    const auto total = static_cast<std::int64_t>(layout.size());
    double possible = static_cast<double>(total) * static_cast<double>(total);
    for (const auto& group : groups)
        possible -= static_cast<double>(group.size()) * static_cast<double>(group.size());
    possible /= 2;

    if (possible <= 4.0 * static_cast<double>(wanted)) {
        // Few enough to list them all: every impostor pair at most once, then a random subset.
        for (std::size_t g = 0; g < groups.size(); ++g) {
            for (std::size_t h = g + 1; h < groups.size(); ++h) {
                for (std::int64_t a : groups[g]) {
                    for (std::int64_t b : groups[h])
                        pairs.push_back({std::min(a, b), std::max(a, b)});
                }
            }
        }
        std::shuffle(pairs.begin(), pairs.end(), rng);
        if (static_cast<std::int64_t>(pairs.size()) > wanted)
            pairs.resize(static_cast<std::size_t>(wanted));
        return pairs;
    }

    // At most a quarter of the possible pairs are wanted, so duplicates are rare; the try limit
    // only guards against pathological label layouts.
    std::unordered_set<std::uint64_t> used;
    const std::int64_t maxTries = saturatingProduct(wanted, 100) + 10000;
    for (std::int64_t tries = 0; tries < maxTries && static_cast<std::int64_t>(pairs.size()) < wanted; ++tries) {
        const std::int64_t first = uniformIndex(rng, total);
        const std::size_t group = groupOf[static_cast<std::size_t>(first)];
        const auto groupSize = static_cast<std::int64_t>(groups[group].size());
        std::int64_t second = uniformIndex(rng, total - groupSize);
        if (second >= groupStart[group])
            second += groupSize;
        const std::int64_t a = std::min(layout[static_cast<std::size_t>(first)], layout[static_cast<std::size_t>(second)]);
        const std::int64_t b = std::max(layout[static_cast<std::size_t>(first)], layout[static_cast<std::size_t>(second)]);
        if (used.insert(static_cast<std::uint64_t>(a) * static_cast<std::uint64_t>(total)
                        + static_cast<std::uint64_t>(b)).second)
            pairs.push_back({a, b});
    }
    return pairs;
}

}  // namespace

std::vector<double> scorePairs(const std::vector<float>& embeddings, int dim,
                               const std::vector<VerificationPair>& pairs)
{
    // A pair that cannot be scored gets NaN, which computeVerification rejects loudly.
    std::vector<double> scores(pairs.size(), std::numeric_limits<double>::quiet_NaN());
    if (dim <= 0)
        return scores;
    const auto count = static_cast<std::int64_t>(embeddings.size() / static_cast<std::size_t>(dim));
    for (std::size_t p = 0; p < pairs.size(); ++p) {
        const VerificationPair& pair = pairs[p];
        if (pair.a < 0 || pair.a >= count || pair.b < 0 || pair.b >= count)
            continue;
        const float* x = embeddings.data() + pair.a * dim;
        const float* y = embeddings.data() + pair.b * dim;
        double dot = 0;
        double xx = 0;
        double yy = 0;
        for (int k = 0; k < dim; ++k) {
            dot += static_cast<double>(x[k]) * y[k];
            xx += static_cast<double>(x[k]) * x[k];
            yy += static_cast<double>(y[k]) * y[k];
        }
        if (xx == 0 || yy == 0) {
            scores[p] = 0;   // a zero vector has no direction: neither similar nor dissimilar
            continue;
        }
        // Rounding can push |cos| a hair past 1.
        scores[p] = std::clamp(dot / std::sqrt(xx * yy), -1.0, 1.0);
    }
    return scores;
}

std::vector<VerificationPair> makePairs(const std::vector<std::int32_t>& labels,
                                        std::int64_t genuinePerFold, std::int64_t impostorPerFold,
                                        int folds, std::uint64_t seed)
{
    std::vector<VerificationPair> result;
    if (folds <= 0 || genuinePerFold < 0 || impostorPerFold < 0)
        return result;
    try {
        std::mt19937_64 rng(seed);
        const std::vector<std::vector<std::int64_t>> groups = groupByLabel(labels);

        std::vector<ItemPair> genuine = sampleGenuine(groups, saturatingProduct(genuinePerFold, folds), rng);
        std::int64_t impostorWanted = saturatingProduct(impostorPerFold, folds);
        // A balanced request stays balanced when genuine pairs run short: accuracy at a threshold
        // only means what the LFW protocol means on equal numbers of both kinds.
        if (genuinePerFold == impostorPerFold)
            impostorWanted = std::min(impostorWanted, static_cast<std::int64_t>(genuine.size()));
        std::vector<ItemPair> impostor = sampleImpostors(groups, impostorWanted, rng);

        // Shuffled, then dealt round-robin: every fold gets the same count of each kind, +-1.
        std::shuffle(genuine.begin(), genuine.end(), rng);
        std::shuffle(impostor.begin(), impostor.end(), rng);
        result.reserve(genuine.size() + impostor.size());
        const auto foldCount = static_cast<std::size_t>(folds);
        for (std::size_t fold = 0; fold < foldCount; ++fold) {
            for (std::size_t i = fold; i < genuine.size(); i += foldCount)
                result.push_back({genuine[i].a, genuine[i].b, true, static_cast<int>(fold)});
            for (std::size_t i = fold; i < impostor.size(); i += foldCount)
                result.push_back({impostor[i].a, impostor[i].b, false, static_cast<int>(fold)});
        }
    } catch (const std::exception&) {
        // Only allocation can fail here; no pairs is the honest answer.
        result.clear();
    }
    return result;
}

Result<EvalReport> evaluateEmbeddings(const std::vector<float>& embeddings, int dim,
                                      const std::vector<std::int32_t>& labels,
                                      const EvalProtocol& protocol)
{
    if (dim <= 0)
        return Result<EvalReport>::error("evaluation: embedding dimension must be positive");
    if (labels.empty())
        return Result<EvalReport>::error("evaluation: no embeddings to evaluate");
    if (embeddings.size() != labels.size() * static_cast<std::size_t>(dim))
        return Result<EvalReport>::error("evaluation: " + std::to_string(embeddings.size())
                                         + " embedding values for " + std::to_string(labels.size())
                                         + " labels of dimension " + std::to_string(dim));
    if (protocol.folds < 2 || protocol.genuinePerFold <= 0 || protocol.impostorPerFold <= 0)
        return Result<EvalReport>::error("evaluation: the protocol needs at least 2 folds and "
                                         "positive pair counts");
    for (std::size_t i = 0; i < embeddings.size(); ++i) {
        if (!std::isfinite(embeddings[i]))
            return Result<EvalReport>::error("evaluation: embedding "
                                             + std::to_string(i / static_cast<std::size_t>(dim))
                                             + " has a non-finite value");
    }

    try {
        const std::vector<std::vector<std::int64_t>> groups = groupByLabel(labels);
        const bool anyGenuine = std::any_of(groups.begin(), groups.end(),
                                            [](const auto& group) { return group.size() >= 2; });
        if (!anyGenuine)
            return Result<EvalReport>::error("evaluation: no identity has two items, so there are "
                                             "no genuine pairs");
        if (groups.size() < 2)
            return Result<EvalReport>::error("evaluation: a single identity gives no impostor pairs");

        const std::vector<VerificationPair> pairs = makePairs(labels, protocol.genuinePerFold,
                                                              protocol.impostorPerFold, protocol.folds,
                                                              protocol.seed);
        EvalReport report;
        report.scores = scorePairs(embeddings, dim, pairs);
        std::vector<int> folds;
        folds.reserve(pairs.size());
        report.genuine.reserve(pairs.size());
        for (const VerificationPair& pair : pairs) {
            report.genuine.push_back(pair.genuine);
            folds.push_back(pair.fold);
        }
        Result<VerificationMetrics> verification = computeVerification(report.scores, report.genuine,
                                                                       folds, protocol.folds);
        if (!verification)
            return verification.status();
        report.verification = std::move(verification).value();

        // Identification: the first half (rounded up) of each identity's items form its gallery
        // entry, so every identity is enrolled and single-item identities act as distractors.
        std::vector<std::int64_t> gallery;
        std::vector<std::int64_t> probes;
        for (const std::vector<std::int64_t>& items : groups) {
            const std::size_t enrolled = (items.size() + 1) / 2;
            gallery.insert(gallery.end(), items.begin(), items.begin() + static_cast<std::ptrdiff_t>(enrolled));
            probes.insert(probes.end(), items.begin() + static_cast<std::ptrdiff_t>(enrolled), items.end());
        }
        report.identification = identify(embeddings, dim, labels, gallery, probes);
        return report;
    } catch (const std::exception& e) {
        return Result<EvalReport>::error(std::string("evaluation failed: ") + e.what());
    }
}

Status writeScores(const std::string& path, const std::vector<double>& scores,
                   const std::vector<bool>& genuine)
{
    if (scores.size() != genuine.size())
        return Status::error("writeScores: " + std::to_string(scores.size()) + " scores but "
                             + std::to_string(genuine.size()) + " labels");
    try {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        if (!out)
            return Status::error("cannot open " + path + " for writing");
        // to_chars: shortest text that reads back to the same double, and no locale can turn the
        // decimal point into a comma.
        std::string buffer;
        char number[64];
        for (std::size_t i = 0; i < scores.size(); ++i) {
            buffer += genuine[i] ? "1," : "0,";
            const auto written = std::to_chars(number, number + sizeof number, scores[i]);
            buffer.append(number, written.ptr);
            buffer += '\n';
            if (buffer.size() >= (1u << 20)) {
                out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
                buffer.clear();
            }
        }
        out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
        out.close();
        if (!out)
            return Status::error("failed writing scores to " + path);
        return Status::ok();
    } catch (const std::exception& e) {
        return Status::error("failed writing scores to " + path + ": " + e.what());
    }
}

}  // namespace fedpilot::engine
