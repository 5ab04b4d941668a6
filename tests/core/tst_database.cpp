// Database: creation, migrations from an old schema, refusal of foreign or newer files,
// per-thread connections.

#include "storage/Database.h"

#include <QFile>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QtConcurrent/QtConcurrentRun>

using namespace fedpilot;

class TestDatabase : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void freshDatabaseReachesLatestSchema()
    {
        QTemporaryDir dir;
        Database db(dir.filePath(QStringLiteral("site.db")));
        const auto status = db.open();
        QVERIFY2(status.isOk(), status.message().c_str());
        QVERIFY(Database::latestSchemaVersion() >= 1);
        QCOMPARE(db.schemaVersion(), Database::latestSchemaVersion());
        QSqlQuery q(db.connection());
        QVERIFY(q.exec(QStringLiteral("PRAGMA journal_mode")) && q.next());
        QCOMPARE(q.value(0).toString(), QStringLiteral("wal"));
    }

    void reopeningIsIdempotentAndKeepsData()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("c.db"));
        {
            Database db(path);
            QVERIFY(db.open().isOk());
            db.logEvent(QStringLiteral("info"), QStringLiteral("test"), QStringLiteral("s"), QStringLiteral("hello"));
        }
        Database again(path);
        QVERIFY(again.open().isOk());
        QSqlQuery q(again.connection());
        QVERIFY(q.exec(QStringLiteral("SELECT message FROM events")) && q.next());
        QCOMPARE(q.value(0).toString(), QStringLiteral("hello"));
    }

    void oldSchemaIsMigratedToHead()
    {
        // A version-1 file as the first release wrote it.
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("old.db"));
        {
            QSqlDatabase raw = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("fixture"));
            raw.setDatabaseName(path);
            QVERIFY(raw.open());
            QSqlQuery q(raw);
            QVERIFY(q.exec(QStringLiteral("CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)")));
            QVERIFY(q.exec(QStringLiteral("CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, time_utc TEXT NOT NULL, level TEXT NOT NULL, "
                                          "category TEXT NOT NULL, subject TEXT NOT NULL DEFAULT '', message TEXT NOT NULL, details_json TEXT NOT NULL DEFAULT '{}')")));
            QVERIFY(q.exec(QStringLiteral("INSERT INTO settings VALUES('site_name', 'Lyon')")));
            QVERIFY(q.exec(QStringLiteral("PRAGMA user_version = 1")));
            raw.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("fixture"));
        Database db(path);
        QVERIFY(db.open().isOk());
        QCOMPARE(db.schemaVersion(), Database::latestSchemaVersion());
        QSqlQuery q(db.connection());
        QVERIFY(q.exec(QStringLiteral("SELECT value FROM settings WHERE key='site_name'")) && q.next());
        QCOMPARE(q.value(0).toString(), QStringLiteral("Lyon"));
    }

    void newerSchemaIsRefused()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("new.db"));
        {
            Database db(path);
            QVERIFY(db.open().isOk());
            QSqlQuery q(db.connection());
            QVERIFY(q.exec(QStringLiteral("PRAGMA user_version = 9999")));
        }
        Database db(path);
        const auto status = db.open();
        QVERIFY(!status.isOk());
        QVERIFY(QString::fromStdString(status.message()).contains(QStringLiteral("newer")));
    }

    void foreignFileIsRefused()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("notes.db"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QByteArray(4096, 'x'));
        f.close();
        Database db(path);
        QVERIFY(!db.open().isOk());
    }

    void eachThreadGetsItsOwnConnection()
    {
        QTemporaryDir dir;
        Database db(dir.filePath(QStringLiteral("t.db")));
        QVERIFY(db.open().isOk());
        const QString mine = db.connection().connectionName();
        const QString other = QtConcurrent::run([&db] {
            db.logEvent(QStringLiteral("info"), QStringLiteral("test"), QString(), QStringLiteral("from a worker"));
            return db.connection().connectionName();
        }).result();
        QVERIFY(mine != other);
        QSqlQuery q(db.connection());
        QVERIFY(q.exec(QStringLiteral("SELECT COUNT(*) FROM events")) && q.next());
        QCOMPARE(q.value(0).toInt(), 1);
    }
};

QTEST_GUILESS_MAIN(TestDatabase)
#include "tst_database.moc"
