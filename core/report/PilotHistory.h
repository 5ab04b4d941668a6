#pragma once
// The report data model: one pilot's history as read from a site or coordinator database
// (pilots, sites, rounds, per-round per-site metrics, traffic, model versions). Plain values, so
// charts, the PDF and CSV writers and the GUI tables all read the same numbers. A missing
// measurement is NaN (charts leave a gap, tables print "n/a"), never a made-up zero.

#include <QJsonObject>
#include <QPointF>
#include <QString>
#include <QVector>

#include <limits>

namespace fedpilot::report {

constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();

struct PilotInfo {
    qint64 id = 0;
    QString name;
    QString strategy;
    QString backbone;
    QString status;
    QJsonObject config;
    int totalRounds = 0;
    int completedRounds = 0;
    double dpEpsilon = kMissing;  // configured budget; NaN = DP off
    double dpDelta = kMissing;
    double dpClip = kMissing;
    double dpSigma = kMissing;
    QString createdUtc;
    QString updatedUtc;
};

struct HistorySite {
    qint64 id = 0;
    QString name;
    QString organization;
    QString contact;
    QString status;
    QString lastSeenUtc;
    QJsonObject hardware;
};

struct HistoryRound {
    int index = 0;  // 0 = the generic (pretrained) model
    QString state;
    QString startedUtc;
    QString closedUtc;
    int sitesInvited = 0;
    int sitesAccepted = 0;
    int sitesRejected = 0;
    int sitesDropped = 0;
    qint64 samples = 0;
    double aggregationMs = kMissing;
    double accuracy = kMissing;
    double auc = kMissing;
    double eer = kMissing;
    double tarFar[4] = {kMissing, kMissing, kMissing, kMissing};  // FAR 1e-1 .. 1e-4
    double updateNormMean = kMissing;
    double dpEpsilonSpent = kMissing;
    QString modelSha256;
    QString failureReason;
    QVector<QPointF> roc;  // (FAR, TAR) from metrics_json "roc", when the writer stored it
};

struct HistorySiteMetrics {
    int round = 0;
    qint64 siteId = 0;
    QString kind;          // baseline | round
    QString updateStatus;  // pending | accepted | rejected | late | dropped | none
    QString rejectReason;
    double loss = kMissing;
    double genericAccuracy = kMissing;
    double genericTar1e3 = kMissing;
    double personalizedAccuracy = kMissing;
    double personalizedTar1e3 = kMissing;
    double identificationTop1 = kMissing;
    qint64 samples = 0;
    double trainSeconds = kMissing;
    QString device;
    double updateNorm = kMissing;
    double imagesPerSec = kMissing;
    QVector<double> epochLoss;  // metrics_json "epoch_loss", when reported
};

struct HistoryTraffic {
    int round = 0;
    qint64 siteId = 0;  // 0 = not tied to a site
    QString direction;  // up | down
    QString channel;
    qint64 bytesRaw = 0;
    qint64 bytesWire = 0;
    qint64 messages = 0;
};

struct HistoryModelVersion {
    int round = 0;
    QString kind;
    QString sha256;
    QString path;
    qint64 bytes = 0;
};

struct PilotHistory {
    PilotInfo pilot;
    QVector<HistorySite> sites;  // sites of the pilot, by name
    QVector<HistoryRound> rounds;  // by index
    QVector<HistorySiteMetrics> siteMetrics;
    QVector<HistoryTraffic> traffic;
    QVector<HistoryModelVersion> models;

    QString siteName(qint64 siteId) const;
    const HistoryRound* round(int index) const;
    const HistorySiteMetrics* metrics(int round, qint64 siteId, const QString& kind) const;
    // The highest completed round index (0 when only the baseline exists, -1 when nothing).
    int lastCompletedRound() const;
    // Bytes on the wire for a round (siteId 0 = every site; direction empty = both).
    qint64 wireBytes(int round, qint64 siteId = 0, const QString& direction = {}) const;
    qint64 totalWireBytes() const;
    qint64 totalRawBytes() const;
    // Mean over sites of the round-0 baseline accuracy (generic model on each site's held-out faces).
    double meanBaselineAccuracy() const;
    // Mean over sites of a round's personalized (or generic) accuracy.
    double meanSiteAccuracy(int round, bool personalized) const;
    // Rounds that have a row, sorted (0..R).
    QVector<int> roundIndices() const;
};

}  // namespace fedpilot::report
