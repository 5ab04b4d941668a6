#include "storage/TrafficRepository.h"

#include <QDateTime>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

namespace fedpilot {

engine::Status TrafficRepository::add(const TrafficRecord& r) const
{
    QSqlQuery q(m_db.connection());
    // Rows without a site (site_id NULL) are never merged: NULLs differ in a UNIQUE index. All
    // federation traffic is tied to a site, so that case is only for tools that record totals.
    q.prepare(QStringLiteral(
        "INSERT INTO traffic(pilot_id, round_index, site_id, direction, channel, bytes_raw, bytes_wire, messages, updated_utc) "
        "VALUES(?,?,?,?,?,?,?,?,?) ON CONFLICT(pilot_id, round_index, site_id, direction, channel) DO UPDATE SET "
        "bytes_raw=bytes_raw+excluded.bytes_raw, bytes_wire=bytes_wire+excluded.bytes_wire, "
        "messages=messages+excluded.messages, updated_utc=excluded.updated_utc"));
    q.addBindValue(r.pilotId);
    q.addBindValue(r.roundIndex);
    q.addBindValue(r.siteId > 0 ? QVariant(r.siteId) : QVariant());
    q.addBindValue(r.direction);
    q.addBindValue(r.channel);
    q.addBindValue(r.bytesRaw);
    q.addBindValue(r.bytesWire);
    q.addBindValue(r.messages);
    q.addBindValue(QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs));
    if (!q.exec())
        return engine::Status::error("cannot record traffic: " + q.lastError().text().toStdString());
    return engine::Status::ok();
}

engine::Status TrafficRepository::addAll(const QVector<TrafficRecord>& records) const
{
    if (records.isEmpty())
        return engine::Status::ok();
    QSqlDatabase db = m_db.connection();
    const bool transaction = db.transaction();
    for (const auto& r : records) {
        if (auto s = add(r); !s) {
            if (transaction)
                db.rollback();
            return s;
        }
    }
    if (transaction && !db.commit())
        return engine::Status::error("cannot commit traffic: " + db.lastError().text().toStdString());
    return engine::Status::ok();
}

QVector<TrafficRecord> TrafficRepository::forPilot(qint64 pilotId) const
{
    QVector<TrafficRecord> out;
    QSqlQuery q(m_db.connection());
    q.prepare(QStringLiteral("SELECT round_index, COALESCE(site_id, 0), direction, channel, bytes_raw, bytes_wire, messages "
                             "FROM traffic WHERE pilot_id=? ORDER BY round_index, site_id, direction, channel"));
    q.addBindValue(pilotId);
    if (!q.exec())
        return out;
    while (q.next()) {
        TrafficRecord r;
        r.pilotId = pilotId;
        r.roundIndex = q.value(0).toInt();
        r.siteId = q.value(1).toLongLong();
        r.direction = q.value(2).toString();
        r.channel = q.value(3).toString();
        r.bytesRaw = q.value(4).toLongLong();
        r.bytesWire = q.value(5).toLongLong();
        r.messages = q.value(6).toLongLong();
        out.push_back(r);
    }
    return out;
}

}  // namespace fedpilot
