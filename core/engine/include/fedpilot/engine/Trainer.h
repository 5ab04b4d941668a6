#pragma once
// Centralized pretraining and per-site local round training (AdaFedFR, FedAvg, local only).

#include "fedpilot/engine/Config.h"
#include "fedpilot/engine/FaceCache.h"
#include "fedpilot/engine/FaceModel.h"
#include "fedpilot/engine/Result.h"
#include "fedpilot/engine/TensorBundle.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace fedpilot::engine {

struct TrainProgress {
    int epoch = 0;              // 0-based epoch in progress
    int epochs = 0;
    std::int64_t step = 0;      // steps done
    std::int64_t totalSteps = 0;
    double loss = 0;            // running mean over the current epoch
    double lossCls = 0;
    double lossNeg = 0;
    double lossPer = 0;
    double learningRate = 0;
    double imagesPerSec = 0;
    double etaSec = 0;
};
using TrainProgressFn = std::function<void(const TrainProgress&)>;

enum class TrainState { Completed, Cancelled };

struct TrainOutcome {
    TrainState state = TrainState::Completed;
    std::int64_t steps = 0;
    std::int64_t images = 0;
    double seconds = 0;
    double imagesPerSec = 0;
    double finalLoss = 0;
    std::vector<double> epochLoss;     // mean total loss per finished epoch
    std::vector<double> epochLossCls;
    std::vector<double> epochLossNeg;
    std::vector<double> epochLossPer;
    std::string device;
    int threads = 0;
};

// Centralized CosFace/ArcFace training of the generic model on `indices` of cache.
// The progress callback is called at most ~10 times a second; cancel is checked between batches.
Result<TrainOutcome> pretrain(FaceModel& model, const FaceCache& cache,
                              const std::vector<std::int64_t>& indices, const TrainConfig& config,
                              const TrainProgressFn& progress = {},
                              const std::atomic<bool>* cancel = nullptr);

// A site's trainer. Its classifier, adapter (+ head), learnable public representations and
// optimizer state persist across rounds; the backbone is reset to the global model each round.
class LocalTrainer {
public:
    static Result<LocalTrainer> create(const ModelConfig& model, const TrainConfig& config);
    // Loads a trainer saved with save().
    static Result<LocalTrainer> load(const std::string& path);
    Status save(const std::string& path) const;

    // One round: theta <- globalState, train `epochs` epochs (config.epochs when <= 0) on indices.
    // publicReps (|P| x d) is required for AdaFedFR and ignored otherwise.
    Result<TrainOutcome> trainRound(const TensorBundle& globalState, const NamedTensor* publicReps,
                                    const FaceCache& cache, const std::vector<std::int64_t>& indices,
                                    int epochs = 0, const TrainProgressFn& progress = {},
                                    const std::atomic<bool>* cancel = nullptr);
    // theta_k - theta_t of the last completed round (parameters and buffers).
    Result<TensorBundle> lastUpdate() const;
    // The site's local backbone theta_k.
    TensorBundle localState() const;
    int roundsTrained() const;
    const TrainConfig& config() const;
    const ModelConfig& modelConfig() const;
    // Personalized embeddings: local backbone followed by the adapter (backbone alone without one).
    Result<std::vector<float>> embedPersonalized(const FaceCache& cache,
                                                 const std::vector<std::int64_t>& indices,
                                                 const EmbedOptions& options = {},
                                                 const std::atomic<bool>* cancel = nullptr) const;

    struct Impl;
private:
    explicit LocalTrainer(std::shared_ptr<Impl> impl) : d(std::move(impl)) {}
    std::shared_ptr<Impl> d;
};

}  // namespace fedpilot::engine
