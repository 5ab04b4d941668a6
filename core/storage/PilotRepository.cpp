#include "storage/PilotRepository.h"

#include "storage/SqlSupport.h"

#include <QDateTime>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

namespace fedpilot {
namespace {

QString now()
{
    return sql::utcNow();
}

engine::Status exec(QSqlQuery& q, const char* what)
{
    return sql::exec(q, what);
}

}  // namespace

engine::Result<qint64> PilotRepository::upsert(const PilotRecord& p) const
{
    QSqlQuery q(m_db.connection());
    q.prepare(QStringLiteral("INSERT INTO pilots(name, strategy, backbone, config_json, status, total_rounds, created_utc, updated_utc) "
                             "VALUES(?,?,?,?,?,?,?,?) ON CONFLICT(name) DO UPDATE SET strategy=excluded.strategy, "
                             "backbone=excluded.backbone, config_json=excluded.config_json, total_rounds=excluded.total_rounds, "
                             "updated_utc=excluded.updated_utc"));
    // A null QString binds as SQL NULL; the columns are NOT NULL.
    for (const QString* v : {&p.name, &p.strategy, &p.backbone})
        q.addBindValue(v->isNull() ? QStringLiteral("") : *v);
    q.addBindValue(p.configJson.isEmpty() ? QStringLiteral("{}") : p.configJson);
    q.addBindValue(p.status.isEmpty() ? QStringLiteral("created") : p.status);
    q.addBindValue(p.totalRounds);
    q.addBindValue(now());
    q.addBindValue(now());
    if (auto s = exec(q, "cannot save pilot"); !s)
        return s;
    const auto found = findByName(p.name);
    if (!found)
        return engine::Result<qint64>::error("pilot vanished after saving");
    return found->id;
}

std::optional<PilotRecord> PilotRepository::findByName(const QString& name) const
{
    QSqlQuery q(m_db.connection());
    q.prepare(QStringLiteral("SELECT id, name, strategy, backbone, config_json, status, total_rounds, completed_rounds FROM pilots WHERE name=?"));
    q.addBindValue(name);
    if (!q.exec() || !q.next())
        return std::nullopt;
    PilotRecord p;
    p.id = q.value(0).toLongLong();
    p.name = q.value(1).toString();
    p.strategy = q.value(2).toString();
    p.backbone = q.value(3).toString();
    p.configJson = q.value(4).toString();
    p.status = q.value(5).toString();
    p.totalRounds = q.value(6).toInt();
    p.completedRounds = q.value(7).toInt();
    return p;
}

engine::Status PilotRepository::setStatus(qint64 pilotId, const QString& status) const
{
    QSqlQuery q(m_db.connection());
    q.prepare(QStringLiteral("UPDATE pilots SET status=?, updated_utc=? WHERE id=?"));
    q.addBindValue(status);
    q.addBindValue(now());
    q.addBindValue(pilotId);
    return exec(q, "cannot set pilot status");
}

engine::Status PilotRepository::setCompletedRounds(qint64 pilotId, int completed) const
{
    QSqlQuery q(m_db.connection());
    q.prepare(QStringLiteral("UPDATE pilots SET completed_rounds=?, updated_utc=? WHERE id=?"));
    q.addBindValue(completed);
    q.addBindValue(now());
    q.addBindValue(pilotId);
    return exec(q, "cannot set completed rounds");
}

engine::Status PilotRepository::setDp(qint64 pilotId, double epsilon, double delta, double clip, double sigma) const
{
    QSqlQuery q(m_db.connection());
    q.prepare(QStringLiteral("UPDATE pilots SET dp_epsilon=?, dp_delta=?, dp_clip=?, dp_sigma=? WHERE id=?"));
    const bool on = epsilon > 0;
    for (double v : {epsilon, delta, clip, sigma})
        q.addBindValue(on ? QVariant(v) : QVariant());
    q.addBindValue(pilotId);
    return exec(q, "cannot save DP settings");
}

engine::Status PilotRepository::addSite(qint64 pilotId, qint64 siteId) const
{
    QSqlQuery q(m_db.connection());
    q.prepare(QStringLiteral("INSERT OR IGNORE INTO pilot_sites(pilot_id, site_id, joined_utc) VALUES(?,?,?)"));
    q.addBindValue(pilotId);
    q.addBindValue(siteId);
    q.addBindValue(now());
    return exec(q, "cannot add site to pilot");
}

}  // namespace fedpilot
