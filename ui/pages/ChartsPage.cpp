#include "pages/ChartsPage.h"

#include "app/HistoryWatcher.h"
#include "app/Workspace.h"
#include "report/ChartData.h"
#include "report/HistoryReader.h"
#include "widgets/charts/SeriesChart.h"
#include "widgets/charts/TrafficBarChart.h"

#include <QCheckBox>
#include <QComboBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QScrollArea>
#include <QSignalBlocker>
#include <QVBoxLayout>

namespace fedpilot::ui {

ChartsPage::ChartsPage(PageContext context, QWidget* parent) : Page(parent), m_context(context)
{
    setObjectName(QStringLiteral("chartsPage"));
    auto* layout = new QVBoxLayout(this);
    auto* header = new QLabel(tr("Charts"), this);
    header->setObjectName(QStringLiteral("pageHeader"));
    layout->addWidget(header);
    auto* bar = new QHBoxLayout;
    m_pilot = new QComboBox(this);
    m_pilot->setObjectName(QStringLiteral("chartsPilot"));
    m_pilot->setMinimumWidth(200);
    m_compare = new QComboBox(this);
    m_compare->setObjectName(QStringLiteral("chartsCompare"));
    m_compare->setMinimumWidth(200);
    m_perSite = new QCheckBox(tr("Per site"), this);
    m_perSite->setObjectName(QStringLiteral("chartsPerSite"));
    m_perSite->setChecked(true);
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("chartsStatus"));
    bar->addWidget(new QLabel(tr("Pilot"), this));
    bar->addWidget(m_pilot);
    bar->addSpacing(12);
    bar->addWidget(new QLabel(tr("Compare with"), this));
    bar->addWidget(m_compare);
    bar->addSpacing(12);
    bar->addWidget(m_perSite);
    bar->addStretch();
    bar->addWidget(m_status);
    layout->addLayout(bar);

    auto* scroll = new QScrollArea(this);
    scroll->setObjectName(QStringLiteral("chartsScroll"));
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    auto* grid = new QWidget(scroll);
    grid->setObjectName(QStringLiteral("chartsGrid"));
    auto* g = new QGridLayout(grid);
    g->setContentsMargins(0, 0, 0, 0);
    g->setSpacing(10);

    m_accuracy = new SeriesChart(tr("Verification accuracy per round"), {tr("round"), tr("accuracy"), true}, grid);
    m_accuracy->setObjectName(QStringLiteral("chartAccuracy"));
    m_tar = new SeriesChart(tr("TAR at FAR = 1e-3 per round"), {tr("round"), tr("TAR"), true}, grid);
    m_tar->setObjectName(QStringLiteral("chartTar"));
    m_traffic = new TrafficBarChart(tr("Traffic per round (↓ download, ↑ upload)"), grid);
    m_traffic->setObjectName(QStringLiteral("chartTraffic"));
    SeriesChartOptions cumulative{tr("round"), tr("MB on the wire"), false};
    cumulative.unit = QStringLiteral("MB");
    m_cumulative = new SeriesChart(tr("Cumulative traffic"), cumulative, grid);
    m_cumulative->setObjectName(QStringLiteral("chartCumulative"));
    m_loss = new SeriesChart(tr("Local training loss per epoch"), {tr("epoch"), tr("loss"), false}, grid);
    m_loss->setObjectName(QStringLiteral("chartLoss"));
    SeriesChartOptions roc{tr("false accept rate"), tr("true accept rate"), true, false, true};
    m_roc = new SeriesChart(tr("ROC of the global model per round"), roc, grid);
    m_roc->setObjectName(QStringLiteral("chartRoc"));
    m_comparison = new SeriesChart(tr("Run comparison: personalized accuracy"), {tr("round"), tr("accuracy"), true}, grid);
    m_comparison->setObjectName(QStringLiteral("chartComparison"));
    m_comparison->setEmptyText(tr("Pick a second run under \"Compare with\"."));
    const QList<ChartView*> all = charts();
    for (int i = 0; i < all.size(); ++i) {
        all[i]->setMinimumHeight(300);
        g->addWidget(all[i], i / 2, i % 2);
    }
    scroll->setWidget(grid);
    layout->addWidget(scroll, 1);

    for (ChartView* chart : all) {
        connect(chart, &ChartView::exported, this, [this](const QString& path) { info(tr("Chart exported to %1").arg(path)); });
        connect(chart, &ChartView::exportFailed, this, [this](const QString& message) { error(message); });
    }
    connect(m_pilot, &QComboBox::currentIndexChanged, this, &ChartsPage::loadSelected);
    connect(m_compare, &QComboBox::currentIndexChanged, this, &ChartsPage::loadSelected);
    connect(m_perSite, &QCheckBox::toggled, this, &ChartsPage::loadSelected);
    connect(&m_context.watcher, &HistoryWatcher::changed, this, &ChartsPage::reload);
    connect(&m_context.workspace, &Workspace::opened, this, &ChartsPage::reload);
    reload();
}

QList<ChartView*> ChartsPage::charts() const
{
    return {m_accuracy, m_tar, m_traffic, m_cumulative, m_loss, m_roc, m_comparison};
}

void ChartsPage::activate()
{
    reload();
}

void ChartsPage::selectPilot(const QString& name)
{
    const int i = m_pilot->findData(name);
    if (i >= 0)
        m_pilot->setCurrentIndex(i);
}

void ChartsPage::selectComparison(const QString& name)
{
    const int i = m_compare->findData(name);
    if (i >= 0)
        m_compare->setCurrentIndex(i);
}

void ChartsPage::reload()
{
    if (!m_context.workspace.isOpen())
        return;
    auto pilots = report::HistoryReader(m_context.workspace.database()).pilots();
    if (!pilots) {
        error(tr("Could not read the pilot history."), QString::fromStdString(pilots.message()));
        return;
    }
    {
        const QSignalBlocker b1(m_pilot);
        const QSignalBlocker b2(m_compare);
        const QString current = m_pilot->currentData().toString();
        const QString compare = m_compare->currentData().toString();
        m_pilot->clear();
        m_compare->clear();
        m_compare->addItem(tr("(none)"), QString());
        for (const auto& p : pilots.value()) {
            const QString label = QStringLiteral("%1 · %2 · %3/%4").arg(p.name, p.strategy).arg(p.completedRounds).arg(p.totalRounds);
            m_pilot->addItem(label, p.name);
            m_compare->addItem(label, p.name);
        }
        const int i = m_pilot->findData(current);
        m_pilot->setCurrentIndex(i >= 0 ? i : 0);
        const int j = m_compare->findData(compare);
        m_compare->setCurrentIndex(j >= 0 ? j : 0);
    }
    loadSelected();
}

void ChartsPage::loadSelected()
{
    if (!m_context.workspace.isOpen())
        return;
    report::HistoryReader reader(m_context.workspace.database());
    const QString name = m_pilot->currentData().toString();
    m_history.reset();
    if (!name.isEmpty()) {
        auto h = reader.loadByName(name);
        if (h)
            m_history = std::move(h.value());
        else
            error(tr("Could not load the pilot %1.").arg(name), QString::fromStdString(h.message()));
    }
    const report::PilotHistory empty;
    const report::PilotHistory& h = m_history ? *m_history : empty;
    m_accuracy->setSeries(report::accuracySeries(h, report::SiteMetric::Accuracy, m_perSite->isChecked()));
    m_tar->setSeries(report::accuracySeries(h, report::SiteMetric::TarAt1e3, m_perSite->isChecked()));
    m_traffic->setBars(report::trafficPerRound(h));
    m_cumulative->setSeries(report::cumulativeTraffic(h));
    m_loss->setSeries(report::epochLoss(h));
    m_roc->setSeries(report::rocCurves(h));
    const QString other = m_compare->currentData().toString();
    QVector<report::SeriesData> comparison;
    if (!other.isEmpty() && m_history) {
        auto b = reader.loadByName(other);
        if (b)
            comparison = report::comparisonSeries(*m_history, b.value());
    }
    m_comparison->setSeries(comparison);
    m_status->setText(!m_history ? tr("No pilot in this workspace yet")
                                 : tr("%1 · %2 of %3 rounds · updated %4")
                                       .arg(m_history->pilot.status)
                                       .arg(m_history->pilot.completedRounds)
                                       .arg(m_history->pilot.totalRounds)
                                       .arg(m_history->pilot.updatedUtc));
}

}  // namespace fedpilot::ui
