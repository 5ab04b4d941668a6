#pragma once
// A face embedding model (backbone only): creation, state exchange, checkpoints, embeddings.

#include "fedpilot/engine/Config.h"
#include "fedpilot/engine/FaceCache.h"
#include "fedpilot/engine/Result.h"
#include "fedpilot/engine/TensorBundle.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace fedpilot::engine {

struct EmbedOptions {
    bool flipAverage = true;   // average the embedding of the image and its mirror
    int batchSize = 128;
    std::string device = "auto";
    int threads = 0;
};

class FaceModel {
public:
    static Result<FaceModel> create(const ModelConfig& config, std::uint64_t seed = 1);
    // Loads a checkpoint written by save() (config taken from its metadata).
    static Result<FaceModel> load(const std::string& path);
    Status save(const std::string& path, const BundleEncodeOptions& options = {}) const;

    const ModelConfig& config() const;
    std::int64_t parameterCount() const;
    // Parameters and BatchNorm buffers, in module order; meta carries the config.
    TensorBundle state() const;
    // Requires exactly the same names and shapes.
    Status loadState(const TensorBundle& state);
    // L2-normalised embeddings, row-major (indices.size() x embeddingSize).
    Result<std::vector<float>> embed(const FaceCache& cache, const std::vector<std::int64_t>& indices,
                                     const EmbedOptions& options = {},
                                     const std::atomic<bool>* cancel = nullptr) const;
    // A deep copy.
    FaceModel clone() const;

    struct Impl;  // defined in src/, torch inside
    std::shared_ptr<Impl> impl() const { return d; }

private:
    explicit FaceModel(std::shared_ptr<Impl> impl) : d(std::move(impl)) {}
    std::shared_ptr<Impl> d;
};

// ModelConfig <-> bundle metadata.
void writeModelMeta(const ModelConfig& config, TensorBundle& bundle);
Result<ModelConfig> readModelMeta(const TensorBundle& bundle);

// Public class representations: one unit vector per label present among indices,
// c_j = normalize(mean_i normalize(f(x_i))). Rows ordered by ascending label; shape |P| x d.
Result<NamedTensor> computePublicRepresentations(const FaceModel& model, const FaceCache& cache,
                                                 const std::vector<std::int64_t>& indices,
                                                 const EmbedOptions& options = {},
                                                 const std::atomic<bool>* cancel = nullptr);

}  // namespace fedpilot::engine
