#pragma once
// Plain configuration structs for models and training. Defaults follow ADAFEDFR.md section 8.

#include "fedpilot/engine/Result.h"

#include <cstdint>
#include <string>

namespace fedpilot::engine {

enum class Backbone { MobileFaceNet, IResNet18, IResNet50 };
enum class MarginHead { CosFace, ArcFace };
enum class Strategy { AdaFedFR, FedAvg, Local };

struct ModelConfig {
    Backbone backbone = Backbone::MobileFaceNet;
    int inputSize = 112;      // square input, a multiple of 16
    int embeddingSize = 512;
};

struct HeadConfig {
    MarginHead type = MarginHead::CosFace;
    double scale = 30.0;   // CosFace s=30, ArcFace s=64
    double margin = 0.4;   // CosFace m=0.4, ArcFace m=0.5
};

struct AdaFedFRConfig {
    int k = 100;                       // hardest public negatives per sample, capped at |P|
    double tau = 1.0 / 30.0;           // temperature
    double lambdaNeg = 1.0;            // weight of the k-negative loss
    double lambdaPer = 1.0;            // weight of the adapter's own head loss
    bool learnableTemperature = false; // tau = exp(t), clamped to [0.01, 1]
    double similarityDelta = -1.0;     // < 0: off; else keep negatives with cos > cos(z,w_y) - delta
    bool trainablePublic = true;       // learnable copy of the public representations
    bool initClassifierFromMeans = true;
    bool adapter = true;               // residual adapter with its own head
};

struct OptimConfig {
    double learningRate = 1e-3;
    double momentum = 0.9;
    double weightDecay = 5e-4;
    double stepAtFraction = 0.75;  // lr x stepGamma after this fraction of the epochs
    double stepGamma = 0.1;
};

struct TrainConfig {
    Strategy strategy = Strategy::AdaFedFR;
    HeadConfig head;
    AdaFedFRConfig ada;
    OptimConfig optim;
    int epochs = 1;
    int batchSize = 128;
    bool flip = true;
    std::uint64_t seed = 1;
    std::string device = "auto";   // auto | cpu | cuda | cuda:N
    int threads = 0;               // intra-op threads; 0 = cores - 1 (min 1)
    bool channelsLast = true;
    std::int64_t maxSteps = 0;     // 0 = no limit (benchmarks and smoke tests cap it)
};

// Names used by the CLI and config files.
const char* toString(Backbone b);
const char* toString(MarginHead h);
const char* toString(Strategy s);
Result<Backbone> parseBackbone(const std::string& name);
Result<MarginHead> parseMarginHead(const std::string& name);
Result<Strategy> parseStrategy(const std::string& name);
// Default (s, m) for a head type.
HeadConfig defaultHead(MarginHead type);
// Checks ranges (input size multiple of 16, positive sizes, finite weights...).
Status validate(const ModelConfig& config);
Status validate(const TrainConfig& config);

}  // namespace fedpilot::engine
