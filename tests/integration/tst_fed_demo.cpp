// The demo: 3 sites x 2 rounds over loopback (real processes, gRPC, mutual TLS) completes,
// every site reports its baseline, updates travel as int8 + zstd and models as int8 deltas.

#include "FedTestSupport.h"

#include <QJsonArray>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>

using namespace fedtest;

class TestFedDemo : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void demoThreeSitesTwoRounds()
    {
        QTemporaryDir dir;
        int code = 0;
        const QByteArray out = runCli({QStringLiteral("demo"), QStringLiteral("--sites"), QStringLiteral("3"), QStringLiteral("--rounds"), QStringLiteral("2"),
                                       QStringLiteral("--strategy"), QStringLiteral("adafedfr"), QStringLiteral("--synthetic"), QStringLiteral("--out"),
                                       dir.path(), QStringLiteral("--json"), QStringLiteral("--local-epochs"), QStringLiteral("1"),
                                       QStringLiteral("--pretrain-epochs"), QStringLiteral("2"), QStringLiteral("--timeout"), QStringLiteral("150")},
                                      code, 180000);
        QCOMPARE(code, 0);
        const QJsonObject result = QJsonDocument::fromJson(out).object();
        QCOMPARE(result.value(QStringLiteral("completed_rounds")).toInt(), 2);
        const QJsonArray rounds = result.value(QStringLiteral("rounds")).toArray();
        QCOMPARE(rounds.size(), 3);  // round 0 (pretrained) + 2
        for (int r = 1; r <= 2; ++r) {
            const QJsonObject round = rounds[r].toObject();
            QCOMPARE(round.value(QStringLiteral("state")).toString(), QStringLiteral("completed"));
            QCOMPARE(round.value(QStringLiteral("sites_accepted")).toInt(), 3);
            const double up = round.value(QStringLiteral("bytes_up")).toDouble();
            const double upRaw = round.value(QStringLiteral("bytes_up_raw")).toDouble();
            QVERIFY(up > 0 && upRaw > 0);
            // int8 + zstd updates: about a quarter of fp32 (1 byte a value + a scale per 256).
            QVERIFY2(up < 0.3 * upRaw, qPrintable(QStringLiteral("update bytes %1 of raw %2").arg(up).arg(upRaw)));
            const double down = round.value(QStringLiteral("bytes_down")).toDouble();
            const double modelRaw = upRaw;   // one fp32 model's worth per site
            if (r == 1) {
                // Every site still holds the round-0 model from its baseline: only the public
                // representations travel.
                QVERIFY2(down < 0.05 * modelRaw, qPrintable(QStringLiteral("round 1 downloaded %1 bytes").arg(down)));
            } else {
                // The int8 delta from round 1's model, not the full fp16 model (~0.47x).
                QVERIFY2(down > 0.1 * modelRaw && down < 0.3 * modelRaw,
                         qPrintable(QStringLiteral("round %1 downloaded %2 of raw %3").arg(r).arg(down).arg(modelRaw)));
            }
        }
        // A site whose rebuilt model missed the coordinator's content hash would have fallen back
        // to a full download (~0.47x), which the bound above rules out: the rebuilds were exact.
        QVERIFY(QFile::exists(dir.filePath(QStringLiteral("coordinator/models/model_delta-0001.fptb"))));
        // Every site reported its round-0 baseline.
        int baselines = 0;
        for (const auto& s : rounds[0].toObject().value(QStringLiteral("sites")).toArray())
            baselines += s.toObject().value(QStringLiteral("kind")).toString() == QStringLiteral("baseline");
        QCOMPARE(baselines, 3);
        QVERIFY(QFile::exists(dir.filePath(QStringLiteral("results.json"))));
        QVERIFY(QFile::exists(dir.filePath(QStringLiteral("coordinator/coordinator.db"))));

        // The history carries what the charts draw: the ROC of every global model and the
        // per-epoch loss of every site's round.
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("demo-history"));
            db.setDatabaseName(dir.filePath(QStringLiteral("coordinator/coordinator.db")));
            QVERIFY(db.open());
            QSqlQuery q(db);
            QVERIFY(q.exec(QStringLiteral("SELECT metrics_json FROM rounds WHERE round_index = 1")) && q.next());
            const QJsonObject roundMetrics = QJsonDocument::fromJson(q.value(0).toString().toUtf8()).object();
            QVERIFY(roundMetrics.value(QStringLiteral("roc")).toArray().size() >= 2);
            QVERIFY(q.exec(QStringLiteral("SELECT metrics_json FROM round_site_metrics WHERE round_index = 2")));
            int withLoss = 0;
            while (q.next()) {
                const QJsonObject extra = QJsonDocument::fromJson(q.value(0).toString().toUtf8()).object();
                withLoss += extra.value(QStringLiteral("epoch_loss")).toArray().size() == 1;
            }
            QCOMPARE(withLoss, 3);
        }
        QSqlDatabase::removeDatabase(QStringLiteral("demo-history"));
    }

    // `demo --data DIR` on caches made by the real import pipeline (synthetic PNG folders
    // imported as aligned crops): public.fpcache for the coordinator, site-N.fpcache per site.
    void demoOnImportedCaches()
    {
        QTemporaryDir dir;
        const QString data = dir.filePath(QStringLiteral("data"));
        QDir().mkpath(data);
        auto makeCache = [&](const QString& name, int identities, int images, int seed, int size = 32) {
            int code = 0;
            const QString folder = dir.filePath(name + QStringLiteral("-%1px-png").arg(size));
            runCli({QStringLiteral("synth"), QStringLiteral("--out"), folder, QStringLiteral("--identities"), QString::number(identities),
                    QStringLiteral("--images"), QString::number(images), QStringLiteral("--size"), QStringLiteral("48"),
                    QStringLiteral("--seed"), QString::number(seed)},
                   code);
            if (code != 0)
                return false;
            runCli({QStringLiteral("import"), QStringLiteral("--folder"), folder, QStringLiteral("--db"), dir.filePath(name + QStringLiteral("-%1px.db").arg(size)),
                    QStringLiteral("--cache"), QDir(data).filePath(name + QStringLiteral(".fpcache")), QStringLiteral("--size"),
                    QString::number(size), QStringLiteral("--aligned"), QStringLiteral("--blur-threshold"), QStringLiteral("0"),
                    QStringLiteral("--near-duplicate-bits"), QStringLiteral("0"), QStringLiteral("--held-out-fraction"),
                    QStringLiteral("0.3"), QStringLiteral("--threads"), QStringLiteral("2")},
                   code);
            return code == 0;
        };
        QVERIFY(makeCache(QStringLiteral("public"), 16, 6, 11));
        QVERIFY(makeCache(QStringLiteral("site-1"), 6, 8, 12));
        QVERIFY(makeCache(QStringLiteral("site-2"), 6, 8, 13));
        const QString config = dir.filePath(QStringLiteral("pilot.json"));
        {
            QFile f(config);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(R"({"name": "imported", "rounds": 1, "local_epochs": 1, "min_sites": 2, "k": 5,
                        "public": {"identities": 10, "eval_identities": 6, "pretrain_epochs": 1}})");
        }
        const QStringList args{QStringLiteral("demo"), QStringLiteral("--sites"), QStringLiteral("2"), QStringLiteral("--data"), data,
                               QStringLiteral("--config"), config, QStringLiteral("--json"), QStringLiteral("--timeout"), QStringLiteral("150")};
        int code = 0;
        const QByteArray out = runCli(args + QStringList{QStringLiteral("--out"), dir.filePath(QStringLiteral("run"))}, code, 180000);
        QVERIFY2(code == 0, out.constData());
        const QJsonObject result = QJsonDocument::fromJson(out).object();
        QCOMPARE(result.value(QStringLiteral("completed_rounds")).toInt(), 1);
        const QJsonArray rounds = result.value(QStringLiteral("rounds")).toArray();
        QCOMPARE(rounds.size(), 2);
        QCOMPARE(rounds[1].toObject().value(QStringLiteral("sites_accepted")).toInt(), 2);
        // The sites trained on their imported faces: the samples they report are their caches'
        // training splits (8 images x 6 identities, 30% held out).
        for (const auto& s : rounds[1].toObject().value(QStringLiteral("sites")).toArray()) {
            const int samples = s.toObject().value(QStringLiteral("samples")).toInt();
            QVERIFY2(samples >= 30 && samples <= 36, qPrintable(QString::number(samples)));
        }

        // A missing site cache is a usage error naming the file, before anything starts.
        auto runFailing = [&](const QString& outDir, QByteArray& output) {
            QProcess p;
            p.setProcessChannelMode(QProcess::MergedChannels);
            p.start(cli(), args + QStringList{QStringLiteral("--out"), outDir});
            const bool finished = p.waitForFinished(120000);
            output = p.readAll();
            if (!finished)
                p.kill();
            return finished ? p.exitCode() : -1;
        };
        const QString site2 = QDir(data).filePath(QStringLiteral("site-2.fpcache"));
        QFile::remove(site2);
        QByteArray failed;
        QCOMPARE(runFailing(dir.filePath(QStringLiteral("run2")), failed), 2);
        QVERIFY2(failed.contains("site-2.fpcache is missing"), failed.constData());
        // A site that fails mid-pilot (its faces are 48 px, the pilot's model 32 px) ends the demo
        // at once with the site's reason, instead of waiting for the timeout.
        QVERIFY(makeCache(QStringLiteral("site-2"), 6, 8, 13, 48));
        const int code2 = runFailing(dir.filePath(QStringLiteral("run3")), failed);
        QVERIFY2(code2 != 0 && code2 != -1, failed.constData());
        QVERIFY2(failed.contains("site-2 failed") && failed.contains("48 px"), failed.constData());
    }
};

QTEST_GUILESS_MAIN(TestFedDemo)
#include "tst_fed_demo.moc"
