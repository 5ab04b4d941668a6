#pragma once
// The series every chart shows, computed once from a PilotHistory: the GUI's QCustomPlot charts
// and the PDF's painter charts draw the same numbers. Percent metrics are fractions (0..1),
// traffic is in megabytes on the wire. colorIndex is stable per site (its order in the history)
// so a site keeps its colour across charts.

#include "report/PilotHistory.h"

#include <QPointF>
#include <QString>
#include <QStringList>
#include <QVector>

namespace fedpilot::report {

struct SeriesData {
    QString name;
    QVector<QPointF> points;  // x = round (or epoch, FAR), y; NaN y = gap
    int colorIndex = 0;
    bool dashed = false;      // reference lines (the round-0 baseline)
    bool emphasized = false;  // aggregate lines drawn thicker
};

enum class SiteMetric { Accuracy, TarAt1e3 };

// Per round: mean personalized and mean generic accuracy (or TAR@FAR=1e-3) over sites, the global
// model on the coordinator's benchmark, the mean round-0 baseline as a dashed line, and, with
// perSite, each site's personalized curve.
QVector<SeriesData> accuracySeries(const PilotHistory& history, SiteMetric metric, bool perSite);

struct TrafficBars {
    QStringList rounds;        // "R1", "R2" ...
    QVector<int> roundIndex;
    struct Stack {
        QString name;          // "<site> ↓" / "<site> ↑"
        int colorIndex = 0;
        bool up = false;
        QVector<double> megabytes;  // per round
    };
    QVector<Stack> stacks;
};
// Bytes on the wire per round, one stack per site and direction (down below up).
TrafficBars trafficPerRound(const PilotHistory& history);
// Cumulative megabytes on the wire per site and in total, after each round.
QVector<SeriesData> cumulativeTraffic(const PilotHistory& history);
// Local training loss per epoch for each site (x = epoch counted across rounds, from 1).
QVector<SeriesData> epochLoss(const PilotHistory& history);
// ROC (x = FAR, y = TAR) of the global model per round that stored one.
QVector<SeriesData> rocCurves(const PilotHistory& history);
// Two runs side by side: mean personalized accuracy per round of each (e.g. AdaFedFR vs FedAvg)
// and their baselines.
QVector<SeriesData> comparisonSeries(const PilotHistory& a, const PilotHistory& b);

}  // namespace fedpilot::report
