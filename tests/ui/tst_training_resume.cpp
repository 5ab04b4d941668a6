// Training page checkpoint/resume, clicked through offscreen: a run cancelled after a few epochs
// leaves a checkpoint (Resume becomes available and says how far it got); Resume continues at the
// next epoch with the trained state (the loss does not start over) and finishes the remaining
// epochs only; a completed run removes the checkpoint.

#include "UiTestSupport.h"
#include "common/Strings.h"
#include "fedpilot/engine/FaceSynth.h"
#include "pages/TrainingPage.h"
#include "widgets/ErrorBanner.h"

#include <QCheckBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTest>

using namespace fedpilot;
using namespace fedpilot::ui;

namespace {
constexpr int kEpochs = 16;
constexpr int kCancelAfterEpochs = 3;
}  // namespace

class TestTrainingResume : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_cache;

    TrainingPage* setUp(MainWindow& window)
    {
        auto* training = qobject_cast<TrainingPage*>(window.page(QStringLiteral("trainingPage")));
        window.showPage(training);
        auto* cache = findWidget<QLineEdit>(training, "trainCache");
        cache->clear();
        QTest::keyClicks(cache, m_cache);
        findWidget<QSpinBox>(training, "trainInputSize")->setValue(32);
        findWidget<QSpinBox>(training, "trainEmbedding")->setValue(64);
        findWidget<QSpinBox>(training, "trainEpochs")->setValue(kEpochs);
        findWidget<QSpinBox>(training, "trainBatch")->setValue(16);
        findWidget<QCheckBox>(training, "trainBaseline")->setChecked(false);
        return training;
    }

private Q_SLOTS:
    void initTestCase()
    {
        initUiTestApplication();
        m_cache = m_dir.filePath(QStringLiteral("faces.fpcache"));
        engine::SynthCacheOptions o;
        o.identities = 10;
        o.imagesPerIdentity = 12;
        o.heldOutImagesPerIdentity = 3;
        o.size = 32;
        QVERIFY(engine::writeSynthCache(toEnginePath(m_cache), o).isOk());
    }

    void cancelSavesACheckpointAndResumeContinuesIt()
    {
        MainWindow window;
        window.show();
        QVERIFY(window.openWorkspace(m_dir.filePath(QStringLiteral("site")), WorkspaceRole::Site));
        TrainingPage* training = setUp(window);
        auto* start = findWidget<QPushButton>(training, "trainStart");
        auto* cancel = findWidget<QPushButton>(training, "trainCancel");
        auto* resume = findWidget<QPushButton>(training, "trainResume");
        auto* checkpointLabel = findWidget<QLabel>(training, "trainCheckpoint");
        QVERIFY(!resume->isEnabled());  // nothing to resume yet
        QVERIFY(checkpointLabel->text().isEmpty());

        // 1. Train, cancel once a few epochs are done.
        QSignalSpy finished(training, &TrainingPage::trainingFinished);
        double firstRunFirstLoss = -1;
        auto watch = connect(training->job(), &jobs::TrainingJob::progress, this, [&](const jobs::TrainingProgress& p) {
            if (p.phase != jobs::TrainingPhase::Training)
                return;
            if (firstRunFirstLoss < 0)
                firstRunFirstLoss = p.train.loss;
            if (p.train.epoch >= kCancelAfterEpochs && cancel->isEnabled())
                QTest::mouseClick(cancel, Qt::LeftButton);
        });
        QTest::mouseClick(start, Qt::LeftButton);
        QVERIFY(!resume->isEnabled());
        QVERIFY(finished.wait(120000));
        disconnect(watch);
        const auto first = finished.takeFirst().first().value<jobs::TrainingJobResult>();
        QVERIFY2(first.state == jobs::JobState::Cancelled, qPrintable(first.error));
        QVERIFY(first.checkpointSaved);
        QCOMPARE(first.startEpoch, 0);
        QCOMPARE(first.epochsTotal, kEpochs);
        QVERIFY2(first.epochsDone >= kCancelAfterEpochs && first.epochsDone < kEpochs, qPrintable(QString::number(first.epochsDone)));
        QVERIFY(!first.outcome.epochLoss.empty());
        QVERIFY(QFile::exists(training->checkpointPath()));
        QVERIFY(!QFile::exists(window.workspace().path(QStringLiteral("models/local.fpt"))));  // not finished: no model
        QVERIFY(resume->isEnabled());
        QVERIFY(start->isEnabled());
        QVERIFY2(checkpointLabel->text().contains(QStringLiteral("%1 of %2 epochs").arg(first.epochsDone).arg(kEpochs)),
                 qPrintable(checkpointLabel->text()));
        QVERIFY(findWidget<QLabel>(training, "trainPhase")->text().contains(QStringLiteral("checkpoint saved")));

        // 2. Resume: the first reported epoch is the next one, the loss carries on from where it was.
        int firstResumedEpoch = -1;
        int resumedEpochs = -1;
        double firstResumedLoss = -1;
        watch = connect(training->job(), &jobs::TrainingJob::progress, this, [&](const jobs::TrainingProgress& p) {
            if (p.phase == jobs::TrainingPhase::Training && firstResumedEpoch < 0) {
                firstResumedEpoch = p.train.epoch;
                resumedEpochs = p.train.epochs;
                firstResumedLoss = p.train.loss;
            }
        });
        QTest::mouseClick(resume, Qt::LeftButton);
        QVERIFY(!start->isEnabled());
        QVERIFY(!resume->isEnabled());
        QVERIFY(finished.wait(180000));
        disconnect(watch);
        const auto second = finished.takeFirst().first().value<jobs::TrainingJobResult>();
        QVERIFY2(second.state == jobs::JobState::Completed, qPrintable(second.error));
        QCOMPARE(second.startEpoch, first.epochsDone);
        QCOMPARE(second.epochsDone, kEpochs);
        QCOMPARE(firstResumedEpoch, first.epochsDone);  // 0-based: the epoch after the saved ones
        QCOMPARE(resumedEpochs, kEpochs);
        QCOMPARE(int(second.outcome.epochLoss.size()), kEpochs - first.epochsDone);  // only the remaining epochs ran
        // The trained classifier and backbone were loaded: a fresh start would begin near the first run's loss.
        qInfo("loss: first run starts at %.3f, resumed run starts at %.3f", firstRunFirstLoss, firstResumedLoss);
        QVERIFY2(firstResumedLoss < 0.8 * firstRunFirstLoss,
                 qPrintable(QStringLiteral("%1 vs %2").arg(firstResumedLoss).arg(firstRunFirstLoss)));
        QVERIFY(findWidget<QLabel>(training, "trainPhase")->text().contains(QStringLiteral("resumed at epoch %1").arg(first.epochsDone + 1)));
        QVERIFY(second.trained.has_value());
        QVERIFY(QFile::exists(window.workspace().path(QStringLiteral("models/local.fpt"))));
        QVERIFY(!QFile::exists(training->checkpointPath()));  // complete: nothing left to resume
        QVERIFY(!resume->isEnabled());
        QVERIFY(checkpointLabel->text().isEmpty());
        QVERIFY(!window.banner()->isVisible());
    }

    void resumeWithoutACheckpointIsABanner()
    {
        MainWindow window;
        QVERIFY(window.openWorkspace(m_dir.filePath(QStringLiteral("site-none")), WorkspaceRole::Site));
        TrainingPage* training = setUp(window);
        QVERIFY(!training->resume());
        QVERIFY(window.banner()->message().contains(QStringLiteral("checkpoint")));
        QVERIFY(!training->job()->isRunning());
    }
};

QTEST_MAIN(TestTrainingResume)
#include "tst_training_resume.moc"
