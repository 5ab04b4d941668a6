#include "report/PilotHistory.h"

#include <QSet>

#include <algorithm>
#include <cmath>

namespace fedpilot::report {
namespace {

double meanOf(const QVector<double>& values)
{
    double sum = 0;
    int n = 0;
    for (double v : values) {
        if (std::isfinite(v)) {
            sum += v;
            ++n;
        }
    }
    return n > 0 ? sum / n : kMissing;
}

}  // namespace

QString PilotHistory::siteName(qint64 siteId) const
{
    for (const auto& s : sites) {
        if (s.id == siteId)
            return s.name;
    }
    return siteId == 0 ? QStringLiteral("(coordinator)") : QStringLiteral("site %1").arg(siteId);
}

const HistoryRound* PilotHistory::round(int index) const
{
    for (const auto& r : rounds) {
        if (r.index == index)
            return &r;
    }
    return nullptr;
}

const HistorySiteMetrics* PilotHistory::metrics(int roundIndex, qint64 siteId, const QString& kind) const
{
    for (const auto& m : siteMetrics) {
        if (m.round == roundIndex && m.siteId == siteId && m.kind == kind)
            return &m;
    }
    return nullptr;
}

int PilotHistory::lastCompletedRound() const
{
    int last = -1;
    for (const auto& r : rounds) {
        if (r.state == QLatin1String("completed"))
            last = std::max(last, r.index);
    }
    return last;
}

qint64 PilotHistory::wireBytes(int roundIndex, qint64 siteId, const QString& direction) const
{
    qint64 sum = 0;
    for (const auto& t : traffic) {
        if (t.round == roundIndex && (siteId == 0 || t.siteId == siteId) && (direction.isEmpty() || t.direction == direction))
            sum += t.bytesWire;
    }
    return sum;
}

qint64 PilotHistory::totalWireBytes() const
{
    qint64 sum = 0;
    for (const auto& t : traffic)
        sum += t.bytesWire;
    return sum;
}

qint64 PilotHistory::totalRawBytes() const
{
    qint64 sum = 0;
    for (const auto& t : traffic)
        sum += t.bytesRaw;
    return sum;
}

double PilotHistory::meanBaselineAccuracy() const
{
    QVector<double> values;
    for (const auto& m : siteMetrics) {
        if (m.kind == QLatin1String("baseline"))
            values << m.genericAccuracy;
    }
    return meanOf(values);
}

double PilotHistory::meanSiteAccuracy(int roundIndex, bool personalized) const
{
    QVector<double> values;
    for (const auto& m : siteMetrics) {
        if (m.kind == QLatin1String("round") && m.round == roundIndex)
            values << (personalized ? m.personalizedAccuracy : m.genericAccuracy);
    }
    return meanOf(values);
}

QVector<int> PilotHistory::roundIndices() const
{
    QSet<int> set;
    for (const auto& r : rounds)
        set.insert(r.index);
    for (const auto& m : siteMetrics)
        set.insert(m.round);
    QVector<int> out(set.begin(), set.end());
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace fedpilot::report
