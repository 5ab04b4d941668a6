#include "widgets/charts/SeriesChart.h"

#include "report/PainterChart.h"

#include <qcustomplot.h>

#include <cmath>

namespace fedpilot::ui {

SeriesChart::SeriesChart(const QString& title, SeriesChartOptions options, QWidget* parent)
    : ChartView(title, parent), m_options(std::move(options))
{
    auto* p = plot();
    p->xAxis->setLabel(m_options.xLabel);
    p->yAxis->setLabel(m_options.percent ? m_options.yLabel + QStringLiteral(" (%)") : m_options.yLabel);
    if (m_options.logX) {
        p->xAxis->setScaleType(QCPAxis::stLogarithmic);
        QSharedPointer<QCPAxisTickerLog> ticker(new QCPAxisTickerLog);
        p->xAxis->setTicker(ticker);
        p->xAxis->setNumberFormat(QStringLiteral("eb"));
        p->xAxis->setNumberPrecision(0);
    } else if (m_options.integerX) {
        QSharedPointer<QCPAxisTickerFixed> ticker(new QCPAxisTickerFixed);
        ticker->setTickStep(1.0);
        ticker->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
        p->xAxis->setTicker(ticker);
    }
}

void SeriesChart::setSeries(const QVector<report::SeriesData>& series)
{
    clearPlot();
    auto* p = plot();
    const double scale = m_options.percent ? 100.0 : 1.0;
    for (const auto& s : series) {
        QCPGraph* g = p->addGraph();
        g->setName(s.name);
        QPen pen(report::seriesColor(s.colorIndex), s.emphasized ? 2.6 : 1.6);
        if (s.dashed)
            pen.setStyle(Qt::DashLine);
        g->setPen(pen);
        if (!s.dashed && s.points.size() <= 40) {
            g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, pen.color(), Qt::white, s.emphasized ? 7 : 5));
        }
        QVector<double> keys, values;
        keys.reserve(s.points.size());
        values.reserve(s.points.size());
        for (const auto& pt : s.points) {
            if (m_options.logX && pt.x() <= 0)
                continue;  // log axis: FAR 0 has no place
            keys << pt.x();
            values << (std::isfinite(pt.y()) ? pt.y() * scale : std::numeric_limits<double>::quiet_NaN());
        }
        g->setData(keys, values, true);
    }
    finishUpdate();
}

QString SeriesChart::formatPoint(const QCPAbstractPlottable* plottable, double key, double value) const
{
    const QString x = m_options.logX ? QStringLiteral("FAR %1").arg(key, 0, 'g', 2)
                      : m_options.integerX ? QStringLiteral("%1 %2").arg(m_options.xLabel).arg(key, 0, 'f', 0)
                                           : QStringLiteral("%1 %2").arg(m_options.xLabel).arg(key, 0, 'g', 4);
    const QString y = m_options.percent ? QStringLiteral("%1 %").arg(value, 0, 'f', 2)
                                        : QStringLiteral("%1%2").arg(value, 0, 'f', value < 10 ? 3 : 1)
                                              .arg(m_options.unit.isEmpty() ? QString() : QLatin1Char(' ') + m_options.unit);
    return QStringLiteral("%1\n%2: %3").arg(plottable->name(), x, y);
}

}  // namespace fedpilot::ui
