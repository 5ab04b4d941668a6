#include "train/TrainLoop.h"

#include "train/BatchLoader.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>

namespace fedpilot::engine {
namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t)
{
    return std::chrono::duration<double>(Clock::now() - t).count();
}

double valueOf(const torch::Tensor& t)
{
    return t.defined() ? t.item<double>() : 0.0;
}

}  // namespace

double learningRateForEpoch(const OptimConfig& optim, int epoch, int epochs)
{
    const long stepEpoch = std::max(1L, std::lround(optim.stepAtFraction * epochs));
    return epoch >= stepEpoch && stepEpoch < epochs ? optim.learningRate * optim.stepGamma : optim.learningRate;
}

void remapLabels(const FaceCache& cache, const std::vector<std::int64_t>& indices,
                 std::vector<std::int32_t>& classes, std::vector<std::int64_t>& remapped)
{
    classes.clear();
    for (auto i : indices)
        classes.push_back(cache.label(i));
    std::sort(classes.begin(), classes.end());
    classes.erase(std::unique(classes.begin(), classes.end()), classes.end());
    remapped.resize(indices.size());
    for (std::size_t i = 0; i < indices.size(); ++i) {
        const auto it = std::lower_bound(classes.begin(), classes.end(), cache.label(indices[i]));
        remapped[i] = it - classes.begin();
    }
}

Result<TrainOutcome> runTraining(const LoopSpec& spec, Sgd& optimizer, const StepFn& step,
                                 const TrainProgressFn& progress, const std::atomic<bool>* cancel,
                                 const StepTimeFn& stepTime)
{
    TrainOutcome outcome;
    outcome.device = spec.device.str();
    outcome.threads = spec.threads;
    if (spec.indices.size() < 2)
        return Result<TrainOutcome>::error("training needs at least 2 images, got " + std::to_string(spec.indices.size()));

    const std::int64_t perEpoch = static_cast<std::int64_t>(spec.indices.size()) / spec.batchSize
        + ((static_cast<std::int64_t>(spec.indices.size()) % spec.batchSize) >= 2 ? 1 : 0);
    std::int64_t totalSteps = perEpoch * spec.epochs;
    if (spec.maxSteps > 0)
        totalSteps = std::min(totalSteps, spec.maxSteps);
    const bool cuda = spec.device.is_cuda();

    const auto start = Clock::now();
    auto lastReport = start - std::chrono::seconds(1);
    std::int64_t steps = 0;
    for (int epoch = 0; epoch < spec.epochs && steps < totalSteps; ++epoch) {
        const double lr = learningRateForEpoch(spec.optim, epoch, spec.epochs);
        optimizer.setLearningRate(lr);
        BatchLoader loader(*spec.cache, epochItems(spec.indices, spec.labels, spec.flip, spec.seed, epoch),
                           spec.batchSize, 2, cuda);
        // Losses are summed on the device and read back only when reported, so the step never
        // waits for a device-to-host copy.
        auto options = torch::TensorOptions().dtype(torch::kDouble).device(spec.device);
        torch::Tensor sumTotal = torch::zeros({}, options), sumCls = torch::zeros({}, options);
        torch::Tensor sumNeg = torch::zeros({}, options), sumPer = torch::zeros({}, options);
        std::int64_t epochSteps = 0;
        while (steps < totalSteps) {
            if (cancel && cancel->load()) {
                outcome.state = TrainState::Cancelled;
                break;
            }
            const auto stepStart = Clock::now();
            auto batch = loader.next();
            if (!batch)
                break;
            auto images = batch->images.to(spec.device, /*non_blocking=*/cuda);
            if (!spec.channelsLast)
                images = images.contiguous();
            const auto labels = batch->labels.to(spec.device, /*non_blocking=*/cuda);
            optimizer.zeroGrad();
            StepLosses losses = step(images, labels);
            losses.total.backward();
            optimizer.step();
            {
                torch::NoGradGuard noGrad;
                sumTotal += losses.total.detach().to(torch::kDouble);
                sumCls += losses.cls.detach().to(torch::kDouble);
                if (losses.neg.defined())
                    sumNeg += losses.neg.detach().to(torch::kDouble);
                if (losses.per.defined())
                    sumPer += losses.per.detach().to(torch::kDouble);
            }
            ++steps;
            ++epochSteps;
            outcome.images += batch->size;
            if (stepTime) {
                if (cuda)
                    sumTotal.item<double>();  // wait for the device so the step time is real
                stepTime(steps, secondsSince(stepStart), batch->size);
            }
            const bool epochEnd = epochSteps == loader.batchCount() || steps == totalSteps;
            if (progress && (secondsSince(lastReport) >= 0.1 || epochEnd)) {
                lastReport = Clock::now();
                TrainProgress p;
                p.epoch = epoch;
                p.epochs = spec.epochs;
                p.step = steps;
                p.totalSteps = totalSteps;
                p.loss = valueOf(sumTotal) / epochSteps;
                p.lossCls = valueOf(sumCls) / epochSteps;
                p.lossNeg = valueOf(sumNeg) / epochSteps;
                p.lossPer = valueOf(sumPer) / epochSteps;
                p.learningRate = lr;
                const double elapsed = secondsSince(start);
                p.imagesPerSec = elapsed > 0 ? outcome.images / elapsed : 0;
                p.etaSec = steps > 0 ? elapsed / steps * (totalSteps - steps) : 0;
                if (!std::isfinite(p.loss))
                    return Result<TrainOutcome>::error("training diverged (loss is not finite) at step "
                                                       + std::to_string(steps) + "; lower the learning rate");
                progress(p);
            }
        }
        if (epochSteps > 0) {
            const double mean = valueOf(sumTotal) / epochSteps;
            if (!std::isfinite(mean))
                return Result<TrainOutcome>::error("training diverged (loss is not finite) in epoch "
                                                   + std::to_string(epoch + 1) + "; lower the learning rate");
            outcome.epochLoss.push_back(mean);
            outcome.epochLossCls.push_back(valueOf(sumCls) / epochSteps);
            outcome.epochLossNeg.push_back(valueOf(sumNeg) / epochSteps);
            outcome.epochLossPer.push_back(valueOf(sumPer) / epochSteps);
            outcome.finalLoss = mean;
        }
        if (outcome.state == TrainState::Cancelled)
            break;
    }
    outcome.steps = steps;
    outcome.seconds = secondsSince(start);
    outcome.imagesPerSec = outcome.seconds > 0 ? outcome.images / outcome.seconds : 0;
    return outcome;
}

}  // namespace fedpilot::engine
