#include "report/HistoryReader.h"

#include "storage/Database.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSet>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

namespace fedpilot::report {
namespace {

double number(const QVariant& v)
{
    return v.isNull() ? kMissing : v.toDouble();
}

QJsonObject jsonObject(const QVariant& v)
{
    return QJsonDocument::fromJson(v.toString().toUtf8()).object();
}

engine::Status queryError(const QSqlQuery& q, const char* what)
{
    return engine::Status::error(std::string("cannot read ") + what + ": " + q.lastError().text().toStdString());
}

}  // namespace

engine::Result<QVector<PilotListEntry>> HistoryReader::pilots() const
{
    QSqlQuery q(m_db.connection());
    if (!q.exec(QStringLiteral("SELECT id, name, strategy, status, completed_rounds, total_rounds FROM pilots "
                               "ORDER BY updated_utc DESC, id DESC")))
        return queryError(q, "pilots");
    QVector<PilotListEntry> out;
    while (q.next()) {
        PilotListEntry e;
        e.id = q.value(0).toLongLong();
        e.name = q.value(1).toString();
        e.strategy = q.value(2).toString();
        e.status = q.value(3).toString();
        e.completedRounds = q.value(4).toInt();
        e.totalRounds = q.value(5).toInt();
        out << e;
    }
    return out;
}

engine::Result<PilotHistory> HistoryReader::loadByName(const QString& name) const
{
    QSqlQuery q(m_db.connection());
    q.prepare(QStringLiteral("SELECT id FROM pilots WHERE name = ?"));
    q.addBindValue(name);
    if (!q.exec())
        return queryError(q, "pilots");
    if (!q.next())
        return engine::Result<PilotHistory>::error("no pilot named '" + name.toStdString() + "' in " + m_db.path().toStdString());
    return load(q.value(0).toLongLong());
}

engine::Result<PilotHistory> HistoryReader::loadLatest() const
{
    auto list = pilots();
    if (!list)
        return list.status();
    if (list->isEmpty())
        return engine::Result<PilotHistory>::error("no pilot in " + m_db.path().toStdString());
    return load(list->first().id);
}

qint64 HistoryReader::dataVersion() const
{
    QSqlQuery q(m_db.connection());
    if (q.exec(QStringLiteral("PRAGMA data_version")) && q.next())
        return q.value(0).toLongLong();
    return -1;
}

engine::Result<PilotHistory> HistoryReader::load(qint64 pilotId) const
{
    PilotHistory h;
    {
        QSqlQuery q(m_db.connection());
        q.prepare(QStringLiteral("SELECT id, name, strategy, backbone, status, config_json, total_rounds, completed_rounds, "
                                 "dp_epsilon, dp_delta, dp_clip, dp_sigma, created_utc, updated_utc FROM pilots WHERE id = ?"));
        q.addBindValue(pilotId);
        if (!q.exec())
            return queryError(q, "pilots");
        if (!q.next())
            return engine::Result<PilotHistory>::error("no pilot with id " + std::to_string(pilotId));
        auto& p = h.pilot;
        p.id = q.value(0).toLongLong();
        p.name = q.value(1).toString();
        p.strategy = q.value(2).toString();
        p.backbone = q.value(3).toString();
        p.status = q.value(4).toString();
        p.config = jsonObject(q.value(5));
        p.totalRounds = q.value(6).toInt();
        p.completedRounds = q.value(7).toInt();
        p.dpEpsilon = number(q.value(8));
        p.dpDelta = number(q.value(9));
        p.dpClip = number(q.value(10));
        p.dpSigma = number(q.value(11));
        p.createdUtc = q.value(12).toString();
        p.updatedUtc = q.value(13).toString();
    }
    for (auto step : {&HistoryReader::loadRounds, &HistoryReader::loadSiteMetrics, &HistoryReader::loadTraffic,
                      &HistoryReader::loadModels, &HistoryReader::loadSites}) {
        const auto status = (this->*step)(h);
        if (!status)
            return status;
    }
    return h;
}

engine::Status HistoryReader::loadSites(PilotHistory& h) const
{
    // A site DB may hold metrics for sites that never got a pilot_sites row: take both.
    QSet<qint64> ids;
    for (const auto& m : h.siteMetrics)
        ids.insert(m.siteId);
    for (const auto& t : h.traffic) {
        if (t.siteId != 0)
            ids.insert(t.siteId);
    }
    QSqlQuery q(m_db.connection());
    q.prepare(QStringLiteral("SELECT id, name, organization, contact, status, last_seen_utc, hardware_json, "
                             "EXISTS(SELECT 1 FROM pilot_sites ps WHERE ps.site_id = sites.id AND ps.pilot_id = ?) "
                             "FROM sites ORDER BY name"));
    q.addBindValue(h.pilot.id);
    if (!q.exec())
        return queryError(q, "sites");
    while (q.next()) {
        const qint64 id = q.value(0).toLongLong();
        if (!q.value(7).toBool() && !ids.contains(id))
            continue;
        HistorySite s;
        s.id = id;
        s.name = q.value(1).toString();
        s.organization = q.value(2).toString();
        s.contact = q.value(3).toString();
        s.status = q.value(4).toString();
        s.lastSeenUtc = q.value(5).toString();
        s.hardware = jsonObject(q.value(6));
        h.sites << s;
    }
    return engine::Status::ok();
}

engine::Status HistoryReader::loadRounds(PilotHistory& h) const
{
    QSqlQuery q(m_db.connection());
    q.prepare(QStringLiteral("SELECT round_index, state, started_utc, closed_utc, sites_invited, sites_accepted, sites_rejected, "
                             "sites_dropped, samples, aggregation_ms, accuracy, auc, eer, tar_far_1e1, tar_far_1e2, tar_far_1e3, "
                             "tar_far_1e4, model_sha256, update_norm_mean, dp_epsilon_spent, metrics_json, failure_reason "
                             "FROM rounds WHERE pilot_id = ? ORDER BY round_index"));
    q.addBindValue(h.pilot.id);
    if (!q.exec())
        return queryError(q, "rounds");
    while (q.next()) {
        HistoryRound r;
        r.index = q.value(0).toInt();
        r.state = q.value(1).toString();
        r.startedUtc = q.value(2).toString();
        r.closedUtc = q.value(3).toString();
        r.sitesInvited = q.value(4).toInt();
        r.sitesAccepted = q.value(5).toInt();
        r.sitesRejected = q.value(6).toInt();
        r.sitesDropped = q.value(7).toInt();
        r.samples = q.value(8).toLongLong();
        r.aggregationMs = number(q.value(9));
        r.accuracy = number(q.value(10));
        r.auc = number(q.value(11));
        r.eer = number(q.value(12));
        for (int i = 0; i < 4; ++i)
            r.tarFar[i] = number(q.value(13 + i));
        r.modelSha256 = q.value(17).toString();
        r.updateNormMean = number(q.value(18));
        r.dpEpsilonSpent = number(q.value(19));
        const QJsonObject extra = jsonObject(q.value(20));
        // "roc": [[far, tar(, threshold)], ...] as EngineJson writes it.
        for (const auto& point : extra.value(QStringLiteral("roc")).toArray()) {
            const QJsonArray p = point.toArray();
            if (p.size() >= 2)
                r.roc << QPointF(p.at(0).toDouble(), p.at(1).toDouble());
        }
        r.failureReason = q.value(21).toString();
        h.rounds << r;
    }
    return engine::Status::ok();
}

engine::Status HistoryReader::loadSiteMetrics(PilotHistory& h) const
{
    QSqlQuery q(m_db.connection());
    q.prepare(QStringLiteral("SELECT round_index, site_id, kind, update_status, reject_reason, loss, generic_accuracy, "
                             "generic_tar_far_1e3, personalized_accuracy, personalized_tar_far_1e3, identification_top1, "
                             "samples, train_seconds, device, update_norm, metrics_json "
                             "FROM round_site_metrics WHERE pilot_id = ? ORDER BY round_index, site_id, kind"));
    q.addBindValue(h.pilot.id);
    if (!q.exec())
        return queryError(q, "round_site_metrics");
    while (q.next()) {
        HistorySiteMetrics m;
        m.round = q.value(0).toInt();
        m.siteId = q.value(1).toLongLong();
        m.kind = q.value(2).toString();
        m.updateStatus = q.value(3).toString();
        m.rejectReason = q.value(4).toString();
        m.loss = number(q.value(5));
        m.genericAccuracy = number(q.value(6));
        m.genericTar1e3 = number(q.value(7));
        m.personalizedAccuracy = number(q.value(8));
        m.personalizedTar1e3 = number(q.value(9));
        m.identificationTop1 = number(q.value(10));
        m.samples = q.value(11).toLongLong();
        m.trainSeconds = number(q.value(12));
        m.device = q.value(13).toString();
        m.updateNorm = number(q.value(14));
        const QJsonObject extra = jsonObject(q.value(15));
        if (extra.contains(QStringLiteral("images_per_sec")))
            m.imagesPerSec = extra.value(QStringLiteral("images_per_sec")).toDouble();
        for (const auto& v : extra.value(QStringLiteral("epoch_loss")).toArray())
            m.epochLoss << v.toDouble();
        h.siteMetrics << m;
    }
    return engine::Status::ok();
}

engine::Status HistoryReader::loadTraffic(PilotHistory& h) const
{
    QSqlQuery q(m_db.connection());
    q.prepare(QStringLiteral("SELECT round_index, COALESCE(site_id, 0), direction, channel, bytes_raw, bytes_wire, messages "
                             "FROM traffic WHERE pilot_id = ? ORDER BY round_index, site_id, direction, channel"));
    q.addBindValue(h.pilot.id);
    if (!q.exec())
        return queryError(q, "traffic");
    while (q.next()) {
        HistoryTraffic t;
        t.round = q.value(0).toInt();
        t.siteId = q.value(1).toLongLong();
        t.direction = q.value(2).toString();
        t.channel = q.value(3).toString();
        t.bytesRaw = q.value(4).toLongLong();
        t.bytesWire = q.value(5).toLongLong();
        t.messages = q.value(6).toLongLong();
        h.traffic << t;
    }
    return engine::Status::ok();
}

engine::Status HistoryReader::loadModels(PilotHistory& h) const
{
    QSqlQuery q(m_db.connection());
    q.prepare(QStringLiteral("SELECT round_index, kind, sha256, path, bytes FROM model_versions WHERE pilot_id = ? "
                             "ORDER BY round_index, kind"));
    q.addBindValue(h.pilot.id);
    if (!q.exec())
        return queryError(q, "model_versions");
    while (q.next()) {
        HistoryModelVersion m;
        m.round = q.value(0).toInt();
        m.kind = q.value(1).toString();
        m.sha256 = q.value(2).toString();
        m.path = q.value(3).toString();
        m.bytes = q.value(4).toLongLong();
        h.models << m;
    }
    return engine::Status::ok();
}

}  // namespace fedpilot::report
