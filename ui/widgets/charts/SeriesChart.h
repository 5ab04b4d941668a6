#pragma once
// Line charts of report::SeriesData: accuracy and TAR per round, cumulative traffic, loss per
// epoch, ROC curves, run comparisons. Percent data (fractions) are shown in %.

#include "report/ChartData.h"
#include "widgets/charts/ChartView.h"

namespace fedpilot::ui {

struct SeriesChartOptions {
    SeriesChartOptions(QString x = QStringLiteral("round"), QString y = {}, bool percentValues = false, bool integerTicks = true,
                       bool logarithmicX = false, QString unitText = {})
        : xLabel(std::move(x)), yLabel(std::move(y)), percent(percentValues), integerX(integerTicks), logX(logarithmicX),
          unit(std::move(unitText))
    {
    }
    QString xLabel;
    QString yLabel;
    bool percent;      // y fractions shown as %
    bool integerX;     // one tick per round
    bool logX;         // ROC: FAR on a log axis
    QString unit;      // appended in tooltips ("MB")
};

class SeriesChart : public ChartView {
    Q_OBJECT
public:
    SeriesChart(const QString& title, SeriesChartOptions options, QWidget* parent = nullptr);

    void setSeries(const QVector<report::SeriesData>& series);
    const SeriesChartOptions& options() const { return m_options; }

protected:
    QString formatPoint(const QCPAbstractPlottable* plottable, double key, double value) const override;

private:
    SeriesChartOptions m_options;
};

}  // namespace fedpilot::ui
