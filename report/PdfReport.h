#pragma once
// The pilot report as a PDF: the go/no-go decision and key figures first (what a manager reads),
// then the charts, then the evidence (configuration, participation, per-site metrics, traffic,
// privacy budget, model hashes) for whoever audits the decision.

#include "fedpilot/engine/Result.h"
#include "report/PilotAssessment.h"
#include "report/PilotHistory.h"

#include <QString>

namespace fedpilot::report {

// Returns the number of pages written. The file appears complete or not at all.
engine::Result<int> writePdfReport(const PilotHistory& history, const PilotAssessment& assessment,
                                   const ReportTargets& targets, const QString& path);

}  // namespace fedpilot::report
