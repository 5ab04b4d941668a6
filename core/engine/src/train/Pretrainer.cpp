#include "FaceModelImpl.h"
#include "fedpilot/engine/Device.h"
#include "fedpilot/engine/Trainer.h"
#include "losses/Losses.h"
#include "train/TrainLoop.h"

namespace fedpilot::engine {

std::unique_ptr<MarginTraining> makeMarginTraining(std::function<torch::Tensor(const torch::Tensor&)> forward,
                                                   const std::vector<torch::Tensor>& parameters, std::int64_t classes,
                                                   int embeddingSize, torch::Device device, const HeadConfig& head,
                                                   double momentum, double weightDecay)
{
    auto t = std::make_unique<MarginTraining>(momentum);
    t->weight = torch::empty({classes, embeddingSize}, torch::TensorOptions().device(device));
    torch::nn::init::normal_(t->weight, 0.0, 0.01);
    t->weight.set_requires_grad(true);
    for (const auto& p : parameters)
        t->optimizer.add(p, weightDecay);
    t->optimizer.add(t->weight, weightDecay);
    MarginTraining* self = t.get();
    t->step = [self, forward = std::move(forward), head](const torch::Tensor& x, const torch::Tensor& y) {
        namespace F = torch::nn::functional;
        StepLosses losses;
        losses.cls = marginLoss(F::normalize(forward(x), F::NormalizeFuncOptions().dim(1)), self->weight, y, head);
        losses.total = losses.cls;
        return losses;
    };
    return t;
}

Result<TrainOutcome> pretrain(FaceModel& model, const FaceCache& cache, const std::vector<std::int64_t>& indices,
                              const TrainConfig& config, const TrainProgressFn& progress,
                              const std::atomic<bool>* cancel)
{
    if (auto s = validate(config); !s)
        return s;
    if (cache.info().width != model.config().inputSize || cache.info().height != model.config().inputSize)
        return Result<TrainOutcome>::error("the face cache holds " + std::to_string(cache.info().width) + " px images but the model expects "
                                           + std::to_string(model.config().inputSize) + " px");
    auto device = resolveDevice(config.device);
    if (!device)
        return device.status();
    auto impl = model.impl();
    std::lock_guard<std::mutex> lock(impl->mutex);
    try {
        torch::manual_seed(config.seed);
        LoopSpec spec;
        spec.cache = &cache;
        spec.indices = indices;
        std::vector<std::int32_t> classes;
        remapLabels(cache, indices, classes, spec.labels);
        if (classes.size() < 2)
            return Result<TrainOutcome>::error("pretraining needs at least 2 identities");
        spec.epochs = config.epochs;
        spec.batchSize = config.batchSize;
        spec.flip = config.flip;
        spec.seed = config.seed;
        spec.device = torch::Device(device.value());
        spec.channelsLast = config.channelsLast;
        spec.maxSteps = config.maxSteps;
        spec.optim = config.optim;
        spec.threads = configureThreads(config.threads);

        impl->place(spec.device, config.channelsLast);
        auto& net = *impl->net;
        net.train();
        auto training = makeMarginTraining([&net](const torch::Tensor& x) { return net.forward(x); }, net.parameters(true),
                                           static_cast<std::int64_t>(classes.size()), model.config().embeddingSize, spec.device,
                                           config.head, config.optim.momentum, config.optim.weightDecay);
        auto outcome = runTraining(spec, training->optimizer, training->step, progress, cancel);
        net.eval();
        return outcome;
    } catch (const std::exception& e) {
        return Result<TrainOutcome>::error(std::string("pretraining failed: ") + e.what());
    }
}

}  // namespace fedpilot::engine
