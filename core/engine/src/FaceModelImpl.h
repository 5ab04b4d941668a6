#pragma once
// Internal: what a FaceModel holds.

#include "backbones/Backbone.h"
#include "fedpilot/engine/FaceModel.h"

#include <mutex>

namespace fedpilot::engine {

struct FaceModel::Impl {
    ModelConfig config;
    std::shared_ptr<BackboneNet> net;
    torch::Device device{torch::kCPU};
    bool channelsLast = false;
    // Serialises use of the network (training, embedding, state export) across threads.
    mutable std::mutex mutex;

    // Moves the network to device and memory format (no-op when already there).
    void place(const torch::Device& target, bool wantChannelsLast);
};

// Embeds cache images with a network (eval mode, inference mode), optional flip averaging and
// an optional head applied to the raw embedding before normalisation.
Result<std::vector<float>> embedImages(BackboneNet& net, const torch::Device& device, bool channelsLast,
                                       const FaceCache& cache, const std::vector<std::int64_t>& indices,
                                       const EmbedOptions& options, const std::atomic<bool>* cancel,
                                       const std::function<torch::Tensor(const torch::Tensor&)>& head = {});

}  // namespace fedpilot::engine
