#pragma once
// The application's persistent settings (QSettings): recent workspaces, polling interval,
// preferred device, log level. One place so the keys are spelled once.

#include "app/Workspace.h"

#include <QString>
#include <QVector>

namespace fedpilot::ui {

struct RecentWorkspace {
    QString folder;
    WorkspaceRole role = WorkspaceRole::Site;
};

class AppSettings {
public:
    static constexpr int kMaxRecent = 8;

    QVector<RecentWorkspace> recentWorkspaces() const;
    // Moves (or adds) the workspace to the top of the list.
    void addRecentWorkspace(const RecentWorkspace& workspace);
    void clearRecentWorkspaces();

    int historyPollMs() const;        // how often charts check the database for changes
    void setHistoryPollMs(int ms);
    QString preferredDevice() const;  // "auto", "cpu", "cuda:0" ...
    void setPreferredDevice(const QString& device);
    bool showLogPanel() const;
    void setShowLogPanel(bool show);
};

}  // namespace fedpilot::ui
