#pragma once
// A coordinator living in a folder: its history database (coordinator.db), its CA (pki/), the
// pilot config (pilot.json), public data and models. Used headless by `fedpilot-cli coordinator`
// and `demo`, and later embedded by the GUI.

#include "federation/PilotConfig.h"
#include "fedpilot/engine/Result.h"
#include "storage/Database.h"

#include <QJsonObject>
#include <QString>

#include <atomic>
#include <functional>
#include <memory>

namespace fedpilot {

class CoordinatorService {
public:
    explicit CoordinatorService(QString dir);
    ~CoordinatorService();

    // Writes the validated config as dir/pilot.json (refuses to change the pilot of a folder
    // whose first round already ran).
    engine::Status init(const federation::PilotConfig& config);
    // Opens the database and the CA (creating them on first use) and reads pilot.json.
    engine::Status open();

    // A one-time code for a site (registers the site); only its hash is stored.
    engine::Result<QString> issueEnrollmentCode(const QString& siteName, const QString& organization = {},
                                                const QString& contact = {}, int validHours = 72);
    // Revokes the site's certificate; its next call is refused.
    engine::Status removeSite(const QString& siteName);

    using ProgressFn = std::function<void(const std::string& stage, double fraction)>;
    // Prepares (pretrain or resume), serves on listen ("127.0.0.1:0" picks a port; onListening
    // receives it) and runs the rounds until the pilot is over, it fails, or cancel is set.
    engine::Status run(const QString& listen, const std::atomic<bool>* cancel, const std::function<void(int)>& onListening = {},
                       const ProgressFn& progress = {});

    // Rounds, per-site metrics, baselines and traffic of the pilot, for JSON output and reports.
    QJsonObject summary() const;

    const QString& dir() const { return m_dir; }
    QString caCertificatePath() const;
    const federation::PilotConfig& config() const { return m_config; }
    Database* database() { return m_db.get(); }

private:
    QString m_dir;
    std::unique_ptr<Database> m_db;
    federation::PilotConfig m_config;
};

}  // namespace fedpilot
