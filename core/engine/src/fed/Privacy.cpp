#include "fedpilot/engine/Federation.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <random>
#include <string>

namespace fedpilot::engine {

namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

bool validDelta(double delta)
{
    return delta > 0 && delta < 1;   // false for NaN too
}

void scaleParameters(TensorBundle& update, double factor)
{
    for (NamedTensor& tensor : update.tensors) {
        if (tensor.kind != TensorKind::Parameter)
            continue;
        for (float& v : tensor.values)
            v = static_cast<float>(v * factor);
    }
}

}  // namespace

double gaussianSigma(double epsilon, double delta)
{
    // epsilon <= 0 or infinite means "DP off" by contract: no noise.
    if (!(epsilon > 0) || std::isinf(epsilon))
        return 0;
    // A delta outside (0, 1) has no Gaussian mechanism; NaN makes clipAndNoise refuse rather than
    // quietly train without privacy.
    if (!validDelta(delta))
        return std::numeric_limits<double>::quiet_NaN();
    return std::sqrt(2 * std::log(1.25 / delta)) / epsilon;
}

Result<DpReport> clipAndNoise(TensorBundle& update, double clip, double sigma, std::uint64_t seed)
{
    if (!std::isfinite(clip) || clip <= 0)
        return Result<DpReport>::error("DP: clip norm must be a positive finite number");
    if (!std::isfinite(sigma) || sigma < 0)
        return Result<DpReport>::error("DP: noise multiplier must be a non-negative finite number");
    for (const NamedTensor& tensor : update.tensors) {
        if (tensor.kind != TensorKind::Parameter)
            continue;
        for (float v : tensor.values) {
            if (!std::isfinite(v))
                return Result<DpReport>::error("DP: non-finite value at tensor '" + tensor.name + "'");
        }
    }

    DpReport report;
    report.normBefore = l2Norm(update);
    if (report.normBefore > clip) {
        report.clipFactor = clip / report.normBefore;
        scaleParameters(update, report.clipFactor);
        // Rounding to float can leave the norm a few float ulps over the clip; the privacy
        // guarantee assumes sensitivity <= clip, so shrink by a few ulps more until it holds.
        for (int attempt = 1; attempt <= 16; ++attempt) {
            const double norm = l2Norm(update);
            if (norm <= clip)
                break;
            scaleParameters(update, (clip / norm) * (1 - attempt * 0x1p-22));
        }
    }

    report.noiseStd = sigma * clip;
    if (report.noiseStd > 0) {
        try {
            // Deterministic by seed so a round can be replayed; the per-coordinate order is the
            // bundle's tensor order.
            std::mt19937_64 rng(seed);
            std::normal_distribution<double> noise(0.0, report.noiseStd);
            for (NamedTensor& tensor : update.tensors) {
                if (tensor.kind != TensorKind::Parameter)
                    continue;
                for (float& v : tensor.values)
                    v = static_cast<float>(v + noise(rng));
            }
        } catch (const std::exception& e) {
            return Result<DpReport>::error(std::string("DP: adding noise failed: ") + e.what());
        }
    }
    return report;
}

DpBudget composeBudget(double epsilon, double delta, int rounds, double deltaPrime)
{
    DpBudget budget;
    if (rounds <= 0)
        return budget;
    const double k = rounds;
    // Probabilities past 1 say nothing more; keep the report readable.
    budget.deltaSimple = std::min(1.0, k * delta);
    // Mirrors gaussianSigma: an epsilon that adds no noise guarantees nothing.
    if (!(epsilon > 0) || std::isinf(epsilon)) {
        budget.epsilonSimple = kInfinity;
        budget.epsilonAdvanced = kInfinity;
        budget.deltaAdvanced = validDelta(deltaPrime) ? std::min(1.0, deltaPrime + k * delta) : 1.0;
        return budget;
    }
    budget.epsilonSimple = k * epsilon;
    if (!validDelta(deltaPrime)) {
        budget.epsilonAdvanced = kInfinity;
        budget.deltaAdvanced = 1.0;
        return budget;
    }
    // Advanced composition (Dwork, Rothblum, Vadhan 2010).
    budget.epsilonAdvanced = std::sqrt(2 * k * std::log(1 / deltaPrime)) * epsilon
                             + k * epsilon * std::expm1(epsilon);
    budget.deltaAdvanced = std::min(1.0, deltaPrime + k * delta);
    return budget;
}

}  // namespace fedpilot::engine
