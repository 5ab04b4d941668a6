#pragma once
// Traffic per round as stacked bars: one stack per site and direction (download in the site's
// colour, upload lighter), so both the total and each site's share read at a glance.

#include "report/ChartData.h"
#include "widgets/charts/ChartView.h"

namespace fedpilot::ui {

class TrafficBarChart : public ChartView {
    Q_OBJECT
public:
    explicit TrafficBarChart(const QString& title, QWidget* parent = nullptr);

    void setBars(const report::TrafficBars& bars);
    void resetZoom() override;

protected:
    QString formatPoint(const QCPAbstractPlottable* plottable, double key, double value) const override;

private:
    report::TrafficBars m_bars;
};

}  // namespace fedpilot::ui
