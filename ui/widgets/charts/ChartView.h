#pragma once
// Base of the chart widgets: a QCustomPlot with FedPilot's look, a small toolbar (title, reset
// zoom, export PNG/SVG/PDF), wheel zoom and drag, tooltips on the nearest point, and legend
// items that toggle their series. Only files under widgets/charts include qcustomplot.h.

#include <QWidget>

class QCustomPlot;
class QCPAbstractPlottable;
class QLabel;
class QMouseEvent;
class QToolButton;

namespace fedpilot::ui {

class ChartView : public QWidget {
    Q_OBJECT
public:
    explicit ChartView(const QString& title, QWidget* parent = nullptr);
    ~ChartView() override;

    QString title() const;
    void setTitle(const QString& title);
    QCustomPlot* plot() const { return m_plot; }

    // PNG, SVG or PDF by the file's extension; false (and nothing written) on failure.
    bool exportTo(const QString& path, int width = 960, int height = 540);
    // Plottables holding at least one finite point (what the user actually sees).
    int seriesWithData() const;
    int dataPointCount() const;
    // Shows or hides a series, as a click on its legend item does.
    void setSeriesVisible(int index, bool visible);
    bool isSeriesVisible(int index) const;
    int seriesCount() const;
    // Fits the axes to the visible data again.
    virtual void resetZoom();
    // The tooltip text for the point nearest to pos in plot pixels ("" when none is close).
    QString tooltipAt(const QPointF& pos) const;
    // An empty chart shows this instead of axes without data.
    void setEmptyText(const QString& text);

Q_SIGNALS:
    void exported(const QString& path);
    void exportFailed(const QString& message);

protected:
    // Subclasses call this after filling the plot: legend, rescale, empty state, replot.
    void finishUpdate();
    // Tooltip text for a point: subclasses format units.
    virtual QString formatPoint(const QCPAbstractPlottable* plottable, double key, double value) const;
    void clearPlot();

private:
    void onMouseMove(QMouseEvent* event);
    void chooseExportFile();

    QCustomPlot* m_plot = nullptr;
    QLabel* m_title = nullptr;
    QLabel* m_empty = nullptr;
    QString m_emptyText;
};

}  // namespace fedpilot::ui
