#include "app/AppSettings.h"

#include <QDir>
#include <QSettings>

#include <algorithm>

namespace fedpilot::ui {

QVector<RecentWorkspace> AppSettings::recentWorkspaces() const
{
    QSettings s;
    QVector<RecentWorkspace> out;
    const int n = s.beginReadArray(QStringLiteral("recentWorkspaces"));
    for (int i = 0; i < n; ++i) {
        s.setArrayIndex(i);
        RecentWorkspace w{s.value(QStringLiteral("folder")).toString(), roleFromName(s.value(QStringLiteral("role")).toString())};
        if (!w.folder.isEmpty())
            out << w;
    }
    s.endArray();
    return out;
}

void AppSettings::addRecentWorkspace(const RecentWorkspace& workspace)
{
    auto list = recentWorkspaces();
    const QString folder = QDir(workspace.folder).absolutePath();
    list.erase(std::remove_if(list.begin(), list.end(), [&](const RecentWorkspace& w) { return w.folder == folder; }), list.end());
    list.prepend({folder, workspace.role});
    while (list.size() > kMaxRecent)
        list.removeLast();
    QSettings s;
    s.beginWriteArray(QStringLiteral("recentWorkspaces"), list.size());
    for (int i = 0; i < list.size(); ++i) {
        s.setArrayIndex(i);
        s.setValue(QStringLiteral("folder"), list[i].folder);
        s.setValue(QStringLiteral("role"), roleName(list[i].role));
    }
    s.endArray();
}

void AppSettings::clearRecentWorkspaces()
{
    QSettings().remove(QStringLiteral("recentWorkspaces"));
}

int AppSettings::historyPollMs() const
{
    return std::clamp(QSettings().value(QStringLiteral("historyPollMs"), 1000).toInt(), 200, 60000);
}

void AppSettings::setHistoryPollMs(int ms)
{
    QSettings().setValue(QStringLiteral("historyPollMs"), ms);
}

QString AppSettings::preferredDevice() const
{
    return QSettings().value(QStringLiteral("preferredDevice"), QStringLiteral("auto")).toString();
}

void AppSettings::setPreferredDevice(const QString& device)
{
    QSettings().setValue(QStringLiteral("preferredDevice"), device);
}

bool AppSettings::showLogPanel() const
{
    return QSettings().value(QStringLiteral("showLogPanel"), true).toBool();
}

void AppSettings::setShowLogPanel(bool show)
{
    QSettings().setValue(QStringLiteral("showLogPanel"), show);
}

}  // namespace fedpilot::ui
