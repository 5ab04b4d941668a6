#include "pages/FederationPage.h"

#include "app/HistoryWatcher.h"
#include "app/Workspace.h"
#include "federation/PilotConfig.h"
#include "jobs/ServiceTask.h"
#include "models/RoundSitesModel.h"
#include "pages/DataPage.h"
#include "report/HistoryReader.h"
#include "services/CoordinatorService.h"
#include "services/PilotSession.h"

#include <QCheckBox>
#include <QDoubleSpinBox>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QPointer>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QTableView>
#include <QVBoxLayout>

namespace fedpilot::ui {

FederationPage::FederationPage(PageContext context, QWidget* parent) : Page(parent), m_context(context)
{
    setObjectName(QStringLiteral("federationPage"));
    m_service = new jobs::ServiceTask(this);
    auto* layout = new QVBoxLayout(this);
    auto* header = new QLabel(tr("Federation"), this);
    header->setObjectName(QStringLiteral("pageHeader"));
    layout->addWidget(header);
    m_pilotStatus = new QLabel(this);
    m_pilotStatus->setObjectName(QStringLiteral("fedPilotStatus"));
    m_pilotStatus->setWordWrap(true);
    layout->addWidget(m_pilotStatus);
    m_serviceStatus = new QLabel(this);
    m_serviceStatus->setObjectName(QStringLiteral("fedServiceStatus"));
    m_serviceStatus->setWordWrap(true);
    layout->addWidget(m_serviceStatus);

    auto* controls = new QHBoxLayout;
    m_coordinatorBox = new QGroupBox(tr("Coordinator (embedded)"), this);
    m_coordinatorBox->setObjectName(QStringLiteral("fedCoordinatorBox"));
    auto* cform = new QFormLayout(m_coordinatorBox);
    m_listen = new QLineEdit(QStringLiteral("0.0.0.0:50051"), m_coordinatorBox);
    m_listen->setObjectName(QStringLiteral("fedListen"));
    m_minSites = new QSpinBox(m_coordinatorBox);
    m_minSites->setObjectName(QStringLiteral("fedMinSites"));
    m_minSites->setRange(1, 1000);
    m_minSites->setValue(2);
    m_timeout = new QDoubleSpinBox(m_coordinatorBox);
    m_timeout->setObjectName(QStringLiteral("fedTimeout"));
    m_timeout->setRange(10, 86400);
    m_timeout->setSuffix(tr(" s"));
    m_timeout->setDecimals(0);
    m_timeout->setValue(600);
    cform->addRow(tr("Listen on"), m_listen);
    cform->addRow(tr("Min. sites per round"), m_minSites);
    cform->addRow(tr("Round timeout"), m_timeout);
    controls->addWidget(m_coordinatorBox, 1);

    m_siteBox = new QGroupBox(tr("Connect this site"), this);
    m_siteBox->setObjectName(QStringLiteral("fedSiteBox"));
    auto* sform = new QFormLayout(m_siteBox);
    m_coordinator = new QLineEdit(m_siteBox);
    m_coordinator->setObjectName(QStringLiteral("fedCoordinator"));
    m_coordinator->setPlaceholderText(QStringLiteral("coordinator.example.org:50051"));
    m_ca = new QLineEdit(m_siteBox);
    m_ca->setObjectName(QStringLiteral("fedCa"));
    m_ca->setPlaceholderText(tr("the pilot's CA certificate (ca.pem)"));
    m_siteName = new QLineEdit(m_siteBox);
    m_siteName->setObjectName(QStringLiteral("fedSiteName"));
    m_code = new QLineEdit(m_siteBox);
    m_code->setObjectName(QStringLiteral("fedCode"));
    m_code->setPlaceholderText(tr("one-time enrollment code (first connection only)"));
    m_synthetic = new QCheckBox(tr("Use built-in synthetic faces (demo) instead of the imported cache"), m_siteBox);
    m_synthetic->setObjectName(QStringLiteral("fedSynthetic"));
    sform->addRow(tr("Coordinator"), m_coordinator);
    sform->addRow(tr("CA certificate"), m_ca);
    sform->addRow(tr("Site name"), m_siteName);
    sform->addRow(tr("Enrollment code"), m_code);
    sform->addRow(QString(), m_synthetic);
    controls->addWidget(m_siteBox, 1);

    auto* buttons = new QVBoxLayout;
    m_start = new QPushButton(this);
    m_start->setObjectName(QStringLiteral("fedStart"));
    m_start->setProperty("primary", true);
    m_stop = new QPushButton(tr("Stop"), this);
    m_stop->setObjectName(QStringLiteral("fedStop"));
    m_stop->setEnabled(false);
    buttons->addWidget(m_start);
    buttons->addWidget(m_stop);
    buttons->addStretch();
    controls->addLayout(buttons);
    layout->addLayout(controls);

    auto* roundBar = new QHBoxLayout;
    auto* roundTitle = new QLabel(tr("Round"), this);
    roundTitle->setObjectName(QStringLiteral("sectionHeader"));
    m_round = new QSpinBox(this);
    m_round->setObjectName(QStringLiteral("fedRound"));
    m_round->setRange(0, 0);
    roundBar->addWidget(roundTitle);
    roundBar->addWidget(m_round);
    roundBar->addStretch();
    layout->addLayout(roundBar);
    m_model = new RoundSitesModel(this);
    m_table = new QTableView(this);
    m_table->setObjectName(QStringLiteral("fedRoundTable"));
    m_table->setModel(m_model);
    m_table->verticalHeader()->hide();
    m_table->setAlternatingRowColors(true);
    m_table->setShowGrid(false);
    m_table->horizontalHeader()->setStretchLastSection(true);
    layout->addWidget(m_table, 1);

    connect(m_start, &QPushButton::clicked, this, [this] {
        if (m_context.workspace.role() == WorkspaceRole::Coordinator)
            startCoordinator();
        else
            connectSite();
    });
    connect(m_stop, &QPushButton::clicked, this, &FederationPage::stopService);
    connect(m_service, &jobs::ServiceTask::logLine, this, [this](const QString& line) {
        onServiceLog(line);
        info(line);
    });
    connect(m_service, &jobs::ServiceTask::finished, this, [this](const QString& message, bool stopped) {
        const bool coordinator = m_context.workspace.role() == WorkspaceRole::Coordinator;
        m_start->setEnabled(true);
        m_stop->setEnabled(false);
        m_listenPort->store(0);
        setState(QStringLiteral("offline"));
        if (!message.isEmpty()) {
            m_serviceStatus->setText(coordinator ? tr("Coordinator stopped with an error.") : tr("Disconnected: the session ended with an error."));
            error(coordinator ? tr("The coordinator stopped with an error.") : tr("The site session stopped with an error."), message);
        } else {
            if (stopped)
                m_serviceStatus->setText(coordinator ? tr("Coordinator stopped.") : tr("Disconnected."));
            else
                m_serviceStatus->setText(coordinator ? tr("Coordinator stopped: the pilot is over.") : tr("Disconnected: the pilot is over."));
            info(stopped ? tr("Stopped") : tr("The pilot is over"));
        }
        reload();
    });
    connect(m_round, &QSpinBox::valueChanged, this, [this] {
        m_followLatest = m_round->value() == m_round->maximum();
        reload();
    });
    connect(&m_context.watcher, &HistoryWatcher::changed, this, &FederationPage::reload);
    connect(&m_context.workspace, &Workspace::opened, this, &FederationPage::activate);
    activate();
}

void FederationPage::activate()
{
    updateRoleControls();
    reload();
}

QString FederationPage::busyText() const
{
    return m_service->isRunning() ? m_state : QString();
}

bool FederationPage::isServiceRunning() const
{
    return m_service->isRunning();
}

void FederationPage::updateRoleControls()
{
    const bool coordinator = m_context.workspace.role() == WorkspaceRole::Coordinator;
    m_coordinatorBox->setVisible(coordinator);
    m_siteBox->setVisible(!coordinator);
    m_start->setText(coordinator ? tr("Start coordinator") : tr("Connect"));
    if (!m_service->isRunning())
        m_serviceStatus->setText(coordinator ? tr("Coordinator stopped.") : tr("Not connected."));
    if (!m_context.workspace.isOpen())
        return;
    if (coordinator) {
        auto config = federation::loadPilotConfig(m_context.workspace.path(QStringLiteral("pilot.json")));
        if (config) {
            m_minSites->setValue(config->minSites);
            m_timeout->setValue(config->roundTimeoutS);
        }
    } else if (m_siteName->text().isEmpty()) {
        m_siteName->setText(QFileInfo(m_context.workspace.folder()).fileName());
    }
}

void FederationPage::reload()
{
    if (!m_context.workspace.isOpen())
        return;
    auto history = report::HistoryReader(m_context.workspace.database()).loadLatest();
    if (!history) {
        m_pilotStatus->setText(m_context.workspace.role() == WorkspaceRole::Coordinator
                                   ? tr("No pilot yet. Write pilot.json into the workspace (fedpilot-cli coordinator init) and start the coordinator.")
                                   : tr("Not part of a pilot yet. Enter the coordinator's address, the pilot's CA certificate and your "
                                        "one-time enrollment code, then connect."));
        m_model->setRound({}, 0);
        return;
    }
    const auto& h = history.value();
    const auto rounds = h.roundIndices();
    const int last = rounds.isEmpty() ? 0 : rounds.last();
    {
        const QSignalBlocker block(m_round);
        m_round->setRange(0, last);
        if (m_followLatest)
            m_round->setValue(last);
    }
    const auto* r = h.round(m_round->value());
    m_pilotStatus->setText(tr("<b>%1</b> · %2 · %3 of %4 rounds completed · round %5: %6 · %7 accepted of %8 invited")
                               .arg(h.pilot.name.toHtmlEscaped(), h.pilot.strategy)
                               .arg(h.pilot.completedRounds).arg(h.pilot.totalRounds).arg(m_round->value())
                               .arg(r ? r->state : tr("not started"))
                               .arg(r ? r->sitesAccepted : 0).arg(r ? r->sitesInvited : 0));
    m_model->setRound(h, m_round->value());
    m_table->resizeColumnsToContents();
}

void FederationPage::setState(const QString& state)
{
    m_state = state;
    Q_EMIT connectionStateChanged(state);
    Q_EMIT busyChanged();
}

void FederationPage::onServiceLog(const QString& line)
{
    // A site's state comes from its session's phases (onSiteState), not from its log.
    if (!m_service->isRunning() || m_context.workspace.role() != WorkspaceRole::Coordinator)
        return;
    const int port = m_listenPort->load();
    if (port > 0) {
        setState(tr("serving on port %1").arg(port));
        m_serviceStatus->setText(tr("Coordinator running · listening on port %1 · sites can connect.").arg(port));
    } else {
        m_serviceStatus->setText(tr("Coordinator running · preparing: %1").arg(line));
    }
}

void FederationPage::onSiteState(const SessionState& st)
{
    if (!m_service->isRunning())
        return;
    using P = SessionState::Phase;
    switch (st.phase) {
    case P::Enrolled:
        setState(tr("enrolled"));
        m_serviceStatus->setText(tr("Enrolled: this site has its certificate. Joining the pilot…"));
        break;
    case P::Online:
    case P::Idle:
        setState(tr("online"));
        m_serviceStatus->setText(tr("Online: waiting for a round."));
        break;
    case P::Downloading:
        setState(tr("online · downloading for round %1").arg(st.round));
        m_serviceStatus->setText(tr("Online: fetching the model for round %1.").arg(st.round));
        break;
    case P::Evaluating:
        setState(tr("online · measuring the baseline"));
        m_serviceStatus->setText(tr("Online: measuring the starting model on this site's held-out faces."));
        break;
    case P::Training:
        setState(tr("online · training round %1").arg(st.round));
        m_serviceStatus->setText(tr("Online: training round %1 on this site's faces.").arg(st.round));
        break;
    case P::Uploading:
        setState(tr("online · uploading round %1").arg(st.round));
        m_serviceStatus->setText(tr("Online: sending the update of round %1.").arg(st.round));
        break;
    case P::Sent:
        setState(tr("online · round %1 sent").arg(st.round));
        m_serviceStatus->setText(tr("Online: the update of round %1 was sent (%2). Waiting for the next round.").arg(st.round).arg(st.verdict));
        break;
    }
}

void FederationPage::startCoordinator()
{
    const QString dir = m_context.workspace.folder();
    auto config = federation::loadPilotConfig(m_context.workspace.path(QStringLiteral("pilot.json")));
    if (!config) {
        error(tr("The coordinator needs a pilot configuration (pilot.json) in the workspace."), QString::fromStdString(config.message()));
        return;
    }
    if (config->minSites != m_minSites->value() || config->roundTimeoutS != m_timeout->value()) {
        auto changed = config.value();
        changed.minSites = m_minSites->value();
        changed.roundTimeoutS = m_timeout->value();
        if (auto s = CoordinatorService(dir).init(changed); !s) {
            error(tr("Could not change the round settings."), QString::fromStdString(s.message()));
            return;
        }
    }
    const QString listen = m_listen->text().trimmed();
    m_listenPort->store(0);
    const auto portOut = m_listenPort;
    const bool started = m_service->start([dir, listen, portOut](const std::atomic<bool>* cancel, const jobs::ServiceTask::LogFn& log) {
        CoordinatorService service(dir);
        if (auto s = service.open(); !s)
            return QString::fromStdString(s.message());
        const auto status = service.run(listen, cancel, [log, portOut](int port) {
            portOut->store(port);
            log(QStringLiteral("Coordinator listening on port %1").arg(port));
        },
                                        [log](const std::string& stage, double fraction) {
                                            if (fraction <= 0.0 || fraction >= 1.0)
                                                log(QStringLiteral("%1 (%2 %)").arg(QString::fromStdString(stage)).arg(qRound(fraction * 100)));
                                        });
        return status ? QString() : QString::fromStdString(status.message());
    });
    if (!started)
        return;
    m_start->setEnabled(false);
    m_stop->setEnabled(true);
    setState(tr("starting"));
    m_serviceStatus->setText(tr("Coordinator running · preparing the pilot (generic model, public representations)…"));
    info(tr("Coordinator starting on %1").arg(listen));
}

void FederationPage::connectSite()
{
    PilotSessionOptions o;
    o.dir = m_context.workspace.folder();
    o.coordinator = m_coordinator->text().trimmed();
    o.caPath = m_ca->text().trimmed();
    o.siteName = m_siteName->text().trimmed();
    o.enrollmentCode = m_code->text().trimmed();
    o.data.synthetic = m_synthetic->isChecked();
    if (!o.data.synthetic)
        o.data.cachePath = DataPage::latestCachePath(m_context.workspace.database());
    if (o.coordinator.isEmpty() || o.caPath.isEmpty() || o.siteName.isEmpty()) {
        error(tr("Enter the coordinator's address, the CA certificate and the site name."));
        return;
    }
    if (!o.data.synthetic && o.data.cachePath.isEmpty()) {
        error(tr("There is no imported face cache yet: import a folder on the Data page (or use the synthetic demo faces)."));
        return;
    }
    // Phases come from the session's thread; they are handed to this page's thread (and dropped
    // if the page is gone).
    QPointer<FederationPage> self(this);
    const bool started = m_service->start([o, self](const std::atomic<bool>* cancel, const jobs::ServiceTask::LogFn& log) {
        PilotSession session(o);
        const auto status = session.run(cancel, [log](const QString& line) { log(line); }, [self](const SessionState& st) {
            if (self)
                QMetaObject::invokeMethod(self, [self, st] { if (self) self->onSiteState(st); }, Qt::QueuedConnection);
        });
        return status ? QString() : QString::fromStdString(status.message());
    });
    if (!started)
        return;
    m_start->setEnabled(false);
    m_stop->setEnabled(true);
    setState(tr("connecting to %1").arg(o.coordinator));
    m_serviceStatus->setText(tr("Connecting to %1…").arg(o.coordinator));
    info(tr("Connecting to %1 as %2").arg(o.coordinator, o.siteName));
}

void FederationPage::stopService()
{
    if (!m_service->isRunning())
        return;
    m_service->stop();
    m_stop->setEnabled(false);
    setState(tr("stopping"));
    m_serviceStatus->setText(tr("Stopping…"));
}

}  // namespace fedpilot::ui
