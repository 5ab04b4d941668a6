#pragma once
// The application window: a thin shell that hosts the pages (navigation + stacked pages), the
// error banner, the log panel and the status bar. It owns the workspace and the history
// watcher; everything else lives in the pages.

#include "app/Workspace.h"

#include <QMainWindow>
#include <QPointer>

class QListWidget;
class QStackedWidget;
class QLabel;
class QDockWidget;
class QMenu;

namespace fedpilot::ui {

class DemoPilotsDialog;
class ErrorBanner;
class HistoryWatcher;
class LogPanel;
class Page;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Opens the workspace (creating its folder and database) and records it as recent; on error
    // shows a banner and keeps the current one.
    bool openWorkspace(const QString& folder, WorkspaceRole role);
    Workspace& workspace() { return *m_workspace; }
    HistoryWatcher& watcher() { return *m_watcher; }

    QList<Page*> pages() const { return m_pages; }
    Page* page(const QString& objectName) const;
    void showPage(Page* page);
    Page* currentPage() const;
    ErrorBanner* banner() const { return m_banner; }
    LogPanel* logPanel() const { return m_log; }

    // Runs two small demo pilots (AdaFedFR and FedAvg, real in-process simulations on synthetic
    // faces) in a worker thread with a progress window, then writes them into the workspace's
    // history and refreshes the pages. Returns false when no workspace is open or one is running.
    bool loadDemoData();
    // The progress window of the last demo run (null when none is open).
    DemoPilotsDialog* demoDialog() const;
    // The role/workspace chooser (non-blocking).
    void chooseWorkspace();

private:
    void addPage(Page* page);
    void updateForWorkspace();
    void updateStatus();
    void showSettings();
    void showAbout();
    void rebuildRecentMenu();

    Workspace* m_workspace = nullptr;
    HistoryWatcher* m_watcher = nullptr;
    QListWidget* m_nav = nullptr;
    QStackedWidget* m_stack = nullptr;
    ErrorBanner* m_banner = nullptr;
    LogPanel* m_log = nullptr;
    QDockWidget* m_logDock = nullptr;
    QLabel* m_brandRole = nullptr;
    QLabel* m_statusWorkspace = nullptr;
    QLabel* m_statusConnection = nullptr;
    QLabel* m_statusBusy = nullptr;
    QMenu* m_recentMenu = nullptr;
    QList<Page*> m_pages;
    QPointer<DemoPilotsDialog> m_demo;
};

}  // namespace fedpilot::ui
