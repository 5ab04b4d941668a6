#include "FaceModelImpl.h"

#include "TorchState.h"
#include "train/TrainLoop.h"
#include "fedpilot/engine/Device.h"

#include <exception>

namespace fedpilot::engine {

void FaceModel::Impl::place(const torch::Device& target, bool wantChannelsLast)
{
    if (device != target) {
        net->to(target);
        device = target;
    }
    if (channelsLast != wantChannelsLast) {
        setChannelsLast(*net, wantChannelsLast);
        channelsLast = wantChannelsLast;
    }
}

void writeModelMeta(const ModelConfig& config, TensorBundle& bundle)
{
    bundle.meta["model.backbone"] = toString(config.backbone);
    bundle.meta["model.input_size"] = std::to_string(config.inputSize);
    bundle.meta["model.embedding_size"] = std::to_string(config.embeddingSize);
}

Result<ModelConfig> readModelMeta(const TensorBundle& bundle)
{
    auto get = [&](const char* key) -> const std::string* {
        auto it = bundle.meta.find(key);
        return it == bundle.meta.end() ? nullptr : &it->second;
    };
    const std::string* backbone = get("model.backbone");
    const std::string* inputSize = get("model.input_size");
    const std::string* embedding = get("model.embedding_size");
    if (!backbone || !inputSize || !embedding)
        return Result<ModelConfig>::error("not a FedPilot model: the model configuration is missing");
    auto parsed = parseBackbone(*backbone);
    if (!parsed)
        return parsed.status();
    ModelConfig config;
    config.backbone = parsed.value();
    try {
        config.inputSize = std::stoi(*inputSize);
        config.embeddingSize = std::stoi(*embedding);
    } catch (...) {
        return Result<ModelConfig>::error("model configuration has a bad size");
    }
    if (auto s = validate(config); !s)
        return s;
    return config;
}

Result<FaceModel> FaceModel::create(const ModelConfig& config, std::uint64_t seed)
{
    if (auto s = validate(config); !s)
        return s;
    try {
        auto impl = std::make_shared<Impl>();
        impl->config = config;
        impl->net = makeBackbone(config, seed);
        return FaceModel(impl);
    } catch (const std::exception& e) {
        return Result<FaceModel>::error(std::string("cannot create the model: ") + e.what());
    }
}

Result<FaceModel> FaceModel::load(const std::string& path)
{
    auto bundle = loadBundle(path);
    if (!bundle)
        return bundle.status();
    auto config = readModelMeta(bundle.value());
    if (!config)
        return Result<FaceModel>::error(path + ": " + config.message());
    auto model = create(config.value());
    if (!model)
        return model;
    if (auto s = model->loadState(bundle.value()); !s)
        return Result<FaceModel>::error(path + ": " + s.message());
    return model;
}

Status FaceModel::save(const std::string& path, const BundleEncodeOptions& options) const
{
    return saveBundle(path, state(), options);
}

const ModelConfig& FaceModel::config() const
{
    return d->config;
}

std::int64_t FaceModel::parameterCount() const
{
    std::int64_t n = 0;
    for (const auto& p : d->net->parameters(true))
        n += p.numel();
    return n;
}

TensorBundle FaceModel::state() const
{
    std::lock_guard<std::mutex> lock(d->mutex);
    TensorBundle bundle;
    appendModuleState(*d->net, "", bundle);
    writeModelMeta(d->config, bundle);
    return bundle;
}

Status FaceModel::loadState(const TensorBundle& state)
{
    std::lock_guard<std::mutex> lock(d->mutex);
    try {
        return loadModuleState(*d->net, "", state);
    } catch (const std::exception& e) {
        return Status::error(std::string("cannot load the model state: ") + e.what());
    }
}

Result<std::vector<float>> FaceModel::embed(const FaceCache& cache, const std::vector<std::int64_t>& indices,
                                            const EmbedOptions& options, const std::atomic<bool>* cancel) const
{
    if (cache.info().width != d->config.inputSize || cache.info().height != d->config.inputSize)
        return Result<std::vector<float>>::error("the face cache holds " + std::to_string(cache.info().width)
                                                 + " px images but the model expects " + std::to_string(d->config.inputSize) + " px");
    auto device = resolveDevice(options.device);
    if (!device)
        return device.status();
    configureThreads(options.threads);
    std::lock_guard<std::mutex> lock(d->mutex);
    try {
        const torch::Device target(device.value());
        d->place(target, true);
        return embedImages(*d->net, target, true, cache, indices, options, cancel);
    } catch (const std::exception& e) {
        return Result<std::vector<float>>::error(std::string("embedding failed: ") + e.what());
    }
}

FaceModel FaceModel::clone() const
{
    auto copy = create(d->config).value();
    copy.loadState(state());
    return copy;
}

Result<NamedTensor> computePublicRepresentations(const FaceModel& model, const FaceCache& cache,
                                                 const std::vector<std::int64_t>& indices,
                                                 const EmbedOptions& options, const std::atomic<bool>* cancel)
{
    if (indices.empty())
        return Result<NamedTensor>::error("no public images to compute class representations from");
    auto embeddings = model.embed(cache, indices, options, cancel);
    if (!embeddings)
        return embeddings.status();
    const int dim = model.config().embeddingSize;
    std::vector<std::int32_t> classes;
    std::vector<std::int64_t> rows;
    remapLabels(cache, indices, classes, rows);

    std::vector<double> sums(classes.size() * dim, 0.0);
    const auto& e = embeddings.value();
    for (std::size_t i = 0; i < indices.size(); ++i) {
        const auto row = rows[i];
        for (int k = 0; k < dim; ++k)
            sums[row * dim + k] += e[i * dim + k];  // embeddings are already unit vectors
    }
    NamedTensor out;
    out.name = "public_representations";
    out.shape = {static_cast<std::int64_t>(classes.size()), dim};
    out.values.resize(sums.size());
    for (std::size_t r = 0; r < classes.size(); ++r) {
        double norm = 0;
        for (int k = 0; k < dim; ++k)
            norm += sums[r * dim + k] * sums[r * dim + k];
        norm = std::sqrt(norm) + 1e-12;
        for (int k = 0; k < dim; ++k)
            out.values[r * dim + k] = static_cast<float>(sums[r * dim + k] / norm);
    }
    return out;
}

}  // namespace fedpilot::engine
