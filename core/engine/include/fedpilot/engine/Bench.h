#pragma once
// Training throughput benchmark: the real data path and training step on synthetic faces.

#include "fedpilot/engine/Config.h"
#include "fedpilot/engine/Result.h"

#include <cstdint>
#include <string>

namespace fedpilot::engine {

struct BenchTrainOptions {
    ModelConfig model;
    int batchSize = 64;
    int steps = 20;        // timed steps
    int warmupSteps = 3;   // untimed
    int identities = 100;  // CosFace classes in the synthetic pool
    std::string device = "auto";
    int threads = 0;
    bool channelsLast = true;
    std::uint64_t seed = 1;
};

struct BenchTrainResult {
    double imagesPerSec = 0;
    double stepMsMean = 0;
    double stepMsMin = 0;
    std::int64_t params = 0;
    std::string device;
    int threads = 0;
    int steps = 0;
    int batchSize = 0;
    int inputSize = 0;
    std::string backbone;
    std::string torchVersion;
    bool channelsLast = false;
};

Result<BenchTrainResult> benchTrain(const BenchTrainOptions& options);

}  // namespace fedpilot::engine
