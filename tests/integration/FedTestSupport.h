#pragma once
// Helpers for the federation integration tests: run fedpilot-cli, start coordinator and site
// processes on loopback, read the coordinator's history database. Every wait is bounded.

#include <QDir>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTcpServer>
#include <QTest>

#include <memory>

namespace fedtest {

inline QString cli()
{
    return QStringLiteral(FEDPILOT_CLI);
}

// Runs fedpilot-cli to completion; returns stdout (exit code in code).
inline QByteArray runCli(const QStringList& args, int& code, int timeoutMs = 60000)
{
    QProcess p;
    p.start(cli(), args);
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished(5000);
        code = -1;
        return {};
    }
    code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    return p.readAllStandardOutput();
}

// A free loopback port (the coordinator must get the same port again after a restart).
inline int freePort()
{
    QTcpServer server;
    server.listen(QHostAddress::LocalHost, 0);
    return server.serverPort();
}

inline std::unique_ptr<QProcess> start(const QStringList& args, const QString& logFile = {})
{
    auto p = std::make_unique<QProcess>();
    p->setProcessChannelMode(QProcess::MergedChannels);
    if (!logFile.isEmpty())
        p->setStandardOutputFile(logFile, QIODevice::Append);
    p->start(cli(), args);
    p->waitForStarted(10000);
    return p;
}

inline void stop(QProcess& p)
{
    if (p.state() == QProcess::NotRunning)
        return;
    p.terminate();
    if (!p.waitForFinished(10000)) {
        p.kill();
        p.waitForFinished(5000);
    }
}

// Reads one value from the coordinator database (a fresh connection per query: the file is
// written by another process).
inline QVariant queryValue(const QString& dbPath, const QString& sql)
{
    static int counter = 0;
    const QString name = QStringLiteral("fedtest-%1").arg(++counter);
    QVariant out;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(dbPath);
        db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000"));
        if (db.open()) {
            QSqlQuery q(db);
            if (q.exec(sql) && q.next())
                out = q.value(0);
        }
    }
    QSqlDatabase::removeDatabase(name);
    return out;
}

// A coordinator folder with a tiny, fast pilot.
inline bool initCoordinator(const QString& dir, const QStringList& extra)
{
    int code = 0;
    QStringList args{QStringLiteral("coordinator"), QStringLiteral("init"), QStringLiteral("--dir"), dir, QStringLiteral("--size"), QStringLiteral("32"),
                     QStringLiteral("--local-epochs"), QStringLiteral("1"), QStringLiteral("--pretrain-epochs"), QStringLiteral("2")};
    runCli(args + extra, code);
    return code == 0;
}

inline QString enrollCode(const QString& dir, const QString& site)
{
    int code = 0;
    const QByteArray out = runCli({QStringLiteral("coordinator"), QStringLiteral("enroll-code"), QStringLiteral("--dir"), dir,
                                   QStringLiteral("--site"), site, QStringLiteral("--json")}, code);
    return code == 0 ? QJsonDocument::fromJson(out).object().value(QStringLiteral("code")).toString() : QString();
}

inline QStringList siteArgs(const QString& dir, int port, const QString& ca, const QString& name, const QString& code, int seed)
{
    QStringList a{QStringLiteral("site"), QStringLiteral("join"), QStringLiteral("--dir"), dir,
                  QStringLiteral("--coordinator"), QStringLiteral("127.0.0.1:%1").arg(port), QStringLiteral("--ca"), ca,
                  QStringLiteral("--name"), name, QStringLiteral("--synthetic"), QStringLiteral("--synthetic-seed"), QString::number(seed),
                  QStringLiteral("--identities"), QStringLiteral("6"), QStringLiteral("--images"), QStringLiteral("8"),
                  QStringLiteral("--threads"), QStringLiteral("1"), QStringLiteral("--give-up-after"), QStringLiteral("60")};
    if (!code.isEmpty())
        a << QStringLiteral("--code") << code;
    return a;
}

}  // namespace fedtest
