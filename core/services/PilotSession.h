#pragma once
// A site taking part in a pilot, headless: enroll once (code + CSR), then dial out: hello,
// heartbeat (own thread), long-poll for tasks, download, train, upload, report; reconnects with
// backoff while the coordinator is away; mirrors what it did in its own history DB (site.db).
// run() blocks: call it from a worker thread (the CLI's main thread, or a job thread in the GUI).

#include "fedpilot/engine/Result.h"
#include "services/SiteRoundRunner.h"

#include <QString>

#include <atomic>
#include <functional>

namespace fedpilot {

struct PilotSessionOptions {
    QString dir;                 // site.db, pki/, trainer.fpt, data/
    QString coordinator;         // host:port
    QString caPath;              // the pilot's CA certificate (pinned)
    QString siteName;
    QString enrollmentCode;      // needed once, when pki/site.pem does not exist yet
    QString organization;
    QString contact;
    SiteDataOptions data;
    double giveUpAfterS = 120;   // without any successful call for this long, stop with an error
    int pollWaitMs = 5000;
};

// Where a session stands, for a GUI: the same states its heartbeat reports, plus the milestones.
struct SessionState {
    enum class Phase { Enrolled, Online, Idle, Downloading, Evaluating, Training, Uploading, Sent };
    Phase phase = Phase::Idle;
    int round = 0;        // the task's round (0: baseline or none)
    QString verdict;      // Sent: accepted | late | rejected
};

class PilotSession {
public:
    using LogFn = std::function<void(const QString&)>;
    // Called on the session's thread at every change of phase.
    using StateFn = std::function<void(const SessionState&)>;

    explicit PilotSession(PilotSessionOptions options);

    // Until the coordinator says STOP (ok), an unrecoverable error, or cancel (error "cancelled").
    engine::Status run(const std::atomic<bool>* cancel, const LogFn& log = {}, const StateFn& state = {});

private:
    PilotSessionOptions m_options;
};

}  // namespace fedpilot
