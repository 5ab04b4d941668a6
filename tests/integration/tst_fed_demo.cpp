// The demo: 3 sites x 2 rounds over loopback (real processes, gRPC, mutual TLS) completes,
// every site reports its baseline, updates travel as int8 + zstd and models as int8 deltas.

#include "FedTestSupport.h"

#include <QJsonArray>
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
};

QTEST_GUILESS_MAIN(TestFedDemo)
#include "tst_fed_demo.moc"
