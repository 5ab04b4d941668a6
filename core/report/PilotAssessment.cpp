#include "report/PilotAssessment.h"

#include "storage/Database.h"

#include <QJsonDocument>
#include <QSqlQuery>

#include <algorithm>
#include <cmath>

namespace fedpilot::report {
namespace {

const QString kKeyGain = QStringLiteral("min_accuracy_gain");
const QString kKeyRegression = QStringLiteral("max_site_regression");
const QString kKeyRounds = QStringLiteral("max_rounds");
const QString kKeyParticipation = QStringLiteral("min_participation");
const QString kKeyWire = QStringLiteral("max_wire_mb_per_site_round");
const QString kKeyEpsilon = QStringLiteral("max_dp_epsilon");

double readNumber(const QJsonObject& json, const QString& key, double fallback)
{
    const auto v = json.value(key);
    return v.isDouble() && std::isfinite(v.toDouble()) ? v.toDouble() : fallback;
}

TargetCheck makeCheck(const QString& name, const QString& target)
{
    TargetCheck c;
    c.name = name;
    c.target = target;
    return c;
}

}  // namespace

ReportTargets targetsFromJson(const QJsonObject& json, ReportTargets t)
{
    t.minAccuracyGain = readNumber(json, kKeyGain, t.minAccuracyGain);
    t.maxSiteRegression = readNumber(json, kKeyRegression, t.maxSiteRegression);
    t.maxRounds = static_cast<int>(readNumber(json, kKeyRounds, t.maxRounds));
    t.minParticipation = readNumber(json, kKeyParticipation, t.minParticipation);
    t.maxWireMbPerSiteRound = readNumber(json, kKeyWire, t.maxWireMbPerSiteRound);
    t.maxDpEpsilon = readNumber(json, kKeyEpsilon, t.maxDpEpsilon);
    return t;
}

QJsonObject toJson(const ReportTargets& t)
{
    return QJsonObject{{kKeyGain, t.minAccuracyGain},       {kKeyRegression, t.maxSiteRegression},
                       {kKeyRounds, t.maxRounds},           {kKeyParticipation, t.minParticipation},
                       {kKeyWire, t.maxWireMbPerSiteRound}, {kKeyEpsilon, t.maxDpEpsilon}};
}

ReportTargets storedTargets(const Database& db)
{
    QSqlQuery q(db.connection());
    q.prepare(QStringLiteral("SELECT value FROM settings WHERE key = 'report_targets'"));
    if (q.exec() && q.next())
        return targetsFromJson(QJsonDocument::fromJson(q.value(0).toString().toUtf8()).object());
    return {};
}

QString formatPercent(double fraction, int decimals)
{
    if (!std::isfinite(fraction))
        return QStringLiteral("n/a");
    return QStringLiteral("%1 %").arg(fraction * 100.0, 0, 'f', decimals);
}

QString formatPoints(double delta, int decimals)
{
    if (!std::isfinite(delta))
        return QStringLiteral("n/a");
    const double pt = delta * 100.0;
    return QStringLiteral("%1%2 pt").arg(pt >= 0 ? QStringLiteral("+") : QString()).arg(pt, 0, 'f', decimals);
}

QString formatBytes(qint64 bytes)
{
    const double b = static_cast<double>(bytes);
    if (b >= 1e9)
        return QStringLiteral("%1 GB").arg(b / 1e9, 0, 'f', 2);
    if (b >= 1e6)
        return QStringLiteral("%1 MB").arg(b / 1e6, 0, 'f', 1);
    if (b >= 1e3)
        return QStringLiteral("%1 kB").arg(b / 1e3, 0, 'f', 1);
    return QStringLiteral("%1 B").arg(bytes);
}

PilotAssessment assess(const PilotHistory& h, const ReportTargets& t)
{
    PilotAssessment a;
    a.finalRound = h.lastCompletedRound();
    a.baselineAccuracy = h.meanBaselineAccuracy();
    if (a.finalRound >= 1) {
        a.finalPersonalizedAccuracy = h.meanSiteAccuracy(a.finalRound, true);
        a.finalGenericAccuracy = h.meanSiteAccuracy(a.finalRound, false);
    }

    // 1. The headline number: did federated personalization beat the generic model at the sites?
    {
        TargetCheck c = makeCheck(QStringLiteral("Accuracy gain over baseline"), QStringLiteral("≥ %1").arg(formatPoints(t.minAccuracyGain)));
        const double gain = a.finalPersonalizedAccuracy - a.baselineAccuracy;
        c.applicable = std::isfinite(gain);
        c.actual = formatPoints(gain);
        c.passed = c.applicable && gain + 1e-12 >= t.minAccuracyGain;
        a.checks << c;
    }
    // 2. No site left behind.
    {
        TargetCheck c = makeCheck(QStringLiteral("Worst site vs its baseline"), QStringLiteral("≥ %1").arg(formatPoints(-t.maxSiteRegression)));
        double worst = kMissing;
        QString worstSite;
        for (const auto& s : h.sites) {
            const auto* base = h.metrics(0, s.id, QStringLiteral("baseline"));
            const auto* last = h.metrics(a.finalRound, s.id, QStringLiteral("round"));
            if (!base || !last)
                continue;
            const double d = last->personalizedAccuracy - base->genericAccuracy;
            if (std::isfinite(d) && (!std::isfinite(worst) || d < worst)) {
                worst = d;
                worstSite = s.name;
            }
        }
        c.applicable = std::isfinite(worst);
        c.actual = c.applicable ? QStringLiteral("%1 (%2)").arg(formatPoints(worst), worstSite) : QStringLiteral("n/a");
        c.passed = c.applicable && worst + 1e-12 >= -t.maxSiteRegression;
        a.checks << c;
    }
    // 3. Within the round budget, every planned round completed, none failed.
    {
        int failed = 0;
        for (const auto& r : h.rounds)
            failed += r.state == QLatin1String("failed") ? 1 : 0;
        const int done = std::max(0, a.finalRound);
        TargetCheck c = makeCheck(QStringLiteral("Rounds completed"), QStringLiteral("all planned, ≤ %1, none failed").arg(t.maxRounds));
        c.actual = QStringLiteral("%1 of %2%3").arg(done).arg(h.pilot.totalRounds).arg(failed ? QStringLiteral(", %1 failed").arg(failed) : QString());
        c.applicable = h.pilot.totalRounds > 0;
        c.passed = c.applicable && done >= h.pilot.totalRounds && done <= t.maxRounds && failed == 0;
        a.checks << c;
    }
    // 4. Participation: the sites actually contributed.
    {
        int invited = 0, accepted = 0;
        for (const auto& r : h.rounds) {
            if (r.index >= 1) {
                invited += r.sitesInvited;
                accepted += r.sitesAccepted;
            }
        }
        a.participation = invited > 0 ? double(accepted) / invited : kMissing;
        TargetCheck c = makeCheck(QStringLiteral("Participation (accepted updates)"), QStringLiteral("≥ %1").arg(formatPercent(t.minParticipation, 0)));
        c.applicable = invited > 0;
        c.actual = c.applicable ? QStringLiteral("%1 (%2 of %3)").arg(formatPercent(a.participation, 0)).arg(accepted).arg(invited)
                                : QStringLiteral("n/a");
        c.passed = c.applicable && a.participation + 1e-12 >= t.minParticipation;
        a.checks << c;
    }
    // 5. Traffic per site and round (informational unless a budget is set).
    {
        int siteRounds = 0;
        qint64 bytes = 0;
        for (int r = 1; r <= a.finalRound; ++r) {
            for (const auto& s : h.sites) {
                const qint64 b = h.wireBytes(r, s.id);
                if (b > 0) {
                    bytes += b;
                    ++siteRounds;
                }
            }
        }
        a.wireMbPerSiteRound = siteRounds > 0 ? bytes / 1e6 / siteRounds : kMissing;
        TargetCheck c = makeCheck(QStringLiteral("Traffic per site and round"),
                      t.maxWireMbPerSiteRound > 0 ? QStringLiteral("≤ %1 MB").arg(t.maxWireMbPerSiteRound, 0, 'f', 1) : QStringLiteral("no target"));
        c.actual = siteRounds > 0 ? QStringLiteral("%1 MB").arg(a.wireMbPerSiteRound, 0, 'f', 1) : QStringLiteral("n/a");
        c.applicable = t.maxWireMbPerSiteRound > 0 && siteRounds > 0;
        c.passed = !c.applicable || a.wireMbPerSiteRound <= t.maxWireMbPerSiteRound;
        a.checks << c;
    }
    // 6. Differential privacy budget (only when DP ran and a target is set).
    {
        double spent = kMissing;
        for (const auto& r : h.rounds) {
            if (std::isfinite(r.dpEpsilonSpent))
                spent = std::isfinite(spent) ? std::max(spent, r.dpEpsilonSpent) : r.dpEpsilonSpent;
        }
        TargetCheck c = makeCheck(QStringLiteral("Privacy budget ε spent"),
                      t.maxDpEpsilon > 0 ? QStringLiteral("≤ %1").arg(t.maxDpEpsilon, 0, 'g', 3) : QStringLiteral("no target"));
        c.actual = std::isfinite(spent) ? QStringLiteral("%1").arg(spent, 0, 'g', 3)
                                        : (std::isfinite(h.pilot.dpEpsilon) ? QStringLiteral("n/a") : QStringLiteral("DP off"));
        c.applicable = t.maxDpEpsilon > 0 && std::isfinite(spent);
        c.passed = !c.applicable || spent <= t.maxDpEpsilon;
        a.checks << c;
    }

    bool anyApplicable = false;
    a.go = true;
    for (const auto& c : a.checks) {
        if (c.applicable) {
            anyApplicable = true;
            a.go = a.go && c.passed;
        }
    }
    a.go = a.go && anyApplicable && a.finalRound >= 1;
    if (a.finalRound < 1)
        a.headline = QStringLiteral("No federated round has completed yet: no decision possible.");
    else if (a.go)
        a.headline = QStringLiteral("The pilot met every target: scaling up is recommended.");
    else
        a.headline = QStringLiteral("At least one target was missed: see the failed checks before scaling up.");
    return a;
}

}  // namespace fedpilot::report
