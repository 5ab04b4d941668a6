#pragma once
// Small charts drawn with QPainter alone (vector output in the PDF, no widget or plot library, so
// the CLI can write reports headless): line charts with gaps for missing values and dashed
// reference lines, and stacked bar charts. Coordinates are in the caller's units (points in the
// PDF); fonts scale with them.

#include <QColor>
#include <QPainter>
#include <QPointF>
#include <QRectF>
#include <QString>
#include <QStringList>
#include <QVector>

namespace fedpilot::report {

// The series colours used by every chart (GUI and PDF alike), so a site has one colour everywhere.
QColor seriesColor(int index);

struct LineSeries {
    QString name;
    QColor color;
    QVector<QPointF> points;  // NaN y leaves a gap
    bool dashed = false;
    bool markers = true;
    double width = 1.6;
};

struct LineChartSpec {
    QString title;
    QString xLabel;
    QString yLabel;
    QVector<LineSeries> series;
    bool yPercent = false;        // y in 0..1 shown as %
    bool integerX = true;         // rounds
    bool logX = false;            // ROC: FAR on a log axis
};

struct BarStack {
    QString name;
    QColor color;
    QVector<double> values;  // one per category
};

struct BarChartSpec {
    QString title;
    QString yLabel;
    QStringList categories;
    QVector<BarStack> stacks;
};

void drawLineChart(QPainter& painter, const QRectF& rect, const LineChartSpec& spec);
void drawStackedBarChart(QPainter& painter, const QRectF& rect, const BarChartSpec& spec);

}  // namespace fedpilot::report
