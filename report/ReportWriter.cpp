#include "report/ReportWriter.h"

#include "report/CsvReport.h"
#include "report/PdfReport.h"

#include <QFileInfo>

namespace fedpilot::report {

engine::Result<ReportInfo> writeReport(const PilotHistory& history, const ReportTargets& targets, const QString& path)
{
    ReportInfo info;
    info.assessment = assess(history, targets);
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix == QLatin1String("csv")) {
        const auto status = writeCsv(history, info.assessment, path);
        if (!status)
            return status;
    } else if (suffix == QLatin1String("pdf")) {
        auto pages = writePdfReport(history, info.assessment, targets, path);
        if (!pages)
            return pages.status();
        info.pages = pages.value();
    } else {
        return engine::Result<ReportInfo>::error("unknown report format '." + suffix.toStdString() + "': use a .pdf or .csv file name");
    }
    info.bytes = QFileInfo(path).size();
    return info;
}

}  // namespace fedpilot::report
