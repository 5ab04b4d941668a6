// Checkpoints of a site's trainer: local backbone, classifier, adapter, public copy, temperature,
// momentum buffers, the last global model (for the pending update) and the configuration.

#include "train/LocalTrainerImpl.h"

#include "TorchState.h"

#include <sstream>

namespace fedpilot::engine {
namespace {

std::string joinLabels(const std::vector<std::int32_t>& labels)
{
    std::ostringstream out;
    for (std::size_t i = 0; i < labels.size(); ++i)
        out << (i ? "," : "") << labels[i];
    return out.str();
}

bool splitLabels(const std::string& text, std::vector<std::int32_t>& labels)
{
    labels.clear();
    std::istringstream in(text);
    std::string item;
    while (std::getline(in, item, ',')) {
        try {
            labels.push_back(std::stoi(item));
        } catch (...) {
            return false;
        }
    }
    return true;
}

std::string num(double v)
{
    std::ostringstream out;
    out.precision(17);
    out << v;
    return out.str();
}

}  // namespace

void writeTrainMeta(const TrainConfig& c, TensorBundle& b)
{
    auto& m = b.meta;
    m["train.strategy"] = toString(c.strategy);
    m["train.head"] = toString(c.head.type);
    m["train.head_scale"] = num(c.head.scale);
    m["train.head_margin"] = num(c.head.margin);
    m["train.k"] = std::to_string(c.ada.k);
    m["train.tau"] = num(c.ada.tau);
    m["train.lambda_neg"] = num(c.ada.lambdaNeg);
    m["train.lambda_per"] = num(c.ada.lambdaPer);
    m["train.learnable_tau"] = c.ada.learnableTemperature ? "1" : "0";
    m["train.similarity_delta"] = num(c.ada.similarityDelta);
    m["train.trainable_public"] = c.ada.trainablePublic ? "1" : "0";
    m["train.init_from_means"] = c.ada.initClassifierFromMeans ? "1" : "0";
    m["train.adapter"] = c.ada.adapter ? "1" : "0";
    m["train.lr"] = num(c.optim.learningRate);
    m["train.momentum"] = num(c.optim.momentum);
    m["train.weight_decay"] = num(c.optim.weightDecay);
    m["train.step_fraction"] = num(c.optim.stepAtFraction);
    m["train.step_gamma"] = num(c.optim.stepGamma);
    m["train.epochs"] = std::to_string(c.epochs);
    m["train.batch"] = std::to_string(c.batchSize);
    m["train.flip"] = c.flip ? "1" : "0";
    m["train.seed"] = std::to_string(c.seed);
    m["train.device"] = c.device;
    m["train.threads"] = std::to_string(c.threads);
    m["train.channels_last"] = c.channelsLast ? "1" : "0";
}

Result<TrainConfig> readTrainMeta(const TensorBundle& b)
{
    TrainConfig c;
    try {
        auto get = [&](const char* key) -> const std::string& {
            auto it = b.meta.find(key);
            if (it == b.meta.end())
                throw std::runtime_error(std::string("missing ") + key);
            return it->second;
        };
        auto strategy = parseStrategy(get("train.strategy"));
        auto head = parseMarginHead(get("train.head"));
        if (!strategy || !head)
            throw std::runtime_error("bad strategy or head");
        c.strategy = strategy.value();
        c.head.type = head.value();
        c.head.scale = std::stod(get("train.head_scale"));
        c.head.margin = std::stod(get("train.head_margin"));
        c.ada.k = std::stoi(get("train.k"));
        c.ada.tau = std::stod(get("train.tau"));
        c.ada.lambdaNeg = std::stod(get("train.lambda_neg"));
        c.ada.lambdaPer = std::stod(get("train.lambda_per"));
        c.ada.learnableTemperature = get("train.learnable_tau") == "1";
        c.ada.similarityDelta = std::stod(get("train.similarity_delta"));
        c.ada.trainablePublic = get("train.trainable_public") == "1";
        c.ada.initClassifierFromMeans = get("train.init_from_means") == "1";
        c.ada.adapter = get("train.adapter") == "1";
        c.optim.learningRate = std::stod(get("train.lr"));
        c.optim.momentum = std::stod(get("train.momentum"));
        c.optim.weightDecay = std::stod(get("train.weight_decay"));
        c.optim.stepAtFraction = std::stod(get("train.step_fraction"));
        c.optim.stepGamma = std::stod(get("train.step_gamma"));
        c.epochs = std::stoi(get("train.epochs"));
        c.batchSize = std::stoi(get("train.batch"));
        c.flip = get("train.flip") == "1";
        c.seed = std::stoull(get("train.seed"));
        c.device = get("train.device");
        c.threads = std::stoi(get("train.threads"));
        c.channelsLast = get("train.channels_last") == "1";
    } catch (const std::exception& e) {
        return Result<TrainConfig>::error(std::string("trainer checkpoint has a bad configuration: ") + e.what());
    }
    if (auto s = validate(c); !s)
        return s;
    return c;
}

Status LocalTrainer::save(const std::string& path) const
{
    std::lock_guard<std::mutex> lock(d->mutex);
    try {
        TensorBundle b;
        writeModelMeta(d->model, b);
        writeTrainMeta(d->config, b);
        b.meta["trainer.rounds"] = std::to_string(d->rounds);
        b.meta["trainer.classes"] = joinLabels(d->classes);
        b.meta["trainer.has_update"] = d->hasUpdate ? "1" : "0";
        b.meta["kind"] = "fedpilot.local_trainer";
        appendModuleState(*d->net, "backbone.", b);
        if (d->initialised()) {
            b.tensors.push_back(toNamed("classifier", d->classifier, TensorKind::Parameter));
            appendModuleState(*d->adapter, "adapter.", b);
            b.tensors.push_back(toNamed("adapter_head", d->adapterHead, TensorKind::Parameter));
            b.tensors.push_back(toNamed("public", d->publicReps, TensorKind::Parameter));
            b.tensors.push_back(toNamed("log_tau", d->logTau, TensorKind::Parameter));
            for (std::size_t i = 0; d->optimizer && i < d->optimizer->size(); ++i) {
                const auto& buffer = d->optimizer->momentumBuffer(i);
                if (buffer.defined())
                    b.tensors.push_back(toNamed("momentum." + std::to_string(i), buffer, TensorKind::Buffer));
            }
        }
        if (d->hasUpdate) {
            for (const auto& t : d->globalBefore.tensors) {
                NamedTensor copy = t;
                copy.name = "global." + t.name;
                b.tensors.push_back(std::move(copy));
            }
        }
        return saveBundle(path, b);
    } catch (const std::exception& e) {
        return Status::error(std::string("cannot save the trainer: ") + e.what());
    }
}

Result<LocalTrainer> LocalTrainer::load(const std::string& path)
{
    auto bundle = loadBundle(path);
    if (!bundle)
        return bundle.status();
    const auto& b = bundle.value();
    auto kind = b.meta.find("kind");
    if (kind == b.meta.end() || kind->second != "fedpilot.local_trainer")
        return Result<LocalTrainer>::error(path + " is not a FedPilot trainer checkpoint");
    auto model = readModelMeta(b);
    if (!model)
        return model.status();
    auto config = readTrainMeta(b);
    if (!config)
        return config.status();
    auto trainer = create(model.value(), config.value());
    if (!trainer)
        return trainer;
    auto& d = *trainer->d;
    try {
        torch::NoGradGuard noGrad;
        if (auto s = loadModuleState(*d.net, "backbone.", b); !s)
            return Result<LocalTrainer>::error(path + ": " + s.message());
        d.rounds = std::stoi(b.meta.at("trainer.rounds"));
        if (!splitLabels(b.meta.at("trainer.classes"), d.classes))
            return Result<LocalTrainer>::error(path + ": bad identity list");
        if (!d.classes.empty()) {
            auto tensorOf = [&](const char* name) -> Result<torch::Tensor> {
                const NamedTensor* t = b.find(name);
                if (!t)
                    return Result<torch::Tensor>::error(std::string("missing tensor ") + name);
                return fromNamed(*t);
            };
            d.createLocalModules(static_cast<int>(d.classes.size()));
            auto classifier = tensorOf("classifier");
            auto head = tensorOf("adapter_head");
            auto pub = tensorOf("public");
            auto tau = tensorOf("log_tau");
            if (!classifier || !head || !pub || !tau)
                return Result<LocalTrainer>::error(path + ": incomplete trainer checkpoint");
            if (classifier->sizes() != d.classifier.sizes() || head->sizes() != d.adapterHead.sizes())
                return Result<LocalTrainer>::error(path + ": classifier does not match the identity list");
            d.classifier.copy_(classifier.value());
            d.adapterHead.copy_(head.value());
            d.publicReps.set_data(pub.value());
            d.logTau.copy_(tau.value());
            if (auto s = loadModuleState(*d.adapter, "adapter.", b); !s)
                return Result<LocalTrainer>::error(path + ": " + s.message());
            d.buildOptimizer();
            const auto slotList = d.slots();
            for (std::size_t i = 0; i < d.optimizer->size(); ++i) {
                if (const NamedTensor* m = b.find("momentum." + std::to_string(i))) {
                    auto buffer = fromNamed(*m);
                    if (buffer.sizes() != slotList[i].second.sizes())
                        return Result<LocalTrainer>::error(path + ": momentum buffer " + std::to_string(i) + " has the wrong shape");
                    d.optimizer->momentumBuffer(i) = buffer;
                }
            }
        }
        if (b.meta.count("trainer.has_update") && b.meta.at("trainer.has_update") == "1") {
            for (const auto& t : b.tensors) {
                if (t.name.rfind("global.", 0) == 0) {
                    NamedTensor copy = t;
                    copy.name = t.name.substr(7);
                    d.globalBefore.tensors.push_back(std::move(copy));
                }
            }
            d.hasUpdate = !d.globalBefore.tensors.empty();
        }
    } catch (const std::exception& e) {
        return Result<LocalTrainer>::error(path + ": cannot restore the trainer: " + e.what());
    }
    return trainer;
}

}  // namespace fedpilot::engine
