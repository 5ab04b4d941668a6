#pragma once
// A workspace is a folder holding one role's history database: a site workspace has site.db
// (and the site's pki/, data/, caches), a coordinator workspace has coordinator.db (the same
// layout CoordinatorService and PilotSession use, so the CLI and the GUI can share a folder).

#include "fedpilot/engine/Result.h"
#include "storage/Database.h"

#include <QObject>
#include <QString>

#include <memory>

namespace fedpilot::ui {

enum class WorkspaceRole { Site, Coordinator };

QString roleName(WorkspaceRole role);           // "site" | "coordinator"
QString roleTitle(WorkspaceRole role);          // "Site" | "Coordinator"
WorkspaceRole roleFromName(const QString& name);

class Workspace : public QObject {
    Q_OBJECT
public:
    explicit Workspace(QObject* parent = nullptr);
    ~Workspace() override;

    // Creates the folder when needed and opens (migrating) its database. On error the previous
    // workspace stays open.
    engine::Status open(const QString& folder, WorkspaceRole role);
    bool isOpen() const { return m_db != nullptr; }
    const QString& folder() const { return m_folder; }
    WorkspaceRole role() const { return m_role; }
    Database& database() { return *m_db; }
    const Database& database() const { return *m_db; }
    // A path inside the workspace folder.
    QString path(const QString& relative) const;
    static QString databaseFileName(WorkspaceRole role);

Q_SIGNALS:
    void opened();
    // Something in the workspace's database changed because of the GUI (the watcher sees the rest).
    void historyChanged();

private:
    QString m_folder;
    WorkspaceRole m_role = WorkspaceRole::Site;
    std::unique_ptr<Database> m_db;
};

}  // namespace fedpilot::ui
