#pragma once
// JSON views of engine results, shared by the CLI, the history DB and reports.

#include "fedpilot/engine/Bench.h"
#include "fedpilot/engine/Trainer.h"
#include "fedpilot/engine/Verification.h"

#include <QJsonObject>

namespace fedpilot {

// accuracy, accuracy_std, best_threshold, auc, eer, tar_at_far {"1e-1": x or null...},
// genuine_pairs, impostor_pairs, folds; roc points only when withRoc.
QJsonObject toJson(const engine::VerificationMetrics& metrics, bool withRoc = false);
QJsonObject toJson(const engine::IdentificationMetrics& metrics);
QJsonObject toJson(const engine::TrainOutcome& outcome);
QJsonObject toJson(const engine::BenchTrainResult& result);
QJsonObject toJson(const engine::ModelConfig& config);

}  // namespace fedpilot
