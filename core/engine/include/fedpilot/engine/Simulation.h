#pragma once
// An in-process federated pilot on synthetic faces: the coordinator's and the sites' work
// (pretraining, public class representations, local rounds, FedAvg, optional DP, evaluation)
// run with the engine alone. Used by the demo, the engine tool's GPU check and strategy studies.

#include "fedpilot/engine/Config.h"
#include "fedpilot/engine/Result.h"
#include "fedpilot/engine/Trainer.h"
#include "fedpilot/engine/Verification.h"

#include <atomic>
#include <functional>
#include <string>
#include <vector>

namespace fedpilot::engine {

struct SimulationOptions {
    ModelConfig model;
    Strategy strategy = Strategy::AdaFedFR;
    std::string workDir;             // where the synthetic cache is written (required)
    std::uint64_t seed = 1;
    int publicIdentities = 60;
    int publicImagesPerIdentity = 6;
    int sites = 3;
    int identitiesPerSite = 10;
    int imagesPerSiteIdentity = 12;
    int heldOutImagesPerSiteIdentity = 4;
    int evalIdentities = 30;
    int evalImagesPerIdentity = 6;
    int rounds = 2;
    TrainConfig pretrain;            // epochs, lr... of the generic model
    TrainConfig local;               // strategy is taken from `strategy`; epochs per round
    double dpEpsilon = 0;            // <= 0: no differential privacy
    double dpDelta = 1e-5;
    double dpClip = 1.0;
};

struct SiteRoundResult {
    int site = 0;
    TrainOutcome training;
    VerificationMetrics personalized;  // the site's held-out identities, its own model (+ adapter)
    double updateNorm = 0;
    std::int64_t samples = 0;
    std::int64_t updateBytesFp32 = 0;
};

struct RoundResult {
    int round = 0;                     // 0 = the pretrained generic model
    VerificationMetrics generic;       // unseen identities, global model
    IdentificationMetrics identification;
    std::vector<SiteRoundResult> sites;
    double seconds = 0;
};

struct SimulationResult {
    VerificationMetrics untrained;     // the floor: a random model
    TrainOutcome pretraining;
    std::vector<RoundResult> rounds;   // rounds[0] is the pretrained model
    double dpSigma = 0;
    std::int64_t modelParameters = 0;
};

using SimulationProgressFn = std::function<void(const std::string& stage, double fraction)>;

Result<SimulationResult> simulatePilot(const SimulationOptions& options, const SimulationProgressFn& progress = {},
                                       const std::atomic<bool>* cancel = nullptr);

}  // namespace fedpilot::engine
