#pragma once
// Pilots in the history database (coordinator and site alike).

#include "fedpilot/engine/Result.h"
#include "storage/Database.h"

#include <QString>

#include <optional>

namespace fedpilot {

struct PilotRecord {
    qint64 id = 0;
    QString name;
    QString strategy;
    QString backbone;
    QString configJson;
    QString status;
    int totalRounds = 0;
    int completedRounds = 0;
};

class PilotRepository {
public:
    explicit PilotRepository(const Database& db) : m_db(db) {}

    // Creates the pilot, or updates strategy/config/rounds of an existing one with that name.
    engine::Result<qint64> upsert(const PilotRecord& pilot) const;
    std::optional<PilotRecord> findByName(const QString& name) const;
    engine::Status setStatus(qint64 pilotId, const QString& status) const;
    engine::Status setCompletedRounds(qint64 pilotId, int completed) const;
    // Configured DP parameters (NULLs when off).
    engine::Status setDp(qint64 pilotId, double epsilon, double delta, double clip, double sigma) const;
    engine::Status addSite(qint64 pilotId, qint64 siteId) const;

private:
    const Database& m_db;
};

}  // namespace fedpilot
