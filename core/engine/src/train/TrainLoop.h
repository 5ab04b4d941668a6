#pragma once
// Internal: the epoch/batch loop shared by pretraining, local rounds and the benchmark.

#include "fedpilot/engine/Config.h"
#include "fedpilot/engine/FaceCache.h"
#include "fedpilot/engine/Trainer.h"
#include "train/Sgd.h"

#include <torch/torch.h>

#include <functional>
#include <memory>

namespace fedpilot::engine {

struct StepLosses {
    torch::Tensor total;
    torch::Tensor cls;
    torch::Tensor neg;   // undefined when not used
    torch::Tensor per;   // undefined when not used
};

struct LoopSpec {
    const FaceCache* cache = nullptr;
    std::vector<std::int64_t> indices;
    std::vector<std::int64_t> labels;  // remapped label per index
    int epochs = 1;
    int batchSize = 128;
    bool flip = true;
    std::uint64_t seed = 1;
    torch::Device device{torch::kCPU};
    bool channelsLast = true;
    std::int64_t maxSteps = 0;
    OptimConfig optim;
    int threads = 1;
};

using StepFn = std::function<StepLosses(const torch::Tensor& images, const torch::Tensor& labels)>;
// Called after every step with its wall time (benchmarks).
using StepTimeFn = std::function<void(std::int64_t step, double seconds, std::int64_t images)>;

// Runs the loop; modules must already be in train mode on spec.device.
// Centralized classification training (pretraining, the training benchmark): class weights drawn
// from N(0, 0.01) for a margin head (CosFace/ArcFace) over the network's L2-normalised
// embeddings, and SGD over the network's parameters and those weights. `step` refers to this
// object and to `forward`'s target: keep both alive while training (Pretrainer.cpp).
struct MarginTraining {
    MarginTraining(double momentum) : optimizer(momentum) {}
    torch::Tensor weight;
    Sgd optimizer;
    StepFn step;
};
std::unique_ptr<MarginTraining> makeMarginTraining(std::function<torch::Tensor(const torch::Tensor&)> forward,
                                                   const std::vector<torch::Tensor>& parameters, std::int64_t classes,
                                                   int embeddingSize, torch::Device device, const HeadConfig& head,
                                                   double momentum, double weightDecay);

Result<TrainOutcome> runTraining(const LoopSpec& spec, Sgd& optimizer, const StepFn& step,
                                 const TrainProgressFn& progress, const std::atomic<bool>* cancel,
                                 const StepTimeFn& stepTime = {});

// lr for an epoch: base, x gamma from round(fraction * epochs) on (never before epoch 1).
double learningRateForEpoch(const OptimConfig& optim, int epoch, int epochs);

// Sorted distinct labels of indices and each index's position in that list.
void remapLabels(const FaceCache& cache, const std::vector<std::int64_t>& indices,
                 std::vector<std::int32_t>& classes, std::vector<std::int64_t>& remapped);

}  // namespace fedpilot::engine
