#include "train/LocalTrainerImpl.h"

#include "TorchState.h"
#include "fedpilot/engine/Device.h"
#include "fedpilot/engine/Federation.h"
#include "train/TrainLoop.h"

#include <algorithm>
#include <cmath>

namespace fedpilot::engine {
namespace {
namespace F = torch::nn::functional;

torch::Tensor normalizeRows(const torch::Tensor& t)
{
    return F::normalize(t, F::NormalizeFuncOptions().dim(1));
}

// Row c = normalised mean embedding of class c under the current backbone (ADAFEDFR.md 3.1).
torch::Tensor classMeans(LocalTrainer::Impl& d, const FaceCache& cache, const std::vector<std::int64_t>& indices,
                         const std::vector<std::int64_t>& labels, int numClasses)
{
    EmbedOptions options;
    options.flipAverage = false;
    options.batchSize = d.config.batchSize;
    auto embeddings = embedImages(*d.net, d.device, d.channelsLast, cache, indices, options, nullptr);
    const int dim = d.model.embeddingSize;
    auto sums = torch::zeros({numClasses, dim});
    if (embeddings) {
        auto e = torch::from_blob(embeddings.value().data(), {static_cast<std::int64_t>(indices.size()), dim}, torch::kFloat);
        auto index = torch::from_blob(const_cast<std::int64_t*>(labels.data()), {static_cast<std::int64_t>(labels.size())}, torch::kLong);
        sums.index_add_(0, index, e);
    }
    return normalizeRows(sums + 1e-6 * torch::randn_like(sums));
}

}  // namespace

Result<LocalTrainer> LocalTrainer::create(const ModelConfig& model, const TrainConfig& config)
{
    if (auto s = validate(model); !s)
        return s;
    if (auto s = validate(config); !s)
        return s;
    try {
        auto impl = std::make_shared<Impl>();
        impl->model = model;
        impl->config = config;
        impl->net = makeBackbone(model, config.seed);
        return LocalTrainer(impl);
    } catch (const std::exception& e) {
        return Result<LocalTrainer>::error(std::string("cannot create the local trainer: ") + e.what());
    }
}

void LocalTrainer::Impl::createLocalModules(int numClasses)
{
    const int dim = model.embeddingSize;
    classifier = torch::empty({numClasses, dim});
    torch::nn::init::normal_(classifier, 0.0, 0.01);
    classifier.set_requires_grad(true);
    adapter = Adapter(dim);
    adapterHead = classifier.detach().clone().set_requires_grad(true);
    publicReps = torch::zeros({1, dim}).set_requires_grad(true);
    logTau = torch::full({1}, std::log(config.ada.tau)).set_requires_grad(true);
    net->to(torch::kCPU);
    device = torch::kCPU;
    channelsLast = false;
}

std::vector<std::pair<std::string, torch::Tensor>> LocalTrainer::Impl::slots() const
{
    std::vector<std::pair<std::string, torch::Tensor>> out;
    for (const auto& item : net->named_parameters(true))
        out.emplace_back("backbone." + item.key(), item.value());
    out.emplace_back("classifier", classifier);
    for (const auto& item : adapter->named_parameters(true))
        out.emplace_back("adapter." + item.key(), item.value());
    out.emplace_back("adapter_head", adapterHead);
    out.emplace_back("public", publicReps);
    out.emplace_back("log_tau", logTau);
    return out;
}

void LocalTrainer::Impl::buildOptimizer()
{
    optimizer = std::make_unique<Sgd>(config.optim.momentum);
    for (const auto& [name, tensor] : slots()) {
        // The public representations and the temperature are not shrunk towards zero.
        const bool decays = name != "public" && name != "log_tau";
        const std::size_t slot = optimizer->add(tensor, decays ? config.optim.weightDecay : 0.0);
        if (name == "public")
            publicSlot = slot;
    }
}

void LocalTrainer::Impl::place(const torch::Device& target, bool wantChannelsLast)
{
    torch::NoGradGuard noGrad;
    if (device != target) {
        net->to(target);
        adapter->to(target);
        for (torch::Tensor* t : {&classifier, &adapterHead, &publicReps, &logTau})
            t->set_data(t->data().to(target));
        for (std::size_t i = 0; optimizer && i < optimizer->size(); ++i) {
            auto& buffer = optimizer->momentumBuffer(i);
            if (buffer.defined())
                buffer = buffer.to(target);
        }
        device = target;
    }
    if (channelsLast != wantChannelsLast) {
        setChannelsLast(*net, wantChannelsLast);
        for (std::size_t i = 0; optimizer && i < optimizer->size(); ++i) {
            auto& buffer = optimizer->momentumBuffer(i);
            if (buffer.defined() && buffer.dim() == 4)
                buffer = buffer.contiguous(wantChannelsLast ? torch::MemoryFormat::ChannelsLast : torch::MemoryFormat::Contiguous);
        }
        channelsLast = wantChannelsLast;
    }
}

Result<TrainOutcome> LocalTrainer::trainRound(const TensorBundle& globalState, const NamedTensor* publicReps,
                                              const FaceCache& cache, const std::vector<std::int64_t>& indices,
                                              int epochs, const TrainProgressFn& progress,
                                              const std::atomic<bool>* cancel)
{
    auto& cfg = d->config;
    if (cache.info().width != d->model.inputSize || cache.info().height != d->model.inputSize)
        return Result<TrainOutcome>::error("the face cache holds " + std::to_string(cache.info().width)
                                           + " px images but the model expects " + std::to_string(d->model.inputSize) + " px");
    if (d->usesNegatives()) {
        if (!publicReps)
            return Result<TrainOutcome>::error("AdaFedFR needs the public class representations for this round");
        if (publicReps->shape.size() != 2 || publicReps->shape[1] != d->model.embeddingSize || publicReps->shape[0] < 1
            || static_cast<std::int64_t>(publicReps->values.size()) != publicReps->shape[0] * publicReps->shape[1])
            return Result<TrainOutcome>::error("public class representations must be a |P| x "
                                               + std::to_string(d->model.embeddingSize) + " matrix");
        for (float v : publicReps->values) {
            if (!std::isfinite(v))
                return Result<TrainOutcome>::error("public class representations contain a non-finite value");
        }
    }
    auto device = resolveDevice(cfg.device);
    if (!device)
        return device.status();
    std::lock_guard<std::mutex> lock(d->mutex);
    try {
        LoopSpec spec;
        spec.cache = &cache;
        spec.indices = indices;
        std::vector<std::int32_t> classes;
        std::vector<std::int64_t> remapped;
        remapLabels(cache, indices, classes, remapped);
        const bool first = !d->initialised();
        if (first) {
            if (classes.size() < 2)
                return Result<TrainOutcome>::error("local training needs at least 2 identities, the site has "
                                                   + std::to_string(classes.size()));
            d->classes = classes;
            d->createLocalModules(static_cast<int>(classes.size()));
        } else {
            for (auto& label : remapped) {
                const auto it = std::lower_bound(d->classes.begin(), d->classes.end(), classes[label]);
                if (it == d->classes.end() || *it != classes[label])
                    return Result<TrainOutcome>::error("identity label " + std::to_string(classes[label])
                                                       + " was not in the site's first round; start a new trainer");
                label = it - d->classes.begin();
            }
        }
        spec.labels = remapped;
        spec.epochs = epochs > 0 ? epochs : cfg.epochs;
        spec.batchSize = cfg.batchSize;
        spec.flip = cfg.flip;
        spec.seed = cfg.seed + static_cast<std::uint64_t>(d->rounds) * 1000003ULL;
        spec.device = torch::Device(device.value());
        spec.channelsLast = cfg.channelsLast;
        spec.maxSteps = cfg.maxSteps;
        spec.optim = cfg.optim;
        spec.threads = configureThreads(cfg.threads);

        d->place(spec.device, cfg.channelsLast);
        if (auto s = loadModuleState(*d->net, "", globalState); !s)
            return Result<TrainOutcome>::error("global model: " + s.message());
        if (first) {
            torch::NoGradGuard noGrad;
            if (cfg.ada.initClassifierFromMeans) {
                auto means = classMeans(*d, cache, indices, remapped, static_cast<int>(classes.size())).to(spec.device);
                d->classifier.copy_(means);
                d->adapterHead.copy_(means);
            }
            d->buildOptimizer();
        }
        if (d->usesNegatives()) {
            torch::NoGradGuard noGrad;
            auto reps = torch::from_blob(const_cast<float*>(publicReps->values.data()), publicReps->shape, torch::kFloat)
                            .to(spec.device);
            if (d->publicReps.sizes() == reps.sizes()) {
                d->publicReps.copy_(reps);
            } else {
                d->publicReps.set_data(reps.clone());
                d->optimizer->replace(d->publicSlot, d->publicReps);
            }
            d->publicReps.set_requires_grad(cfg.ada.trainablePublic);
        }
        d->logTau.set_requires_grad(cfg.ada.learnableTemperature);

        auto& net = *d->net;
        net.train();
        d->adapter->train();
        const HeadConfig head = cfg.head;
        KNegativeOptions kneg;
        kneg.k = cfg.ada.k;
        kneg.tau = cfg.ada.tau;
        kneg.similarityDelta = cfg.ada.similarityDelta;
        auto step = [&](const torch::Tensor& x, const torch::Tensor& y) {
            const auto e = net.forward(x);
            const auto z = normalizeRows(e);
            StepLosses losses;
            losses.cls = marginLoss(z, d->classifier, y, head);
            losses.total = losses.cls;
            if (d->usesNegatives()) {
                const auto positives = normalizeRows(d->classifier).index_select(0, y);
                torch::Tensor tau;
                if (cfg.ada.learnableTemperature)
                    tau = d->logTau.exp().clamp(0.01, 1.0);
                losses.neg = kNegativeLoss(z, positives, d->publicReps, kneg, tau);
                losses.total = losses.total + cfg.ada.lambdaNeg * losses.neg;
            }
            if (d->usesAdapter()) {
                const auto p = normalizeRows(d->adapter->forward(e.detach()));
                losses.per = marginLoss(p, d->adapterHead, y, head);
                losses.total = losses.total + cfg.ada.lambdaPer * losses.per;
            }
            return losses;
        };
        auto outcome = runTraining(spec, *d->optimizer, step, progress, cancel);
        net.eval();
        if (outcome && outcome->state == TrainState::Completed) {
            d->globalBefore = globalState;
            d->hasUpdate = true;
            ++d->rounds;
        } else {
            d->hasUpdate = false;
        }
        return outcome;
    } catch (const std::exception& e) {
        return Result<TrainOutcome>::error(std::string("local training failed: ") + e.what());
    }
}

Result<TensorBundle> LocalTrainer::lastUpdate() const
{
    if (!d->hasUpdate)
        return Result<TensorBundle>::error("no completed round to take an update from");
    auto update = difference(localState(), d->globalBefore);
    if (update)
        writeModelMeta(d->model, update.value());
    return update;
}

TensorBundle LocalTrainer::localState() const
{
    std::lock_guard<std::mutex> lock(d->mutex);
    TensorBundle bundle;
    appendModuleState(*d->net, "", bundle);
    writeModelMeta(d->model, bundle);
    return bundle;
}

int LocalTrainer::roundsTrained() const
{
    return d->rounds;
}

const TrainConfig& LocalTrainer::config() const
{
    return d->config;
}

const ModelConfig& LocalTrainer::modelConfig() const
{
    return d->model;
}

Result<std::vector<float>> LocalTrainer::embedPersonalized(const FaceCache& cache, const std::vector<std::int64_t>& indices,
                                                           const EmbedOptions& options, const std::atomic<bool>* cancel) const
{
    auto device = resolveDevice(options.device);
    if (!device)
        return device.status();
    configureThreads(options.threads);
    std::lock_guard<std::mutex> lock(d->mutex);
    try {
        const torch::Device target(device.value());
        if (!d->initialised()) {
            d->net->to(target);
            d->device = target;
            return embedImages(*d->net, target, d->channelsLast, cache, indices, options, cancel);
        }
        d->place(target, d->channelsLast);
        std::function<torch::Tensor(const torch::Tensor&)> head;
        if (d->usesAdapter()) {
            d->adapter->eval();
            head = [this](const torch::Tensor& e) { return d->adapter->forward(e); };
        }
        return embedImages(*d->net, target, d->channelsLast, cache, indices, options, cancel, head);
    } catch (const std::exception& e) {
        return Result<std::vector<float>>::error(std::string("embedding failed: ") + e.what());
    }
}

}  // namespace fedpilot::engine
