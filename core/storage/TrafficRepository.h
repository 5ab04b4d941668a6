#pragma once
// Byte accounting per (pilot, round, site, direction, channel): raw fp32 bytes vs bytes on the wire.

#include "fedpilot/engine/Result.h"
#include "storage/Database.h"

#include <QString>
#include <QVector>

namespace fedpilot {

struct TrafficRecord {
    qint64 pilotId = 0;
    int roundIndex = 0;
    qint64 siteId = 0;        // 0 = not tied to a site
    QString direction;        // up | down
    QString channel;          // model | update | control | metrics
    qint64 bytesRaw = 0;
    qint64 bytesWire = 0;
    qint64 messages = 0;
};

class TrafficRepository {
public:
    explicit TrafficRepository(const Database& db) : m_db(db) {}

    // Adds the record's counts to the row with the same key (creating it).
    engine::Status add(const TrafficRecord& record) const;
    // Adds many records in one transaction.
    engine::Status addAll(const QVector<TrafficRecord>& records) const;
    QVector<TrafficRecord> forPilot(qint64 pilotId) const;

private:
    const Database& m_db;
};

}  // namespace fedpilot
