#include "widgets/charts/ChartView.h"

#include <qcustomplot.h>

#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenu>
#include <QSvgGenerator>
#include <QToolButton>
#include <QToolTip>
#include <QVBoxLayout>

#include <cmath>
#include <limits>

namespace fedpilot::ui {
namespace {

const QColor kAxisColor(0x8a, 0x94, 0x9e);
const QColor kGridColor(0xe8, 0xec, 0xf0);
const QColor kHiddenText(0xb0, 0xb6, 0xbc);

void styleAxis(QCPAxis* axis)
{
    axis->setBasePen(QPen(kAxisColor, 1));
    axis->setTickPen(QPen(kAxisColor, 1));
    axis->setSubTickPen(QPen(kAxisColor, 1));
    axis->setTickLabelColor(QColor(0x44, 0x4c, 0x56));
    axis->setLabelColor(QColor(0x44, 0x4c, 0x56));
    axis->grid()->setPen(QPen(kGridColor, 1));
    axis->grid()->setSubGridVisible(false);
    axis->setSubTicks(false);
}

}  // namespace

ChartView::ChartView(const QString& title, QWidget* parent) : QWidget(parent)
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    auto* bar = new QHBoxLayout;
    bar->setContentsMargins(8, 4, 4, 0);
    m_title = new QLabel(title, this);
    m_title->setObjectName(QStringLiteral("chartTitle"));
    auto* reset = new QToolButton(this);
    reset->setObjectName(QStringLiteral("chartResetZoom"));
    reset->setText(tr("Fit"));
    reset->setToolTip(tr("Fit the axes to the data (wheel zooms, drag pans)"));
    reset->setAutoRaise(true);
    auto* exportButton = new QToolButton(this);
    exportButton->setObjectName(QStringLiteral("chartExport"));
    exportButton->setText(tr("Export…"));
    exportButton->setToolTip(tr("Save this chart as PNG, SVG or PDF"));
    exportButton->setAutoRaise(true);
    bar->addWidget(m_title, 1);
    bar->addWidget(reset);
    bar->addWidget(exportButton);
    layout->addLayout(bar);

    m_plot = new QCustomPlot(this);
    m_plot->setObjectName(QStringLiteral("chartPlot"));
    m_plot->setMinimumHeight(180);
    m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    m_plot->setBackground(QBrush(Qt::white));
    m_plot->axisRect()->setBackground(QBrush(Qt::white));
    for (QCPAxis* axis : {m_plot->xAxis, m_plot->yAxis})
        styleAxis(axis);
    m_plot->xAxis2->setVisible(false);
    m_plot->yAxis2->setVisible(false);
    // The legend sits under the plot, wrapped in columns, so it never hides data.
    m_plot->legend->setVisible(true);
    m_plot->legend->setBorderPen(Qt::NoPen);
    m_plot->legend->setBrush(Qt::NoBrush);
    m_plot->legend->setFillOrder(QCPLegend::foColumnsFirst);
    m_plot->legend->setWrap(4);
    m_plot->legend->setIconSize(18, 8);
    QFont legendFont = font();
    legendFont.setPointSizeF(legendFont.pointSizeF() * 0.9);
    m_plot->legend->setFont(legendFont);
    m_plot->plotLayout()->addElement(1, 0, m_plot->legend);
    m_plot->plotLayout()->setRowStretchFactor(1, 0.001);
    m_plot->setMouseTracking(true);
    layout->addWidget(m_plot, 1);

    m_empty = new QLabel(m_plot);
    m_empty->setObjectName(QStringLiteral("chartEmpty"));
    m_empty->setAlignment(Qt::AlignCenter);
    m_empty->setAttribute(Qt::WA_TransparentForMouseEvents);
    m_empty->hide();
    m_emptyText = tr("No data yet: the chart fills as rounds complete.");

    connect(m_plot, &QCustomPlot::legendClick, this,
            [this](QCPLegend*, QCPAbstractLegendItem* item, QMouseEvent*) {
                if (auto* pli = qobject_cast<QCPPlottableLegendItem*>(item)) {
                    for (int i = 0; i < m_plot->plottableCount(); ++i) {
                        if (m_plot->plottable(i) == pli->plottable())
                            setSeriesVisible(i, !pli->plottable()->visible());
                    }
                }
            });
    connect(m_plot, &QCustomPlot::mouseMove, this, &ChartView::onMouseMove);
    connect(reset, &QToolButton::clicked, this, &ChartView::resetZoom);
    connect(exportButton, &QToolButton::clicked, this, &ChartView::chooseExportFile);
}

ChartView::~ChartView() = default;

QString ChartView::title() const
{
    return m_title->text();
}

void ChartView::setTitle(const QString& title)
{
    m_title->setText(title);
}

void ChartView::setEmptyText(const QString& text)
{
    m_emptyText = text;
}

void ChartView::clearPlot()
{
    m_plot->clearPlottables();
    m_plot->legend->clearItems();
}

int ChartView::seriesCount() const
{
    return m_plot->plottableCount();
}

int ChartView::seriesWithData() const
{
    int n = 0;
    for (int i = 0; i < m_plot->plottableCount(); ++i) {
        bool found = false;
        const QCPRange keys = m_plot->plottable(i)->getKeyRange(found);
        if (found && std::isfinite(keys.lower))
            ++n;
    }
    return n;
}

int ChartView::dataPointCount() const
{
    int n = 0;
    for (int i = 0; i < m_plot->plottableCount(); ++i) {
        auto* p = m_plot->plottable(i);
        if (auto* g = qobject_cast<QCPGraph*>(p)) {
            for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it)
                n += std::isfinite(it->value) ? 1 : 0;
        } else if (auto* b = qobject_cast<QCPBars*>(p)) {
            n += b->data()->size();
        } else if (auto* c = qobject_cast<QCPCurve*>(p)) {
            n += c->data()->size();
        }
    }
    return n;
}

void ChartView::setSeriesVisible(int index, bool visible)
{
    if (index < 0 || index >= m_plot->plottableCount())
        return;
    QCPAbstractPlottable* p = m_plot->plottable(index);
    p->setVisible(visible);
    if (auto* item = m_plot->legend->itemWithPlottable(p))
        item->setTextColor(visible ? QColor(0x33, 0x3b, 0x45) : kHiddenText);
    m_plot->replot();
}

bool ChartView::isSeriesVisible(int index) const
{
    return index >= 0 && index < m_plot->plottableCount() && m_plot->plottable(index)->visible();
}

void ChartView::resetZoom()
{
    m_plot->rescaleAxes(true);
    // Leave air around the data so points on the edge stay visible.
    const QCPRange y = m_plot->yAxis->range();
    const double pad = std::max(1e-6, y.size() * 0.08);
    m_plot->yAxis->setRange(y.lower - pad, y.upper + pad);
    if (m_plot->xAxis->scaleType() == QCPAxis::stLinear) {
        const QCPRange x = m_plot->xAxis->range();
        const double xpad = std::max(0.15, x.size() * 0.03);
        m_plot->xAxis->setRange(x.lower - xpad, x.upper + xpad);
    }
    m_plot->replot();
}

void ChartView::finishUpdate()
{
    const bool empty = dataPointCount() == 0;
    m_plot->legend->setVisible(!empty && m_plot->plottableCount() > 0);
    m_empty->setText(m_emptyText);
    m_empty->setVisible(empty);
    m_empty->setGeometry(m_plot->rect());
    resetZoom();
}

QString ChartView::formatPoint(const QCPAbstractPlottable* plottable, double key, double value) const
{
    return QStringLiteral("%1\n%2: %3").arg(plottable->name(), m_plot->xAxis->label()).arg(key, 0, 'g', 4)
        + QStringLiteral("\n%1: %2").arg(m_plot->yAxis->label()).arg(value, 0, 'f', 2);
}

QString ChartView::tooltipAt(const QPointF& pos) const
{
    double best = 14.0;  // pixels: farther than this is not "on" a point
    QString text;
    for (int i = 0; i < m_plot->plottableCount(); ++i) {
        QCPAbstractPlottable* p = m_plot->plottable(i);
        if (!p->visible())
            continue;
        QVariant details;
        const double d = p->selectTest(pos, false, &details);
        if (d < 0 || d >= best)
            continue;
        const QCPDataSelection sel = details.value<QCPDataSelection>();
        if (sel.isEmpty())
            continue;
        const int index = sel.dataRange().begin();
        auto* iface = p->interface1D();
        if (!iface || index >= iface->dataCount())
            continue;
        best = d;
        text = formatPoint(p, iface->dataMainKey(index), iface->dataMainValue(index));
    }
    return text;
}

void ChartView::onMouseMove(QMouseEvent* event)
{
    const QString text = tooltipAt(event->position());
    if (text.isEmpty())
        QToolTip::hideText();
    else
        QToolTip::showText(event->globalPosition().toPoint(), text, m_plot);
}

bool ChartView::exportTo(const QString& path, int width, int height)
{
    const QString suffix = QFileInfo(path).suffix().toLower();
    bool ok = false;
    if (suffix == QLatin1String("png")) {
        ok = m_plot->savePng(path, width, height, 2.0);
    } else if (suffix == QLatin1String("pdf")) {
        ok = m_plot->savePdf(path, width, height, QCP::epNoCosmetic, QStringLiteral("FedPilot"), title());
    } else if (suffix == QLatin1String("svg")) {
        QSvgGenerator svg;
        svg.setFileName(path);
        svg.setSize(QSize(width, height));
        svg.setViewBox(QRect(0, 0, width, height));
        svg.setTitle(title());
        QCPPainter painter;
        ok = painter.begin(&svg);
        if (ok) {
            m_plot->toPainter(&painter, width, height);
            ok = painter.end();
        }
    }
    if (ok)
        Q_EMIT exported(path);
    else
        Q_EMIT exportFailed(tr("Could not export the chart to %1 (use .png, .svg or .pdf).").arg(path));
    return ok;
}

void ChartView::chooseExportFile()
{
    QString selected;
    const QString path = QFileDialog::getSaveFileName(this, tr("Export chart"), title() + QStringLiteral(".png"),
                                                      tr("PNG image (*.png);;SVG drawing (*.svg);;PDF document (*.pdf)"), &selected);
    if (!path.isEmpty())
        exportTo(path);
}

}  // namespace fedpilot::ui
