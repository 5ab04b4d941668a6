#include "report/PainterChart.h"

#include <QFontMetricsF>
#include <QPainterPath>

#include <algorithm>
#include <cmath>
#include <limits>

namespace fedpilot::report {
namespace {

const QColor kAxis(0x8a, 0x94, 0x9e);
const QColor kGrid(0xe6, 0xea, 0xee);
const QColor kText(0x33, 0x3b, 0x45);

// Text in a 4x finer system so integer pixel sizes give quarter-unit font sizes.
void text(QPainter& p, const QRectF& r, int flags, const QString& s, double px, bool bold = false, const QColor& color = kText)
{
    QFont f(QStringLiteral("DejaVu Sans"));
    f.setPixelSize(std::max(1, qRound(px * 4)));
    f.setBold(bold);
    p.save();
    p.setFont(f);
    p.setPen(color);
    p.scale(0.25, 0.25);
    p.drawText(QRectF(r.x() * 4, r.y() * 4, r.width() * 4, r.height() * 4), flags, s);
    p.restore();
}

// "Nice" tick step for a range: 1, 2 or 5 times a power of ten.
double niceStep(double range, int targetTicks)
{
    if (!(range > 0))
        return 1;
    const double raw = range / std::max(1, targetTicks);
    const double mag = std::pow(10.0, std::floor(std::log10(raw)));
    const double norm = raw / mag;
    return (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
}

QString tickLabel(double v, double step, bool percent)
{
    if (percent) {
        const int decimals = step * 100 < 1 ? 1 : 0;
        return QStringLiteral("%1%").arg(v * 100, 0, 'f', decimals);
    }
    const int decimals = step >= 1 ? 0 : std::min(4, int(std::ceil(-std::log10(step))));
    return QString::number(v, 'f', decimals);
}

struct Frame {
    QRectF plot;
    QRectF legend;
};

Frame layout(const QRectF& rect, const QString& title, int legendItems)
{
    Frame f;
    const double titleH = title.isEmpty() ? 0 : 16;
    const double legendH = legendItems > 0 ? 14.0 * std::ceil(legendItems / 4.0) : 0;
    f.plot = QRectF(rect.left() + 42, rect.top() + titleH + 6, rect.width() - 52, rect.height() - titleH - legendH - 34);
    f.legend = QRectF(rect.left() + 42, rect.bottom() - legendH, rect.width() - 52, legendH);
    return f;
}

void drawLegend(QPainter& p, const QRectF& area, const QVector<QPair<QString, QColor>>& items, const QVector<bool>& dashed)
{
    const double colW = area.width() / 4.0;
    for (int i = 0; i < items.size(); ++i) {
        const double x = area.left() + (i % 4) * colW;
        const double y = area.top() + (i / 4) * 14 + 7;
        QPen pen(items[i].second, 2);
        if (i < dashed.size() && dashed[i])
            pen.setStyle(Qt::DashLine);
        p.setPen(pen);
        p.drawLine(QPointF(x, y), QPointF(x + 14, y));
        text(p, QRectF(x + 18, y - 6, colW - 20, 12), Qt::AlignLeft | Qt::AlignVCenter, items[i].first, 7);
    }
}

}  // namespace

QColor seriesColor(int index)
{
    // Colour-blind-safe palette (Okabe-Ito, reordered for contrast between neighbours).
    static const QColor colors[] = {QColor(0x00, 0x72, 0xb2), QColor(0xe6, 0x9f, 0x00), QColor(0x00, 0x9e, 0x73),
                                    QColor(0xcc, 0x79, 0xa7), QColor(0x56, 0xb4, 0xe9), QColor(0xd5, 0x5e, 0x00),
                                    QColor(0xf0, 0xe4, 0x42), QColor(0x44, 0x44, 0x44)};
    return colors[((index % 8) + 8) % 8];
}

void drawLineChart(QPainter& p, const QRectF& rect, const LineChartSpec& spec)
{
    const Frame f = layout(rect, spec.title, spec.series.size());
    if (!spec.title.isEmpty())
        text(p, QRectF(rect.left(), rect.top(), rect.width(), 14), Qt::AlignLeft | Qt::AlignVCenter, spec.title, 9.5, true);

    double xMin = std::numeric_limits<double>::max(), xMax = -xMin, yMin = xMin, yMax = -xMin;
    for (const auto& s : spec.series) {
        for (const auto& pt : s.points) {
            if (!std::isfinite(pt.y()) || !std::isfinite(pt.x()) || (spec.logX && pt.x() <= 0))
                continue;
            const double x = spec.logX ? std::log10(pt.x()) : pt.x();
            xMin = std::min(xMin, x);
            xMax = std::max(xMax, x);
            yMin = std::min(yMin, pt.y());
            yMax = std::max(yMax, pt.y());
        }
    }
    p.setPen(QPen(kAxis, 0.6));
    p.setBrush(Qt::NoBrush);
    if (xMin > xMax) {
        p.drawRect(f.plot);
        text(p, f.plot, Qt::AlignCenter, QStringLiteral("no data yet"), 8, false, kAxis);
        return;
    }
    if (xMax - xMin < 1e-9) {
        xMin -= 0.5;
        xMax += 0.5;
    }
    const double pad = std::max(1e-3, (yMax - yMin) * 0.12);
    yMin -= pad;
    yMax += pad;
    if (spec.yPercent) {
        yMin = std::max(0.0, yMin);
        yMax = std::min(1.0, yMax);
    }
    const double yStep = niceStep(yMax - yMin, 5);
    yMin = std::floor(yMin / yStep) * yStep;
    yMax = std::ceil(yMax / yStep) * yStep;
    const auto px = [&](double x) { return f.plot.left() + (x - xMin) / (xMax - xMin) * f.plot.width(); };
    const auto py = [&](double y) { return f.plot.bottom() - (y - yMin) / (yMax - yMin) * f.plot.height(); };

    // Grid and y ticks.
    for (double y = yMin; y <= yMax + yStep * 0.5; y += yStep) {
        p.setPen(QPen(kGrid, 0.5));
        p.drawLine(QPointF(f.plot.left(), py(y)), QPointF(f.plot.right(), py(y)));
        text(p, QRectF(rect.left(), py(y) - 6, 38, 12), Qt::AlignRight | Qt::AlignVCenter, tickLabel(y, yStep, spec.yPercent), 7);
    }
    // x ticks.
    const double xStep = spec.logX ? 1.0 : spec.integerX ? std::max(1.0, niceStep(xMax - xMin, 6)) : niceStep(xMax - xMin, 6);
    for (double x = std::ceil(xMin / xStep) * xStep; x <= xMax + 1e-9; x += xStep) {
        p.setPen(QPen(kGrid, 0.5));
        p.drawLine(QPointF(px(x), f.plot.top()), QPointF(px(x), f.plot.bottom()));
        const QString label = spec.logX ? QStringLiteral("1e%1").arg(int(std::lround(x))) : tickLabel(x, xStep, false);
        text(p, QRectF(px(x) - 20, f.plot.bottom() + 2, 40, 11), Qt::AlignHCenter | Qt::AlignTop, label, 7);
    }
    p.setPen(QPen(kAxis, 0.8));
    p.drawLine(f.plot.bottomLeft(), f.plot.bottomRight());
    p.drawLine(f.plot.bottomLeft(), f.plot.topLeft());
    if (!spec.xLabel.isEmpty())
        text(p, QRectF(f.plot.left(), f.plot.bottom() + 12, f.plot.width(), 11), Qt::AlignHCenter | Qt::AlignTop, spec.xLabel, 7.5);
    if (!spec.yLabel.isEmpty()) {
        p.save();
        p.translate(rect.left() + 2, f.plot.center().y());
        p.rotate(-90);
        text(p, QRectF(-f.plot.height() / 2, -2, f.plot.height(), 10), Qt::AlignHCenter | Qt::AlignTop, spec.yLabel, 7.5);
        p.restore();
    }

    QVector<QPair<QString, QColor>> legend;
    QVector<bool> dashed;
    p.save();
    p.setClipRect(f.plot.adjusted(-3, -3, 3, 3));
    for (const auto& s : spec.series) {
        legend << qMakePair(s.name, s.color);
        dashed << s.dashed;
        QPen pen(s.color, s.width);
        pen.setStyle(s.dashed ? Qt::DashLine : Qt::SolidLine);
        pen.setCapStyle(Qt::RoundCap);
        pen.setJoinStyle(Qt::RoundJoin);
        QPainterPath path;
        bool open = false;
        for (const auto& pt : s.points) {
            if (!std::isfinite(pt.y()) || (spec.logX && pt.x() <= 0)) {
                open = false;
                continue;
            }
            const QPointF q(px(spec.logX ? std::log10(pt.x()) : pt.x()), py(pt.y()));
            if (open)
                path.lineTo(q);
            else
                path.moveTo(q);
            open = true;
        }
        p.setPen(pen);
        p.setBrush(Qt::NoBrush);
        p.drawPath(path);
        if (s.markers) {
            p.setPen(QPen(Qt::white, 0.8));
            p.setBrush(s.color);
            for (const auto& pt : s.points) {
                if (std::isfinite(pt.y()))
                    p.drawEllipse(QPointF(px(spec.logX ? std::log10(std::max(1e-12, pt.x())) : pt.x()), py(pt.y())), 2.4, 2.4);
            }
        }
    }
    p.restore();
    drawLegend(p, f.legend, legend, dashed);
}

void drawStackedBarChart(QPainter& p, const QRectF& rect, const BarChartSpec& spec)
{
    const Frame f = layout(rect, spec.title, spec.stacks.size());
    if (!spec.title.isEmpty())
        text(p, QRectF(rect.left(), rect.top(), rect.width(), 14), Qt::AlignLeft | Qt::AlignVCenter, spec.title, 9.5, true);
    const int n = spec.categories.size();
    double yMax = 0;
    for (int c = 0; c < n; ++c) {
        double sum = 0;
        for (const auto& s : spec.stacks)
            sum += c < s.values.size() && std::isfinite(s.values[c]) ? s.values[c] : 0;
        yMax = std::max(yMax, sum);
    }
    p.setPen(QPen(kAxis, 0.6));
    p.setBrush(Qt::NoBrush);
    if (n == 0 || yMax <= 0) {
        p.drawRect(f.plot);
        text(p, f.plot, Qt::AlignCenter, QStringLiteral("no data yet"), 8, false, kAxis);
        return;
    }
    const double step = niceStep(yMax * 1.08, 5);
    yMax = std::ceil(yMax * 1.08 / step) * step;
    const auto py = [&](double y) { return f.plot.bottom() - y / yMax * f.plot.height(); };
    for (double y = 0; y <= yMax + step * 0.5; y += step) {
        p.setPen(QPen(kGrid, 0.5));
        p.drawLine(QPointF(f.plot.left(), py(y)), QPointF(f.plot.right(), py(y)));
        text(p, QRectF(rect.left(), py(y) - 6, 38, 12), Qt::AlignRight | Qt::AlignVCenter, tickLabel(y, step, false), 7);
    }
    const double slot = f.plot.width() / n;
    const double barW = std::min(46.0, slot * 0.6);
    for (int c = 0; c < n; ++c) {
        const double x = f.plot.left() + slot * (c + 0.5) - barW / 2;
        double base = 0;
        for (const auto& s : spec.stacks) {
            const double v = c < s.values.size() && std::isfinite(s.values[c]) ? s.values[c] : 0;
            if (v <= 0)
                continue;
            p.setPen(QPen(Qt::white, 0.6));
            p.setBrush(s.color);
            p.drawRect(QRectF(QPointF(x, py(base + v)), QPointF(x + barW, py(base))));
            base += v;
        }
        text(p, QRectF(x - 20, py(base) - 11, barW + 40, 10), Qt::AlignHCenter | Qt::AlignBottom, QString::number(base, 'f', base < 10 ? 1 : 0), 6.5);
        text(p, QRectF(f.plot.left() + slot * c, f.plot.bottom() + 2, slot, 11), Qt::AlignHCenter | Qt::AlignTop, spec.categories[c], 7);
    }
    p.setPen(QPen(kAxis, 0.8));
    p.drawLine(f.plot.bottomLeft(), f.plot.bottomRight());
    p.drawLine(f.plot.bottomLeft(), f.plot.topLeft());
    if (!spec.yLabel.isEmpty()) {
        p.save();
        p.translate(rect.left() + 2, f.plot.center().y());
        p.rotate(-90);
        text(p, QRectF(-f.plot.height() / 2, -2, f.plot.height(), 10), Qt::AlignHCenter | Qt::AlignTop, spec.yLabel, 7.5);
        p.restore();
    }
    QVector<QPair<QString, QColor>> legend;
    for (const auto& s : spec.stacks)
        legend << qMakePair(s.name, s.color);
    drawLegend(p, f.legend, legend, {});
}

}  // namespace fedpilot::report
