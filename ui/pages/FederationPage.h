#pragma once
// Federation: the live round view (per site: status, update, samples, training time, accuracy,
// bytes) from the workspace's history, and the controls of the workspace's role: a coordinator
// workspace runs the coordinator embedded (start, stop, min sites, round timeout); a site
// workspace connects to a coordinator (enroll with a one-time code, then join the rounds).

#include "pages/Page.h"
#include "pages/PageContext.h"

#include <atomic>
#include <memory>

class QCheckBox;
class QDoubleSpinBox;
class QGroupBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTableView;

namespace fedpilot::jobs {
class ServiceTask;
}
namespace fedpilot {
struct SessionState;
}

namespace fedpilot::ui {

class RoundSitesModel;

class FederationPage : public Page {
    Q_OBJECT
public:
    FederationPage(PageContext context, QWidget* parent = nullptr);

    QString title() const override { return tr("Federation"); }
    QIcon icon() const override { return QIcon(QStringLiteral(":/icons/federation.svg")); }
    void activate() override;
    QString busyText() const override;

    RoundSitesModel* model() const { return m_model; }
    // "offline", "starting", "serving on port N", "connecting", "online"... for the status bar.
    QString connectionState() const { return m_state; }
    // True while the embedded coordinator or the site session runs.
    bool isServiceRunning() const;
    // The port the embedded coordinator listens on once it serves ("…:0" picks one); 0 before.
    int listeningPort() const { return m_listenPort->load(); }

Q_SIGNALS:
    void connectionStateChanged(const QString& state);

private:
    void reload();
    void startCoordinator();
    void connectSite();
    void stopService();
    void setState(const QString& state);
    void updateRoleControls();
    // Coordinator: turns its log lines into the state shown (preparing, listening).
    void onServiceLog(const QString& line);
    // Site: the session's phases (enrolled, online, downloading, training, uploading, sent).
    void onSiteState(const SessionState& state);

    PageContext m_context;
    RoundSitesModel* m_model = nullptr;
    jobs::ServiceTask* m_service = nullptr;
    QLabel* m_pilotStatus = nullptr;
    QLabel* m_serviceStatus = nullptr;
    // Written by the coordinator thread when it listens, read on the GUI thread.
    std::shared_ptr<std::atomic<int>> m_listenPort = std::make_shared<std::atomic<int>>(0);
    QSpinBox* m_round = nullptr;
    QTableView* m_table = nullptr;
    QGroupBox* m_coordinatorBox = nullptr;
    QLineEdit* m_listen = nullptr;
    QSpinBox* m_minSites = nullptr;
    QDoubleSpinBox* m_timeout = nullptr;
    QGroupBox* m_siteBox = nullptr;
    QLineEdit* m_coordinator = nullptr;
    QLineEdit* m_ca = nullptr;
    QLineEdit* m_siteName = nullptr;
    QLineEdit* m_code = nullptr;
    QCheckBox* m_synthetic = nullptr;
    QPushButton* m_start = nullptr;
    QPushButton* m_stop = nullptr;
    QString m_state = QStringLiteral("offline");
    bool m_followLatest = true;
};

}  // namespace fedpilot::ui
