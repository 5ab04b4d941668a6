#pragma once
// Go/no-go: the pilot's results checked against its targets. The targets come from the
// database's settings table (key "report_targets", a JSON object with the keys below) when a
// pilot manager stored them, else from these defaults, and the CLI can override them.

#include "report/PilotHistory.h"

#include <QJsonObject>
#include <QString>
#include <QVector>

namespace fedpilot {
class Database;
}

namespace fedpilot::report {

struct ReportTargets {
    double minAccuracyGain = 0.01;      // mean personalized accuracy (last round) - mean baseline
    double maxSiteRegression = 0.02;    // no site may fall more than this below its baseline
    int maxRounds = 3;                  // the paper's claim: stable within three rounds
    double minParticipation = 0.66;     // accepted / invited updates over all rounds
    double maxWireMbPerSiteRound = 0;   // 0 = no traffic target
    double maxDpEpsilon = 0;            // 0 = no privacy target
};

// Keys: min_accuracy_gain, max_site_regression, max_rounds, min_participation,
// max_wire_mb_per_site_round, max_dp_epsilon. Unknown keys are ignored; missing keys keep defaults.
ReportTargets targetsFromJson(const QJsonObject& json, ReportTargets defaults = {});
QJsonObject toJson(const ReportTargets& targets);
// The targets stored in db (settings key "report_targets"), else the defaults.
ReportTargets storedTargets(const Database& db);

struct TargetCheck {
    QString name;      // "Accuracy gain"
    QString target;    // "≥ +1.0 pt"
    QString actual;    // "+2.3 pt"
    bool applicable = true;  // false: no data or no target (shown, never decides)
    bool passed = false;
};

struct PilotAssessment {
    bool go = false;
    QString headline;  // one sentence for the report's first line
    QVector<TargetCheck> checks;
    // Key numbers for summaries.
    double baselineAccuracy = kMissing;
    double finalPersonalizedAccuracy = kMissing;
    double finalGenericAccuracy = kMissing;
    double participation = kMissing;
    double wireMbPerSiteRound = kMissing;
    int finalRound = -1;
};

PilotAssessment assess(const PilotHistory& history, const ReportTargets& targets);

// "+2.3 pt", "81.2 %", "12.4 MB", "n/a": formats shared by tables, reports and charts.
QString formatPercent(double fraction, int decimals = 1);
QString formatPoints(double fractionDelta, int decimals = 1);
QString formatBytes(qint64 bytes);

}  // namespace fedpilot::report
