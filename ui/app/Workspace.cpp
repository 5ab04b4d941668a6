#include "app/Workspace.h"

#include <QDir>

namespace fedpilot::ui {

QString roleName(WorkspaceRole role)
{
    return role == WorkspaceRole::Coordinator ? QStringLiteral("coordinator") : QStringLiteral("site");
}

QString roleTitle(WorkspaceRole role)
{
    return role == WorkspaceRole::Coordinator ? QStringLiteral("Coordinator") : QStringLiteral("Site");
}

WorkspaceRole roleFromName(const QString& name)
{
    return name == QLatin1String("coordinator") ? WorkspaceRole::Coordinator : WorkspaceRole::Site;
}

Workspace::Workspace(QObject* parent) : QObject(parent) {}
Workspace::~Workspace() = default;

QString Workspace::databaseFileName(WorkspaceRole role)
{
    return role == WorkspaceRole::Coordinator ? QStringLiteral("coordinator.db") : QStringLiteral("site.db");
}

engine::Status Workspace::open(const QString& folder, WorkspaceRole role)
{
    const QString absolute = QDir(folder).absolutePath();
    if (!QDir().mkpath(absolute))
        return engine::Status::error("cannot create the workspace folder " + absolute.toStdString());
    auto db = std::make_unique<Database>(QDir(absolute).filePath(databaseFileName(role)));
    if (auto status = db->open(); !status)
        return status;
    m_db = std::move(db);
    m_folder = absolute;
    m_role = role;
    Q_EMIT opened();
    return engine::Status::ok();
}

QString Workspace::path(const QString& relative) const
{
    return QDir(m_folder).filePath(relative);
}

}  // namespace fedpilot::ui
