#pragma once
// One entry point for reports, used by the GUI and `fedpilot-cli report`: the file's extension
// picks the format (.pdf or .csv). Reads nothing itself: give it a loaded history and targets.

#include "fedpilot/engine/Result.h"
#include "report/PilotAssessment.h"
#include "report/PilotHistory.h"

#include <QString>

namespace fedpilot::report {

struct ReportInfo {
    int pages = 0;        // PDF only
    qint64 bytes = 0;
    PilotAssessment assessment;
};

engine::Result<ReportInfo> writeReport(const PilotHistory& history, const ReportTargets& targets, const QString& path);

}  // namespace fedpilot::report
