#pragma once
// Writes a whole PilotHistory into a database in one transaction: demo data for the GUI and
// screenshots, recorded in-process simulations, and test fixtures. Site ids in the input are
// local keys (HistorySite::id); sites are matched by name and created when missing. A pilot with
// the same name is replaced (its rounds, metrics and traffic go with it).

#include "fedpilot/engine/Result.h"
#include "report/PilotHistory.h"

namespace fedpilot {
class Database;
}

namespace fedpilot::report {

// Returns the pilot's id in db.
engine::Result<qint64> writeHistory(const Database& db, const PilotHistory& history);

}  // namespace fedpilot::report
