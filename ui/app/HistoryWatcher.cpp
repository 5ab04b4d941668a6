#include "app/HistoryWatcher.h"

#include "app/Workspace.h"
#include "report/HistoryReader.h"

namespace fedpilot::ui {

HistoryWatcher::HistoryWatcher(Workspace& workspace, QObject* parent) : QObject(parent), m_workspace(workspace)
{
    m_timer.setInterval(1000);
    connect(&m_timer, &QTimer::timeout, this, &HistoryWatcher::poll);
    connect(&m_workspace, &Workspace::historyChanged, this, &HistoryWatcher::changed);
    connect(&m_workspace, &Workspace::opened, this, [this] {
        m_lastVersion = -1;
        poll();
    });
    m_timer.start();
}

void HistoryWatcher::poll()
{
    if (!m_workspace.isOpen())
        return;
    const qint64 version = report::HistoryReader(m_workspace.database()).dataVersion();
    if (version != m_lastVersion) {
        const bool first = m_lastVersion < 0;
        m_lastVersion = version;
        if (!first)
            Q_EMIT changed();
    }
}

}  // namespace fedpilot::ui
