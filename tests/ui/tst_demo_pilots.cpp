// File > Load demo pilots runs two real in-process simulations (AdaFedFR and FedAvg) in a worker
// thread: a progress window moves, the GUI stays responsive, and the history database then holds
// two finished pilots with measured rounds (accuracy, per-site training, traffic) that the charts
// compare. Cancel stops the run and writes nothing.

#include "StallMeter.h"
#include "UiTestSupport.h"
#include "app/DemoPilotJob.h"
#include "dialogs/DemoPilotsDialog.h"
#include "pages/ChartsPage.h"
#include "report/HistoryReader.h"
#include "widgets/ErrorBanner.h"
#include "widgets/charts/ChartView.h"

#include <QAction>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QTest>

#include <cmath>

using namespace fedpilot;
using namespace fedpilot::ui;

namespace {
constexpr qint64 kStallBudgetMs = 100;
constexpr int kRunMs = 240000;
}  // namespace

class TestDemoPilots : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    static DemoPilotsDialog* triggerLoadDemo(MainWindow& window)
    {
        auto* action = window.findChild<QAction*>(QStringLiteral("actionLoadDemo"));
        if (!action)
            return nullptr;
        action->trigger();
        return window.demoDialog();
    }

private Q_SLOTS:
    void initTestCase()
    {
        initUiTestApplication();
        qRegisterMetaType<DemoPilotsResult>();
    }

    void demoPilotsAreRealSimulations()
    {
        MainWindow window;
        window.show();
        QVERIFY(window.openWorkspace(m_dir.filePath(QStringLiteral("demo")), WorkspaceRole::Site));
        auto* charts = qobject_cast<ChartsPage*>(window.page(QStringLiteral("chartsPage")));
        window.showPage(charts);

        StallMeter stall;
        stall.start();
        DemoPilotsDialog* dialog = triggerLoadDemo(window);
        QVERIFY(dialog);
        QVERIFY(dialog->isVisible());
        QVERIFY(dialog->isRunning());
        QVERIFY(!window.loadDemoData());  // one run at a time
        QSignalSpy loaded(dialog, &DemoPilotsDialog::loaded);
        QSignalSpy finished(dialog->job(), &DemoPilotJob::finished);
        int progressSignals = 0;
        // The stall budget covers the run; the reload of every page afterwards is GUI work.
        connect(dialog->job(), &DemoPilotJob::progress, this, [&](const DemoPilotsProgress& p) {
            ++progressSignals;
            if (p.fraction >= 1.0)
                stall.stop();
        });
        QTRY_VERIFY_WITH_TIMEOUT(dialog->progressValue() > 0 && dialog->progressValue() < 1000, 60000);
        QVERIFY(finished.wait(kRunMs));
        stall.stop();
        const auto result = finished.first().first().value<DemoPilotsResult>();
        QVERIFY2(result.state == DemoPilotsResult::State::Completed, qPrintable(result.error));
        qInfo("demo pilots simulated in %.1f s, %d progress signals, longest GUI stall %lld ms", result.seconds, progressSignals,
              stall.maxGapMs());
        QVERIFY2(stall.maxGapMs() < kStallBudgetMs, qPrintable(QString::number(stall.maxGapMs())));
        QVERIFY(progressSignals >= 3);
        QCOMPARE(loaded.size(), 1);
        QCOMPARE(dialog->progressValue(), 1000);
        QVERIFY(findWidget<QLabel>(dialog, "demoResult")->text().contains(QStringLiteral("demo-adafedfr")));
        QCOMPARE(findWidget<QPushButton>(dialog, "demoCancel")->text(), QStringLiteral("Close"));
        QVERIFY(!window.banner()->isVisible());

        // The history: two finished pilots, every round measured by the engine.
        const report::HistoryReader reader(window.workspace().database());
        const auto list = reader.pilots();
        QVERIFY(list);
        QCOMPARE(list->size(), 2);
        for (const QString& strategy : {QStringLiteral("adafedfr"), QStringLiteral("fedavg")}) {
            const auto h = reader.loadByName(QStringLiteral("demo-") + strategy);
            QVERIFY2(h, h.message().c_str());
            QCOMPARE(h->pilot.strategy, strategy);
            QCOMPARE(h->pilot.status, QStringLiteral("finished"));
            QCOMPARE(h->pilot.completedRounds, 2);
            QVERIFY(h->pilot.config.value(QStringLiteral("simulation")).toBool());  // not a fixture
            QCOMPARE(h->roundIndices(), (QVector<int>{0, 1, 2}));
            QCOMPARE(h->sites.size(), 3);
            for (int r = 0; r <= 2; ++r) {
                const auto* round = h->round(r);
                QVERIFY(round);
                QVERIFY2(std::isfinite(round->accuracy) && round->accuracy > 0.3 && round->accuracy <= 1.0,
                         qPrintable(QString::number(round->accuracy)));
            }
            int trained = 0;
            for (const auto& m : h->siteMetrics) {
                if (m.kind == QLatin1String("round") && m.round >= 1) {
                    QVERIFY(m.samples > 0);
                    QVERIFY(std::isfinite(m.loss) && m.loss > 0);
                    ++trained;
                }
            }
            QCOMPARE(trained, 3 * 2);
            QVERIFY(h->totalWireBytes() > 0);
        }
        // Two simulations with different strategies do not produce the same numbers.
        QVERIFY(reader.loadByName(QStringLiteral("demo-adafedfr"))->round(2)->accuracy
                != reader.loadByName(QStringLiteral("demo-fedavg"))->round(2)->accuracy
                || reader.loadByName(QStringLiteral("demo-adafedfr"))->meanSiteAccuracy(2, true)
                       != reader.loadByName(QStringLiteral("demo-fedavg"))->meanSiteAccuracy(2, true));

        // The charts picked the pilots up without a click and compare them.
        QTRY_VERIFY(charts->history().has_value());
        charts->selectPilot(QStringLiteral("demo-adafedfr"));
        charts->selectComparison(QStringLiteral("demo-fedavg"));
        QCOMPARE(findWidget<ChartView>(charts, "chartComparison")->seriesWithData(), 2);
        QVERIFY(findWidget<ChartView>(charts, "chartAccuracy")->dataPointCount() > 0);
    }

    void cancelWritesNothing()
    {
        MainWindow window;
        window.show();
        QVERIFY(window.openWorkspace(m_dir.filePath(QStringLiteral("demo-cancel")), WorkspaceRole::Site));
        DemoPilotsDialog* dialog = triggerLoadDemo(window);
        QVERIFY(dialog);
        QSignalSpy finished(dialog->job(), &DemoPilotJob::finished);
        QTRY_VERIFY_WITH_TIMEOUT(dialog->progressValue() > 0, 60000);
        QTest::mouseClick(findWidget<QPushButton>(dialog, "demoCancel"), Qt::LeftButton);
        QVERIFY(finished.wait(60000));
        const auto result = finished.first().first().value<DemoPilotsResult>();
        QCOMPARE(result.state, DemoPilotsResult::State::Cancelled);
        QVERIFY(findWidget<QLabel>(dialog, "demoStage")->text().contains(QStringLiteral("nothing was written")));
        QCOMPARE(report::HistoryReader(window.workspace().database()).pilots()->size(), 0);
        QVERIFY(!window.banner()->isVisible());
    }

    void withoutAWorkspaceItIsABanner()
    {
        MainWindow window;
        QVERIFY(!window.loadDemoData());
        QVERIFY(window.banner()->message().contains(QStringLiteral("workspace")));
    }
};

QTEST_MAIN(TestDemoPilots)
#include "tst_demo_pilots.moc"
