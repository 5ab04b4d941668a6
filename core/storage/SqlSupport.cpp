#include "storage/SqlSupport.h"

#include <QDateTime>
#include <QSqlError>

namespace fedpilot::sql {

QString utcNow()
{
    return QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
}

engine::Status error(const QSqlQuery& query, const char* what)
{
    return engine::Status::error(std::string(what) + ": " + query.lastError().text().toStdString());
}

engine::Status exec(QSqlQuery& query, const char* what)
{
    return query.exec() ? engine::Status::ok() : error(query, what);
}

QString text(const QString& value)
{
    return value.isNull() ? QStringLiteral("") : value;
}

}  // namespace fedpilot::sql
