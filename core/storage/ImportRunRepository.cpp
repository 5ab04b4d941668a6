#include "storage/ImportRunRepository.h"

#include "storage/SqlSupport.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

namespace fedpilot {
namespace {

QString nowUtc()
{
    return sql::utcNow();
}

engine::Status sqlError(const QSqlQuery& q, const char* what)
{
    return sql::error(q, what);
}

QString text(const QString& v) { return sql::text(v); }

}  // namespace

engine::Status ImportRunRepository::markStaleRunsInterrupted(qint64 datasetId) const
{
    QSqlQuery q(m_db.connection());
    q.prepare(QStringLiteral("UPDATE import_runs SET state = 'interrupted', finished_utc = ? WHERE dataset_id = ? AND state = 'running'"));
    q.addBindValue(nowUtc());
    q.addBindValue(datasetId);
    return q.exec() ? engine::Status::ok() : sqlError(q, "cannot update import runs");
}

engine::Result<qint64> ImportRunRepository::start(qint64 datasetId, const QJsonObject& options) const
{
    QSqlQuery q(m_db.connection());
    q.prepare(QStringLiteral("INSERT INTO import_runs(dataset_id, started_utc, options_json) VALUES(?, ?, ?)"));
    q.addBindValue(datasetId);
    q.addBindValue(nowUtc());
    q.addBindValue(QString::fromUtf8(QJsonDocument(options).toJson(QJsonDocument::Compact)));
    if (!q.exec())
        return sqlError(q, "cannot record the import run");
    return q.lastInsertId().toLongLong();
}

engine::Status ImportRunRepository::finish(qint64 runId, const QString& state, const QJsonObject& summary, const QString& cachePath,
                                           qint64 cacheBytes, const QString& message) const
{
    QSqlQuery q(m_db.connection());
    q.prepare(QStringLiteral("UPDATE import_runs SET finished_utc = ?, state = ?, summary_json = ?, cache_path = ?, cache_bytes = ?, "
                             "message = ? WHERE id = ?"));
    q.addBindValue(nowUtc());
    q.addBindValue(text(state));
    q.addBindValue(QString::fromUtf8(QJsonDocument(summary).toJson(QJsonDocument::Compact)));
    q.addBindValue(text(cachePath));
    q.addBindValue(cacheBytes);
    q.addBindValue(text(message));
    q.addBindValue(runId);
    return q.exec() ? engine::Status::ok() : sqlError(q, "cannot record the end of the import run");
}

engine::Result<ImportRunRecord> ImportRunRepository::run(qint64 runId) const
{
    QSqlQuery q(m_db.connection());
    q.prepare(QStringLiteral("SELECT id, dataset_id, state, cache_path, summary_json, message FROM import_runs WHERE id = ?"));
    q.addBindValue(runId);
    if (!q.exec())
        return sqlError(q, "cannot read import runs");
    if (!q.next())
        return engine::Result<ImportRunRecord>::error("no import run " + std::to_string(runId));
    ImportRunRecord r;
    r.id = q.value(0).toLongLong();
    r.datasetId = q.value(1).toLongLong();
    r.state = q.value(2).toString();
    r.cachePath = q.value(3).toString();
    r.summary = QJsonDocument::fromJson(q.value(4).toString().toUtf8()).object();
    r.message = q.value(5).toString();
    return r;
}

}  // namespace fedpilot
