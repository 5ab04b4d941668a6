#pragma once
// 1:1 verification and 1:N identification metrics. Pure math on scores and embeddings.

#include "fedpilot/engine/FaceCache.h"
#include "fedpilot/engine/Result.h"

#include <cstdint>
#include <vector>

namespace fedpilot::engine {

struct VerificationPair {
    std::int64_t a = 0;   // index into an embedding set (or a cache)
    std::int64_t b = 0;
    bool genuine = false;
    int fold = 0;         // 0 .. folds-1
};

struct RocPoint {
    double far = 0;        // false accept rate
    double tar = 0;        // true accept rate
    double threshold = 0;  // accept when score >= threshold
};

struct TarAtFar {
    double far = 0;
    double tar = 0;
    bool available = false;  // false when there are fewer than 1/far impostor pairs
};

struct VerificationMetrics {
    double accuracy = 0;       // mean over folds of test accuracy at the threshold best on the other folds
    double accuracyStd = 0;
    double bestThreshold = 0;  // threshold best on all pairs
    double auc = 0;
    double eer = 0;
    std::vector<TarAtFar> tarAtFar;  // FAR 1e-1, 1e-2, 1e-3, 1e-4
    std::vector<RocPoint> roc;       // from (0,0) to (1,1), at most ~200 points
    std::int64_t genuinePairs = 0;
    std::int64_t impostorPairs = 0;
    int folds = 0;
};

struct IdentificationMetrics {
    double top1 = 0;
    double top5 = 0;
    std::int64_t probes = 0;
    std::int64_t galleryIdentities = 0;
};

// Metrics from scores (higher = more similar) and labels (true = genuine); folds per pair
// (values 0..numFolds-1). With folds empty, pairs are spread over numFolds by index.
Result<VerificationMetrics> computeVerification(const std::vector<double>& scores,
                                                const std::vector<bool>& genuine,
                                                const std::vector<int>& folds = {},
                                                int numFolds = 10);

// Cosine scores for pairs over L2-normalisable row-major embeddings (count x dim).
std::vector<double> scorePairs(const std::vector<float>& embeddings, int dim,
                               const std::vector<VerificationPair>& pairs);

// Balanced genuine/impostor pairs among the given items (labels per item), spread over folds,
// deterministic by seed. Pair indices refer to positions in `labels`.
std::vector<VerificationPair> makePairs(const std::vector<std::int32_t>& labels,
                                        std::int64_t genuinePerFold, std::int64_t impostorPerFold,
                                        int folds, std::uint64_t seed);

// 1:N: gallery = normalized mean embedding per identity over galleryItems; each probe is
// matched by cosine. Probe and gallery items are positions in `labels`/`embeddings`.
IdentificationMetrics identify(const std::vector<float>& embeddings, int dim,
                               const std::vector<std::int32_t>& labels,
                               const std::vector<std::int64_t>& galleryItems,
                               const std::vector<std::int64_t>& probeItems);

// Writes "label,score" lines (1 = genuine) for every pair.
Status writeScores(const std::string& path, const std::vector<double>& scores,
                   const std::vector<bool>& genuine);

}  // namespace fedpilot::engine

namespace fedpilot::engine {

struct EvalProtocol {
    int folds = 10;
    std::int64_t genuinePerFold = 300;
    std::int64_t impostorPerFold = 300;
    std::uint64_t seed = 7;
};

struct EvalReport {
    VerificationMetrics verification;
    IdentificationMetrics identification;
    std::vector<double> scores;   // per pair
    std::vector<bool> genuine;    // per pair
};

// Full evaluation of an embedding set: verification on generated pairs (capped by what the labels
// allow) and 1:N identification (gallery = first half of each identity's items, probes = rest).
Result<EvalReport> evaluateEmbeddings(const std::vector<float>& embeddings, int dim,
                                      const std::vector<std::int32_t>& labels,
                                      const EvalProtocol& protocol = {});

}  // namespace fedpilot::engine
