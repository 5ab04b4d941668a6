#pragma once
// Import runs in the site DB: when, with which options, how it ended, what it produced.

#include "storage/Database.h"
#include "fedpilot/engine/Result.h"

#include <QJsonObject>
#include <QString>

namespace fedpilot {

struct ImportRunRecord {
    qint64 id = 0;
    qint64 datasetId = 0;
    QString state;   // running | completed | cancelled | failed | interrupted
    QString cachePath;
    QJsonObject summary;
    QString message;
};

class ImportRunRepository {
public:
    explicit ImportRunRepository(const Database& db) : m_db(db) {}

    // Runs left "running" by a process that died are marked interrupted.
    engine::Status markStaleRunsInterrupted(qint64 datasetId) const;
    engine::Result<qint64> start(qint64 datasetId, const QJsonObject& options) const;
    engine::Status finish(qint64 runId, const QString& state, const QJsonObject& summary, const QString& cachePath,
                          qint64 cacheBytes, const QString& message) const;
    engine::Result<ImportRunRecord> run(qint64 runId) const;

private:
    const Database& m_db;
};

}  // namespace fedpilot
