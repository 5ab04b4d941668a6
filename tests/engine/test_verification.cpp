// Verification and identification metrics: score sets with a known ROC, the LFW 10-fold
// protocol, pair generation and the score file.

#include "fedpilot/engine/Verification.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <utility>

using namespace fedpilot::engine;

namespace {

struct ScoreSet {
    std::vector<double> scores;
    std::vector<bool> genuine;

    void add(const std::vector<double>& genuineScores, const std::vector<double>& impostorScores)
    {
        for (double s : genuineScores) {
            scores.push_back(s);
            genuine.push_back(true);
        }
        for (double s : impostorScores) {
            scores.push_back(s);
            genuine.push_back(false);
        }
    }
};

VerificationMetrics computeOk(const ScoreSet& set, const std::vector<int>& folds = {}, int numFolds = 10)
{
    Result<VerificationMetrics> result = computeVerification(set.scores, set.genuine, folds, numFolds);
    EXPECT_TRUE(result.isOk()) << result.message();
    return result.isOk() ? result.value() : VerificationMetrics{};
}

void expectRocWellFormed(const std::vector<RocPoint>& roc)
{
    ASSERT_GE(roc.size(), 2u);
    EXPECT_LE(roc.size(), 210u);
    EXPECT_DOUBLE_EQ(roc.front().far, 0.0);
    EXPECT_DOUBLE_EQ(roc.front().tar, 0.0);
    EXPECT_DOUBLE_EQ(roc.back().far, 1.0);
    EXPECT_DOUBLE_EQ(roc.back().tar, 1.0);
    for (std::size_t i = 1; i < roc.size(); ++i) {
        EXPECT_GE(roc[i].far, roc[i - 1].far);
        EXPECT_GE(roc[i].tar, roc[i - 1].tar);
        EXPECT_LT(roc[i].threshold, roc[i - 1].threshold);
    }
}

const TarAtFar& tarAt(const VerificationMetrics& metrics, double far)
{
    for (const TarAtFar& entry : metrics.tarAtFar) {
        if (entry.far == far)
            return entry;
    }
    ADD_FAILURE() << "no TAR@FAR entry for " << far;
    static const TarAtFar kNone;
    return kNone;
}

std::string tempPath(const std::string& name)
{
    return ::testing::TempDir() + "fedpilot_" + name;
}

}  // namespace

TEST(VerificationMetrics, PerfectlySeparated)
{
    ScoreSet set;
    std::vector<double> genuine;
    std::vector<double> impostor;
    for (int i = 0; i < 20; ++i) {
        genuine.push_back(0.6 + 0.01 * i);
        impostor.push_back(-0.2 + 0.01 * i);
    }
    set.add(genuine, impostor);
    const VerificationMetrics m = computeOk(set);
    EXPECT_DOUBLE_EQ(m.auc, 1.0);
    EXPECT_DOUBLE_EQ(m.eer, 0.0);
    EXPECT_DOUBLE_EQ(m.accuracy, 1.0);
    EXPECT_DOUBLE_EQ(m.accuracyStd, 0.0);
    EXPECT_GT(m.bestThreshold, -0.2 + 0.19);
    EXPECT_LE(m.bestThreshold, 0.6);
    EXPECT_EQ(m.genuinePairs, 20);
    EXPECT_EQ(m.impostorPairs, 20);
    EXPECT_EQ(m.folds, 10);
    expectRocWellFormed(m.roc);
    // The curve reaches TAR 1 before any false accept.
    bool sawCorner = false;
    for (const RocPoint& p : m.roc)
        sawCorner = sawCorner || (p.far == 0.0 && p.tar == 1.0);
    EXPECT_TRUE(sawCorner);
}

TEST(VerificationMetrics, FullyReversed)
{
    ScoreSet set;
    set.add({0.1, 0.2, 0.3, 0.4}, {0.5, 0.6, 0.7, 0.8});
    const VerificationMetrics m = computeOk(set, {}, 2);
    EXPECT_DOUBLE_EQ(m.auc, 0.0);
    EXPECT_DOUBLE_EQ(m.eer, 1.0);
    expectRocWellFormed(m.roc);
}

TEST(VerificationMetrics, AllTiedScoresGiveChance)
{
    ScoreSet set;
    set.add(std::vector<double>(30, 0.5), std::vector<double>(50, 0.5));
    const VerificationMetrics m = computeOk(set);
    EXPECT_DOUBLE_EQ(m.auc, 0.5);
    EXPECT_DOUBLE_EQ(m.eer, 0.5);
    ASSERT_EQ(m.roc.size(), 2u);
    expectRocWellFormed(m.roc);
}

TEST(VerificationMetrics, IdenticalDistributionsGiveChance)
{
    ScoreSet set;
    std::vector<double> values;
    for (int i = 1; i <= 10; ++i)
        values.push_back(0.1 * i);
    set.add(values, values);
    const VerificationMetrics m = computeOk(set);
    EXPECT_DOUBLE_EQ(m.auc, 0.5);
    EXPECT_NEAR(m.eer, 0.5, 1e-12);
}

TEST(VerificationMetrics, HandComputedAucAndEer)
{
    // Descending: G .9, G .8, I .7, G .6, I .5, I .4, G .3, I .2, I .1.
    // AUC = (5 + 5 + 4 + 2) / (4 * 5) = 0.8. The ROC passes (0.2, 0.75) then (0.4, 0.75);
    // FAR - FRR goes -0.05 -> +0.15, so EER = 0.2 + 0.25 * 0.2 = 0.25.
    ScoreSet set;
    set.add({0.9, 0.8, 0.6, 0.3}, {0.7, 0.5, 0.4, 0.2, 0.1});
    const VerificationMetrics m = computeOk(set, {}, 3);
    EXPECT_NEAR(m.auc, 0.8, 1e-12);
    EXPECT_NEAR(m.eer, 0.25, 1e-12);
    // Best threshold on all pairs: accepting {.9,.8,.7,.6} gets 3 genuine + 4 impostors right,
    // 7 of 9, as does accepting {.9,.8} (2 + 5); the lower one wins, midway between .5 and .6.
    EXPECT_GT(m.bestThreshold, 0.5);
    EXPECT_LE(m.bestThreshold, 0.6);
    // Too few impostors for any TAR@FAR.
    ASSERT_EQ(m.tarAtFar.size(), 4u);
    for (const TarAtFar& entry : m.tarAtFar)
        EXPECT_FALSE(entry.available) << entry.far;
}

TEST(VerificationMetrics, HandComputedTarAtFar)
{
    // 10 impostors: FAR <= 0.1 allows one false accept, so the threshold is the second-highest
    // impostor (0.5) and only genuine scores strictly above it count: 4 of 6 (0.5 itself does not).
    ScoreSet set;
    set.add({0.99, 0.9, 0.8, 0.6, 0.5, 0.4}, {0.95, 0.5, 0.45, 0.4, 0.35, 0.3, 0.25, 0.2, 0.15, 0.1});
    const VerificationMetrics m = computeOk(set, {}, 2);
    const TarAtFar& at1 = tarAt(m, 1e-1);
    EXPECT_TRUE(at1.available);
    EXPECT_NEAR(at1.tar, 4.0 / 6.0, 1e-12);
    EXPECT_FALSE(tarAt(m, 1e-2).available);
    EXPECT_FALSE(tarAt(m, 1e-3).available);
    EXPECT_FALSE(tarAt(m, 1e-4).available);
}

TEST(VerificationMetrics, TarAtFarAvailabilityFollowsImpostorCount)
{
    for (int impostors : {99, 100, 999, 1000}) {
        ScoreSet set;
        std::vector<double> impostorScores;
        for (int i = 0; i < impostors; ++i)
            impostorScores.push_back(static_cast<double>(i) / impostors);
        set.add({0.3, 0.7, 1.5}, impostorScores);
        const VerificationMetrics m = computeOk(set);
        EXPECT_TRUE(tarAt(m, 1e-1).available) << impostors;
        EXPECT_EQ(tarAt(m, 1e-2).available, impostors >= 100) << impostors;
        EXPECT_EQ(tarAt(m, 1e-3).available, impostors >= 1000) << impostors;
        EXPECT_FALSE(tarAt(m, 1e-4).available) << impostors;
        // Impostor scores are 0 .. (n-1)/n: at FAR 1e-2 with n = 100 the threshold is 0.98, so
        // 1.5 alone is above it.
        if (impostors == 100) {
            EXPECT_NEAR(tarAt(m, 1e-2).tar, 1.0 / 3.0, 1e-12);
        }
    }
}

TEST(VerificationMetrics, TenFoldAccuracyHandChecked)
{
    // One genuine and one impostor per fold; fold 3's genuine pair scores below every impostor.
    // Fold 3: trained on clean folds, threshold between impostors and genuines: 1 of 2 right.
    // Other folds: the outlier costs one training pair whatever the threshold, so the clean
    // threshold still wins and both test pairs are right. Mean 0.95; std sqrt(0.0225) = 0.15.
    ScoreSet set;
    std::vector<int> folds;
    for (int fold = 0; fold < 10; ++fold) {
        set.add({fold == 3 ? 0.1 : 0.8 + 0.01 * fold}, {0.2 - 0.01 * fold});
        folds.push_back(fold);
        folds.push_back(fold);
    }
    const VerificationMetrics m = computeOk(set, folds, 10);
    EXPECT_NEAR(m.accuracy, 0.95, 1e-12);
    EXPECT_NEAR(m.accuracyStd, 0.15, 1e-12);
    EXPECT_EQ(m.folds, 10);
    EXPECT_GT(m.bestThreshold, 0.2);
    EXPECT_LE(m.bestThreshold, 0.8);
}

TEST(VerificationMetrics, ThresholdComesFromOtherFoldsOnly)
{
    // Testing fold 0, only fold 1's scores (0.3, 0.7) may place the threshold: midway, 0.5, which
    // gets fold 0 right. A threshold placed among fold 0's own scores (say midway between 0.3
    // and 0.45) would separate fold 1 just as well but accept fold 0's impostor.
    ScoreSet set;
    set.add({0.55, 0.7}, {0.45, 0.3});
    const VerificationMetrics m = computeOk(set, {0, 1, 0, 1}, 2);
    EXPECT_DOUBLE_EQ(m.accuracy, 1.0);
}

TEST(VerificationMetrics, Errors)
{
    EXPECT_FALSE(computeVerification({}, {}).isOk());
    EXPECT_FALSE(computeVerification({0.1, 0.2}, {true}).isOk());
    EXPECT_FALSE(computeVerification({0.1, 0.2}, {true, false}, {0}).isOk());
    EXPECT_FALSE(computeVerification({0.1, 0.2}, {true, true}).isOk());
    EXPECT_FALSE(computeVerification({0.1, 0.2}, {false, false}).isOk());
    const Result<VerificationMetrics> nan =
        computeVerification({0.1, std::nan("")}, {true, false});
    ASSERT_FALSE(nan.isOk());
    EXPECT_NE(nan.message().find("NaN"), std::string::npos) << nan.message();
    EXPECT_FALSE(computeVerification({0.1, 0.2}, {true, false}, {0, 10}, 10).isOk());
    EXPECT_FALSE(computeVerification({0.1, 0.2}, {true, false}, {-1, 0}, 10).isOk());
    EXPECT_FALSE(computeVerification({0.1, 0.2}, {true, false}, {}, 0).isOk());
    EXPECT_FALSE(computeVerification({0.1, 0.2}, {true, false}, {}, 1).isOk());
    // Every pair in one fold leaves nothing to pick a threshold on.
    EXPECT_FALSE(computeVerification({0.1, 0.2}, {true, false}, {4, 4}, 10).isOk());
    // Fewer pairs than folds is fine: empty folds are skipped. Without explicit folds each kind is
    // dealt round-robin, so the two genuine pairs land in folds 0 and 1 and the impostor in 0.
    const Result<VerificationMetrics> small = computeVerification({0.9, 0.1, 0.8}, {true, false, true});
    ASSERT_TRUE(small.isOk()) << small.message();
    EXPECT_EQ(small->folds, 2);
}

TEST(VerificationMetrics, MillionPairsFastAndNearTheory)
{
    // Genuine ~ N(1, 1), impostor ~ N(0, 1): AUC = Phi(1/sqrt 2) = 0.76025, EER = Phi(-1/2) = 0.30854.
    std::mt19937_64 rng(11);
    std::normal_distribution<double> normal(0.0, 1.0);
    ScoreSet set;
    const int n = 500000;
    set.scores.reserve(2 * n);
    for (int i = 0; i < n; ++i) {
        set.scores.push_back(1.0 + normal(rng));
        set.genuine.push_back(true);
        set.scores.push_back(normal(rng));
        set.genuine.push_back(false);
    }
    const auto start = std::chrono::steady_clock::now();
    const VerificationMetrics m = computeOk(set);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_LT(seconds, 10.0);
    EXPECT_NEAR(m.auc, 0.76025, 0.005);
    EXPECT_NEAR(m.eer, 0.30854, 0.005);
    // Accuracy at the best threshold (0.5) is Phi(1/2) = 0.69146.
    EXPECT_NEAR(m.accuracy, 0.69146, 0.005);
    EXPECT_NEAR(m.bestThreshold, 0.5, 0.05);
    expectRocWellFormed(m.roc);
    for (const TarAtFar& entry : m.tarAtFar)
        EXPECT_TRUE(entry.available) << entry.far;
    // TAR at FAR 1e-2: P(N(1,1) > 2.3263) = 0.0924.
    EXPECT_NEAR(tarAt(m, 1e-2).tar, 0.0924, 0.005);
}

TEST(VerificationPairs, ScorePairsIsCosine)
{
    const std::vector<float> embeddings = {3, 4, 0,   // 0
                                           6, 8, 0,   // 1: same direction as 0
                                           0, 0, 5,   // 2: orthogonal
                                           -3, -4, 0, // 3: opposite
                                           0, 0, 0};  // 4: zero
    const std::vector<VerificationPair> pairs = {{0, 1}, {0, 2}, {0, 3}, {0, 4}, {1, 5}, {-1, 0}};
    const std::vector<double> scores = scorePairs(embeddings, 3, pairs);
    ASSERT_EQ(scores.size(), pairs.size());
    EXPECT_NEAR(scores[0], 1.0, 1e-12);
    EXPECT_NEAR(scores[1], 0.0, 1e-12);
    EXPECT_NEAR(scores[2], -1.0, 1e-12);
    EXPECT_EQ(scores[3], 0.0);
    EXPECT_TRUE(std::isnan(scores[4]));
    EXPECT_TRUE(std::isnan(scores[5]));
}

TEST(VerificationPairs, MakePairsRespectsLabelsFoldsAndSeed)
{
    std::vector<std::int32_t> labels;
    for (int id = 0; id < 40; ++id) {
        for (int k = 0; k < 1 + id % 5; ++k)
            labels.push_back(id);
    }
    const int folds = 10;
    const std::vector<VerificationPair> pairs = makePairs(labels, 12, 15, folds, 7);
    std::vector<int> genuinePerFold(folds, 0);
    std::vector<int> impostorPerFold(folds, 0);
    std::set<std::pair<std::int64_t, std::int64_t>> seen;
    for (const VerificationPair& p : pairs) {
        ASSERT_GE(p.fold, 0);
        ASSERT_LT(p.fold, folds);
        ASSERT_NE(p.a, p.b);
        EXPECT_EQ(p.genuine, labels[static_cast<std::size_t>(p.a)] == labels[static_cast<std::size_t>(p.b)]);
        EXPECT_TRUE(seen.insert({std::min(p.a, p.b), std::max(p.a, p.b)}).second) << "duplicate pair";
        (p.genuine ? genuinePerFold : impostorPerFold)[static_cast<std::size_t>(p.fold)]++;
    }
    for (int f = 0; f < folds; ++f) {
        EXPECT_EQ(genuinePerFold[static_cast<std::size_t>(f)], 12);
        EXPECT_EQ(impostorPerFold[static_cast<std::size_t>(f)], 15);
    }

    const std::vector<VerificationPair> again = makePairs(labels, 12, 15, folds, 7);
    const std::vector<VerificationPair> other = makePairs(labels, 12, 15, folds, 8);
    ASSERT_EQ(again.size(), pairs.size());
    bool sameAsOther = other.size() == pairs.size();
    for (std::size_t i = 0; i < pairs.size(); ++i) {
        EXPECT_EQ(again[i].a, pairs[i].a);
        EXPECT_EQ(again[i].b, pairs[i].b);
        EXPECT_EQ(again[i].fold, pairs[i].fold);
        if (sameAsOther && (other[i].a != pairs[i].a || other[i].b != pairs[i].b))
            sameAsOther = false;
    }
    EXPECT_FALSE(sameAsOther);
}

TEST(VerificationPairs, MakePairsCapsToWhatLabelsAllow)
{
    // Three identities with two items each: exactly three genuine pairs exist; a balanced
    // request keeps impostors at the same count, spread over folds.
    const std::vector<std::int32_t> labels = {0, 0, 1, 1, 2, 2, 3};
    const std::vector<VerificationPair> pairs = makePairs(labels, 300, 300, 10, 1);
    int genuine = 0;
    int impostor = 0;
    std::set<int> genuineFolds;
    for (const VerificationPair& p : pairs) {
        if (p.genuine) {
            ++genuine;
            genuineFolds.insert(p.fold);
            EXPECT_NE(p.a, 6);
            EXPECT_NE(p.b, 6);
        } else {
            ++impostor;
        }
    }
    EXPECT_EQ(genuine, 3);
    EXPECT_EQ(impostor, 3);
    EXPECT_EQ(genuineFolds.size(), 3u);

    // An unbalanced request keeps its impostors, up to all 21 - 3 = 18 that exist.
    int impostorOnly = 0;
    for (const VerificationPair& p : makePairs(labels, 300, 1000, 10, 1))
        impostorOnly += p.genuine ? 0 : 1;
    EXPECT_EQ(impostorOnly, 18);

    EXPECT_TRUE(makePairs({0, 1, 2}, 10, 10, 10, 1).empty());
    EXPECT_TRUE(makePairs(labels, 10, 10, 0, 1).empty());
}

TEST(VerificationPairs, EvaluateEmbeddingsOnSeparableIdentities)
{
    // Each identity is a noisy one-hot direction: every metric should be perfect.
    const int identities = 8;
    const int perIdentity = 6;
    const int dim = identities;
    std::mt19937_64 rng(3);
    std::uniform_real_distribution<float> jitter(-0.05f, 0.05f);
    std::vector<float> embeddings;
    std::vector<std::int32_t> labels;
    for (int id = 0; id < identities; ++id) {
        for (int k = 0; k < perIdentity; ++k) {
            for (int d = 0; d < dim; ++d)
                embeddings.push_back((d == id ? 1.0f : 0.0f) + jitter(rng));
            labels.push_back(id);
        }
    }
    EvalProtocol protocol;
    protocol.genuinePerFold = 10;
    protocol.impostorPerFold = 10;
    const Result<EvalReport> report = evaluateEmbeddings(embeddings, dim, labels, protocol);
    ASSERT_TRUE(report.isOk()) << report.message();
    EXPECT_DOUBLE_EQ(report->verification.accuracy, 1.0);
    EXPECT_DOUBLE_EQ(report->verification.auc, 1.0);
    EXPECT_EQ(report->verification.genuinePairs, 100);
    EXPECT_EQ(report->verification.impostorPairs, 100);
    EXPECT_EQ(report->scores.size(), 200u);
    EXPECT_EQ(report->genuine.size(), 200u);
    EXPECT_EQ(report->identification.galleryIdentities, identities);
    EXPECT_EQ(report->identification.probes, identities * perIdentity / 2);
    EXPECT_DOUBLE_EQ(report->identification.top1, 1.0);
    EXPECT_DOUBLE_EQ(report->identification.top5, 1.0);

    EXPECT_FALSE(evaluateEmbeddings(embeddings, dim + 1, labels, protocol).isOk());
    EXPECT_FALSE(evaluateEmbeddings({1, 0, 0, 1}, 2, {0, 1}, protocol).isOk());        // no genuine
    EXPECT_FALSE(evaluateEmbeddings({1, 0, 0, 1}, 2, {0, 0}, protocol).isOk());        // no impostor
    std::vector<float> bad = embeddings;
    bad[5] = std::nanf("");
    EXPECT_FALSE(evaluateEmbeddings(bad, dim, labels, protocol).isOk());
}

TEST(Identification, ConstructedCase)
{
    // Gallery: identity 0 -> x, 1 -> y, 2 -> z (identity 1 enrolled twice, same direction).
    // Probe A (identity 0) is nearest x: rank 1. Probe B (identity 1) is nearer x than y: rank 2.
    // Probe C (identity 3) is not enrolled: a miss at every rank.
    const std::vector<float> embeddings = {
        2, 0, 0,        // 0: id 0 gallery
        0, 1, 0,        // 1: id 1 gallery
        0, 3, 0,        // 2: id 1 gallery
        0, 0, 1,        // 3: id 2 gallery
        0.9f, 0.1f, 0,  // 4: probe A
        0.8f, 0.6f, 0,  // 5: probe B
        0, 0, 1,        // 6: probe C
    };
    const std::vector<std::int32_t> labels = {0, 1, 1, 2, 0, 1, 3};
    const IdentificationMetrics m = identify(embeddings, 3, labels, {0, 1, 2, 3}, {4, 5, 6});
    EXPECT_EQ(m.galleryIdentities, 3);
    EXPECT_EQ(m.probes, 3);
    EXPECT_NEAR(m.top1, 1.0 / 3.0, 1e-12);
    EXPECT_NEAR(m.top5, 2.0 / 3.0, 1e-12);
}

TEST(Identification, TopFiveCutoffAndTies)
{
    // Seven one-hot identities. Five identities score above probe 7's own (identity 0): rank 6,
    // outside the top 5. Probe 8 beats only four: rank 5. Probe 9 is a zero vector: every score
    // ties, which counts against the probe.
    const int dim = 7;
    std::vector<float> embeddings;
    std::vector<std::int32_t> labels;
    std::vector<std::int64_t> gallery;
    for (int id = 0; id < dim; ++id) {
        for (int d = 0; d < dim; ++d)
            embeddings.push_back(d == id ? 1.0f : 0.0f);
        labels.push_back(id);
        gallery.push_back(id);
    }
    const std::vector<std::vector<float>> probes = {{0.1f, 1, 1, 1, 1, 1, 0},
                                                    {0.1f, 1, 1, 1, 1, 0, 0},
                                                    {0, 0, 0, 0, 0, 0, 0}};
    for (const auto& probe : probes) {
        embeddings.insert(embeddings.end(), probe.begin(), probe.end());
        labels.push_back(0);
    }
    const IdentificationMetrics m = identify(embeddings, dim, labels, gallery, {7, 8, 9});
    EXPECT_EQ(m.probes, 3);
    EXPECT_DOUBLE_EQ(m.top1, 0.0);
    EXPECT_NEAR(m.top5, 1.0 / 3.0, 1e-12);
}

TEST(VerificationPairs, WriteScoresRoundTrips)
{
    const std::vector<double> scores = {0.1, -0.333333333333333314829616256247, 1.0 / 3.0, 0};
    const std::vector<bool> genuine = {true, false, true, false};
    const std::string path = tempPath("scores.csv");
    const Status status = writeScores(path, scores, genuine);
    ASSERT_TRUE(status.isOk()) << status.message();

    std::ifstream in(path);
    std::string line;
    std::size_t i = 0;
    while (std::getline(in, line)) {
        ASSERT_LT(i, scores.size());
        const std::size_t comma = line.find(',');
        ASSERT_NE(comma, std::string::npos) << line;
        EXPECT_EQ(line.substr(0, comma), genuine[i] ? "1" : "0");
        EXPECT_EQ(std::stod(line.substr(comma + 1)), scores[i]) << line;
        ++i;
    }
    EXPECT_EQ(i, scores.size());
    std::remove(path.c_str());

    EXPECT_FALSE(writeScores(path, {0.1}, {}).isOk());
    EXPECT_FALSE(writeScores("/nonexistent-dir/x/scores.csv", scores, genuine).isOk());
}
