#pragma once
// The engine work of a site: its face data (an imported cache or synthetic faces), the round-0
// baseline, local training with the persistent LocalTrainer (classifier, adapter, optimizer kept
// across rounds in trainer.fpt), the encoded update, and local metrics. No networking here.

#include "fedpilot/engine/FaceCache.h"
#include "fedpilot/engine/Result.h"
#include "fedpilot/engine/Trainer.h"
#include "fedpilot/engine/Verification.h"
#include "fedpilot/v1/federation.pb.h"

#include <QString>

#include <atomic>
#include <functional>
#include <optional>
#include <string>

namespace fedpilot {

struct SiteDataOptions {
    QString cachePath;             // a packed face cache from import; empty with synthetic
    bool synthetic = false;
    quint64 syntheticSeed = 1000;  // the site's own population (different seeds, different people)
    int syntheticIdentities = 10;
    int syntheticImagesPerIdentity = 12;
    int syntheticHeldOutPerIdentity = 4;
    std::string device = "auto";
    int threads = 0;
};

class SiteRoundRunner {
public:
    SiteRoundRunner(QString dir, SiteDataOptions options);

    // Opens (or, with synthetic data, generates) the site's cache for the pilot's input size.
    engine::Status ensureData(int inputSize);
    std::int64_t trainSamples() const { return static_cast<std::int64_t>(m_train.size()); }

    // The model of `round` on the site's held-out faces (kind "baseline").
    engine::Result<v1::MetricsReport> evaluateBaseline(const engine::TensorBundle& state, std::uint32_t round);

    struct TrainResult {
        bool cancelled = false;
        std::string update;            // encoded for upload
        std::uint64_t rawBytes = 0;    // fp32 size of the update
        double updateNorm = 0;
        v1::MetricsReport report;
    };
    using ProgressFn = std::function<void(double fraction)>;
    // `global` is the round's model as downloaded (or rebuilt from a delta); `siteSeed` makes the
    // int8 rounding of this site's update differ from other sites'.
    engine::Result<TrainResult> train(const v1::Task& task, const engine::TensorBundle& global, const std::string& repsBytes,
                                      std::uint64_t siteSeed,
                                      const std::atomic<bool>* cancel, const ProgressFn& progress);

private:
    engine::Result<engine::EvalReport> evaluate(const std::vector<float>& embeddings, int dim) const;

    QString m_dir;
    SiteDataOptions m_options;
    std::optional<engine::FaceCache> m_cache;
    std::vector<std::int64_t> m_train;
    std::vector<std::int64_t> m_heldOut;
};

}  // namespace fedpilot
