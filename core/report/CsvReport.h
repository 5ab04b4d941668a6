#pragma once
// The pilot history as one CSV file in long form (RFC 4180): header "section,round,site,key,value",
// then one row per number. Long form because it loads into any spreadsheet or pandas pivot
// without knowing how many sites or rounds there were. Sections: pilot, target, round, site,
// traffic, model.

#include "fedpilot/engine/Result.h"
#include "report/PilotAssessment.h"
#include "report/PilotHistory.h"

#include <QString>
#include <QStringList>
#include <QVector>

namespace fedpilot::report {

QString toCsv(const PilotHistory& history, const PilotAssessment& assessment);
// Writes atomically (QSaveFile): a failed write leaves any previous file untouched.
engine::Status writeCsv(const PilotHistory& history, const PilotAssessment& assessment, const QString& path);
// Splits CSV text into rows of fields (quotes, doubled quotes and embedded newlines handled).
QVector<QStringList> parseCsv(const QString& text);

}  // namespace fedpilot::report
