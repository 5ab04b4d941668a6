// Charts fill from a history database and follow it live; legend toggles, tooltips and export
// (PNG, SVG, PDF) work; the PDF report has pages and the CSV parses back; item models pass
// QAbstractItemModelTester.

#include "UiTestSupport.h"
#include "app/HistoryWatcher.h"
#include "models/RoundSitesModel.h"
#include "pages/ChartsPage.h"
#include "pages/FederationPage.h"
#include "pages/ReportsPage.h"
#include "report/CsvReport.h"
#include "report/DemoHistory.h"
#include "report/HistoryWriter.h"
#include "widgets/ErrorBanner.h"
#include "widgets/charts/SeriesChart.h"

#include <QAbstractItemModelTester>
#include <QDoubleSpinBox>
#include <QSpinBox>
#include <QFile>
#include <QRegularExpression>
#include <QTest>

#include <qcustomplot.h>

using namespace fedpilot;
using namespace fedpilot::ui;

namespace {

// Pages of a PDF: the number of page objects ("/Type /Page", not "/Type /Pages").
int pdfPageCount(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray pdf = f.readAll();
    if (!pdf.startsWith("%PDF-"))
        return -1;
    static const QRegularExpression page(QStringLiteral("/Type\\s*/Page(?![s\\w])"));
    return int(QString::fromLatin1(pdf).count(page));
}

// Two fixture pilots (deterministic, not trained): these tests check charts and reports, not the
// simulation behind "Load demo pilots" (tst_demo_pilots does).
bool writeFixturePilots(MainWindow& window)
{
    report::DemoHistoryOptions ada;
    report::DemoHistoryOptions fedavg;
    fedavg.name = QStringLiteral("demo-fedavg");
    fedavg.strategy = QStringLiteral("fedavg");
    fedavg.seed = 2;
    for (const auto& o : {fedavg, ada}) {
        if (!report::writeHistory(window.workspace().database(), report::makeDemoHistory(o)))
            return false;
    }
    Q_EMIT window.workspace().historyChanged();
    return true;
}

}  // namespace

class TestChartsReports : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;

private Q_SLOTS:
    void initTestCase() { initUiTestApplication(); }

    void chartsFillFromTheHistoryAndFollowItLive()
    {
        MainWindow window;
        window.show();
        QVERIFY(window.openWorkspace(m_dir.filePath(QStringLiteral("c1")), WorkspaceRole::Coordinator));
        auto* page = qobject_cast<ChartsPage*>(window.page(QStringLiteral("chartsPage")));
        window.showPage(page);
        for (ChartView* chart : page->charts())
            QCOMPARE(chart->dataPointCount(), 0);

        // Another connection writes a pilot in progress (as the coordinator would): the watcher
        // notices and the charts fill without any click.
        Database writer(window.workspace().database().path());
        QVERIFY(writer.open().isOk());
        report::DemoHistoryOptions o;
        o.completedRounds = 1;
        QVERIFY(report::writeHistory(writer, report::makeDemoHistory(o)).isOk());
        window.watcher().poll();
        QVERIFY(page->history().has_value());
        auto* accuracy = findWidget<SeriesChart>(page, "chartAccuracy");
        QVERIFY(accuracy->seriesWithData() >= 4);
        const int pointsAfterRound1 = accuracy->dataPointCount();
        for (const char* name : {"chartTar", "chartTraffic", "chartCumulative", "chartLoss", "chartRoc"})
            QVERIFY2(findWidget<ChartView>(page, name)->dataPointCount() > 0, name);

        o.completedRounds = 3;
        QVERIFY(report::writeHistory(writer, report::makeDemoHistory(o)).isOk());
        window.watcher().poll();
        QVERIFY(accuracy->dataPointCount() > pointsAfterRound1);
        QCOMPARE(page->history()->pilot.completedRounds, 3);

        // Comparison of two runs.
        report::DemoHistoryOptions fedavg;
        fedavg.name = QStringLiteral("demo-fedavg");
        fedavg.strategy = QStringLiteral("fedavg");
        QVERIFY(report::writeHistory(writer, report::makeDemoHistory(fedavg)).isOk());
        window.watcher().poll();
        page->selectPilot(QStringLiteral("demo-adafedfr"));
        page->selectComparison(QStringLiteral("demo-fedavg"));
        QCOMPARE(findWidget<ChartView>(page, "chartComparison")->seriesWithData(), 2);
    }

    void legendTooltipAndExport()
    {
        MainWindow window;
        window.resize(1200, 800);
        window.show();
        QVERIFY(window.openWorkspace(m_dir.filePath(QStringLiteral("c2")), WorkspaceRole::Site));
        QVERIFY(writeFixturePilots(window));
        auto* page = qobject_cast<ChartsPage*>(window.page(QStringLiteral("chartsPage")));
        window.showPage(page);
        auto* chart = findWidget<SeriesChart>(page, "chartAccuracy");
        QVERIFY(QTest::qWaitForWindowExposed(&window));

        // Legend toggle: hide and show the first series.
        QVERIFY(chart->isSeriesVisible(0));
        chart->setSeriesVisible(0, false);
        QVERIFY(!chart->isSeriesVisible(0));
        chart->setSeriesVisible(0, true);
        QVERIFY(chart->isSeriesVisible(0));

        // Tooltip on a data point names the series and the value.
        chart->plot()->replot();
        auto* graph = chart->plot()->graph(0);
        const auto point = graph->data()->at(1);
        const QPointF pixel(graph->keyAxis()->coordToPixel(point->key), graph->valueAxis()->coordToPixel(point->value));
        const QString tip = chart->tooltipAt(pixel);
        QVERIFY2(tip.contains(graph->name()) && tip.contains(QStringLiteral("%")), qPrintable(tip));
        QVERIFY(chart->tooltipAt(QPointF(-500, -500)).isEmpty());

        for (const char* suffix : {"png", "svg", "pdf"}) {
            const QString path = m_dir.filePath(QStringLiteral("accuracy.%1").arg(QLatin1String(suffix)));
            QVERIFY2(chart->exportTo(path), suffix);
            QVERIFY(QFileInfo(path).size() > 1000);
        }
        QVERIFY(!chart->exportTo(m_dir.filePath(QStringLiteral("accuracy.bmpx"))));
    }

    void pdfAndCsvReports()
    {
        MainWindow window;
        window.show();
        QVERIFY(window.openWorkspace(m_dir.filePath(QStringLiteral("c3")), WorkspaceRole::Coordinator));
        auto* page = qobject_cast<ReportsPage*>(window.page(QStringLiteral("reportsPage")));
        window.showPage(page);
        QVERIFY(!page->exportReport(m_dir.filePath(QStringLiteral("none.pdf"))));  // no pilot yet: a banner
        QVERIFY(window.banner()->isVisible());
        QVERIFY(writeFixturePilots(window));
        QVERIFY(page->assessment().has_value());

        const QString pdf = m_dir.filePath(QStringLiteral("report.pdf"));
        QVERIFY(page->exportReport(pdf));
        const int pages = pdfPageCount(pdf);
        QVERIFY2(pages >= 3, qPrintable(QString::number(pages)));
        QVERIFY(!QFile::exists(pdf + QStringLiteral(".partial")));

        const QString csv = m_dir.filePath(QStringLiteral("report.csv"));
        QVERIFY(page->exportReport(csv));
        QFile f(csv);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const auto rows = report::parseCsv(QString::fromUtf8(f.readAll()));
        QVERIFY(rows.size() > 50);
        bool decision = false;
        for (const auto& row : rows) {
            QCOMPARE(row.size(), 5);
            if (row[0] == QLatin1String("pilot") && row[3] == QLatin1String("decision"))
                decision = row[4] == QLatin1String("go") || row[4] == QLatin1String("no-go");
        }
        QVERIFY(decision);

        // Raising a target past the result flips the decision (and is stored in the workspace).
        auto* gain = findWidget<QDoubleSpinBox>(page, "targetGain");
        gain->setValue(50);
        QVERIFY(!page->assessment()->go);
        QCOMPARE(report::storedTargets(window.workspace().database()).minAccuracyGain, 0.5);
    }

    void roundViewModelFollowsTheRound()
    {
        MainWindow window;
        QVERIFY(window.openWorkspace(m_dir.filePath(QStringLiteral("c4")), WorkspaceRole::Coordinator));
        auto* page = qobject_cast<FederationPage*>(window.page(QStringLiteral("federationPage")));
        QAbstractItemModelTester tester(page->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        report::DemoHistoryOptions o;
        o.completedRounds = 2;
        QVERIFY(report::writeHistory(window.workspace().database(), report::makeDemoHistory(o)).isOk());
        Q_EMIT window.workspace().historyChanged();
        QCOMPARE(page->model()->rowCount(), 4);
        QCOMPARE(page->model()->round(), 3);  // the round in progress
        QCOMPARE(page->model()->index(0, RoundSitesModel::Update).data().toString(), QStringLiteral("waiting"));
        auto* round = findWidget<QSpinBox>(page, "fedRound");
        round->setValue(1);
        QCOMPARE(page->model()->index(0, RoundSitesModel::Update).data().toString(), QStringLiteral("accepted"));
    }
};

QTEST_MAIN(TestChartsReports)
#include "tst_charts_reports.moc"
