// fedpilot-engine: the engine-only tool (LibTorch alone, no Qt). It is what a GPU box builds
// (cmake -DFEDPILOT_ENGINE_ONLY=ON) to check devices, benchmark training and compare CUDA with CPU.

#include "ArgParser.h"

#include "fedpilot/engine/Bench.h"
#include "fedpilot/engine/Device.h"
#include "fedpilot/engine/FaceModel.h"
#include "fedpilot/engine/FaceSynth.h"
#include "fedpilot/engine/Federation.h"
#include "fedpilot/engine/Simulation.h"
#include "fedpilot/engine/Trainer.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <random>
#include <sstream>

using namespace fedpilot::engine;
using fedpilot::tool::ArgParser;

namespace {

const char* kUsage =
    "Usage: fedpilot-engine <command> [options]\n\n"
    "Commands:\n"
    "  info         LibTorch version, devices, threads\n"
    "  bench-train  training images/s: --backbone B --size S --embedding E --batch N --steps K --warmup W\n"
    "               --device D --threads T [--no-channels-last]\n"
    "  gpu-check    train the same model a few steps on CUDA and on CPU, compare losses and weights,\n"
    "               and report images/s on both: --size S --steps K --batch N --bench-size S2 --bench-batch N2\n"
    "  simulate     an in-process pilot on synthetic faces: --strategy S --sites N --rounds R --size S\n"
    "               --device D --work DIR\n";

int usageError(const std::string& message)
{
    std::cerr << "fedpilot-engine: error: " << message << "\n\n" << kUsage;
    return 2;
}

std::string jsonBench(const BenchTrainResult& r)
{
    std::ostringstream o;
    o << "{\"images_per_s\": " << r.imagesPerSec << ", \"step_ms_mean\": " << r.stepMsMean << ", \"params\": " << r.params
      << ", \"device\": \"" << r.device << "\", \"threads\": " << r.threads << ", \"batch\": " << r.batchSize
      << ", \"size\": " << r.inputSize << ", \"backbone\": \"" << r.backbone << "\", \"channels_last\": "
      << (r.channelsLast ? "true" : "false") << ", \"torch\": \"" << r.torchVersion << "\"}";
    return o.str();
}

Result<BenchTrainOptions> benchOptions(ArgParser& a, const std::string& sizeKey, const std::string& batchKey)
{
    BenchTrainOptions o;
    auto backbone = parseBackbone(a.get("backbone", "mobilefacenet"));
    if (!backbone)
        return backbone.status();
    o.model.backbone = backbone.value();
    o.model.inputSize = static_cast<int>(a.getInt(sizeKey, 112));
    o.model.embeddingSize = static_cast<int>(a.getInt("embedding", 512));
    o.batchSize = static_cast<int>(a.getInt(batchKey, 64));
    o.steps = static_cast<int>(a.getInt("steps", 20));
    o.warmupSteps = static_cast<int>(a.getInt("warmup", 3));
    o.device = a.get("device", "auto");
    o.threads = static_cast<int>(a.getInt("threads", 0));
    o.channelsLast = !a.has("no-channels-last");
    if (!a.ok())
        return Result<BenchTrainOptions>::error(a.error());
    return o;
}

int info()
{
    std::cout << "LibTorch " << torchVersion() << ", default intra-op threads " << defaultThreadCount() << "\n";
    for (const auto& d : availableDevices())
        std::cout << "  " << d.id << ": " << d.name << "\n";
    return 0;
}

int benchTrainCommand(ArgParser& a)
{
    auto options = benchOptions(a, "size", "batch");
    if (!options)
        return usageError(options.message());
    auto r = benchTrain(options.value());
    if (!r) {
        std::cerr << "fedpilot-engine: error: " << r.message() << "\n";
        return 1;
    }
    std::cout << jsonBench(r.value()) << "\n";
    return 0;
}

// Same initial model, same batches (no flip), a few steps on each device: the losses and the
// trained weights must agree up to floating-point reordering.
int gpuCheck(ArgParser& a)
{
    if (!cudaAvailable()) {
        std::cerr << "fedpilot-engine: CUDA is not available in this build or machine\n";
        return 3;
    }
    const int size = static_cast<int>(a.getInt("size", 64));
    const int steps = static_cast<int>(a.getInt("steps", 20));
    const int batch = static_cast<int>(a.getInt("batch", 32));
    if (!a.ok())
        return usageError(a.error());
    namespace fs = std::filesystem;
    const fs::path dir = fs::temp_directory_path() / ("fedpilot-gpucheck-" + std::to_string(std::random_device{}()));
    fs::create_directories(dir);
    SynthCacheOptions synth;
    synth.identities = 40;
    synth.imagesPerIdentity = 8;
    synth.size = size;
    synth.heldOutImagesPerIdentity = 0;
    const std::string cachePath = (dir / "faces.fpcache").string();
    if (auto s = writeSynthCache(cachePath, synth); !s) {
        std::cerr << s.message() << "\n";
        return 1;
    }
    auto cache = FaceCache::open(cachePath).value();
    ModelConfig mc;
    mc.inputSize = size;
    mc.embeddingSize = 128;
    auto cpuModel = FaceModel::create(mc, 7).value();
    auto gpuModel = cpuModel.clone();
    TrainConfig tc;
    tc.epochs = 1000;
    tc.maxSteps = steps;
    tc.batchSize = batch;
    tc.flip = false;
    tc.optim.learningRate = 0.01;
    tc.device = "cpu";
    auto cpu = pretrain(cpuModel, cache, cache.allIndices(), tc);
    tc.device = "cuda";
    auto gpu = pretrain(gpuModel, cache, cache.allIndices(), tc);
    fs::remove_all(dir);
    if (!cpu || !gpu) {
        std::cerr << "training failed: " << (cpu ? gpu.message() : cpu.message()) << "\n";
        return 1;
    }
    const auto diff = difference(gpuModel.state(), cpuModel.state());
    const double relative = l2Norm(diff.value()) / std::max(1e-12, l2Norm(cpuModel.state()));
    const double lossGap = std::fabs(cpu->finalLoss - gpu->finalLoss) / std::max(1e-12, std::fabs(cpu->finalLoss));
    std::cout << "{\"check\": \"cuda-vs-cpu\", \"steps\": " << steps << ", \"size\": " << size << ", \"batch\": " << batch
              << ", \"cpu_loss\": " << cpu->finalLoss << ", \"cuda_loss\": " << gpu->finalLoss
              << ", \"loss_relative_gap\": " << lossGap << ", \"weights_relative_gap\": " << relative
              << ", \"cpu_device\": \"" << cpu->device << "\", \"cuda_device\": \"" << gpu->device << "\"}\n";

    // Throughput on both devices at the benchmark size.
    for (const char* device : {"cuda", "cpu"}) {
        BenchTrainOptions o;
        o.model.inputSize = static_cast<int>(a.getInt("bench-size", 112));
        o.batchSize = static_cast<int>(a.getInt("bench-batch", 128));
        o.steps = std::string(device) == "cuda" ? 30 : 5;
        o.warmupSteps = std::string(device) == "cuda" ? 5 : 1;
        o.device = device;
        auto r = benchTrain(o);
        if (r)
            std::cout << jsonBench(r.value()) << "\n";
        else
            std::cerr << device << " benchmark failed: " << r.message() << "\n";
    }
    const bool agree = lossGap < 0.05 && relative < 0.05;
    std::cout << (agree ? "CUDA and CPU agree\n" : "CUDA and CPU DISAGREE\n");
    return agree ? 0 : 1;
}

int simulate(ArgParser& a)
{
    SimulationOptions o;
    auto strategy = parseStrategy(a.get("strategy", "adafedfr"));
    if (!strategy)
        return usageError(strategy.message());
    o.strategy = strategy.value();
    o.sites = static_cast<int>(a.getInt("sites", 3));
    o.rounds = static_cast<int>(a.getInt("rounds", 2));
    o.model.inputSize = static_cast<int>(a.getInt("size", 32));
    o.model.embeddingSize = 128;
    o.pretrain.epochs = static_cast<int>(a.getInt("pretrain-epochs", 12));
    o.pretrain.batchSize = 64;
    o.pretrain.optim.learningRate = 0.1;
    o.local.epochs = static_cast<int>(a.getInt("local-epochs", 3));
    o.local.batchSize = 32;
    o.local.optim.learningRate = 0.01;
    o.local.ada.k = 30;
    o.pretrain.device = o.local.device = a.get("device", "auto");
    o.workDir = a.get("work", (std::filesystem::temp_directory_path() / "fedpilot-engine-simulation").string());
    if (!a.ok())
        return usageError(a.error());
    auto r = simulatePilot(o);
    if (!r) {
        std::cerr << "fedpilot-engine: error: " << r.message() << "\n";
        return 1;
    }
    std::printf("untrained accuracy %.4f\n", r->untrained.accuracy);
    for (const auto& round : r->rounds)
        std::printf("round %d generic accuracy %.4f AUC %.4f\n", round.round, round.generic.accuracy, round.generic.auc);
    return 0;
}

}  // namespace

int main(int argc, char** argv)
{
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty() || args[0] == "--help" || args[0] == "-h") {
        std::cout << kUsage;
        return args.empty() ? 2 : 0;
    }
    const std::string command = args[0];
    ArgParser parser({args.begin() + 1, args.end()}, {"no-channels-last", "help"});
    if (!parser.ok())
        return usageError(parser.error());
    if (parser.has("help")) {
        std::cout << kUsage;
        return 0;
    }
    if (command == "info")
        return info();
    if (command == "bench-train")
        return benchTrainCommand(parser);
    if (command == "gpu-check")
        return gpuCheck(parser);
    if (command == "simulate")
        return simulate(parser);
    return usageError("unknown command '" + command + "'");
}
