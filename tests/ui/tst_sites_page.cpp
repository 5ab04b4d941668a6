// Sites page: register a site through the dialog, edit it, remove it; the model passes
// QAbstractItemModelTester; the hardware of this machine is detected.

#include "UiTestSupport.h"
#include "dialogs/SiteDialog.h"
#include "models/SiteTableModel.h"
#include "pages/SitesPage.h"
#include "storage/SiteRepository.h"

#include <QAbstractItemModelTester>
#include <QDialogButtonBox>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QTableView>
#include <QTest>

using namespace fedpilot;
using namespace fedpilot::ui;

class TestSitesPage : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    static SiteDialog* openDialog(SitesPage* page, const char* button)
    {
        QTest::mouseClick(findWidget<QPushButton>(page, button), Qt::LeftButton);
        SiteDialog* dialog = nullptr;
        [&] { QTRY_VERIFY((dialog = page->findChild<SiteDialog*>()) && dialog->isVisible()); }();
        return dialog;
    }

private Q_SLOTS:
    void initTestCase() { initUiTestApplication(); }

    void registerEditAndRemoveASite()
    {
        MainWindow window;
        window.show();
        QVERIFY(window.openWorkspace(m_dir.filePath(QStringLiteral("site")), WorkspaceRole::Site));
        auto* page = qobject_cast<SitesPage*>(window.page(QStringLiteral("sitesPage")));
        QVERIFY(page);
        window.showPage(page);
        QAbstractItemModelTester tester(page->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(page->model()->rowCount(), 0);

        // Register: type a bad name first (OK stays disabled), then a good one.
        SiteDialog* dialog = openDialog(page, "siteRegister");
        QVERIFY(dialog);
        auto* name = findWidget<QLineEdit>(dialog, "siteName");
        auto* ok = findWidget<QPushButton>(dialog, "siteOk");
        QTest::keyClicks(name, QStringLiteral("bad name!"));
        QVERIFY(!ok->isEnabled());
        name->clear();
        QTest::keyClicks(name, QStringLiteral("lyon-hcl"));
        QTest::keyClicks(findWidget<QLineEdit>(dialog, "siteOrganization"), QStringLiteral("Hospices Civils de Lyon"));
        QTest::keyClicks(findWidget<QLineEdit>(dialog, "siteContact"), QStringLiteral("it@chu-lyon.example"));
        QVERIFY(ok->isEnabled());
        QTest::mouseClick(ok, Qt::LeftButton);
        QTRY_COMPARE(page->model()->rowCount(), 1);
        const auto stored = SiteRepository(window.workspace().database()).findByName(QStringLiteral("lyon-hcl"));
        QVERIFY(stored);
        QCOMPARE(stored->organization, QStringLiteral("Hospices Civils de Lyon"));
        QVERIFY2(stored->hardwareJson.contains(QStringLiteral("cores")), qPrintable(stored->hardwareJson));  // detected hardware saved

        // Edit: the name is fixed, the organization changes.
        auto* table = findWidget<QTableView>(page, "sitesTable");
        table->selectRow(0);
        dialog = openDialog(page, "siteEdit");
        QVERIFY(findWidget<QLineEdit>(dialog, "siteName")->isReadOnly());
        auto* org = findWidget<QLineEdit>(dialog, "siteOrganization");
        org->clear();
        QTest::keyClicks(org, QStringLiteral("HCL"));
        QTest::mouseClick(findWidget<QPushButton>(dialog, "siteOk"), Qt::LeftButton);
        QTRY_COMPARE(page->model()->index(0, SiteTableModel::Organization).data().toString(), QStringLiteral("HCL"));

        // A duplicate name is refused with a banner, not a crash.
        SiteForm dup{QStringLiteral("lyon-hcl"), {}, {}, {}};
        QVERIFY(!page->saveSite(dup, false));

        // Remove (confirm in the message box).
        table->selectRow(0);
        QTest::mouseClick(findWidget<QPushButton>(page, "siteRemove"), Qt::LeftButton);
        QMessageBox* box = nullptr;
        QTRY_VERIFY((box = page->findChild<QMessageBox*>(QStringLiteral("siteRemoveConfirm"))) && box->isVisible());
        QTest::mouseClick(box->button(QMessageBox::Yes), Qt::LeftButton);
        QTRY_COMPARE(page->model()->rowCount(), 0);
        QVERIFY(SiteRepository(window.workspace().database()).findByName(QStringLiteral("lyon-hcl"))->revoked);
    }

    void thisMachinesHardwareIsShown()
    {
        MainWindow window;
        QVERIFY(window.openWorkspace(m_dir.filePath(QStringLiteral("site2")), WorkspaceRole::Site));
        auto* label = findWidget<QLabel>(window.page(QStringLiteral("sitesPage")), "machineHardware");
        QVERIFY(label->text().contains(QStringLiteral("cpu")));  // the CPU device is always listed
        QVERIFY(label->text().contains(QStringLiteral("GB RAM")));
    }
};

QTEST_MAIN(TestSitesPage)
#include "tst_sites_page.moc"
