#include "widgets/charts/TrafficBarChart.h"

#include "report/PainterChart.h"

#include <qcustomplot.h>

namespace fedpilot::ui {

TrafficBarChart::TrafficBarChart(const QString& title, QWidget* parent) : ChartView(title, parent)
{
    plot()->xAxis->setLabel(tr("round"));
    plot()->yAxis->setLabel(tr("MB on the wire"));
    plot()->xAxis->grid()->setVisible(false);
}

void TrafficBarChart::setBars(const report::TrafficBars& bars)
{
    m_bars = bars;
    clearPlot();
    auto* p = plot();
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    QVector<double> keys;
    for (int i = 0; i < bars.rounds.size(); ++i) {
        keys << i + 1;
        ticker->addTick(i + 1, bars.rounds[i]);
    }
    p->xAxis->setTicker(ticker);
    QCPBars* below = nullptr;
    for (const auto& stack : bars.stacks) {
        auto* b = new QCPBars(p->xAxis, p->yAxis);
        b->setName(stack.name);
        QColor c = report::seriesColor(stack.colorIndex);
        if (stack.up)
            c = c.lighter(140);
        b->setBrush(c);
        b->setPen(QPen(Qt::white, 1));
        b->setWidth(0.6);
        b->setStackingGap(0);
        b->setData(keys, stack.megabytes, true);
        if (below)
            b->moveAbove(below);
        below = b;
    }
    finishUpdate();
}

void TrafficBarChart::resetZoom()
{
    auto* p = plot();
    double top = 0;
    for (int i = 0; i < m_bars.rounds.size(); ++i) {
        double sum = 0;
        for (const auto& s : m_bars.stacks)
            sum += i < s.megabytes.size() ? s.megabytes[i] : 0;
        top = std::max(top, sum);
    }
    p->xAxis->setRange(0.4, m_bars.rounds.size() + 0.6);
    p->yAxis->setRange(0, top > 0 ? top * 1.12 : 1);
    p->replot();
}

QString TrafficBarChart::formatPoint(const QCPAbstractPlottable* plottable, double key, double value) const
{
    const int i = qRound(key) - 1;
    const QString round = i >= 0 && i < m_bars.rounds.size() ? m_bars.rounds[i] : QString::number(key);
    return QStringLiteral("%1\n%2: %3 MB").arg(plottable->name(), round).arg(value, 0, 'f', 2);
}

}  // namespace fedpilot::ui
