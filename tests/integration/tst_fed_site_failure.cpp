// A site killed mid-round: the round closes with the others after wait-after-min, and the
// restarted site (already enrolled) takes part in the next round.

#include "FedTestSupport.h"

#include <QJsonArray>
#include <QTemporaryDir>

using namespace fedtest;

class TestFedSiteFailure : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void killedSiteRejoinsNextRound()
    {
        QTemporaryDir dir;
        const QString coord = dir.filePath(QStringLiteral("coordinator"));
        const QString db = coord + QStringLiteral("/coordinator.db");
        QVERIFY(initCoordinator(coord, {QStringLiteral("--name"), QStringLiteral("killsite"), QStringLiteral("--rounds"), QStringLiteral("2"),
                                        QStringLiteral("--min-sites"), QStringLiteral("2"), QStringLiteral("--wait-after-min"), QStringLiteral("15"),
                                        QStringLiteral("--round-timeout"), QStringLiteral("120"), QStringLiteral("--strategy"), QStringLiteral("fedavg")}));
        QStringList codes;
        for (int i = 1; i <= 3; ++i)
            codes << enrollCode(coord, QStringLiteral("s%1").arg(i));
        QVERIFY(!codes.contains(QString()));
        const int port = freePort();
        auto coordinator = start({QStringLiteral("coordinator"), QStringLiteral("run"), QStringLiteral("--dir"), coord,
                                  QStringLiteral("--listen"), QStringLiteral("127.0.0.1:%1").arg(port)}, dir.filePath(QStringLiteral("coordinator.log")));
        const QString ca = coord + QStringLiteral("/pki/ca.pem");
        std::vector<std::unique_ptr<QProcess>> sites;
        for (int i = 1; i <= 3; ++i)
            sites.push_back(start(siteArgs(dir.filePath(QStringLiteral("s%1").arg(i)), port, ca, QStringLiteral("s%1").arg(i), codes[i - 1], 2000 + i)));
        // Kill site 3 as soon as it starts training round 1.
        QByteArray log3;
        QTRY_VERIFY_WITH_TIMEOUT((log3 += sites[2]->readAll()).contains("training round 1"), 90000);
        sites[2]->kill();
        sites[2]->waitForFinished(5000);
        QTRY_COMPARE_WITH_TIMEOUT(queryValue(db, QStringLiteral("SELECT state FROM rounds WHERE round_index=1")).toString(),
                                  QStringLiteral("completed"), 90000);
        QCOMPARE(queryValue(db, QStringLiteral("SELECT sites_accepted FROM rounds WHERE round_index=1")).toInt(), 2);
        QCOMPARE(queryValue(db, QStringLiteral("SELECT sites_dropped FROM rounds WHERE round_index=1")).toInt(), 1);
        // Site 3 comes back (already enrolled: no code) and takes part in round 2.
        sites[2] = start(siteArgs(dir.filePath(QStringLiteral("s3")), port, ca, QStringLiteral("s3"), {}, 2003));
        QVERIFY(coordinator->waitForFinished(120000));
        QCOMPARE(coordinator->exitCode(), 0);
        QCOMPARE(queryValue(db, QStringLiteral("SELECT sites_accepted FROM rounds WHERE round_index=2")).toInt(), 3);
        QVERIFY(queryValue(db, QStringLiteral("SELECT COUNT(*) FROM events WHERE message LIKE '%closed without its update%'")).toInt() >= 1);
        for (auto& s : sites) {
            QVERIFY(s->waitForFinished(30000));
            QCOMPARE(s->exitCode(), 0);
        }
    }

    // A straggler still training when its round closes is told so by the heartbeat reply
    // (cancel_task): it stops between batches instead of finishing and uploading late, and
    // takes the next task.
    void stragglerIsStoppedByTheHeartbeat()
    {
        QTemporaryDir dir;
        const QString coord = dir.filePath(QStringLiteral("coordinator"));
        const QString db = coord + QStringLiteral("/coordinator.db");
        QVERIFY(initCoordinator(coord, {QStringLiteral("--name"), QStringLiteral("straggler"), QStringLiteral("--rounds"), QStringLiteral("2"),
                                        QStringLiteral("--min-sites"), QStringLiteral("1"), QStringLiteral("--wait-after-min"), QStringLiteral("1"),
                                        QStringLiteral("--round-timeout"), QStringLiteral("120"), QStringLiteral("--strategy"), QStringLiteral("fedavg")}));
        const QString fastCode = enrollCode(coord, QStringLiteral("fast"));
        const QString slowCode = enrollCode(coord, QStringLiteral("slow"));
        QVERIFY(!fastCode.isEmpty() && !slowCode.isEmpty());
        const int port = freePort();
        auto coordinator = start({QStringLiteral("coordinator"), QStringLiteral("run"), QStringLiteral("--dir"), coord,
                                  QStringLiteral("--listen"), QStringLiteral("127.0.0.1:%1").arg(port)}, dir.filePath(QStringLiteral("coordinator.log")));
        const QString ca = coord + QStringLiteral("/pki/ca.pem");
        // The slow site has ~170x more faces to go through per epoch than the fast one.
        QStringList slowArgs = siteArgs(dir.filePath(QStringLiteral("slow")), port, ca, QStringLiteral("slow"), slowCode, 3001);
        slowArgs[slowArgs.indexOf(QStringLiteral("--identities")) + 1] = QStringLiteral("200");
        slowArgs[slowArgs.indexOf(QStringLiteral("--images")) + 1] = QStringLiteral("40");
        auto slow = start(slowArgs);
        // The fast site joins once the slow one trains, so both are in round 1.
        QByteArray slowLog;
        QTRY_VERIFY_WITH_TIMEOUT((slowLog += slow->readAll()).contains("training round 1"), 90000);
        auto fast = start(siteArgs(dir.filePath(QStringLiteral("fast")), port, ca, QStringLiteral("fast"), fastCode, 3002));
        QTRY_VERIFY_WITH_TIMEOUT((slowLog += slow->readAll()).contains("round 1 closed while training"), 90000);
        QCOMPARE(queryValue(db, QStringLiteral("SELECT state FROM rounds WHERE round_index=1")).toString(), QStringLiteral("completed"));
        QCOMPARE(queryValue(db, QStringLiteral("SELECT sites_accepted FROM rounds WHERE round_index=1")).toInt(), 1);
        QVERIFY(coordinator->waitForFinished(120000));
        QCOMPARE(coordinator->exitCode(), 0);
        // (already reaped while the test read its output, or still leaving)
        QVERIFY(slow->state() == QProcess::NotRunning || slow->waitForFinished(60000));
        slowLog += slow->readAll();
        QCOMPARE(slow->exitCode(), 0);
        // It never finished round 1's training, so it never uploaded for it (not even late).
        QVERIFY2(!slowLog.contains("round 1: update"), slowLog.constData());
        QVERIFY(fast->state() == QProcess::NotRunning || fast->waitForFinished(30000));
        QCOMPARE(fast->exitCode(), 0);
    }
};

QTEST_GUILESS_MAIN(TestFedSiteFailure)
#include "tst_fed_site_failure.moc"
