#include "storage/RoundRepository.h"

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

QString orEmpty(const QString& s, const char* fallback = "")
{
    return s.isEmpty() ? QString::fromLatin1(fallback) : s;
}

const QString kRoundColumns = QStringLiteral(
    "pilot_id, round_index, state, sites_invited, sites_accepted, sites_rejected, sites_dropped, samples, aggregation_ms, "
    "accuracy, auc, eer, tar_far_1e1, tar_far_1e2, tar_far_1e3, tar_far_1e4, model_sha256, update_norm_mean, "
    "dp_epsilon_spent, metrics_json, failure_reason");

RoundRecord readRound(const QSqlQuery& q)
{
    RoundRecord r;
    r.pilotId = q.value(0).toLongLong();
    r.roundIndex = q.value(1).toInt();
    r.state = q.value(2).toString();
    r.sitesInvited = q.value(3).toInt();
    r.sitesAccepted = q.value(4).toInt();
    r.sitesRejected = q.value(5).toInt();
    r.sitesDropped = q.value(6).toInt();
    r.samples = q.value(7).toLongLong();
    r.aggregationMs = q.value(8).toDouble();
    r.accuracy = q.value(9).toDouble();
    r.auc = q.value(10).toDouble();
    r.eer = q.value(11).toDouble();
    for (int i = 0; i < 4; ++i)
        r.tarFar[i] = q.value(12 + i).toDouble();
    r.modelSha256 = q.value(16).toString();
    r.updateNormMean = q.value(17).toDouble();
    r.dpEpsilonSpent = q.value(18).toDouble();
    r.metricsJson = q.value(19).toString();
    r.failureReason = q.value(20).toString();
    return r;
}

}  // namespace

engine::Status RoundRepository::open(qint64 pilotId, int roundIndex) const
{
    QSqlQuery q(m_db.connection());
    q.prepare(QStringLiteral("INSERT INTO rounds(pilot_id, round_index, state, started_utc) VALUES(?,?,'collecting',?) "
                             "ON CONFLICT(pilot_id, round_index) DO UPDATE SET state='collecting', started_utc=excluded.started_utc, "
                             "closed_utc=NULL, failure_reason=''"));
    q.addBindValue(pilotId);
    q.addBindValue(roundIndex);
    q.addBindValue(now());
    return exec(q, "cannot open round");
}

engine::Status RoundRepository::save(const RoundRecord& r) const
{
    QSqlQuery q(m_db.connection());
    q.prepare(QStringLiteral("INSERT INTO rounds(") + kRoundColumns + QStringLiteral(", started_utc, closed_utc) "
              "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(pilot_id, round_index) DO UPDATE SET "
              "state=excluded.state, sites_invited=excluded.sites_invited, sites_accepted=excluded.sites_accepted, "
              "sites_rejected=excluded.sites_rejected, sites_dropped=excluded.sites_dropped, samples=excluded.samples, "
              "aggregation_ms=excluded.aggregation_ms, accuracy=excluded.accuracy, auc=excluded.auc, eer=excluded.eer, "
              "tar_far_1e1=excluded.tar_far_1e1, tar_far_1e2=excluded.tar_far_1e2, tar_far_1e3=excluded.tar_far_1e3, "
              "tar_far_1e4=excluded.tar_far_1e4, model_sha256=excluded.model_sha256, update_norm_mean=excluded.update_norm_mean, "
              "dp_epsilon_spent=excluded.dp_epsilon_spent, metrics_json=excluded.metrics_json, "
              "failure_reason=excluded.failure_reason, closed_utc=excluded.closed_utc"));
    q.addBindValue(r.pilotId);
    q.addBindValue(r.roundIndex);
    q.addBindValue(r.state);
    q.addBindValue(r.sitesInvited);
    q.addBindValue(r.sitesAccepted);
    q.addBindValue(r.sitesRejected);
    q.addBindValue(r.sitesDropped);
    q.addBindValue(r.samples);
    q.addBindValue(r.aggregationMs);
    q.addBindValue(r.accuracy);
    q.addBindValue(r.auc);
    q.addBindValue(r.eer);
    for (double v : r.tarFar)
        q.addBindValue(v);
    q.addBindValue(orEmpty(r.modelSha256));
    q.addBindValue(r.updateNormMean);
    q.addBindValue(r.dpEpsilonSpent);
    q.addBindValue(orEmpty(r.metricsJson, "{}"));
    q.addBindValue(orEmpty(r.failureReason));
    q.addBindValue(now());
    q.addBindValue(now());
    return exec(q, "cannot save round");
}

std::optional<RoundRecord> RoundRepository::find(qint64 pilotId, int roundIndex) const
{
    QSqlQuery q(m_db.connection());
    q.prepare(QStringLiteral("SELECT ") + kRoundColumns + QStringLiteral(" FROM rounds WHERE pilot_id=? AND round_index=?"));
    q.addBindValue(pilotId);
    q.addBindValue(roundIndex);
    if (!q.exec() || !q.next())
        return std::nullopt;
    return readRound(q);
}

QVector<RoundRecord> RoundRepository::all(qint64 pilotId) const
{
    QVector<RoundRecord> out;
    QSqlQuery q(m_db.connection());
    q.prepare(QStringLiteral("SELECT ") + kRoundColumns + QStringLiteral(" FROM rounds WHERE pilot_id=? ORDER BY round_index"));
    q.addBindValue(pilotId);
    if (q.exec()) {
        while (q.next())
            out.push_back(readRound(q));
    }
    return out;
}

engine::Status RoundRepository::dropIncompleteAfter(qint64 pilotId, int lastCompleted) const
{
    QSqlQuery q(m_db.connection());
    q.prepare(QStringLiteral("DELETE FROM rounds WHERE pilot_id=? AND round_index>? AND state<>'completed'"));
    q.addBindValue(pilotId);
    q.addBindValue(lastCompleted);
    if (auto s = exec(q, "cannot drop incomplete rounds"); !s)
        return s;
    // Updates of an unfinished round were never aggregated: the re-opened round collects anew.
    QSqlQuery u(m_db.connection());
    u.prepare(QStringLiteral("UPDATE round_site_metrics SET update_status='dropped', reject_reason='coordinator restarted' "
                             "WHERE pilot_id=? AND round_index>? AND kind='round'"));
    u.addBindValue(pilotId);
    u.addBindValue(lastCompleted);
    return exec(u, "cannot reset updates");
}

engine::Status RoundRepository::saveSiteMetrics(const SiteMetricsRecord& m) const
{
    QSqlQuery q(m_db.connection());
    q.prepare(QStringLiteral(
        "INSERT INTO round_site_metrics(pilot_id, round_index, site_id, kind, loss, generic_accuracy, generic_auc, generic_eer, "
        "generic_tar_far_1e3, personalized_accuracy, personalized_auc, personalized_eer, personalized_tar_far_1e3, "
        "identification_top1, samples, train_seconds, device, update_norm, metrics_json, reported_utc) "
        "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(pilot_id, round_index, site_id, kind) DO UPDATE SET "
        "loss=excluded.loss, generic_accuracy=excluded.generic_accuracy, generic_auc=excluded.generic_auc, "
        "generic_eer=excluded.generic_eer, generic_tar_far_1e3=excluded.generic_tar_far_1e3, "
        "personalized_accuracy=excluded.personalized_accuracy, personalized_auc=excluded.personalized_auc, "
        "personalized_eer=excluded.personalized_eer, personalized_tar_far_1e3=excluded.personalized_tar_far_1e3, "
        "identification_top1=excluded.identification_top1, samples=excluded.samples, train_seconds=excluded.train_seconds, "
        "device=excluded.device, metrics_json=excluded.metrics_json, reported_utc=excluded.reported_utc, "
        "update_norm=CASE WHEN excluded.update_norm<>0 THEN excluded.update_norm ELSE round_site_metrics.update_norm END"));
    q.addBindValue(m.pilotId);
    q.addBindValue(m.roundIndex);
    q.addBindValue(m.siteId);
    q.addBindValue(m.kind);
    for (double v : {m.loss, m.genericAccuracy, m.genericAuc, m.genericEer, m.genericTar1e3, m.personalizedAccuracy,
                     m.personalizedAuc, m.personalizedEer, m.personalizedTar1e3, m.identificationTop1})
        q.addBindValue(v);
    q.addBindValue(m.samples);
    q.addBindValue(m.trainSeconds);
    q.addBindValue(orEmpty(m.device));
    q.addBindValue(m.updateNorm);
    q.addBindValue(orEmpty(m.metricsJson, "{}"));
    q.addBindValue(now());
    return exec(q, "cannot save site metrics");
}

engine::Status RoundRepository::setUpdateStatus(qint64 pilotId, int roundIndex, qint64 siteId, const QString& status,
                                                const QString& reason, double updateNorm, qint64 samples) const
{
    QSqlQuery q(m_db.connection());
    q.prepare(QStringLiteral(
        "INSERT INTO round_site_metrics(pilot_id, round_index, site_id, kind, update_status, reject_reason, update_norm, samples, reported_utc) "
        "VALUES(?,?,?,'round',?,?,?,?,?) ON CONFLICT(pilot_id, round_index, site_id, kind) DO UPDATE SET "
        "update_status=excluded.update_status, reject_reason=excluded.reject_reason, "
        "update_norm=CASE WHEN excluded.update_norm<>0 THEN excluded.update_norm ELSE round_site_metrics.update_norm END, "
        "samples=CASE WHEN excluded.samples<>0 THEN excluded.samples ELSE round_site_metrics.samples END"));
    q.addBindValue(pilotId);
    q.addBindValue(roundIndex);
    q.addBindValue(siteId);
    q.addBindValue(status);
    q.addBindValue(orEmpty(reason));
    q.addBindValue(updateNorm);
    q.addBindValue(samples);
    q.addBindValue(now());
    return exec(q, "cannot save update status");
}

QVector<SiteMetricsRecord> RoundRepository::siteMetrics(qint64 pilotId, int roundIndex) const
{
    QVector<SiteMetricsRecord> out;
    QSqlQuery q(m_db.connection());
    q.prepare(QStringLiteral(
        "SELECT site_id, kind, loss, generic_accuracy, generic_auc, generic_eer, generic_tar_far_1e3, personalized_accuracy, "
        "personalized_auc, personalized_eer, personalized_tar_far_1e3, identification_top1, samples, train_seconds, device, "
        "update_norm, metrics_json FROM round_site_metrics WHERE pilot_id=? AND round_index=? ORDER BY site_id, kind"));
    q.addBindValue(pilotId);
    q.addBindValue(roundIndex);
    if (!q.exec())
        return out;
    while (q.next()) {
        SiteMetricsRecord m;
        m.pilotId = pilotId;
        m.roundIndex = roundIndex;
        m.siteId = q.value(0).toLongLong();
        m.kind = q.value(1).toString();
        double* fields[] = {&m.loss, &m.genericAccuracy, &m.genericAuc, &m.genericEer, &m.genericTar1e3, &m.personalizedAccuracy,
                            &m.personalizedAuc, &m.personalizedEer, &m.personalizedTar1e3, &m.identificationTop1};
        for (int i = 0; i < 10; ++i)
            *fields[i] = q.value(2 + i).toDouble();
        m.samples = q.value(12).toLongLong();
        m.trainSeconds = q.value(13).toDouble();
        m.device = q.value(14).toString();
        m.updateNorm = q.value(15).toDouble();
        m.metricsJson = q.value(16).toString();
        out.push_back(m);
    }
    return out;
}

QVector<QPair<qint64, QString>> RoundRepository::updateStatuses(qint64 pilotId, int roundIndex) const
{
    QVector<QPair<qint64, QString>> out;
    QSqlQuery q(m_db.connection());
    q.prepare(QStringLiteral("SELECT site_id, update_status FROM round_site_metrics WHERE pilot_id=? AND round_index=? AND kind='round' ORDER BY site_id"));
    q.addBindValue(pilotId);
    q.addBindValue(roundIndex);
    if (q.exec()) {
        while (q.next())
            out.push_back({q.value(0).toLongLong(), q.value(1).toString()});
    }
    return out;
}

engine::Status RoundRepository::saveModelVersion(qint64 pilotId, int roundIndex, const QString& kind, const QString& sha256,
                                                 const QString& path, qint64 bytes) const
{
    QSqlQuery q(m_db.connection());
    q.prepare(QStringLiteral("INSERT INTO model_versions(pilot_id, round_index, kind, sha256, path, bytes, created_utc) VALUES(?,?,?,?,?,?,?) "
                             "ON CONFLICT(pilot_id, round_index, kind) DO UPDATE SET sha256=excluded.sha256, path=excluded.path, "
                             "bytes=excluded.bytes, created_utc=excluded.created_utc"));
    q.addBindValue(pilotId);
    q.addBindValue(roundIndex);
    q.addBindValue(kind);
    q.addBindValue(sha256);
    q.addBindValue(path);
    q.addBindValue(bytes);
    q.addBindValue(now());
    return exec(q, "cannot save model version");
}

std::optional<QPair<QString, QString>> RoundRepository::modelVersion(qint64 pilotId, int roundIndex, const QString& kind) const
{
    QSqlQuery q(m_db.connection());
    q.prepare(QStringLiteral("SELECT sha256, path FROM model_versions WHERE pilot_id=? AND round_index=? AND kind=?"));
    q.addBindValue(pilotId);
    q.addBindValue(roundIndex);
    q.addBindValue(kind);
    if (!q.exec() || !q.next())
        return std::nullopt;
    return QPair<QString, QString>(q.value(0).toString(), q.value(1).toString());
}

}  // namespace fedpilot
