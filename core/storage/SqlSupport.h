#pragma once
// Small helpers shared by the repositories.

#include "fedpilot/engine/Result.h"

#include <QSqlQuery>
#include <QString>

namespace fedpilot::sql {

// Current time as stored in every *_utc column (ISO 8601 with milliseconds).
QString utcNow();
// The query's last error as a Status naming what was being done.
engine::Status error(const QSqlQuery& query, const char* what);
// Executes a prepared query; ok or error(query, what).
engine::Status exec(QSqlQuery& query, const char* what);
// A null QString binds as SQL NULL; NOT NULL text columns need an empty string.
QString text(const QString& value);

}  // namespace fedpilot::sql
