#pragma once
// Federation math over tensor bundles: FedAvg, update arithmetic, validation, differential privacy.

#include "fedpilot/engine/Result.h"
#include "fedpilot/engine/TensorBundle.h"

#include <cstdint>
#include <vector>

namespace fedpilot::engine {

// Streaming weighted average: memory is one model's worth of doubles, whatever the number of
// updates added. Every update must have the same tensor names and shapes as the first.
class FedAvgAccumulator {
public:
    // weight > 0 (a site's sample count).
    Status add(const TensorBundle& update, double weight);
    int count() const { return m_count; }
    double totalWeight() const { return m_totalWeight; }
    // Weighted mean of every tensor (parameters and buffers alike).
    Result<TensorBundle> average() const;
    void clear();

private:
    std::vector<std::string> m_names;
    std::vector<std::vector<std::int64_t>> m_shapes;
    std::vector<TensorKind> m_kinds;
    std::vector<std::vector<double>> m_sums;
    double m_totalWeight = 0;
    int m_count = 0;
};

// after - before, tensor by tensor (same names and shapes required).
Result<TensorBundle> difference(const TensorBundle& after, const TensorBundle& before);
// base + scale * delta for every tensor of delta present in base.
Result<TensorBundle> applyDelta(const TensorBundle& base, const TensorBundle& delta, double scale = 1.0);
// applyDelta, then every value rounded to what `precision` stores (fp16: binary16, fp32: as is).
// The coordinator and its sites run exactly this to turn (held model, int8 delta) into the next
// canonical global model, so both hold bit-identical weights. int8 is no model precision: error.
Result<TensorBundle> applyDeltaRounded(const TensorBundle& base, const TensorBundle& delta, Encoding precision);
// L2 norm over tensors of the given kind (all kinds when includeBuffers).
double l2Norm(const TensorBundle& bundle, bool includeBuffers = false);

struct UpdateLimits {
    double maxNorm = 0;             // 0 = no bound; over parameters only
    bool requireAllTensors = true;  // every reference tensor must be present
};
// Same names/shapes as the reference, all finite, norm within bound. Error says which check failed.
Status validateUpdate(const TensorBundle& reference, const TensorBundle& update, const UpdateLimits& limits);

// Gaussian mechanism: sigma = sqrt(2 ln(1.25/delta)) / epsilon (per round). epsilon <= 0 or inf: 0.
double gaussianSigma(double epsilon, double delta);

struct DpReport {
    double normBefore = 0;
    double clipFactor = 1;   // min(1, clip / normBefore)
    double noiseStd = 0;     // sigma * clip
};
// Clips the parameter tensors of update to L2 norm `clip`, then adds N(0, (sigma*clip)^2) to each
// parameter coordinate. Buffers are left alone (callers drop them when DP is on).
Result<DpReport> clipAndNoise(TensorBundle& update, double clip, double sigma, std::uint64_t seed);

// Epsilon after `rounds` compositions of a per-round (epsilon, delta) mechanism: simple composition
// (rounds*eps, rounds*delta) and the advanced composition bound for a given deltaPrime.
struct DpBudget {
    double epsilonSimple = 0;
    double deltaSimple = 0;
    double epsilonAdvanced = 0;
    double deltaAdvanced = 0;
};
DpBudget composeBudget(double epsilon, double delta, int rounds, double deltaPrime = 1e-5);

}  // namespace fedpilot::engine
