// TrainingJob: a short local training on a tiny synthetic cache completes with baseline and
// trained metrics, progress stays throttled, cancel ends the run quickly as "cancelled", and a
// bad cache is an error value, not a crash.

#include "common/Strings.h"
#include "fedpilot/engine/FaceSynth.h"
#include "jobs/TrainingJob.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace fedpilot;
using namespace fedpilot::jobs;

class TestTrainingJob : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_cache;

    TrainingJobParams tinyParams(int epochs) const
    {
        TrainingJobParams p;
        p.cachePath = m_cache;
        p.model.inputSize = 32;
        p.model.embeddingSize = 64;
        p.train.epochs = epochs;
        p.train.batchSize = 16;
        p.train.device = "cpu";
        p.train.threads = 1;
        p.train.optim.learningRate = 0.05;
        p.evalFolds = 2;
        return p;
    }

private Q_SLOTS:
    void initTestCase()
    {
        qRegisterMetaType<TrainingProgress>();
        qRegisterMetaType<TrainingJobResult>();
        m_cache = m_dir.filePath(QStringLiteral("tiny.fpcache"));
        engine::SynthCacheOptions o;
        o.identities = 8;
        o.imagesPerIdentity = 8;
        o.heldOutImagesPerIdentity = 3;
        o.size = 32;
        QVERIFY(engine::writeSynthCache(toEnginePath(m_cache), o).isOk());
    }

    void shortTrainingCompletesWithMetrics()
    {
        TrainingJob job;
        QSignalSpy progress(&job, &TrainingJob::progress);
        QSignalSpy finished(&job, &TrainingJob::finished);
        const QString out = m_dir.filePath(QStringLiteral("local.fpt"));
        auto params = tinyParams(2);
        params.outModelPath = out;
        QElapsedTimer clock;
        clock.start();
        QVERIFY(job.start(params));
        QVERIFY(!job.start(params));  // one run at a time
        QVERIFY(finished.wait(120000));
        const auto result = finished.first().first().value<TrainingJobResult>();
        QVERIFY2(result.state == JobState::Completed, qPrintable(result.error));
        QVERIFY(result.baseline.has_value());
        QVERIFY(result.trained.has_value());
        QCOMPARE(result.outcome.epochLoss.size(), std::size_t(2));
        QVERIFY(QFile::exists(out));
        QVERIFY(!job.isRunning());
        QVERIFY(progress.size() >= 2);
        // Throttled to ≤ 10 a second, plus the forced phase changes.
        QVERIFY2(progress.size() <= clock.elapsed() / 100 + 8, qPrintable(QString::number(progress.size())));
        const auto last = progress.last().first().value<TrainingProgress>();
        QCOMPARE(last.phase, TrainingPhase::Done);
        QCOMPARE(last.fraction, 1.0);
    }

    void cancelEndsTheRunAsCancelled()
    {
        TrainingJob job;
        QSignalSpy finished(&job, &TrainingJob::finished);
        auto params = tinyParams(200);
        params.evaluateBaseline = false;
        QVERIFY(job.start(params));
        connect(&job, &TrainingJob::progress, &job, [&job](const TrainingProgress& p) {
            if (p.phase == TrainingPhase::Training)
                job.cancel();
        });
        QVERIFY(finished.wait(60000));
        const auto result = finished.first().first().value<TrainingJobResult>();
        QCOMPARE(result.state, JobState::Cancelled);
        QVERIFY(result.error.isEmpty());
    }

    void aMissingCacheIsAnErrorValue()
    {
        TrainingJob job;
        QSignalSpy finished(&job, &TrainingJob::finished);
        auto params = tinyParams(1);
        params.cachePath = m_dir.filePath(QStringLiteral("missing.fpcache"));
        QVERIFY(job.start(params));
        QVERIFY(finished.wait(10000));
        const auto result = finished.first().first().value<TrainingJobResult>();
        QCOMPARE(result.state, JobState::Failed);
        QVERIFY(!result.error.isEmpty());
    }

    void destroyingARunningJobJoinsItsThread()
    {
        auto job = std::make_unique<TrainingJob>();
        QVERIFY(job->start(tinyParams(200)));
        QTest::qWait(50);
        QElapsedTimer clock;
        clock.start();
        job.reset();  // must cancel and join, not hang for 200 epochs
        QVERIFY2(clock.elapsed() < 15000, qPrintable(QString::number(clock.elapsed())));
    }
};

QTEST_GUILESS_MAIN(TestTrainingJob)
#include "tst_training_job.moc"
