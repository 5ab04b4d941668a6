#pragma once
// A pilot's configuration: the JSON a pilot manager writes, validated with clear errors.
// docs/protocol.md lists every key with its default.

#include "fedpilot/engine/Config.h"
#include "fedpilot/engine/Result.h"
#include "fedpilot/engine/TensorBundle.h"

#include <QJsonObject>
#include <QString>

#include <vector>

namespace fedpilot::federation {

struct PilotConfig {
    QString name = QStringLiteral("pilot");
    engine::Strategy strategy = engine::Strategy::AdaFedFR;
    engine::ModelConfig model;           // backbone, input size, embedding size
    int rounds = 2;
    std::vector<int> localEpochs{3};     // per round; the last value repeats
    int batchSize = 32;
    double learningRate = 0.01;
    double momentum = 0.9;
    double weightDecay = 5e-4;
    engine::MarginHead head = engine::MarginHead::CosFace;
    int k = 30;
    double tau = 1.0 / 30.0;
    double lambdaNeg = 1.0;
    double lambdaPer = 1.0;
    std::uint64_t seed = 1;

    // Central differential privacy (epsilon <= 0: off).
    double dpEpsilon = 0;
    double dpDelta = 1e-5;
    double dpClip = 1.0;

    // Round state machine.
    int minSites = 1;
    int quorum = 0;                      // accepted updates needed to aggregate; 0 = minSites
    double waitAfterMinS = 10;
    double roundTimeoutS = 600;
    int maxRoundAttempts = 3;
    double lingerS = 5;                  // after the last round, how long STOP is handed out

    // Transfers and limits.
    // down: the full global model (fp16 or fp32; its precision is the canonical model's);
    // up: the sites' updates; delta: the change between two global models, sent to sites that
    // hold the previous one (off = always the full model).
    engine::BundleEncodeOptions down{engine::Encoding::Fp16, engine::Compression::Zstd, 3};
    engine::BundleEncodeOptions up{engine::Encoding::Int8, engine::Compression::Zstd, 3};
    bool deltaDown = true;
    engine::BundleEncodeOptions delta{engine::Encoding::Int8, engine::Compression::Zstd, 3};
    std::uint64_t maxUpdateBytes = 0;    // 0 = 1.5 x the fp32 size of the model
    double maxUpdateNorm = 1000;         // L2 bound on an update's parameters; 0 = none
    int heartbeatIntervalMs = 2000;
    int pollWaitMs = 5000;

    // Public data and the generic model (synthetic unless a cache is given).
    QString publicCache;                 // packed face cache; identities < publicIdentities are public
    int publicIdentities = 40;
    int publicImagesPerIdentity = 6;
    int evalIdentities = 20;
    int evalImagesPerIdentity = 6;
    int pretrainEpochs = 8;
    double pretrainLearningRate = 0.1;
    QString checkpoint;                  // import a generic model instead of pretraining

    int effectiveQuorum() const { return quorum > 0 ? quorum : minSites; }
    int epochsForRound(int round) const;  // round is 1-based
    engine::TrainConfig localTrainConfig(int round) const;
};

// Parses and validates; the error names the key and what was expected. Unknown keys are errors
// (a typo must not silently fall back to a default).
engine::Result<PilotConfig> parsePilotConfig(const QJsonObject& json);
engine::Result<PilotConfig> loadPilotConfig(const QString& path);
QJsonObject toJson(const PilotConfig& config);

}  // namespace fedpilot::federation
