#pragma once
// Reads pilot histories from a site or coordinator database with plain SELECTs on the calling
// thread's connection. Read-only, so the GUI can poll it while the coordinator or an import
// writes (WAL lets readers and one writer work at the same time).

#include "fedpilot/engine/Result.h"
#include "report/PilotHistory.h"

#include <QString>
#include <QVector>

namespace fedpilot {
class Database;
}

namespace fedpilot::report {

struct PilotListEntry {
    qint64 id = 0;
    QString name;
    QString strategy;
    QString status;
    int completedRounds = 0;
    int totalRounds = 0;
};

class HistoryReader {
public:
    explicit HistoryReader(const Database& db) : m_db(db) {}

    // Every pilot in the database, newest first.
    engine::Result<QVector<PilotListEntry>> pilots() const;
    engine::Result<PilotHistory> load(qint64 pilotId) const;
    engine::Result<PilotHistory> loadByName(const QString& name) const;
    // The most recently updated pilot (an error when the database holds none).
    engine::Result<PilotHistory> loadLatest() const;
    // A number that changes whenever another connection commits (PRAGMA data_version): lets a
    // view poll cheaply and reload only after a write.
    qint64 dataVersion() const;

private:
    engine::Status loadSites(PilotHistory& history) const;
    engine::Status loadRounds(PilotHistory& history) const;
    engine::Status loadSiteMetrics(PilotHistory& history) const;
    engine::Status loadTraffic(PilotHistory& history) const;
    engine::Status loadModels(PilotHistory& history) const;

    const Database& m_db;
};

}  // namespace fedpilot::report
