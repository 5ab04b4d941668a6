#pragma once
// The coordinator of one pilot: the round-0 model (pretrained or imported), the round state
// machine with bounded waits, validation and FedAvg of uploaded updates, optional central DP,
// evaluation of each global model, persistence after every round (resume after a restart),
// enrollment of sites and traffic metering. The gRPC layer (CoordinatorRpc) calls the public
// handlers below from its own threads; the rounds run on one driver thread. Nothing here throws.

#include "federation/CertificateAuthority.h"
#include "federation/ChunkedTransfer.h"
#include "federation/PilotConfig.h"
#include "federation/RoundStateMachine.h"
#include "federation/TrafficMeter.h"
#include "fedpilot/engine/FaceCache.h"
#include "fedpilot/engine/FaceModel.h"
#include "fedpilot/engine/Federation.h"
#include "fedpilot/engine/Verification.h"
#include "storage/Database.h"
#include "storage/PilotRepository.h"
#include "storage/RoundRepository.h"
#include "storage/SiteRepository.h"

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

namespace grpc {
class Server;
}
namespace fedpilot::v1 {
class EnrollRequest;
class EnrollResponse;
class HelloRequest;
class HelloResponse;
class HeartbeatRequest;
class HeartbeatResponse;
class PollTaskRequest;
class Task;
class UploadHeader;
class UploadResponse;
class MetricsReport;
class MetricsAck;
}  // namespace fedpilot::v1

namespace fedpilot::federation {

class CoordinatorRpc;

// The stored form of a one-time enrollment code (a SHA-256; the code itself is never stored).
QString hashEnrollmentCode(const std::string& code);

// An encoded artifact (model or public representations) served to sites.
struct Artifact {
    std::shared_ptr<const std::string> bytes;
    std::string sha256;
    std::uint64_t rawBytes = 0;      // fp32 size of its tensors
    std::string contentSha256;       // model: engine::contentSha256 of the decoded bundle
    std::string baseContentSha256;   // model_delta: content hash of the model it applies to
};

class Coordinator {
public:
    using ProgressFn = std::function<void(const std::string& stage, double fraction)>;

    Coordinator(Database& db, CertificateAuthority ca, PilotConfig config, std::string dir);
    ~Coordinator();
    Coordinator(const Coordinator&) = delete;
    Coordinator& operator=(const Coordinator&) = delete;

    // Public data, round-0 model (pretrained, imported or loaded), and resume from the database.
    engine::Status prepare(const ProgressFn& progress = {}, const std::atomic<bool>* cancel = nullptr);
    // Serves on address ("127.0.0.1:0" picks a free port) and starts the round driver.
    engine::Status start(const std::string& address);
    int port() const { return m_port; }
    // Blocks until the pilot is over: ok when every round completed, the error when it failed,
    // "cancelled" when cancel was set. Sites are told STOP for up to linger_s before it returns.
    engine::Status waitFinished(const std::atomic<bool>* cancel = nullptr);
    void stop();

    qint64 pilotId() const { return m_pilotId; }
    int completedRounds() const;
    const PilotConfig& config() const { return m_config; }
    const Database& database() const { return m_db; }

    // ---- handlers for the RPC layer (any thread); siteId comes from the verified certificate ----
    void enroll(const v1::EnrollRequest& request, const std::string& peer, v1::EnrollResponse& response);
    void hello(qint64 siteId, const v1::HelloRequest& request, v1::HelloResponse& response);
    void heartbeat(qint64 siteId, const v1::HeartbeatRequest& request, v1::HeartbeatResponse& response);
    // Long-poll: waits (bounded) until there is a task for the site.
    void pollTask(qint64 siteId, const v1::PollTaskRequest& request, v1::Task& task, const std::function<bool()>& cancelled);
    void reportMetrics(qint64 siteId, const v1::MetricsReport& report, v1::MetricsAck& ack);
    engine::Result<Artifact> artifact(int round, const std::string& kind);
    // Upload, in three steps: the header, then chunks, then the end of the stream.
    bool beginUpload(qint64 siteId, const v1::UploadHeader& header, v1::UploadResponse& response);
    bool appendUpload(qint64 siteId, std::uint64_t offset, const std::string& data, const std::string& digest,
                      v1::UploadResponse& response);
    void finishUpload(qint64 siteId, v1::UploadResponse& response);
    // Refuses the site's update for the round for good (audited; the site is done for the round).
    void rejectUpload(qint64 siteId, int round, const std::string& reason, v1::UploadResponse& response);

    TrafficMeter& meter() { return m_meter; }
    // The round traffic of a site is attributed to (the round collecting now, or 0).
    int currentRound() const;
    // Writes an audit event (and a line on stderr for security events).
    void audit(const QString& level, const QString& category, const QString& subject, const QString& message) const;
    QString siteName(qint64 siteId) const;

private:
    enum class State { Preparing, Running, Finished, Failed };

    engine::Status preparePublicData(const ProgressFn& progress, const std::atomic<bool>* cancel);
    engine::Status prepareRoundZero(const ProgressFn& progress, const std::atomic<bool>* cancel);
    engine::Result<engine::EvalReport> evaluate(const engine::TensorBundle& state);
    // Encodes state in the download format, writes it atomically, records its version.
    engine::Result<Artifact> persistModel(int round, const std::string& kind, const engine::TensorBundle& bundle);
    // Writes already encoded bytes atomically and records their version (kind global,
    // model_delta or public_reps; served as model, model_delta, public_reps).
    engine::Result<Artifact> persistEncoded(int round, const std::string& kind, std::string encoded);
    // The next canonical global model: through the int8 delta from `previous` when deltas are on
    // (the delta's bytes returned in deltaBytes), else through the download encoding.
    engine::Result<engine::TensorBundle> canonicalModel(int round, const engine::TensorBundle& previous,
                                                        const engine::TensorBundle& next, std::string& deltaBytes);
    engine::Status loadGlobal(int round);

    // Driver thread (CoordinatorRounds.cpp).
    void driverMain();
    engine::Status runRound(int round, bool& completed);
    engine::Status openRound(int round, int attempt);
    engine::Status closeRound(int round, CloseReason reason, bool& aggregated);
    engine::Status acceptUpdate(qint64 siteId, int round, std::uint64_t samples, const std::string& sha256,
                                std::string bytes, v1::UploadResponse& response);
    void setFailed(const std::string& error);
    void flushTraffic();

    Database& m_db;
    PilotRepository m_pilots;
    SiteRepository m_sites;
    RoundRepository m_rounds;
    TrafficRepository m_traffic;
    CertificateAuthority m_ca;
    PilotConfig m_config;
    std::string m_dir;
    qint64 m_pilotId = 0;

    std::optional<engine::FaceCache> m_cache;
    std::vector<std::int64_t> m_publicItems;
    std::vector<std::int64_t> m_evalItems;
    std::optional<engine::FaceModel> m_model;  // evaluation and public representations (driver thread)
    std::uint64_t m_maxUpdateBytes = 0;

    mutable std::mutex m_mutex;
    std::condition_variable m_changed;
    State m_state = State::Preparing;
    std::string m_error;
    int m_completed = 0;
    std::shared_ptr<const engine::TensorBundle> m_global;
    std::map<std::pair<int, std::string>, Artifact> m_artifacts;
    RoundStateMachine m_round;
    engine::FedAvgAccumulator m_accumulator;
    double m_normSum = 0;
    std::int64_t m_samples = 0;
    std::map<qint64, UploadAssembler> m_uploads;
    std::map<qint64, std::string> m_acceptedSha;
    std::set<qint64> m_stopped;
    std::chrono::steady_clock::time_point m_finishedAt{};

    TrafficMeter m_meter;
    std::atomic<bool> m_stopping{false};
    std::thread m_driver;
    std::unique_ptr<CoordinatorRpc> m_service;
    std::unique_ptr<grpc::Server> m_server;
    int m_port = 0;
    int m_epoch = 1;  // bumps at every start (see prepare)
};

}  // namespace fedpilot::federation
