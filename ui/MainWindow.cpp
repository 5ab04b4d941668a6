#include "MainWindow.h"

#include "app/AppSettings.h"
#include "app/HistoryWatcher.h"
#include "dialogs/DemoPilotsDialog.h"
#include "dialogs/SettingsDialog.h"
#include "dialogs/StartDialog.h"
#include "pages/ChartsPage.h"
#include "pages/DataPage.h"
#include "pages/FederationPage.h"
#include "pages/ReportsPage.h"
#include "pages/SitesPage.h"
#include "pages/TrainingPage.h"
#include "widgets/ErrorBanner.h"
#include "widgets/LogPanel.h"

#include <QAction>
#include <QApplication>
#include <QDir>
#include <QFileInfo>
#include <QDockWidget>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QStackedWidget>
#include <QStatusBar>
#include <QVBoxLayout>

namespace fedpilot::ui {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent)
{
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(QStringLiteral("FedPilot"));
    setWindowIcon(QIcon(QStringLiteral(":/icons/fedpilot.svg")));
    resize(1360, 860);
    m_workspace = new Workspace(this);
    m_watcher = new HistoryWatcher(*m_workspace, this);
    m_watcher->setIntervalMs(AppSettings().historyPollMs());

    auto* central = new QWidget(this);
    auto* row = new QHBoxLayout(central);
    row->setContentsMargins(0, 0, 0, 0);
    row->setSpacing(0);
    auto* side = new QWidget(central);
    side->setObjectName(QStringLiteral("sidebar"));
    side->setFixedWidth(200);
    auto* sideLayout = new QVBoxLayout(side);
    sideLayout->setContentsMargins(0, 0, 0, 0);
    sideLayout->setSpacing(0);
    auto* brand = new QLabel(QStringLiteral("FedPilot"), side);
    brand->setObjectName(QStringLiteral("brand"));
    m_brandRole = new QLabel(side);
    m_brandRole->setObjectName(QStringLiteral("brandRole"));
    m_nav = new QListWidget(side);
    m_nav->setObjectName(QStringLiteral("navigation"));
    m_nav->setIconSize(QSize(20, 20));
    m_nav->setFrameShape(QFrame::NoFrame);
    sideLayout->addWidget(brand);
    sideLayout->addWidget(m_brandRole);
    sideLayout->addWidget(m_nav, 1);
    row->addWidget(side);

    auto* content = new QWidget(central);
    auto* contentLayout = new QVBoxLayout(content);
    contentLayout->setContentsMargins(18, 12, 18, 12);
    m_banner = new ErrorBanner(content);
    m_stack = new QStackedWidget(content);
    m_stack->setObjectName(QStringLiteral("pages"));
    contentLayout->addWidget(m_banner);
    contentLayout->addWidget(m_stack, 1);
    row->addWidget(content, 1);
    setCentralWidget(central);

    m_log = new LogPanel(this);
    m_logDock = new QDockWidget(tr("Log"), this);
    m_logDock->setObjectName(QStringLiteral("logDock"));
    m_logDock->setWidget(m_log);
    m_logDock->setFeatures(QDockWidget::DockWidgetClosable | QDockWidget::DockWidgetMovable);
    addDockWidget(Qt::BottomDockWidgetArea, m_logDock);
    m_logDock->setVisible(AppSettings().showLogPanel());
    resizeDocks({m_logDock}, {130}, Qt::Vertical);

    m_statusWorkspace = new QLabel(this);
    m_statusWorkspace->setObjectName(QStringLiteral("statusWorkspace"));
    m_statusConnection = new QLabel(this);
    m_statusConnection->setObjectName(QStringLiteral("statusConnection"));
    m_statusBusy = new QLabel(this);
    m_statusBusy->setObjectName(QStringLiteral("statusBusy"));
    statusBar()->addWidget(m_statusWorkspace, 1);
    statusBar()->addPermanentWidget(m_statusBusy);
    statusBar()->addPermanentWidget(m_statusConnection);

    const PageContext context{*m_workspace, *m_watcher};
    addPage(new SitesPage(context, m_stack));
    addPage(new DataPage(context, m_stack));
    addPage(new TrainingPage(context, m_stack));
    auto* federation = new FederationPage(context, m_stack);
    addPage(federation);
    addPage(new ChartsPage(context, m_stack));
    addPage(new ReportsPage(context, m_stack));
    connect(federation, &FederationPage::connectionStateChanged, this, &MainWindow::updateStatus);

    auto* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&Open workspace…"), QKeySequence::Open, this, &MainWindow::chooseWorkspace);
    m_recentMenu = file->addMenu(tr("Recent workspaces"));
    file->addSeparator();
    auto* demo = file->addAction(tr("Load &demo pilots"), this, [this] { loadDemoData(); });
    demo->setObjectName(QStringLiteral("actionLoadDemo"));
    file->addAction(tr("&Settings…"), this, &MainWindow::showSettings);
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);
    auto* view = menuBar()->addMenu(tr("&View"));
    view->addAction(m_logDock->toggleViewAction());
    auto* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About FedPilot"), this, &MainWindow::showAbout);

    connect(m_nav, &QListWidget::currentRowChanged, this, [this](int row) {
        if (row < 0 || row >= m_pages.size())
            return;
        m_stack->setCurrentWidget(m_pages[row]);
        m_pages[row]->activate();
        updateStatus();
    });
    // Only the user's toggle is remembered: the dock also "hides" when the window closes.
    connect(m_logDock->toggleViewAction(), &QAction::triggered, this, [](bool visible) { AppSettings().setShowLogPanel(visible); });
    connect(m_workspace, &Workspace::opened, this, &MainWindow::updateForWorkspace);
    rebuildRecentMenu();
    updateForWorkspace();
}

MainWindow::~MainWindow() = default;

void MainWindow::addPage(Page* page)
{
    m_pages << page;
    m_stack->addWidget(page);
    auto* item = new QListWidgetItem(page->icon(), page->title(), m_nav);
    item->setData(Qt::UserRole, page->objectName());
    connect(page, &Page::logMessage, m_log, &LogPanel::append);
    connect(page, &Page::errorRaised, this, [this](const QString& message, const QString& details) { m_banner->showMessage(message, details); });
    connect(page, &Page::busyChanged, this, &MainWindow::updateStatus);
}

Page* MainWindow::page(const QString& objectName) const
{
    for (Page* p : m_pages) {
        if (p->objectName() == objectName)
            return p;
    }
    return nullptr;
}

Page* MainWindow::currentPage() const
{
    return qobject_cast<Page*>(m_stack->currentWidget());
}

void MainWindow::showPage(Page* page)
{
    const int row = m_pages.indexOf(page);
    if (row >= 0)
        m_nav->setCurrentRow(row);
}

bool MainWindow::openWorkspace(const QString& folder, WorkspaceRole role)
{
    if (auto s = m_workspace->open(folder, role); !s) {
        m_banner->showMessage(tr("Could not open the workspace %1.").arg(QDir::toNativeSeparators(folder)), QString::fromStdString(s.message()));
        m_log->append(LogLevel::Error, tr("Could not open %1: %2").arg(folder, QString::fromStdString(s.message())));
        return false;
    }
    AppSettings().addRecentWorkspace({m_workspace->folder(), role});
    rebuildRecentMenu();
    m_banner->hide();
    m_log->append(LogLevel::Info, tr("Opened %1 workspace %2").arg(roleName(role), m_workspace->folder()));
    return true;
}

void MainWindow::updateForWorkspace()
{
    const bool open = m_workspace->isOpen();
    const bool coordinator = m_workspace->role() == WorkspaceRole::Coordinator;
    m_brandRole->setText(!open ? tr("no workspace") : tr("%1 workspace").arg(roleTitle(m_workspace->role())));
    setWindowTitle(open ? QStringLiteral("FedPilot — %1 (%2)").arg(QFileInfo(m_workspace->folder()).fileName(), roleName(m_workspace->role()))
                        : QStringLiteral("FedPilot"));
    // A coordinator never holds face images: no Data or Training page there.
    for (int i = 0; i < m_pages.size(); ++i) {
        const bool siteOnly = m_pages[i]->objectName() == QLatin1String("dataPage") || m_pages[i]->objectName() == QLatin1String("trainingPage");
        m_nav->item(i)->setHidden(siteOnly && coordinator);
    }
    const int row = m_nav->currentRow();
    if (row < 0 || m_nav->item(row)->isHidden())
        m_nav->setCurrentRow(coordinator ? m_pages.indexOf(page(QStringLiteral("federationPage"))) : 0);
    updateStatus();
}

void MainWindow::updateStatus()
{
    m_statusWorkspace->setText(m_workspace->isOpen() ? tr("%1 · %2").arg(roleTitle(m_workspace->role()), QDir::toNativeSeparators(m_workspace->folder()))
                                                     : tr("No workspace open"));
    QStringList busy;
    for (Page* p : m_pages) {
        const QString text = p->busyText();
        if (!text.isEmpty())
            busy << text;
    }
    m_statusBusy->setText(busy.join(QStringLiteral(" · ")));
    auto* federation = qobject_cast<FederationPage*>(page(QStringLiteral("federationPage")));
    const QString state = federation ? federation->connectionState() : QString();
    m_statusConnection->setText(QStringLiteral("● ") + state);
    m_statusConnection->setStyleSheet(state == QLatin1String("offline") ? QStringLiteral("color: #8a949e") : QStringLiteral("color: #1e8449"));
}

DemoPilotsDialog* MainWindow::demoDialog() const
{
    return m_demo.data();
}

bool MainWindow::loadDemoData()
{
    if (!m_workspace->isOpen()) {
        m_banner->showMessage(tr("Open a workspace first."));
        return false;
    }
    if (m_demo && m_demo->isRunning()) {
        m_demo->raise();
        return false;
    }
    if (m_demo)
        m_demo->close();
    auto* dialog = new DemoPilotsDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    m_demo = dialog;
    DemoPilotsParams params;
    params.databasePath = m_workspace->database().path();
    params.workDir = m_workspace->path(QStringLiteral("demo-work"));
    params.device = AppSettings().preferredDevice();
    connect(dialog, &DemoPilotsDialog::loaded, this, [this](const QStringList& pilots) {
        m_log->append(LogLevel::Info, tr("Demo pilots %1 simulated and written to the history").arg(pilots.join(QStringLiteral(", "))));
        Q_EMIT m_workspace->historyChanged();
        for (Page* p : m_pages)
            p->activate();
    });
    connect(dialog, &DemoPilotsDialog::failed, this, [this](const QString& message, const QString& details) {
        m_banner->showMessage(message, details);
        m_log->append(LogLevel::Error, message + QStringLiteral(": ") + details);
    });
    dialog->show();
    if (!dialog->start(params)) {
        dialog->close();
        return false;
    }
    m_log->append(LogLevel::Info, tr("Running the demo pilots (AdaFedFR and FedAvg) on synthetic faces…"));
    return true;
}

void MainWindow::chooseWorkspace()
{
    auto* dialog = new StartDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &StartDialog::workspaceChosen, this, [this](const QString& folder, WorkspaceRole role) { openWorkspace(folder, role); });
    dialog->open();
}

void MainWindow::rebuildRecentMenu()
{
    m_recentMenu->clear();
    const auto recent = AppSettings().recentWorkspaces();
    for (const auto& w : recent) {
        m_recentMenu->addAction(QStringLiteral("%1  (%2)").arg(QDir::toNativeSeparators(w.folder), roleName(w.role)), this,
                                [this, w] { openWorkspace(w.folder, w.role); });
    }
    m_recentMenu->setEnabled(!recent.isEmpty());
}

void MainWindow::showSettings()
{
    auto* dialog = new SettingsDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this] { m_watcher->setIntervalMs(AppSettings().historyPollMs()); });
    dialog->open();
}

void MainWindow::showAbout()
{
    QMessageBox::about(this, tr("About FedPilot"),
                       tr("<b>FedPilot %1</b><p>Federated face recognition pilots with AdaFedFR. Face images never leave a site; "
                          "only model updates and public class representations travel.</p>")
                           .arg(QApplication::applicationVersion()));
}

}  // namespace fedpilot::ui
