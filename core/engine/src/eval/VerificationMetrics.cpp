#include "fedpilot/engine/Verification.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <exception>
#include <limits>
#include <string>

namespace fedpilot::engine {

namespace {

// Cross-validation over more folds costs one pass over all pairs per fold; beyond this it stops
// being a protocol anyone uses and only risks quadratic time.
constexpr int kMaxFolds = 1000;

constexpr std::array<double, 4> kTarFars = {1e-1, 1e-2, 1e-3, 1e-4};

// The ROC keeps a point whenever the curve has travelled this far (FAR + TAR runs from 0 to 2),
// plus one point per tenth of a decade of FAR so that log-FAR plots keep their low-FAR detail.
// Together that is at most ~140 + ~60 points for a million impostors, i.e. the promised ~200.
constexpr double kRocArcStep = 2.0 / 140.0;

struct ScoredPair {
    double score = 0;
    int fold = 0;
    bool genuine = false;
};

struct Cut {
    double threshold = 0;
    std::int64_t correct = 0;
};

// A threshold strictly above `below` and at most `above`, so that accepting score >= threshold
// splits exactly between the two. The midpoint generalises best to unseen scores, but for
// adjacent doubles it can round onto `below`.
double thresholdBetween(double below, double above)
{
    const double mid = below + (above - below) / 2;
    return mid > below ? mid : above;
}

// The accuracy-maximising threshold over the pairs not in excludedFold (-1 excludes none), from
// pairs sorted by ascending score. Candidate thresholds come from those pairs alone, so a test
// fold never influences its own threshold. Among equally good thresholds the lowest wins.
Cut bestCut(const std::vector<ScoredPair>& sorted, int excludedFold)
{
    std::int64_t genuine = 0;
    for (const ScoredPair& pair : sorted) {
        if (pair.fold != excludedFold && pair.genuine)
            ++genuine;
    }

    // Accepting everything gets every genuine pair right and every impostor wrong.
    std::int64_t correct = genuine;
    Cut best{0, correct};
    bool haveFirst = false;
    bool bestNeedsUpper = false;   // best cut lies above lastValue; its threshold needs the next value
    double lastValue = 0;

    std::size_t i = 0;
    while (i < sorted.size()) {
        if (sorted[i].fold == excludedFold) {
            ++i;
            continue;
        }
        const double value = sorted[i].score;
        if (!haveFirst) {
            best.threshold = value;   // accept-all threshold: the lowest score itself
            haveFirst = true;
        } else if (bestNeedsUpper) {
            best.threshold = thresholdBetween(lastValue, value);
            bestNeedsUpper = false;
        }
        // Move the cut above every pair with this score.
        while (i < sorted.size() && sorted[i].score == value) {
            if (sorted[i].fold != excludedFold)
                correct += sorted[i].genuine ? -1 : 1;
            ++i;
        }
        lastValue = value;
        if (correct > best.correct) {
            best.correct = correct;
            bestNeedsUpper = true;
        }
    }
    if (bestNeedsUpper)
        best.threshold = std::nextafter(lastValue, std::numeric_limits<double>::infinity());
    return best;
}

// Largest number of impostors that may be accepted while FAR stays <= far.
std::int64_t allowedFalseAccepts(double far, std::int64_t impostors)
{
    // The relative nudge keeps exact products such as 1e-3 * 1000 from rounding down to 0.999...
    return static_cast<std::int64_t>(std::floor(far * static_cast<double>(impostors) * (1 + 1e-12)));
}

int farBucket(double far)
{
    return far > 0 ? static_cast<int>(std::floor(10 * std::log10(far))) : std::numeric_limits<int>::min();
}

Status validate(const std::vector<double>& scores, const std::vector<bool>& genuine,
                const std::vector<int>& folds, int numFolds)
{
    if (scores.empty())
        return Status::error("no verification pairs to evaluate");
    if (genuine.size() != scores.size())
        return Status::error("verification: " + std::to_string(scores.size()) + " scores but "
                             + std::to_string(genuine.size()) + " labels");
    if (!folds.empty() && folds.size() != scores.size())
        return Status::error("verification: " + std::to_string(scores.size()) + " scores but "
                             + std::to_string(folds.size()) + " fold assignments");
    if (numFolds < 2 || numFolds > kMaxFolds)
        return Status::error("verification: fold count " + std::to_string(numFolds)
                             + " is out of range (2.." + std::to_string(kMaxFolds) + ")");
    for (std::size_t i = 0; i < scores.size(); ++i) {
        // Thresholds are midpoints between scores, which infinities and NaN would poison.
        if (!std::isfinite(scores[i]))
            return Status::error("verification: score " + std::to_string(i) + " is "
                                 + (std::isnan(scores[i]) ? "NaN" : "infinite"));
    }
    for (std::size_t i = 0; i < folds.size(); ++i) {
        if (folds[i] < 0 || folds[i] >= numFolds)
            return Status::error("verification: pair " + std::to_string(i) + " has fold "
                                 + std::to_string(folds[i]) + ", outside 0.."
                                 + std::to_string(numFolds - 1));
    }
    return Status::ok();
}

// Cross-validated accuracy (LFW protocol): per fold, the threshold best on the other folds,
// accuracy measured on this fold; mean and population standard deviation over folds with pairs.
Status crossValidate(const std::vector<ScoredPair>& sorted, int numFolds, VerificationMetrics& metrics)
{
    std::vector<std::int64_t> foldSizes(static_cast<std::size_t>(numFolds), 0);
    for (const ScoredPair& pair : sorted)
        ++foldSizes[static_cast<std::size_t>(pair.fold)];

    const auto total = static_cast<std::int64_t>(sorted.size());
    std::vector<double> accuracies;
    for (int fold = 0; fold < numFolds; ++fold) {
        const std::int64_t testSize = foldSizes[static_cast<std::size_t>(fold)];
        if (testSize == 0)
            continue;
        if (testSize == total)
            return Status::error("verification: every pair is in fold " + std::to_string(fold)
                                 + "; cross-validation needs pairs in at least two folds");
        const double threshold = bestCut(sorted, fold).threshold;
        std::int64_t correct = 0;
        for (const ScoredPair& pair : sorted) {
            if (pair.fold == fold && (pair.score >= threshold) == pair.genuine)
                ++correct;
        }
        accuracies.push_back(static_cast<double>(correct) / static_cast<double>(testSize));
    }

    double mean = 0;
    for (double accuracy : accuracies)
        mean += accuracy;
    mean /= static_cast<double>(accuracies.size());
    double variance = 0;
    for (double accuracy : accuracies)
        variance += (accuracy - mean) * (accuracy - mean);
    variance /= static_cast<double>(accuracies.size());

    metrics.accuracy = mean;
    metrics.accuracyStd = std::sqrt(variance);
    metrics.folds = static_cast<int>(accuracies.size());
    return Status::ok();
}

// AUC, EER, ROC and TAR@FAR in one pass over the pairs by descending score.
void rankMetrics(const std::vector<ScoredPair>& sorted, VerificationMetrics& metrics)
{
    const auto genuineTotal = static_cast<double>(metrics.genuinePairs);
    const auto impostorTotal = static_cast<double>(metrics.impostorPairs);

    struct TarTarget {
        std::int64_t allowed = 0;
        bool done = false;
    };
    std::vector<TarTarget> targets;
    metrics.tarAtFar.clear();
    for (double far : kTarFars) {
        TarAtFar entry;
        entry.far = far;
        entry.available = metrics.impostorPairs >= std::llround(1.0 / far);
        metrics.tarAtFar.push_back(entry);
        targets.push_back({allowedFalseAccepts(far, metrics.impostorPairs), !entry.available});
    }

    metrics.roc.clear();
    RocPoint previous{0, 0, std::nextafter(sorted.back().score, std::numeric_limits<double>::infinity())};
    metrics.roc.push_back(previous);
    RocPoint lastKept = previous;
    bool eerFound = false;

    // Mann-Whitney: every genuine pair scores impostorsBelow + half of the impostors tied with it.
    double aucSum = 0;
    std::int64_t genuineAbove = 0;
    std::int64_t impostorAbove = 0;
    std::size_t end = sorted.size();
    while (end > 0) {
        const double value = sorted[end - 1].score;
        std::size_t begin = end;
        std::int64_t genuine = 0;
        std::int64_t impostor = 0;
        while (begin > 0 && sorted[begin - 1].score == value) {
            --begin;
            if (sorted[begin].genuine)
                ++genuine;
            else
                ++impostor;
        }

        // Impostors below this group = all impostors - those above - those tied.
        const auto impostorBelow = static_cast<double>(metrics.impostorPairs - impostorAbove - impostor);
        aucSum += static_cast<double>(genuine) * (impostorBelow + 0.5 * static_cast<double>(impostor));

        for (std::size_t t = 0; t < targets.size(); ++t) {
            // The impostor ranked `allowed` (0-based, descending) is in this group: it is the
            // threshold, and only genuine pairs strictly above it count.
            TarTarget& target = targets[t];
            if (!target.done && target.allowed < impostorAbove + impostor) {
                metrics.tarAtFar[t].tar = static_cast<double>(genuineAbove) / genuineTotal;
                target.done = true;
            }
        }

        genuineAbove += genuine;
        impostorAbove += impostor;
        const RocPoint point{static_cast<double>(impostorAbove) / impostorTotal,
                             static_cast<double>(genuineAbove) / genuineTotal, value};

        // EER: FAR + TAR - 1 (= FAR - FRR) rises from -1 to 1 along the curve; interpolate
        // linearly on the segment where it reaches 0.
        const double gapBefore = previous.far + previous.tar - 1;
        const double gapAfter = point.far + point.tar - 1;
        if (!eerFound && gapAfter >= 0) {
            const double alpha = gapAfter > gapBefore ? -gapBefore / (gapAfter - gapBefore) : 0.0;
            metrics.eer = previous.far + alpha * (point.far - previous.far);
            eerFound = true;
        }

        const bool last = begin == 0;
        const bool travelled = (point.far + point.tar) - (lastKept.far + lastKept.tar) >= kRocArcStep;
        if (last || travelled || farBucket(point.far) > farBucket(lastKept.far)) {
            metrics.roc.push_back(point);
            lastKept = point;
        }
        previous = point;
        end = begin;
    }
    metrics.auc = aucSum / (genuineTotal * impostorTotal);
}

}  // namespace

Result<VerificationMetrics> computeVerification(const std::vector<double>& scores,
                                                const std::vector<bool>& genuine,
                                                const std::vector<int>& folds, int numFolds)
{
    if (Status status = validate(scores, genuine, folds, numFolds); !status)
        return status;

    try {
        VerificationMetrics metrics;
        std::vector<ScoredPair> sorted(scores.size());
        const auto foldCount = static_cast<std::int64_t>(numFolds);
        for (std::size_t i = 0; i < scores.size(); ++i) {
            std::int64_t& ofKind = genuine[i] ? metrics.genuinePairs : metrics.impostorPairs;
            sorted[i].score = scores[i];
            sorted[i].genuine = genuine[i];
            // Without explicit folds, genuine and impostor pairs are each dealt round-robin by
            // index: stratified, so neither interleaved (G, I, G, I...) nor grouped input can
            // leave a fold with one kind only, which would skew every fold's threshold.
            sorted[i].fold = folds.empty() ? static_cast<int>(ofKind % foldCount) : folds[i];
            ++ofKind;
        }
        if (metrics.genuinePairs == 0)
            return Result<VerificationMetrics>::error("verification: no genuine pairs");
        if (metrics.impostorPairs == 0)
            return Result<VerificationMetrics>::error("verification: no impostor pairs");

        // The one sort; every metric below is a linear pass over it.
        std::sort(sorted.begin(), sorted.end(),
                  [](const ScoredPair& a, const ScoredPair& b) { return a.score < b.score; });

        if (Status status = crossValidate(sorted, numFolds, metrics); !status)
            return status;
        metrics.bestThreshold = bestCut(sorted, -1).threshold;
        rankMetrics(sorted, metrics);
        return metrics;
    } catch (const std::exception& e) {
        return Result<VerificationMetrics>::error(std::string("verification failed: ") + e.what());
    }
}

}  // namespace fedpilot::engine
