#include "pages/ReportsPage.h"

#include "app/HistoryWatcher.h"
#include "app/Workspace.h"
#include "report/HistoryReader.h"
#include "report/ReportWriter.h"

#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QLabel>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QSqlQuery>
#include <QStyle>
#include <QTableWidget>
#include <QVBoxLayout>

namespace fedpilot::ui {

ReportsPage::ReportsPage(PageContext context, QWidget* parent) : Page(parent), m_context(context)
{
    setObjectName(QStringLiteral("reportsPage"));
    auto* layout = new QVBoxLayout(this);
    auto* header = new QLabel(tr("Reports"), this);
    header->setObjectName(QStringLiteral("pageHeader"));
    layout->addWidget(header);

    auto* bar = new QHBoxLayout;
    m_pilot = new QComboBox(this);
    m_pilot->setObjectName(QStringLiteral("reportPilot"));
    m_pilot->setMinimumWidth(220);
    auto* pdf = new QPushButton(tr("Export PDF report…"), this);
    pdf->setObjectName(QStringLiteral("reportExportPdf"));
    pdf->setProperty("primary", true);
    auto* csv = new QPushButton(tr("Export CSV…"), this);
    csv->setObjectName(QStringLiteral("reportExportCsv"));
    bar->addWidget(new QLabel(tr("Pilot"), this));
    bar->addWidget(m_pilot);
    bar->addStretch();
    bar->addWidget(pdf);
    bar->addWidget(csv);
    layout->addLayout(bar);

    m_verdict = new QLabel(this);
    m_verdict->setObjectName(QStringLiteral("reportVerdict"));
    m_verdict->setWordWrap(true);
    layout->addWidget(m_verdict);
    m_figures = new QLabel(this);
    m_figures->setObjectName(QStringLiteral("reportFigures"));
    m_figures->setWordWrap(true);
    layout->addWidget(m_figures);

    auto* body = new QHBoxLayout;
    m_checks = new QTableWidget(0, 4, this);
    m_checks->setObjectName(QStringLiteral("reportChecks"));
    m_checks->setHorizontalHeaderLabels({tr("Check"), tr("Target"), tr("Result"), tr("")});
    m_checks->verticalHeader()->hide();
    m_checks->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_checks->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_checks->setSelectionMode(QAbstractItemView::NoSelection);
    m_checks->setShowGrid(false);
    m_checks->setAlternatingRowColors(true);
    body->addWidget(m_checks, 3);

    auto* targetsBox = new QGroupBox(tr("Targets (stored in this workspace)"), this);
    targetsBox->setObjectName(QStringLiteral("reportTargets"));
    auto* form = new QFormLayout(targetsBox);
    const auto spin = [this](const char* name, double min, double max, double step, const QString& suffix, int decimals) {
        auto* s = new QDoubleSpinBox(this);
        s->setObjectName(QString::fromLatin1(name));
        s->setRange(min, max);
        s->setSingleStep(step);
        s->setDecimals(decimals);
        s->setSuffix(suffix);
        return s;
    };
    m_gain = spin("targetGain", -100, 100, 0.5, tr(" pt"), 1);
    m_regression = spin("targetRegression", 0, 100, 0.5, tr(" pt"), 1);
    m_rounds = new QSpinBox(this);
    m_rounds->setObjectName(QStringLiteral("targetRounds"));
    m_rounds->setRange(1, 100);
    m_participation = spin("targetParticipation", 0, 100, 5, tr(" %"), 0);
    m_traffic = spin("targetTraffic", 0, 1e6, 1, tr(" MB"), 1);
    m_traffic->setSpecialValueText(tr("no target"));
    m_epsilon = spin("targetEpsilon", 0, 1000, 0.5, QString(), 2);
    m_epsilon->setSpecialValueText(tr("no target"));
    form->addRow(tr("Min. accuracy gain"), m_gain);
    form->addRow(tr("Max. site regression"), m_regression);
    form->addRow(tr("Max. rounds"), m_rounds);
    form->addRow(tr("Min. participation"), m_participation);
    form->addRow(tr("Max. traffic / site / round"), m_traffic);
    form->addRow(tr("Max. privacy budget ε"), m_epsilon);
    body->addWidget(targetsBox, 2);
    layout->addLayout(body, 1);

    connect(pdf, &QPushButton::clicked, this, [this] { chooseFile(QStringLiteral("pdf")); });
    connect(csv, &QPushButton::clicked, this, [this] { chooseFile(QStringLiteral("csv")); });
    connect(m_pilot, &QComboBox::currentIndexChanged, this, &ReportsPage::loadSelected);
    for (auto* s : {m_gain, m_regression, m_participation, m_traffic, m_epsilon})
        connect(s, &QDoubleSpinBox::valueChanged, this, &ReportsPage::saveTargets);
    connect(m_rounds, &QSpinBox::valueChanged, this, &ReportsPage::saveTargets);
    connect(&m_context.watcher, &HistoryWatcher::changed, this, &ReportsPage::reload);
    connect(&m_context.workspace, &Workspace::opened, this, &ReportsPage::reload);
    reload();
}

void ReportsPage::activate()
{
    reload();
}

report::ReportTargets ReportsPage::targets() const
{
    report::ReportTargets t;
    t.minAccuracyGain = m_gain->value() / 100.0;
    t.maxSiteRegression = m_regression->value() / 100.0;
    t.maxRounds = m_rounds->value();
    t.minParticipation = m_participation->value() / 100.0;
    t.maxWireMbPerSiteRound = m_traffic->value();
    t.maxDpEpsilon = m_epsilon->value();
    return t;
}

void ReportsPage::reload()
{
    if (!m_context.workspace.isOpen())
        return;
    const report::ReportTargets t = report::storedTargets(m_context.workspace.database());
    {
        const QSignalBlocker b1(m_gain), b2(m_regression), b3(m_rounds), b4(m_participation), b5(m_traffic), b6(m_epsilon);
        m_gain->setValue(t.minAccuracyGain * 100);
        m_regression->setValue(t.maxSiteRegression * 100);
        m_rounds->setValue(t.maxRounds);
        m_participation->setValue(t.minParticipation * 100);
        m_traffic->setValue(t.maxWireMbPerSiteRound);
        m_epsilon->setValue(t.maxDpEpsilon);
    }
    auto pilots = report::HistoryReader(m_context.workspace.database()).pilots();
    {
        const QSignalBlocker block(m_pilot);
        const QString current = m_pilot->currentData().toString();
        m_pilot->clear();
        if (pilots) {
            for (const auto& p : pilots.value())
                m_pilot->addItem(QStringLiteral("%1 (%2)").arg(p.name, p.strategy), p.name);
        }
        const int i = m_pilot->findData(current);
        m_pilot->setCurrentIndex(i >= 0 ? i : 0);
    }
    loadSelected();
}

void ReportsPage::saveTargets()
{
    if (!m_context.workspace.isOpen())
        return;
    QSqlQuery q(m_context.workspace.database().connection());
    q.prepare(QStringLiteral("INSERT OR REPLACE INTO settings (key, value) VALUES ('report_targets', ?)"));
    q.addBindValue(QString::fromUtf8(QJsonDocument(report::toJson(targets())).toJson(QJsonDocument::Compact)));
    if (!q.exec())
        warn(tr("Could not store the report targets"));
    showAssessment();
}

void ReportsPage::loadSelected()
{
    m_history.reset();
    const QString name = m_pilot->currentData().toString();
    if (!name.isEmpty() && m_context.workspace.isOpen()) {
        auto h = report::HistoryReader(m_context.workspace.database()).loadByName(name);
        if (h)
            m_history = std::move(h.value());
    }
    showAssessment();
}

void ReportsPage::showAssessment()
{
    m_checks->setRowCount(0);
    if (!m_history) {
        m_assessment.reset();
        m_verdict->setProperty("verdict", QStringLiteral("none"));
        m_verdict->setText(tr("No pilot in this workspace yet. Run a pilot (or load the demo data from the File menu) to get a report."));
        m_figures->clear();
        m_verdict->style()->unpolish(m_verdict);
        m_verdict->style()->polish(m_verdict);
        return;
    }
    m_assessment = report::assess(*m_history, targets());
    const auto& a = *m_assessment;
    const QString kind = a.finalRound < 1 ? QStringLiteral("none") : a.go ? QStringLiteral("go") : QStringLiteral("nogo");
    m_verdict->setProperty("verdict", kind);
    m_verdict->setText(QStringLiteral("<b>%1</b>&nbsp;&nbsp;%2")
                           .arg(a.finalRound < 1 ? tr("UNDECIDED") : a.go ? tr("GO") : tr("NO-GO"), a.headline.toHtmlEscaped()));
    m_verdict->style()->unpolish(m_verdict);
    m_verdict->style()->polish(m_verdict);
    m_figures->setText(tr("Baseline %1 → personalized %2 (%3) · global benchmark %4 · %5 on the wire · participation %6")
                           .arg(report::formatPercent(a.baselineAccuracy), report::formatPercent(a.finalPersonalizedAccuracy),
                                report::formatPoints(a.finalPersonalizedAccuracy - a.baselineAccuracy),
                                report::formatPercent(m_history->round(a.finalRound) ? m_history->round(a.finalRound)->accuracy : report::kMissing),
                                report::formatBytes(m_history->totalWireBytes()), report::formatPercent(a.participation, 0)));
    for (const auto& c : a.checks) {
        const int row = m_checks->rowCount();
        m_checks->insertRow(row);
        m_checks->setItem(row, 0, new QTableWidgetItem(c.name));
        m_checks->setItem(row, 1, new QTableWidgetItem(c.target));
        m_checks->setItem(row, 2, new QTableWidgetItem(c.actual));
        auto* status = new QTableWidgetItem(!c.applicable ? tr("info") : c.passed ? tr("pass") : tr("FAIL"));
        status->setForeground(!c.applicable ? QColor(0x6b, 0x76, 0x82) : c.passed ? QColor(0x1e, 0x84, 0x49) : QColor(0xc0, 0x39, 0x2b));
        QFont f = status->font();
        f.setBold(true);
        status->setFont(f);
        m_checks->setItem(row, 3, status);
    }
    m_checks->resizeColumnsToContents();
    m_checks->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
}

bool ReportsPage::exportReport(const QString& path)
{
    if (!m_history) {
        error(tr("There is no pilot to report on yet."));
        return false;
    }
    auto written = report::writeReport(*m_history, targets(), path);
    if (!written) {
        error(tr("Could not write the report %1.").arg(QDir::toNativeSeparators(path)), QString::fromStdString(written.message()));
        return false;
    }
    info(written->pages > 0 ? tr("Report written to %1 (%2 pages)").arg(path).arg(written->pages)
                            : tr("CSV written to %1").arg(path));
    Q_EMIT reportWritten(path);
    return true;
}

void ReportsPage::chooseFile(const QString& suffix)
{
    const QString name = m_history ? m_history->pilot.name : QStringLiteral("pilot");
    const QString filter = suffix == QLatin1String("pdf") ? tr("PDF report (*.pdf)") : tr("CSV table (*.csv)");
    const QString path = QFileDialog::getSaveFileName(this, tr("Export report"),
                                                      QDir(m_context.workspace.folder()).filePath(name + QLatin1Char('.') + suffix), filter);
    if (!path.isEmpty())
        exportReport(path);
}

}  // namespace fedpilot::ui
