// Federation page, clicked through offscreen with a tiny pilot (32 px, 1 round, 1 epoch): a
// coordinator workspace starts the embedded coordinator (it listens, the page says so), stops it
// (the port closes, the page says stopped); then a site workspace enrolls with a code issued on
// the coordinator's Sites page, joins over gRPC/TLS on loopback, trains round 1, and both pages
// show it (site online → training → sent; coordinator's round table: the site's update accepted).

#include "UiTestSupport.h"
#include "dialogs/SiteDialog.h"
#include "models/RoundSitesModel.h"
#include "pages/FederationPage.h"
#include "pages/SitesPage.h"
#include "services/CoordinatorService.h"
#include "widgets/ErrorBanner.h"

#include <QAbstractItemModelTester>
#include <QCheckBox>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTableView>
#include <QTcpSocket>
#include <QTest>

using namespace fedpilot;
using namespace fedpilot::ui;

namespace {

constexpr int kStartMs = 90000;   // pretraining the tiny generic model on 2 cores
constexpr int kRoundMs = 120000;  // enrollment, baseline, one local epoch, aggregation

bool portAccepts(int port)
{
    QTcpSocket socket;
    socket.connectToHost(QStringLiteral("127.0.0.1"), quint16(port));
    return socket.waitForConnected(2000);
}

}  // namespace

class TestFederationPage : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_coordinatorDir;

    static FederationPage* federationPage(MainWindow& window)
    {
        auto* page = qobject_cast<FederationPage*>(window.page(QStringLiteral("federationPage")));
        window.showPage(page);
        return page;
    }

private Q_SLOTS:
    void initTestCase()
    {
        initUiTestApplication();
        m_coordinatorDir = m_dir.filePath(QStringLiteral("coordinator"));
        federation::PilotConfig config;
        config.name = QStringLiteral("ui-pilot");
        config.model.inputSize = 32;
        config.model.embeddingSize = 64;
        config.rounds = 1;
        config.localEpochs = {1};
        config.batchSize = 16;
        config.pretrainEpochs = 1;
        config.publicIdentities = 12;
        config.publicImagesPerIdentity = 4;
        config.evalIdentities = 8;
        config.evalImagesPerIdentity = 4;
        config.k = 8;
        config.minSites = 1;
        config.waitAfterMinS = 0;
        config.roundTimeoutS = 90;
        config.lingerS = 1;
        config.pollWaitMs = 500;
        config.heartbeatIntervalMs = 500;
        const auto s = CoordinatorService(m_coordinatorDir).init(config);
        QVERIFY2(s.isOk(), s.message().c_str());
    }

    void coordinatorStartsAndStopsFromThePage()
    {
        MainWindow window;
        window.show();
        QVERIFY(window.openWorkspace(m_coordinatorDir, WorkspaceRole::Coordinator));
        FederationPage* page = federationPage(window);
        QVERIFY(page);
        auto* start = findWidget<QPushButton>(page, "fedStart");
        auto* stop = findWidget<QPushButton>(page, "fedStop");
        auto* status = findWidget<QLabel>(page, "fedServiceStatus");
        QVERIFY(findWidget<QWidget>(page, "fedCoordinatorBox")->isVisible());
        QVERIFY(!findWidget<QWidget>(page, "fedSiteBox")->isVisible());
        QCOMPARE(start->text(), QStringLiteral("Start coordinator"));
        QCOMPARE(findWidget<QSpinBox>(page, "fedMinSites")->value(), 1);  // read from pilot.json
        QVERIFY2(status->text().contains(QStringLiteral("stopped")), qPrintable(status->text()));
        QCOMPARE(page->connectionState(), QStringLiteral("offline"));

        auto* listen = findWidget<QLineEdit>(page, "fedListen");
        listen->clear();
        QTest::keyClicks(listen, QStringLiteral("127.0.0.1:0"));
        QTest::mouseClick(start, Qt::LeftButton);
        QVERIFY(page->isServiceRunning());
        QVERIFY(!start->isEnabled());
        QVERIFY(stop->isEnabled());
        QVERIFY2(status->text().contains(QStringLiteral("running")), qPrintable(status->text()));

        QTRY_VERIFY_WITH_TIMEOUT(page->listeningPort() > 0, kStartMs);
        const int port = page->listeningPort();
        QTRY_COMPARE(page->connectionState(), QStringLiteral("serving on port %1").arg(port));
        QVERIFY2(status->text().contains(QStringLiteral("listening on port %1").arg(port)), qPrintable(status->text()));
        QVERIFY(findWidget<QLabel>(&window, "statusConnection")->text().contains(QStringLiteral("serving")));
        QVERIFY(portAccepts(port));
        QVERIFY(!window.banner()->isVisible());

        QTest::mouseClick(stop, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(!page->isServiceRunning(), 30000);
        QCOMPARE(page->connectionState(), QStringLiteral("offline"));
        QCOMPARE(page->listeningPort(), 0);
        QVERIFY2(status->text().contains(QStringLiteral("stopped")), qPrintable(status->text()));
        QVERIFY(start->isEnabled());
        QVERIFY(!stop->isEnabled());
        QVERIFY(!window.banner()->isVisible());  // a stop is the operator's choice, not an error
        QVERIFY(!portAccepts(port));
    }

    void siteEnrollsJoinsAndTrainsARound()
    {
        // Coordinator: register the site, issue its code on the Sites page, start serving.
        MainWindow coordinator;
        coordinator.show();
        QVERIFY(coordinator.openWorkspace(m_coordinatorDir, WorkspaceRole::Coordinator));
        auto* sites = qobject_cast<SitesPage*>(coordinator.page(QStringLiteral("sitesPage")));
        coordinator.showPage(sites);
        QVERIFY(sites->saveSite(SiteForm{QStringLiteral("lyon"), QStringLiteral("HCL"), {}, {}}, false));
        findWidget<QTableView>(sites, "sitesTable")->selectRow(0);
        QTest::mouseClick(findWidget<QPushButton>(sites, "siteEnroll"), Qt::LeftButton);
        QMessageBox* box = nullptr;
        QTRY_VERIFY((box = sites->findChild<QMessageBox*>(QStringLiteral("enrollmentCodeBox"))) && box->isVisible());
        static const QRegularExpression codePattern(QStringLiteral("[A-Z2-9]{5}(-[A-Z2-9]{5}){3}"));
        const QString code = codePattern.match(box->text()).captured(0);
        QVERIFY2(!code.isEmpty(), qPrintable(box->text()));
        box->accept();

        FederationPage* coordPage = federationPage(coordinator);
        QAbstractItemModelTester tester(coordPage->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        auto* listen = findWidget<QLineEdit>(coordPage, "fedListen");
        listen->clear();
        QTest::keyClicks(listen, QStringLiteral("127.0.0.1:0"));
        QSignalSpy coordStates(coordPage, &FederationPage::connectionStateChanged);
        QTest::mouseClick(findWidget<QPushButton>(coordPage, "fedStart"), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(coordPage->listeningPort() > 0, kStartMs);  // resumed: no second pretraining needed
        const int port = coordPage->listeningPort();

        // Site: a fresh workspace, the coordinator's address, its CA, the code; synthetic faces.
        MainWindow site;
        site.show();
        QVERIFY(site.openWorkspace(m_dir.filePath(QStringLiteral("site-lyon")), WorkspaceRole::Site));
        FederationPage* sitePage = federationPage(site);
        QVERIFY(findWidget<QWidget>(sitePage, "fedSiteBox")->isVisible());
        auto* connectButton = findWidget<QPushButton>(sitePage, "fedStart");
        QCOMPARE(connectButton->text(), QStringLiteral("Connect"));
        QVERIFY(findWidget<QLabel>(sitePage, "fedServiceStatus")->text().contains(QStringLiteral("Not connected")));
        QTest::keyClicks(findWidget<QLineEdit>(sitePage, "fedCoordinator"), QStringLiteral("127.0.0.1:%1").arg(port));
        QTest::keyClicks(findWidget<QLineEdit>(sitePage, "fedCa"), CoordinatorService(m_coordinatorDir).caCertificatePath());
        auto* name = findWidget<QLineEdit>(sitePage, "fedSiteName");
        name->clear();
        QTest::keyClicks(name, QStringLiteral("lyon"));
        QTest::keyClicks(findWidget<QLineEdit>(sitePage, "fedCode"), code);
        findWidget<QCheckBox>(sitePage, "fedSynthetic")->setChecked(true);
        QSignalSpy siteStates(sitePage, &FederationPage::connectionStateChanged);
        QTest::mouseClick(connectButton, Qt::LeftButton);
        QVERIFY(sitePage->isServiceRunning());
        QVERIFY(sitePage->connectionState().startsWith(QStringLiteral("connecting to 127.0.0.1:")));

        // Online: enrolled and joined; the site's own history now names the pilot.
        QTRY_VERIFY_WITH_TIMEOUT(sitePage->connectionState().startsWith(QStringLiteral("online")), 60000);
        QVERIFY(QFile::exists(site.workspace().path(QStringLiteral("pki/site.pem"))));
        QTRY_VERIFY_WITH_TIMEOUT(findWidget<QLabel>(sitePage, "fedPilotStatus")->text().contains(QStringLiteral("ui-pilot")), 10000);

        // Round 1 runs to the end; the coordinator's round view shows the site's accepted update.
        const auto siteRow = [coordPage]() -> int {
            for (int r = 0; r < coordPage->model()->rowCount(); ++r) {
                if (coordPage->model()->index(r, RoundSitesModel::Site).data().toString() == QLatin1String("lyon"))
                    return r;
            }
            return -1;
        };
        QTRY_VERIFY_WITH_TIMEOUT(coordPage->model()->round() == 1 && siteRow() >= 0
                                     && coordPage->model()->index(siteRow(), RoundSitesModel::Update).data().toString() == QLatin1String("accepted"),
                                 kRoundMs);
        QVERIFY(coordPage->model()->index(siteRow(), RoundSitesModel::Samples).data().toLongLong() > 0);
        QTRY_VERIFY_WITH_TIMEOUT(findWidget<QLabel>(coordPage, "fedPilotStatus")->text().contains(QStringLiteral("1 of 1 rounds completed")), 10000);

        // The pilot is over: the coordinator hands out STOP, both services end on their own.
        QTRY_VERIFY_WITH_TIMEOUT(!sitePage->isServiceRunning() && !coordPage->isServiceRunning(), 60000);
        QStringList seen;
        for (const auto& args : siteStates)
            seen << args.first().toString();
        QVERIFY2(seen.contains(QStringLiteral("online")), qPrintable(seen.join(QStringLiteral(" | "))));
        QVERIFY2(seen.contains(QStringLiteral("online · training round 1")), qPrintable(seen.join(QStringLiteral(" | "))));
        QVERIFY2(seen.contains(QStringLiteral("online · round 1 sent")), qPrintable(seen.join(QStringLiteral(" | "))));
        QCOMPARE(seen.last(), QStringLiteral("offline"));
        QCOMPARE(coordStates.last().first().toString(), QStringLiteral("offline"));
        QVERIFY(findWidget<QLabel>(sitePage, "fedServiceStatus")->text().contains(QStringLiteral("pilot is over")));
        QVERIFY(findWidget<QLabel>(coordPage, "fedServiceStatus")->text().contains(QStringLiteral("pilot is over")));
        QVERIFY2(!site.banner()->isVisible(), qPrintable(site.banner()->message()));
        QVERIFY2(!coordinator.banner()->isVisible(), qPrintable(coordinator.banner()->message()));
    }

    void connectingWithoutACoordinatorIsABanner()
    {
        MainWindow window;
        window.show();
        QVERIFY(window.openWorkspace(m_dir.filePath(QStringLiteral("site-empty")), WorkspaceRole::Site));
        FederationPage* page = federationPage(window);
        QTest::mouseClick(findWidget<QPushButton>(page, "fedStart"), Qt::LeftButton);
        QVERIFY(!page->isServiceRunning());
        QVERIFY(window.banner()->message().contains(QStringLiteral("coordinator")));
    }
};

QTEST_MAIN(TestFederationPage)
#include "tst_federation_page.moc"
