#pragma once
// Tells views when the workspace's history changed: polls SQLite's PRAGMA data_version (cheap,
// changes only when another connection commits: the coordinator, a site session, an import) and
// forwards the workspace's own historyChanged(). Charts reload on changed() instead of on a timer.

#include <QObject>
#include <QTimer>

namespace fedpilot::ui {

class Workspace;

class HistoryWatcher : public QObject {
    Q_OBJECT
public:
    HistoryWatcher(Workspace& workspace, QObject* parent = nullptr);

    void setIntervalMs(int ms) { m_timer.setInterval(ms); }
    int intervalMs() const { return m_timer.interval(); }
    // Checks now (tests and "refresh" buttons).
    void poll();

Q_SIGNALS:
    void changed();

private:
    Workspace& m_workspace;
    QTimer m_timer;
    qint64 m_lastVersion = -1;
};

}  // namespace fedpilot::ui
