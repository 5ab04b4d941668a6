#pragma once
// A SQLite database file (site or coordinator history) with WAL journaling, foreign keys and
// numbered migrations. Qt SQL connections are per thread: connection() returns the calling
// thread's own one, created on first use.

#include "fedpilot/engine/Result.h"

#include <QSqlDatabase>
#include <QString>

#include <memory>

namespace fedpilot {

class Database {
public:
    explicit Database(QString path);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    // Opens (creating if needed) and migrates to the newest schema. Fails on a file that is not
    // SQLite or whose schema is newer than this program knows.
    engine::Status open();
    const QString& path() const { return m_path; }
    // This thread's connection (opened with the same settings).
    QSqlDatabase connection() const;
    int schemaVersion() const;

    // Appends to the audit log; never fails loudly (the log must not break the work it records).
    void logEvent(const QString& level, const QString& category, const QString& subject, const QString& message,
                  const QString& detailsJson = QStringLiteral("{}")) const;

    // The newest schema version compiled into this program.
    static int latestSchemaVersion();

private:
    engine::Status migrate() const;

    QString m_path;
    QString m_connectionPrefix;
};

}  // namespace fedpilot
