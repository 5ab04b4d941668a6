// Data and Training pages, clicked through offscreen: import a small synthetic folder (progress
// reaches 100 %, rejected files grouped by reason, cancel works), then a short local training
// with a tiny model; the longest GUI event-loop stall is measured during both.

#include "StallMeter.h"
#include "UiTestSupport.h"
#include "dialogs/ImportProgressPage.h"
#include "dialogs/ImportWizard.h"
#include "imports/SyntheticFolder.h"
#include "models/IdentityTableModel.h"
#include "models/RejectedFilesModel.h"
#include "pages/DataPage.h"
#include "pages/TrainingPage.h"
#include "widgets/ErrorBanner.h"
#include "widgets/charts/ChartView.h"

#include <QAbstractItemModelTester>
#include <QCheckBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTest>

using namespace fedpilot;
using namespace fedpilot::ui;

namespace {
constexpr qint64 kStallBudgetMs = 100;  // the GUI must never freeze longer than this
}

class TestImportTraining : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_faces;
    QString m_bigFaces;

    static ImportWizard* startImport(DataPage* page, const QString& folder)
    {
        QTest::mouseClick(findWidget<QPushButton>(page, "dataImport"), Qt::LeftButton);
        auto* wizard = page->findChild<ImportWizard*>();
        if (!wizard)
            return nullptr;
        auto* edit = findWidget<QLineEdit>(wizard, "importFolder");
        edit->clear();
        QTest::keyClicks(edit, folder);
        findWidget<QCheckBox>(wizard, "importAligned")->setChecked(true);
        findWidget<QCheckBox>(wizard, "importQuality")->setChecked(false);  // 32 px crops: sharpness is meaningless
        findWidget<QSpinBox>(wizard, "importSize")->setValue(32);
        findWidget<QDoubleSpinBox>(wizard, "importHeldOut")->setValue(34);  // ≥ 2 held-out faces per person: genuine pairs
        wizard->next();
        return wizard;
    }

private Q_SLOTS:
    void initTestCase()
    {
        initUiTestApplication();
        SyntheticFolderOptions o;
        o.outDir = m_dir.filePath(QStringLiteral("faces"));
        o.identities = 8;
        o.imagesPerIdentity = 12;
        o.size = 64;
        QVERIFY(writeSyntheticFolder(o).isOk());
        m_faces = o.outDir;
        QFile junk(QDir(m_faces).filePath(QStringLiteral("person_0001/broken.png")));
        QVERIFY(junk.open(QIODevice::WriteOnly));
        junk.write("definitely not a png");
        junk.close();
        o.outDir = m_dir.filePath(QStringLiteral("many"));
        o.identities = 40;
        o.imagesPerIdentity = 20;
        QVERIFY(writeSyntheticFolder(o).isOk());
        m_bigFaces = o.outDir;
    }

    void importThenTrainWithoutFreezingTheGui()
    {
        MainWindow window;
        window.show();
        QVERIFY(window.openWorkspace(m_dir.filePath(QStringLiteral("site")), WorkspaceRole::Site));
        auto* data = qobject_cast<DataPage*>(window.page(QStringLiteral("dataPage")));
        window.showPage(data);
        QAbstractItemModelTester identities(data->identities(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester rejected(data->rejected(), QAbstractItemModelTester::FailureReportingMode::QtTest);

        StallMeter stall;
        stall.start();
        ImportWizard* wizard = startImport(data, m_faces);
        QVERIFY(wizard);
        QAbstractItemModelTester wizardRejected(wizard->rejectedModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy done(wizard, &ImportWizard::imported);
        QVERIFY(done.wait(60000));
        stall.stop();
        const qint64 importStall = stall.maxGapMs();
        qInfo("longest GUI stall during import: %lld ms (%lld heartbeats)", importStall, stall.ticks());
        QVERIFY2(importStall < kStallBudgetMs, qPrintable(QString::number(importStall)));

        const auto result = done.first().first().value<jobs::ImportTaskResult>();
        QVERIFY2(result.ok, qPrintable(result.error));
        QCOMPARE(result.summary.state, ImportState::Completed);
        QCOMPARE(wizard->progressPage()->progressValue(), 100);
        QCOMPARE(wizard->currentId(), int(ImportWizard::ResultPageId));
        QVERIFY(wizard->rejectedModel()->groupCount() >= 1);  // the broken file, grouped by its reason
        const QString summary = findWidget<QLabel>(wizard, "importSummary")->text();
        QVERIFY2(summary.contains(QStringLiteral("%1 identities").arg(result.summary.identities)), qPrintable(summary));
        QCOMPARE(result.summary.identitiesFound, 8);
        qInfo("import: %d identities, %lld in cache, %lld train, %lld held out", result.summary.identities, (long long)result.summary.imagesInCache, (long long)result.summary.imagesTrain, (long long)result.summary.imagesHeldOut);
        wizard->close();
        QTRY_COMPARE(data->identities()->rowCount(), 8);
        QVERIFY(data->rejected()->fileCount() >= 1);
        QVERIFY(!data->latestCachePath().isEmpty());

        // A short local training on the imported 32 px faces with a tiny model.
        auto* training = qobject_cast<TrainingPage*>(window.page(QStringLiteral("trainingPage")));
        window.showPage(training);
        QCOMPARE(findWidget<QLineEdit>(training, "trainCache")->text(), data->latestCachePath());
        findWidget<QSpinBox>(training, "trainInputSize")->setValue(32);
        findWidget<QSpinBox>(training, "trainEmbedding")->setValue(64);
        findWidget<QSpinBox>(training, "trainEpochs")->setValue(3);
        findWidget<QSpinBox>(training, "trainBatch")->setValue(16);
        QSignalSpy finished(training, &TrainingPage::trainingFinished);
        stall.start();
        QTest::mouseClick(findWidget<QPushButton>(training, "trainStart"), Qt::LeftButton);
        QVERIFY(!findWidget<QPushButton>(training, "trainStart")->isEnabled());
        QVERIFY(finished.wait(120000));
        stall.stop();
        const qint64 trainStall = stall.maxGapMs();
        qInfo("longest GUI stall during training: %lld ms (%lld heartbeats)", trainStall, stall.ticks());
        QVERIFY2(trainStall < kStallBudgetMs, qPrintable(QString::number(trainStall)));
        const auto r = finished.first().first().value<jobs::TrainingJobResult>();
        QVERIFY2(r.state == jobs::JobState::Completed, qPrintable(r.error));
        QVERIFY(r.baseline && r.trained);
        QCOMPARE(findWidget<QProgressBar>(training, "trainProgress")->value(), 1000);
        QVERIFY(findWidget<QLabel>(training, "trainResult")->text().contains(QStringLiteral("baseline")));
        QVERIFY(findWidget<ChartView>(training, "chartTrainLoss")->dataPointCount() > 0);
        QVERIFY(QFile::exists(window.workspace().path(QStringLiteral("models/local.fpt"))));
    }

    void importCancelIsAnOutcome()
    {
        MainWindow window;
        window.show();
        QVERIFY(window.openWorkspace(m_dir.filePath(QStringLiteral("site-cancel")), WorkspaceRole::Site));
        auto* data = qobject_cast<DataPage*>(window.page(QStringLiteral("dataPage")));
        ImportWizard* wizard = startImport(data, m_bigFaces);
        QVERIFY(wizard);
        QSignalSpy done(wizard, &ImportWizard::imported);
        QTest::mouseClick(findWidget<QPushButton>(wizard, "importCancel"), Qt::LeftButton);
        QVERIFY(done.wait(60000));
        const auto result = done.first().first().value<jobs::ImportTaskResult>();
        QVERIFY2(result.ok, qPrintable(result.error));
        QCOMPARE(result.summary.state, ImportState::Cancelled);
        QVERIFY(!result.summary.cacheWritten);
        QVERIFY(findWidget<QLabel>(wizard, "importSummary")->text().contains(QStringLiteral("cancelled")));
    }

    void trainingWithoutDataIsABanner()
    {
        MainWindow window;
        QVERIFY(window.openWorkspace(m_dir.filePath(QStringLiteral("empty")), WorkspaceRole::Site));
        auto* training = qobject_cast<TrainingPage*>(window.page(QStringLiteral("trainingPage")));
        QVERIFY(!training->start());
        QVERIFY(window.banner()->message().contains(QStringLiteral("import")));
    }
};

QTEST_MAIN(TestImportTraining)
#include "tst_import_training.moc"
