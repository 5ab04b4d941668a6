// The shell: role choice and recent workspaces, navigation between pages, pages hidden by role,
// errors as banners (never a crash), the log panel and the status bar.

#include "UiTestSupport.h"
#include "app/AppSettings.h"
#include "dialogs/StartDialog.h"
#include "pages/Page.h"
#include "widgets/ErrorBanner.h"
#include "widgets/LogPanel.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QToolButton>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QRadioButton>
#include <QSignalSpy>
#include <QStackedWidget>
#include <QTest>

using namespace fedpilot::ui;

class TestShell : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;

private Q_SLOTS:
    void initTestCase()
    {
        initUiTestApplication();
        AppSettings().clearRecentWorkspaces();
    }

    void startDialogOpensTheChosenWorkspace()
    {
        MainWindow window;
        window.show();
        window.chooseWorkspace();
        StartDialog* dialog = nullptr;
        QTRY_VERIFY((dialog = window.findChild<StartDialog*>()) && dialog->isVisible());
        findWidget<QRadioButton>(dialog, "startRoleCoordinator")->setChecked(true);
        auto* folder = findWidget<QLineEdit>(dialog, "startFolder");
        folder->clear();
        QTest::keyClicks(folder, m_dir.filePath(QStringLiteral("coord")));
        QTest::mouseClick(findWidget<QPushButton>(dialog, "startOpen"), Qt::LeftButton);
        QTRY_VERIFY(window.workspace().isOpen());
        QCOMPARE(window.workspace().role(), WorkspaceRole::Coordinator);
        QVERIFY(QFile::exists(m_dir.filePath(QStringLiteral("coord/coordinator.db"))));
        const auto recent = AppSettings().recentWorkspaces();
        QVERIFY(!recent.isEmpty());
        QCOMPARE(recent.first().folder, m_dir.filePath(QStringLiteral("coord")));
        QCOMPARE(recent.first().role, WorkspaceRole::Coordinator);

        // The next start offers it first.
        StartDialog again;
        QCOMPARE(again.folder(), m_dir.filePath(QStringLiteral("coord")));
        QCOMPARE(again.role(), WorkspaceRole::Coordinator);
    }

    void navigationShowsEveryPageAndHidesSiteOnlyPagesForACoordinator()
    {
        MainWindow window;
        window.show();
        QVERIFY(window.openWorkspace(m_dir.filePath(QStringLiteral("site")), WorkspaceRole::Site));
        auto* nav = findWidget<QListWidget>(&window, "navigation");
        auto* stack = findWidget<QStackedWidget>(&window, "pages");
        QCOMPARE(nav->count(), window.pages().size());
        for (int i = 0; i < nav->count(); ++i) {
            QVERIFY(!nav->item(i)->isHidden());
            nav->setCurrentRow(i);
            QCOMPARE(stack->currentWidget(), window.pages().at(i));
        }
        window.showPage(window.page(QStringLiteral("dataPage")));
        // Switching to a coordinator workspace leaves the (now hidden) Data page.
        QVERIFY(window.openWorkspace(m_dir.filePath(QStringLiteral("coord2")), WorkspaceRole::Coordinator));
        const int data = window.pages().indexOf(window.page(QStringLiteral("dataPage")));
        const int training = window.pages().indexOf(window.page(QStringLiteral("trainingPage")));
        QVERIFY(nav->item(data)->isHidden());
        QVERIFY(nav->item(training)->isHidden());
        QCOMPARE(window.currentPage()->objectName(), QStringLiteral("federationPage"));
        QVERIFY(findWidget<QLabel>(&window, "statusWorkspace")->text().contains(QStringLiteral("Coordinator")));
    }

    void aBadWorkspaceIsABannerAndTheOldOneStays()
    {
        MainWindow window;
        window.show();
        QVERIFY(window.openWorkspace(m_dir.filePath(QStringLiteral("good")), WorkspaceRole::Site));
        // A file that is not SQLite where the database should be.
        QDir().mkpath(m_dir.filePath(QStringLiteral("bad")));
        QFile junk(m_dir.filePath(QStringLiteral("bad/site.db")));
        QVERIFY(junk.open(QIODevice::WriteOnly));
        junk.write(QByteArray(4096, 'x'));
        junk.close();
        QVERIFY(!window.openWorkspace(m_dir.filePath(QStringLiteral("bad")), WorkspaceRole::Site));
        QVERIFY(window.banner()->isVisible());
        QVERIFY(!window.banner()->details().isEmpty());
        QCOMPARE(window.workspace().folder(), m_dir.filePath(QStringLiteral("good")));
        QVERIFY(window.logPanel()->text().contains(QStringLiteral("error")));
        QTest::mouseClick(findWidget<QToolButton>(window.banner(), "errorBannerClose"), Qt::LeftButton);
        QVERIFY(!window.banner()->isVisible());
    }

    void logPanelIsBoundedAndFiltered()
    {
        LogPanel panel;
        for (int i = 0; i < LogPanel::kMaxLines + 50; ++i)
            panel.append(LogLevel::Info, QStringLiteral("line %1").arg(i));
        panel.append(LogLevel::Error, QStringLiteral("boom"));
        QCOMPARE(panel.lineCount(), LogPanel::kMaxLines);
        findWidget<QComboBox>(&panel, "logFilter")->setCurrentIndex(2);
        QCOMPARE(panel.text().count(QLatin1Char('\n')), 0);
        QVERIFY(panel.text().contains(QStringLiteral("boom")));
    }
};

QTEST_MAIN(TestShell)
#include "tst_shell.moc"
