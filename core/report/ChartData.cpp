#include "report/ChartData.h"

#include <algorithm>
#include <cmath>

namespace fedpilot::report {
namespace {

double metricOf(const HistorySiteMetrics& m, SiteMetric metric, bool personalized)
{
    if (metric == SiteMetric::Accuracy)
        return personalized ? m.personalizedAccuracy : m.genericAccuracy;
    return personalized ? m.personalizedTar1e3 : m.genericTar1e3;
}

double mean(const QVector<double>& v)
{
    double s = 0;
    int n = 0;
    for (double x : v) {
        if (std::isfinite(x)) {
            s += x;
            ++n;
        }
    }
    return n ? s / n : kMissing;
}

// Mean over sites for one round; round 0 uses each site's baseline row (generic model).
double siteMean(const PilotHistory& h, int round, SiteMetric metric, bool personalized)
{
    QVector<double> values;
    for (const auto& m : h.siteMetrics) {
        if (m.round != round)
            continue;
        if (round == 0 && m.kind == QLatin1String("baseline"))
            values << metricOf(m, metric, false);
        else if (round > 0 && m.kind == QLatin1String("round"))
            values << metricOf(m, metric, personalized);
    }
    return mean(values);
}

QString shortName(const PilotHistory& h)
{
    const QString s = h.pilot.strategy.toLower();
    if (s == QLatin1String("adafedfr"))
        return QStringLiteral("AdaFedFR");
    if (s == QLatin1String("fedavg"))
        return QStringLiteral("FedAvg");
    if (s == QLatin1String("local"))
        return QStringLiteral("Local only");
    return h.pilot.name;
}

}  // namespace

QVector<SeriesData> accuracySeries(const PilotHistory& h, SiteMetric metric, bool perSite)
{
    QVector<SeriesData> out;
    const QVector<int> rounds = h.roundIndices();
    if (rounds.isEmpty())
        return out;
    SeriesData personalized{QStringLiteral("Personalized"), {}, 0, false, true};
    SeriesData generic{QStringLiteral("Generic"), {}, 1, false, true};
    SeriesData global{QStringLiteral("Global (benchmark)"), {}, 2, false, false};
    for (int r : rounds) {
        personalized.points << QPointF(r, siteMean(h, r, metric, true));
        generic.points << QPointF(r, siteMean(h, r, metric, false));
        const HistoryRound* round = h.round(r);
        const double g = !round ? kMissing : metric == SiteMetric::Accuracy ? round->accuracy : round->tarFar[2];
        global.points << QPointF(r, g);
    }
    out << personalized << generic << global;
    const double base = siteMean(h, 0, metric, false);
    if (std::isfinite(base)) {
        SeriesData baseline{QStringLiteral("Baseline"), {}, 7, true, false};
        baseline.points << QPointF(rounds.first(), base) << QPointF(std::max(rounds.last(), rounds.first() + 1), base);
        out << baseline;
    }
    if (perSite) {
        for (int s = 0; s < h.sites.size(); ++s) {
            const auto& site = h.sites[s];
            SeriesData series{site.name, {}, 3 + s, false, false};
            for (int r : rounds) {
                const auto* m = r == 0 ? h.metrics(0, site.id, QStringLiteral("baseline")) : h.metrics(r, site.id, QStringLiteral("round"));
                series.points << QPointF(r, !m ? kMissing : metricOf(*m, metric, r > 0));
            }
            out << series;
        }
    }
    return out;
}

TrafficBars trafficPerRound(const PilotHistory& h)
{
    TrafficBars bars;
    for (int r : h.roundIndices()) {
        if (r == 0 && h.wireBytes(0) == 0)
            continue;  // round 0 moves nothing in most pilots
        bars.rounds << QStringLiteral("R%1").arg(r);
        bars.roundIndex << r;
    }
    for (int s = 0; s < h.sites.size(); ++s) {
        for (bool up : {false, true}) {
            TrafficBars::Stack stack;
            stack.name = h.sites[s].name + (up ? QStringLiteral(" ↑") : QStringLiteral(" ↓"));
            stack.colorIndex = 3 + s;
            stack.up = up;
            for (int r : bars.roundIndex)
                stack.megabytes << h.wireBytes(r, h.sites[s].id, up ? QStringLiteral("up") : QStringLiteral("down")) / 1e6;
            bars.stacks << stack;
        }
    }
    return bars;
}

QVector<SeriesData> cumulativeTraffic(const PilotHistory& h)
{
    QVector<SeriesData> out;
    const QVector<int> rounds = h.roundIndices();
    SeriesData total{QStringLiteral("All sites"), {}, 0, false, true};
    double totalMb = 0;
    for (int r : rounds) {
        totalMb += h.wireBytes(r) / 1e6;
        total.points << QPointF(r, totalMb);
    }
    out << total;
    for (int s = 0; s < h.sites.size(); ++s) {
        SeriesData series{h.sites[s].name, {}, 3 + s, false, false};
        double mb = 0;
        for (int r : rounds) {
            mb += h.wireBytes(r, h.sites[s].id) / 1e6;
            series.points << QPointF(r, mb);
        }
        out << series;
    }
    return out;
}

QVector<SeriesData> epochLoss(const PilotHistory& h)
{
    QVector<SeriesData> out;
    for (int s = 0; s < h.sites.size(); ++s) {
        SeriesData series{h.sites[s].name, {}, 3 + s, false, false};
        int epoch = 0;
        for (const auto& m : h.siteMetrics) {
            if (m.siteId != h.sites[s].id || m.kind != QLatin1String("round"))
                continue;
            if (m.epochLoss.isEmpty()) {
                // Only the round's final loss was reported: one point per round.
                series.points << QPointF(++epoch, m.loss);
            } else {
                for (double v : m.epochLoss)
                    series.points << QPointF(++epoch, v);
            }
        }
        if (!series.points.isEmpty())
            out << series;
    }
    return out;
}

QVector<SeriesData> rocCurves(const PilotHistory& h)
{
    QVector<SeriesData> out;
    int i = 0;
    for (const auto& r : h.rounds) {
        if (r.roc.isEmpty())
            continue;
        SeriesData s{r.index == 0 ? QStringLiteral("Round 0 (generic)") : QStringLiteral("Round %1").arg(r.index), r.roc, i++, false, false};
        s.emphasized = r.index == h.lastCompletedRound();
        out << s;
    }
    return out;
}

QVector<SeriesData> comparisonSeries(const PilotHistory& a, const PilotHistory& b)
{
    QVector<SeriesData> out;
    int color = 0;
    for (const PilotHistory* h : {&a, &b}) {
        SeriesData s{QStringLiteral("%1 (%2)").arg(shortName(*h), h->pilot.name), {}, color, false, true};
        for (int r : h->roundIndices())
            s.points << QPointF(r, siteMean(*h, r, SiteMetric::Accuracy, true));
        out << s;
        ++color;
    }
    return out;
}

}  // namespace fedpilot::report
