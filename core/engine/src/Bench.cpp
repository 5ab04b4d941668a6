#include "fedpilot/engine/Bench.h"

#include "FaceModelImpl.h"
#include "fedpilot/engine/Device.h"
#include "fedpilot/engine/FaceSynth.h"
#include "losses/Losses.h"
#include "train/TrainLoop.h"

#include <algorithm>
#include <filesystem>
#include <random>

namespace fedpilot::engine {

Result<BenchTrainResult> benchTrain(const BenchTrainOptions& options)
{
    if (auto s = validate(options.model); !s)
        return s;
    if (options.steps < 1 || options.batchSize < 2 || options.identities < 2)
        return Result<BenchTrainResult>::error("benchmark needs steps >= 1, batch >= 2 and identities >= 2");
    auto device = resolveDevice(options.device);
    if (!device)
        return device.status();

    // A pool of real (synthetic) face images, large enough that batches are not cached copies.
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::path dir = fs::temp_directory_path(ec) / ("fedpilot-bench-" + std::to_string(std::random_device{}()));
    fs::create_directories(dir, ec);
    if (ec)
        return Result<BenchTrainResult>::error("cannot create a temporary folder: " + ec.message());
    struct Cleanup {
        fs::path dir;
        ~Cleanup() { std::error_code e; fs::remove_all(dir, e); }
    } cleanup{dir};

    SynthCacheOptions synth;
    synth.identities = options.identities;
    synth.imagesPerIdentity = std::max(4, (options.batchSize * 4 + options.identities - 1) / options.identities);
    synth.size = options.model.inputSize;
    synth.seed = options.seed;
    synth.heldOutImagesPerIdentity = 0;
    const std::string path = (dir / "bench.fpcache").string();
    if (auto s = writeSynthCache(path, synth); !s)
        return s;
    auto cache = FaceCache::open(path);
    if (!cache)
        return cache.status();

    auto model = FaceModel::create(options.model, options.seed);
    if (!model)
        return model.status();
    try {
        LoopSpec spec;
        spec.cache = &cache.value();
        spec.indices = cache->allIndices();
        std::vector<std::int32_t> classes;
        remapLabels(cache.value(), spec.indices, classes, spec.labels);
        spec.batchSize = options.batchSize;
        spec.epochs = 1000000;  // capped by maxSteps
        spec.maxSteps = options.warmupSteps + options.steps;
        spec.device = torch::Device(device.value());
        spec.channelsLast = options.channelsLast;
        spec.threads = configureThreads(options.threads);
        spec.optim.learningRate = 0.01;
        spec.optim.stepAtFraction = 2.0;  // no decay

        auto impl = model->impl();
        impl->place(spec.device, options.channelsLast);
        impl->net->train();
        auto net = impl->net;
        auto training = makeMarginTraining([net](const torch::Tensor& x) { return net->forward(x); }, net->parameters(true),
                                           static_cast<std::int64_t>(classes.size()), options.model.embeddingSize, spec.device,
                                           HeadConfig{}, 0.9, 5e-4);
        std::vector<double> times;
        std::int64_t timedImages = 0;
        auto stepTime = [&](std::int64_t stepIndex, double seconds, std::int64_t images) {
            if (stepIndex > options.warmupSteps) {
                times.push_back(seconds);
                timedImages += images;
            }
        };
        auto outcome = runTraining(spec, training->optimizer, training->step, {}, nullptr, stepTime);
        if (!outcome)
            return outcome.status();
        if (times.empty())
            return Result<BenchTrainResult>::error("no timed steps ran");
        double total = 0;
        for (double t : times)
            total += t;
        BenchTrainResult r;
        r.imagesPerSec = timedImages / total;
        r.stepMsMean = 1000.0 * total / times.size();
        r.stepMsMin = 1000.0 * *std::min_element(times.begin(), times.end());
        r.params = model->parameterCount();
        r.device = device.value();
        r.threads = spec.threads;
        r.steps = static_cast<int>(times.size());
        r.batchSize = options.batchSize;
        r.inputSize = options.model.inputSize;
        r.backbone = toString(options.model.backbone);
        r.torchVersion = torchVersion();
        r.channelsLast = options.channelsLast;
        return r;
    } catch (const std::exception& e) {
        return Result<BenchTrainResult>::error(std::string("benchmark failed: ") + e.what());
    }
}

}  // namespace fedpilot::engine
