// The coordinator killed (SIGKILL) during round 2 and restarted on the same port: sites reconnect,
// the pilot resumes after round 1, and no round is lost or counted twice.

#include "FedTestSupport.h"

#include <QJsonArray>
#include <QTemporaryDir>

using namespace fedtest;

class TestFedCoordinatorRestart : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void coordinatorRestartResumes()
    {
        QTemporaryDir dir;
        const QString coord = dir.filePath(QStringLiteral("coordinator"));
        const QString db = coord + QStringLiteral("/coordinator.db");
        QVERIFY(initCoordinator(coord, {QStringLiteral("--name"), QStringLiteral("restart"), QStringLiteral("--rounds"), QStringLiteral("3"),
                                        QStringLiteral("--min-sites"), QStringLiteral("2"), QStringLiteral("--wait-after-min"), QStringLiteral("10"),
                                        QStringLiteral("--round-timeout"), QStringLiteral("120"), QStringLiteral("--strategy"), QStringLiteral("fedavg")}));
        const QStringList codes{enrollCode(coord, QStringLiteral("a")), enrollCode(coord, QStringLiteral("b"))};
        QVERIFY(!codes.contains(QString()));
        const int port = freePort();
        const QStringList runArgs{QStringLiteral("coordinator"), QStringLiteral("run"), QStringLiteral("--dir"), coord,
                                  QStringLiteral("--listen"), QStringLiteral("127.0.0.1:%1").arg(port)};
        auto coordinator = start(runArgs, dir.filePath(QStringLiteral("coordinator.log")));
        const QString ca = coord + QStringLiteral("/pki/ca.pem");
        auto a = start(siteArgs(dir.filePath(QStringLiteral("a")), port, ca, QStringLiteral("a"), codes[0], 3001), dir.filePath(QStringLiteral("a.log")));
        auto b = start(siteArgs(dir.filePath(QStringLiteral("b")), port, ca, QStringLiteral("b"), codes[1], 3002), dir.filePath(QStringLiteral("b.log")));
        // Kill the coordinator (no clean shutdown) once round 1 is stored: round 2 is under way.
        QTRY_COMPARE_WITH_TIMEOUT(queryValue(db, QStringLiteral("SELECT completed_rounds FROM pilots")).toInt(), 1, 90000);
        coordinator->kill();
        QVERIFY(coordinator->waitForFinished(10000));
        coordinator = start(runArgs, dir.filePath(QStringLiteral("coordinator.log")));
        QVERIFY(coordinator->waitForFinished(150000));
        QCOMPARE(coordinator->exitCode(), 0);
        QCOMPARE(queryValue(db, QStringLiteral("SELECT completed_rounds FROM pilots")).toInt(), 3);
        QCOMPARE(queryValue(db, QStringLiteral("SELECT COUNT(*) FROM rounds WHERE state='completed' AND round_index BETWEEN 1 AND 3")).toInt(), 3);
        // No update counted twice: each round aggregated exactly the two sites.
        QCOMPARE(queryValue(db, QStringLiteral("SELECT COUNT(*) FROM rounds WHERE round_index BETWEEN 1 AND 3 AND sites_accepted=2")).toInt(), 3);
        QCOMPARE(queryValue(db, QStringLiteral("SELECT COUNT(DISTINCT round_index) FROM model_versions WHERE kind='global'")).toInt(), 4);
        QVERIFY(queryValue(db, QStringLiteral("SELECT COUNT(*) FROM events WHERE message LIKE 'resumed after round 1%'")).toInt() == 1);
        QVERIFY(a->waitForFinished(30000) && b->waitForFinished(30000));
        QCOMPARE(a->exitCode(), 0);
        QCOMPARE(b->exitCode(), 0);
    }
};

QTEST_GUILESS_MAIN(TestFedCoordinatorRestart)
#include "tst_fed_coordinator_restart.moc"
