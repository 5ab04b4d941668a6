#pragma once
// Rounds, per-round per-site metrics, uploaded updates and model versions of a pilot.

#include "fedpilot/engine/Result.h"
#include "storage/Database.h"

#include <QString>
#include <QVector>

#include <optional>

namespace fedpilot {

struct RoundRecord {
    qint64 pilotId = 0;
    int roundIndex = 0;
    QString state;            // open | collecting | aggregating | completed | failed
    int sitesInvited = 0;
    int sitesAccepted = 0;
    int sitesRejected = 0;
    int sitesDropped = 0;
    qint64 samples = 0;
    double aggregationMs = 0;
    double accuracy = 0;
    double auc = 0;
    double eer = 0;
    double tarFar[4] = {0, 0, 0, 0};  // FAR 1e-1 .. 1e-4 (NaN-free: 0 when unavailable)
    QString modelSha256;
    double updateNormMean = 0;
    double dpEpsilonSpent = 0;
    QString metricsJson;
    QString failureReason;
};

struct SiteMetricsRecord {
    qint64 pilotId = 0;
    int roundIndex = 0;
    qint64 siteId = 0;
    QString kind = QStringLiteral("round");   // baseline | round
    double loss = 0;
    double genericAccuracy = 0, genericAuc = 0, genericEer = 0, genericTar1e3 = 0;
    double personalizedAccuracy = 0, personalizedAuc = 0, personalizedEer = 0, personalizedTar1e3 = 0;
    double identificationTop1 = 0;
    qint64 samples = 0;
    double trainSeconds = 0;
    QString device;
    double updateNorm = 0;
    QString metricsJson;
};

class RoundRepository {
public:
    explicit RoundRepository(const Database& db) : m_db(db) {}

    // Inserts or replaces the state of a round (a re-opened round is overwritten).
    engine::Status open(qint64 pilotId, int roundIndex) const;
    // Writes the final numbers of a round (state completed or failed).
    engine::Status save(const RoundRecord& round) const;
    std::optional<RoundRecord> find(qint64 pilotId, int roundIndex) const;
    QVector<RoundRecord> all(qint64 pilotId) const;
    // Drops rounds after `lastCompleted` that never completed (resume after a crash).
    engine::Status dropIncompleteAfter(qint64 pilotId, int lastCompleted) const;

    // Reported metrics (merged into any row with the same key; update status untouched).
    engine::Status saveSiteMetrics(const SiteMetricsRecord& metrics) const;
    // What became of the site's update this round (accepted | rejected | late | dropped).
    engine::Status setUpdateStatus(qint64 pilotId, int roundIndex, qint64 siteId, const QString& status,
                                   const QString& reason, double updateNorm = 0, qint64 samples = 0) const;
    QVector<SiteMetricsRecord> siteMetrics(qint64 pilotId, int roundIndex) const;
    // Update status per site for a round as (siteId, status).
    QVector<QPair<qint64, QString>> updateStatuses(qint64 pilotId, int roundIndex) const;

    engine::Status saveModelVersion(qint64 pilotId, int roundIndex, const QString& kind, const QString& sha256,
                                    const QString& path, qint64 bytes) const;
    // (sha256, path) of a stored model version.
    std::optional<QPair<QString, QString>> modelVersion(qint64 pilotId, int roundIndex, const QString& kind) const;

private:
    const Database& m_db;
};

}  // namespace fedpilot
