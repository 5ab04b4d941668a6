#include "report/HistoryWriter.h"

#include "storage/Database.h"

#include <QDateTime>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

#include <cmath>

namespace fedpilot::report {
namespace {

QVariant nullable(double v)
{
    return std::isfinite(v) ? QVariant(v) : QVariant(QMetaType::fromType<double>());
}

// Qt binds a null QString as SQL NULL; the schema's text columns are NOT NULL DEFAULT ''.
QString nn(const QString& s)
{
    return s.isNull() ? QStringLiteral("") : s;
}

QString json(const QJsonObject& o)
{
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}

class Writer {
public:
    explicit Writer(QSqlDatabase db) : m_db(std::move(db)) {}

    // Runs a prepared statement; remembers the first error.
    bool exec(const QString& sql, const QVariantList& values, qint64* insertedId = nullptr)
    {
        if (!m_error.isEmpty())
            return false;
        QSqlQuery q(m_db);
        q.prepare(sql);
        for (const auto& v : values)
            q.addBindValue(v);
        if (!q.exec()) {
            m_error = q.lastError().text() + QStringLiteral(" [") + sql.left(60) + QLatin1Char(']');
            return false;
        }
        if (insertedId)
            *insertedId = q.lastInsertId().toLongLong();
        return true;
    }
    qint64 selectId(const QString& sql, const QVariantList& values)
    {
        QSqlQuery q(m_db);
        q.prepare(sql);
        for (const auto& v : values)
            q.addBindValue(v);
        return q.exec() && q.next() ? q.value(0).toLongLong() : 0;
    }
    const QString& error() const { return m_error; }

private:
    QSqlDatabase m_db;
    QString m_error;
};

}  // namespace

engine::Result<qint64> writeHistory(const Database& database, const PilotHistory& h)
{
    QSqlDatabase db = database.connection();
    if (!db.transaction())
        return engine::Result<qint64>::error("cannot start a transaction: " + db.lastError().text().toStdString());
    Writer w(db);
    const QString now = QDateTime::currentDateTimeUtc().toString(Qt::ISODate);
    const auto& p = h.pilot;
    const QString created = p.createdUtc.isEmpty() ? now : p.createdUtc;

    w.exec(QStringLiteral("DELETE FROM pilots WHERE name = ?"), {p.name});
    qint64 pilotId = 0;
    w.exec(QStringLiteral("INSERT INTO pilots (name, strategy, backbone, config_json, status, total_rounds, completed_rounds, "
                          "dp_epsilon, dp_delta, dp_clip, dp_sigma, created_utc, updated_utc) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"),
           {p.name, nn(p.strategy), nn(p.backbone), json(p.config), p.status.isEmpty() ? QStringLiteral("created") : p.status, p.totalRounds,
            p.completedRounds, nullable(p.dpEpsilon), nullable(p.dpDelta), nullable(p.dpClip), nullable(p.dpSigma), created,
            p.updatedUtc.isEmpty() ? now : p.updatedUtc},
           &pilotId);

    QHash<qint64, qint64> siteIds;  // input key -> db id
    for (const auto& s : h.sites) {
        qint64 id = w.selectId(QStringLiteral("SELECT id FROM sites WHERE name = ?"), {s.name});
        if (id == 0) {
            w.exec(QStringLiteral("INSERT INTO sites (name, organization, contact, hardware_json, status, last_seen_utc, created_utc) "
                                  "VALUES (?,?,?,?,?,?,?)"),
                   {s.name, nn(s.organization), nn(s.contact), json(s.hardware), s.status.isEmpty() ? QStringLiteral("registered") : s.status,
                    s.lastSeenUtc.isEmpty() ? QVariant(QMetaType::fromType<QString>()) : QVariant(s.lastSeenUtc), now},
                   &id);
        }
        siteIds.insert(s.id, id);
        w.exec(QStringLiteral("INSERT OR IGNORE INTO pilot_sites (pilot_id, site_id, joined_utc) VALUES (?,?,?)"), {pilotId, id, created});
    }
    const auto site = [&](qint64 key) { return key == 0 ? QVariant(QMetaType::fromType<qint64>()) : QVariant(siteIds.value(key, key)); };

    for (const auto& r : h.rounds) {
        QJsonObject extra;
        if (!r.roc.isEmpty()) {
            QJsonArray roc;
            for (const auto& pt : r.roc)
                roc.append(QJsonArray{pt.x(), pt.y()});
            extra.insert(QStringLiteral("roc"), roc);
        }
        w.exec(QStringLiteral("INSERT INTO rounds (pilot_id, round_index, state, started_utc, closed_utc, sites_invited, sites_accepted, "
                              "sites_rejected, sites_dropped, samples, aggregation_ms, accuracy, auc, eer, tar_far_1e1, tar_far_1e2, "
                              "tar_far_1e3, tar_far_1e4, model_sha256, update_norm_mean, dp_epsilon_spent, metrics_json, failure_reason) "
                              "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"),
               {pilotId, r.index, nn(r.state), r.startedUtc.isEmpty() ? now : r.startedUtc,
                r.closedUtc.isEmpty() ? QVariant(QMetaType::fromType<QString>()) : QVariant(r.closedUtc), r.sitesInvited,
                r.sitesAccepted, r.sitesRejected, r.sitesDropped, r.samples, nullable(r.aggregationMs), nullable(r.accuracy),
                nullable(r.auc), nullable(r.eer), nullable(r.tarFar[0]), nullable(r.tarFar[1]), nullable(r.tarFar[2]),
                nullable(r.tarFar[3]), nn(r.modelSha256), nullable(r.updateNormMean), nullable(r.dpEpsilonSpent), json(extra),
                nn(r.failureReason)});
    }
    for (const auto& m : h.siteMetrics) {
        QJsonObject extra;
        if (std::isfinite(m.imagesPerSec))
            extra.insert(QStringLiteral("images_per_sec"), m.imagesPerSec);
        if (!m.epochLoss.isEmpty()) {
            QJsonArray losses;
            for (double v : m.epochLoss)
                losses.append(v);
            extra.insert(QStringLiteral("epoch_loss"), losses);
        }
        w.exec(QStringLiteral("INSERT INTO round_site_metrics (pilot_id, round_index, site_id, kind, update_status, reject_reason, loss, "
                              "generic_accuracy, generic_tar_far_1e3, personalized_accuracy, personalized_tar_far_1e3, "
                              "identification_top1, samples, train_seconds, device, update_norm, metrics_json, reported_utc) "
                              "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"),
               {pilotId, m.round, site(m.siteId), m.kind, m.updateStatus.isEmpty() ? QStringLiteral("none") : m.updateStatus,
                nn(m.rejectReason), nullable(m.loss), nullable(m.genericAccuracy), nullable(m.genericTar1e3),
                nullable(m.personalizedAccuracy), nullable(m.personalizedTar1e3), nullable(m.identificationTop1), m.samples,
                nullable(m.trainSeconds), nn(m.device), nullable(m.updateNorm), json(extra), now});
    }
    for (const auto& t : h.traffic) {
        w.exec(QStringLiteral("INSERT INTO traffic (pilot_id, round_index, site_id, direction, channel, bytes_raw, bytes_wire, messages, "
                              "updated_utc) VALUES (?,?,?,?,?,?,?,?,?)"),
               {pilotId, t.round, site(t.siteId), nn(t.direction), nn(t.channel), t.bytesRaw, t.bytesWire, t.messages, now});
    }
    for (const auto& m : h.models) {
        w.exec(QStringLiteral("INSERT INTO model_versions (pilot_id, round_index, kind, sha256, path, bytes, created_utc) "
                              "VALUES (?,?,?,?,?,?,?)"),
               {pilotId, m.round, nn(m.kind), nn(m.sha256), nn(m.path), m.bytes, now});
    }
    if (!w.error().isEmpty()) {
        db.rollback();
        return engine::Result<qint64>::error("cannot write the pilot history: " + w.error().toStdString());
    }
    if (!db.commit())
        return engine::Result<qint64>::error("cannot commit the pilot history: " + db.lastError().text().toStdString());
    return pilotId;
}

}  // namespace fedpilot::report
