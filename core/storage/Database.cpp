#include "storage/Database.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QMutex>
#include <QRegularExpression>
#include <QSqlError>
#include <QSqlQuery>
#include <QThread>
#include <QUuid>

#include <atomic>
#include <map>

namespace fedpilot {
namespace {

struct Migration {
    int version;
    QString file;
};

std::vector<Migration> migrations()
{
    std::vector<Migration> out;
    const QRegularExpression name(QStringLiteral("^(\\d{4})_[A-Za-z0-9_]+\\.sql$"));
    const auto files = QDir(QStringLiteral(":/migrations")).entryList(QDir::Files, QDir::Name);
    for (const QString& f : files) {
        const auto m = name.match(f);
        if (m.hasMatch())
            out.push_back({m.captured(1).toInt(), QStringLiteral(":/migrations/") + f});
    }
    return out;
}

// Splits a migration script into statements (our scripts keep one statement per ';' line end).
QStringList statements(const QString& script)
{
    QStringList out;
    QString current;
    for (const QString& rawLine : script.split(QLatin1Char('\n'))) {
        const QString line = rawLine.trimmed();
        if (line.startsWith(QStringLiteral("--")) || line.isEmpty())
            continue;
        current += rawLine + QLatin1Char('\n');
        if (line.endsWith(QLatin1Char(';'))) {
            out << current.trimmed();
            current.clear();
        }
    }
    if (!current.trimmed().isEmpty())
        out << current.trimmed();
    return out;
}

// A number unique to each thread for the life of the process. Thread ids are reused by the OS
// (gRPC's pool threads come and go), and a connection created by a dead thread cannot be used by
// a new thread that happens to get the same id.
quint64 threadToken()
{
    static std::atomic<quint64> next{1};
    thread_local const quint64 token = next++;
    return token;
}

// Closes the connections a thread opened when that thread ends.
struct ThreadConnections {
    QStringList names;
    ~ThreadConnections()
    {
        for (const QString& name : names) {
            if (QSqlDatabase::contains(name))
                QSqlDatabase::removeDatabase(name);
        }
    }
};
thread_local ThreadConnections t_connections;

}  // namespace

Database::Database(QString path)
    : m_path(std::move(path))
    , m_connectionPrefix(QStringLiteral("fedpilot-") + QUuid::createUuid().toString(QUuid::WithoutBraces))
{
}

Database::~Database()
{
    // Connections of other threads are closed by those threads' exit; drop ours and any left.
    for (const QString& name : QSqlDatabase::connectionNames()) {
        if (name.startsWith(m_connectionPrefix))
            QSqlDatabase::removeDatabase(name);  // closes it
    }
}

QSqlDatabase Database::connection() const
{
    const QString name = m_connectionPrefix + QLatin1Char('-') + QString::number(threadToken());
    if (QSqlDatabase::contains(name))
        return QSqlDatabase::database(name);
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
    t_connections.names << name;
    db.setDatabaseName(m_path);
    db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=10000"));
    if (db.open()) {
        QSqlQuery q(db);
        q.exec(QStringLiteral("PRAGMA foreign_keys = ON"));
        q.exec(QStringLiteral("PRAGMA synchronous = NORMAL"));
    }
    return db;
}

engine::Status Database::open()
{
    const QFileInfo info(m_path);
    if (!QDir().mkpath(info.absolutePath()))
        return engine::Status::error("cannot create the folder for " + m_path.toStdString());
    QSqlDatabase db = connection();
    if (!db.isOpen())
        return engine::Status::error("cannot open database " + m_path.toStdString() + ": " + db.lastError().text().toStdString());
    QSqlQuery q(db);
    // A file that is not SQLite fails here (the first real read of the header).
    if (!q.exec(QStringLiteral("PRAGMA journal_mode = WAL")))
        return engine::Status::error(m_path.toStdString() + " is not a FedPilot database: " + q.lastError().text().toStdString());
    q.finish();
    return migrate();
}

int Database::schemaVersion() const
{
    QSqlQuery q(connection());
    if (q.exec(QStringLiteral("PRAGMA user_version")) && q.next())
        return q.value(0).toInt();
    return -1;
}

int Database::latestSchemaVersion()
{
    const auto all = migrations();
    return all.empty() ? 0 : all.back().version;
}

engine::Status Database::migrate() const
{
    QSqlDatabase db = connection();
    const int current = schemaVersion();
    if (current < 0)
        return engine::Status::error(m_path.toStdString() + ": cannot read the schema version (not a SQLite database?)");
    if (current > latestSchemaVersion())
        return engine::Status::error(m_path.toStdString() + " was written by a newer FedPilot (schema " + std::to_string(current)
                                     + ", this program knows up to " + std::to_string(latestSchemaVersion()) + ")");
    for (const auto& m : migrations()) {
        if (m.version <= current)
            continue;
        QFile file(m.file);
        if (!file.open(QIODevice::ReadOnly))
            return engine::Status::error("missing migration " + m.file.toStdString());
        const QString script = QString::fromUtf8(file.readAll());
        if (!db.transaction())
            return engine::Status::error("cannot start a transaction: " + db.lastError().text().toStdString());
        QSqlQuery q(db);
        for (const QString& statement : statements(script)) {
            if (!q.exec(statement)) {
                const std::string error = q.lastError().text().toStdString();
                db.rollback();
                return engine::Status::error("migration " + std::to_string(m.version) + " failed: " + error);
            }
        }
        // PRAGMA does not take bound parameters; the version is our own integer.
        const bool recorded = q.exec(QStringLiteral("PRAGMA user_version = %1").arg(m.version));
        q.finish();  // SQLite refuses to commit while a statement is still active
        if (!recorded || !db.commit()) {
            const std::string error = db.lastError().text().toStdString();
            db.rollback();
            return engine::Status::error("cannot record schema version " + std::to_string(m.version) + ": " + error);
        }
    }
    return engine::Status::ok();
}

void Database::logEvent(const QString& level, const QString& category, const QString& subject, const QString& message,
                        const QString& detailsJson) const
{
    QSqlQuery q(connection());
    q.prepare(QStringLiteral("INSERT INTO events(time_utc, level, category, subject, message, details_json) VALUES(?,?,?,?,?,?)"));
    q.addBindValue(QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs));
    // A null QString binds as SQL NULL; the columns are NOT NULL.
    for (const QString* v : {&level, &category, &subject, &message, &detailsJson})
        q.addBindValue(v->isNull() ? QStringLiteral("") : *v);
    if (!q.exec())
        qWarning("audit log write failed: %s", qPrintable(q.lastError().text()));
}

}  // namespace fedpilot
