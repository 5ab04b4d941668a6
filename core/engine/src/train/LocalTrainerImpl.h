#pragma once
// Internal: a site's persistent training state.

#include "FaceModelImpl.h"
#include "fedpilot/engine/Trainer.h"
#include "losses/Losses.h"
#include "train/Sgd.h"

#include <memory>
#include <mutex>

namespace fedpilot::engine {

struct LocalTrainer::Impl {
    ModelConfig model;
    TrainConfig config;
    std::shared_ptr<BackboneNet> net;
    torch::Device device{torch::kCPU};
    bool channelsLast = false;

    torch::Tensor classifier;    // W_k [C,d]
    Adapter adapter{nullptr};    // A_k
    torch::Tensor adapterHead;   // the adapter's CosFace head [C,d]
    torch::Tensor publicReps;    // learnable copy of C^t [P,d]
    torch::Tensor logTau;        // learnable temperature (log tau)
    std::vector<std::int32_t> classes;  // cache labels of the site's identities, sorted

    std::unique_ptr<Sgd> optimizer;
    std::size_t publicSlot = 0;
    TensorBundle globalBefore;   // theta_t of the last completed round
    bool hasUpdate = false;
    int rounds = 0;
    mutable std::mutex mutex;

    bool usesNegatives() const { return config.strategy == Strategy::AdaFedFR; }
    bool usesAdapter() const { return config.strategy == Strategy::AdaFedFR && config.ada.adapter; }
    bool initialised() const { return classifier.defined(); }

    // Creates classifier, adapter, temperature and the optimizer (first round or after load).
    void createLocalModules(int numClasses);
    // Builds the optimizer over all trainable tensors in a fixed slot order.
    void buildOptimizer();
    // Moves everything (keeping tensor identities, so optimizer slots stay valid).
    void place(const torch::Device& target, bool wantChannelsLast);
    // Every trainable tensor in slot order, with its name in checkpoints.
    std::vector<std::pair<std::string, torch::Tensor>> slots() const;
};

// TrainConfig <-> bundle metadata ("train.*" keys).
void writeTrainMeta(const TrainConfig& config, TensorBundle& bundle);
Result<TrainConfig> readTrainMeta(const TensorBundle& bundle);

}  // namespace fedpilot::engine
