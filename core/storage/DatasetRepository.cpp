#include "storage/DatasetRepository.h"

#include "storage/SqlSupport.h"

#include <QDateTime>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

#include <algorithm>

namespace fedpilot {
namespace {

engine::Status sqlError(const QSqlQuery& q, const char* what)
{
    return sql::error(q, what);
}

QVariant nullable(qint64 v) { return v < 0 ? QVariant(QMetaType(QMetaType::LongLong)) : QVariant(v); }
QVariant idOrNull(qint64 v) { return v <= 0 ? QVariant(QMetaType(QMetaType::LongLong)) : QVariant(v); }
QVariant textOrNull(const QString& v) { return v.isEmpty() ? QVariant(QMetaType(QMetaType::QString)) : QVariant(v); }
QString text(const QString& v) { return sql::text(v); }

DatasetRecord readDataset(const QSqlQuery& q)
{
    return DatasetRecord{q.value(0).toLongLong(), q.value(1).toString(), q.value(2).toString(),
                         q.value(3).toString(), q.value(4).toString()};
}

}  // namespace

engine::Result<DatasetRecord> DatasetRepository::find(qint64 datasetId) const
{
    QSqlQuery q(m_db.connection());
    q.prepare(QStringLiteral("SELECT id, root_path, pipeline, crop_store, cache_path FROM datasets WHERE id = ?"));
    q.addBindValue(datasetId);
    if (!q.exec())
        return sqlError(q, "cannot read datasets");
    if (!q.next())
        return engine::Result<DatasetRecord>::error("no dataset " + std::to_string(datasetId));
    return readDataset(q);
}

engine::Result<DatasetRecord> DatasetRepository::findOrCreate(const QString& rootPath) const
{
    QSqlQuery q(m_db.connection());
    q.prepare(QStringLiteral("SELECT id, root_path, pipeline, crop_store, cache_path FROM datasets WHERE root_path = ?"));
    q.addBindValue(rootPath);
    if (!q.exec())
        return sqlError(q, "cannot read datasets");
    if (q.next())
        return readDataset(q);
    q.prepare(QStringLiteral("INSERT INTO datasets(root_path, created_utc) VALUES(?, ?)"));
    q.addBindValue(rootPath);
    q.addBindValue(QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs));
    if (!q.exec())
        return sqlError(q, "cannot create the dataset");
    return find(q.lastInsertId().toLongLong());
}

engine::Status DatasetRepository::resetPipeline(qint64 datasetId, const QString& pipeline, const QString& cropStore) const
{
    QSqlQuery q(m_db.connection());
    q.prepare(QStringLiteral("UPDATE datasets SET pipeline = ?, crop_store = ? WHERE id = ?"));
    q.addBindValue(text(pipeline));
    q.addBindValue(text(cropStore));
    q.addBindValue(datasetId);
    if (!q.exec())
        return sqlError(q, "cannot update the dataset");
    // Old analyses were made for another crop geometry: force every file through again.
    q.prepare(QStringLiteral("UPDATE files SET crop_index = NULL, sha256 = '', size_bytes = -1, status = 'pending', "
                             "split = NULL, cache_index = NULL WHERE dataset_id = ?"));
    q.addBindValue(datasetId);
    return q.exec() ? engine::Status::ok() : sqlError(q, "cannot reset the files");
}

engine::Status DatasetRepository::setCachePath(qint64 datasetId, const QString& cachePath, qint64 runId) const
{
    QSqlQuery q(m_db.connection());
    q.prepare(QStringLiteral("UPDATE datasets SET cache_path = ?, last_run_id = ? WHERE id = ?"));
    q.addBindValue(text(cachePath));
    q.addBindValue(runId);
    q.addBindValue(datasetId);
    return q.exec() ? engine::Status::ok() : sqlError(q, "cannot update the dataset");
}

engine::Result<QHash<QByteArray, qint64>> DatasetRepository::ensureIdentities(qint64 datasetId, const std::vector<QByteArray>& folders) const
{
    QSqlQuery q(m_db.connection());
    q.prepare(QStringLiteral("INSERT OR IGNORE INTO identities(dataset_id, folder, name) VALUES(?, ?, ?)"));
    for (const QByteArray& folder : folders) {
        q.bindValue(0, datasetId);
        q.bindValue(1, folder);
        q.bindValue(2, QString::fromUtf8(folder));
        if (!q.exec())
            return sqlError(q, "cannot record identities");
    }
    QHash<QByteArray, qint64> ids;
    q.prepare(QStringLiteral("SELECT folder, id FROM identities WHERE dataset_id = ?"));
    q.addBindValue(datasetId);
    if (!q.exec())
        return sqlError(q, "cannot read identities");
    while (q.next())
        ids.insert(q.value(0).toByteArray(), q.value(1).toLongLong());
    return ids;
}

engine::Result<std::vector<IdentityRecord>> DatasetRepository::identities(qint64 datasetId) const
{
    QSqlQuery q(m_db.connection());
    q.prepare(QStringLiteral("SELECT id, folder, name, status, label, held_out, images_ok, images_total FROM identities "
                             "WHERE dataset_id = ? ORDER BY folder"));
    q.addBindValue(datasetId);
    if (!q.exec())
        return sqlError(q, "cannot read identities");
    std::vector<IdentityRecord> out;
    while (q.next()) {
        IdentityRecord r;
        r.id = q.value(0).toLongLong();
        r.folder = q.value(1).toByteArray();
        r.name = q.value(2).toString();
        r.status = q.value(3).toString();
        r.label = q.value(4).isNull() ? -1 : q.value(4).toInt();
        r.heldOut = q.value(5).toInt() != 0;
        r.imagesOk = q.value(6).toInt();
        r.imagesTotal = q.value(7).toInt();
        out.push_back(std::move(r));
    }
    return out;
}

engine::Status DatasetRepository::updateIdentity(const IdentityRecord& r) const
{
    QSqlQuery q(m_db.connection());
    q.prepare(QStringLiteral("UPDATE identities SET status = ?, label = ?, held_out = ?, images_ok = ?, images_total = ? WHERE id = ?"));
    q.addBindValue(text(r.status));
    q.addBindValue(nullable(r.label));
    q.addBindValue(r.heldOut ? 1 : 0);
    q.addBindValue(r.imagesOk);
    q.addBindValue(r.imagesTotal);
    q.addBindValue(r.id);
    return q.exec() ? engine::Status::ok() : sqlError(q, "cannot update an identity");
}

engine::Status DatasetRepository::removeIdentitiesExcept(qint64 datasetId, const std::vector<QByteArray>& folders) const
{
    auto all = identities(datasetId);
    if (!all)
        return all.status();
    QSqlQuery q(m_db.connection());
    q.prepare(QStringLiteral("DELETE FROM identities WHERE id = ? AND NOT EXISTS (SELECT 1 FROM files WHERE identity_id = identities.id)"));
    for (const auto& identity : all.value()) {
        if (std::binary_search(folders.begin(), folders.end(), identity.folder))
            continue;
        q.bindValue(0, identity.id);
        if (!q.exec())
            return sqlError(q, "cannot remove an identity");
    }
    return engine::Status::ok();
}

engine::Result<std::vector<FileRecord>> DatasetRepository::files(qint64 datasetId) const
{
    QSqlQuery q(m_db.connection());
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT id, identity_id, rel_path, size_bytes, mtime_ns, sha256, format, width, height, decoded, faces, "
                             "face_side, blur, phash, process_reason, detail, flags, crop_index, status, reason, split, cache_index, seen_run "
                             "FROM files WHERE dataset_id = ? ORDER BY rel_path"));
    q.addBindValue(datasetId);
    if (!q.exec())
        return sqlError(q, "cannot read files");
    std::vector<FileRecord> out;
    while (q.next()) {
        FileRecord f;
        f.id = q.value(0).toLongLong();
        f.identityId = q.value(1).isNull() ? 0 : q.value(1).toLongLong();
        f.relPath = q.value(2).toByteArray();
        f.sizeBytes = q.value(3).toLongLong();
        f.mtimeNs = q.value(4).toLongLong();
        f.sha256 = q.value(5).toString().toLatin1();
        f.format = q.value(6).toString();
        f.width = q.value(7).toInt();
        f.height = q.value(8).toInt();
        f.decoded = q.value(9).toInt() != 0;
        f.faces = q.value(10).toInt();
        f.faceSide = q.value(11).toInt();
        f.blur = q.value(12).toDouble();
        f.phash = q.value(13).toByteArray();
        f.processReason = q.value(14).toString();
        f.detail = q.value(15).toString();
        const QString flags = q.value(16).toString();
        f.flags = flags.isEmpty() ? QStringList() : flags.split(QLatin1Char(','));
        f.cropIndex = q.value(17).isNull() ? -1 : q.value(17).toLongLong();
        f.status = q.value(18).toString();
        f.reason = q.value(19).toString();
        f.split = q.value(20).toString();
        f.cacheIndex = q.value(21).isNull() ? -1 : q.value(21).toLongLong();
        f.seenRun = q.value(22).toLongLong();
        out.push_back(std::move(f));
    }
    return out;
}

engine::Status DatasetRepository::saveAnalysis(qint64 datasetId, const FileRecord& f) const
{
    QSqlQuery q(m_db.connection());
    q.prepare(QStringLiteral(
        "INSERT INTO files(dataset_id, identity_id, rel_path, display_path, size_bytes, mtime_ns, sha256, format, width, height, "
        "decoded, faces, face_side, blur, phash, process_reason, status, reason, detail, flags, crop_index, split, cache_index, seen_run) "
        "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,'pending',?,?,?,?,NULL,NULL,?) "
        "ON CONFLICT(dataset_id, rel_path) DO UPDATE SET identity_id = excluded.identity_id, size_bytes = excluded.size_bytes, "
        "mtime_ns = excluded.mtime_ns, sha256 = excluded.sha256, format = excluded.format, width = excluded.width, "
        "height = excluded.height, decoded = excluded.decoded, faces = excluded.faces, face_side = excluded.face_side, "
        "blur = excluded.blur, phash = excluded.phash, process_reason = excluded.process_reason, status = 'pending', "
        "reason = excluded.reason, detail = excluded.detail, flags = excluded.flags, crop_index = excluded.crop_index, "
        "split = NULL, cache_index = NULL, seen_run = excluded.seen_run"));
    q.addBindValue(datasetId);
    q.addBindValue(idOrNull(f.identityId));
    q.addBindValue(f.relPath);
    q.addBindValue(QString::fromUtf8(f.relPath));
    q.addBindValue(qint64(f.sizeBytes));
    q.addBindValue(qint64(f.mtimeNs));
    q.addBindValue(text(QString::fromLatin1(f.sha256)));
    q.addBindValue(text(f.format));
    q.addBindValue(f.width);
    q.addBindValue(f.height);
    q.addBindValue(f.decoded ? 1 : 0);
    q.addBindValue(f.faces);
    q.addBindValue(f.faceSide);
    q.addBindValue(f.blur);
    q.addBindValue(f.phash.isEmpty() ? QVariant(QMetaType(QMetaType::QByteArray)) : QVariant(f.phash));
    q.addBindValue(text(f.processReason));
    q.addBindValue(text(f.processReason));
    q.addBindValue(text(f.detail));
    q.addBindValue(text(f.flags.join(QLatin1Char(','))));
    q.addBindValue(nullable(f.cropIndex));
    q.addBindValue(f.seenRun);
    return q.exec() ? engine::Status::ok() : sqlError(q, "cannot record a file");
}

engine::Status DatasetRepository::markSeen(qint64 fileId, std::int64_t mtimeNs, qint64 runId) const
{
    QSqlQuery q(m_db.connection());
    q.prepare(QStringLiteral("UPDATE files SET seen_run = ?, mtime_ns = ? WHERE id = ?"));
    q.addBindValue(runId);
    q.addBindValue(qint64(mtimeNs));
    q.addBindValue(fileId);
    return q.exec() ? engine::Status::ok() : sqlError(q, "cannot update a file");
}

engine::Status DatasetRepository::saveDecision(const FileRecord& f) const
{
    QSqlQuery q(m_db.connection());
    q.prepare(QStringLiteral("UPDATE files SET identity_id = ?, status = ?, reason = ?, detail = ?, split = ?, cache_index = ? WHERE id = ?"));
    q.addBindValue(idOrNull(f.identityId));
    q.addBindValue(text(f.status));
    q.addBindValue(text(f.reason));
    q.addBindValue(text(f.detail));
    q.addBindValue(textOrNull(f.split));
    q.addBindValue(nullable(f.cacheIndex));
    q.addBindValue(f.id);
    return q.exec() ? engine::Status::ok() : sqlError(q, "cannot record a decision");
}

engine::Result<qint64> DatasetRepository::removeFilesNotSeen(qint64 datasetId, qint64 runId) const
{
    QSqlQuery q(m_db.connection());
    q.prepare(QStringLiteral("DELETE FROM files WHERE dataset_id = ? AND seen_run <> ?"));
    q.addBindValue(datasetId);
    q.addBindValue(runId);
    if (!q.exec())
        return sqlError(q, "cannot remove deleted files");
    return qint64(q.numRowsAffected());
}

}  // namespace fedpilot
