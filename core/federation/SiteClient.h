#pragma once
// The site's side of the protocol: one gRPC channel over TLS (with the site's certificate once
// enrolled), blocking calls with deadlines, and resumable chunked transfers with checksums.
// Call from a worker thread (calls block); the stub is thread-safe, so a heartbeat thread may
// share the client. Nothing throws; failures come back as grpc::Status.

#include "federation/TrafficMeter.h"
#include "fedpilot/v1/federation.grpc.pb.h"

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

namespace fedpilot::federation {

struct SiteTls {
    std::string caPem;     // the pilot's CA (pinned: the only trusted root)
    std::string keyPem;    // empty before enrollment
    std::string certPem;
};

class SiteClient {
public:
    SiteClient(const std::string& address, const SiteTls& tls);

    grpc::Status enroll(const v1::EnrollRequest& request, v1::EnrollResponse& response);
    grpc::Status hello(const v1::HelloRequest& request, v1::HelloResponse& response);
    grpc::Status heartbeat(const v1::HeartbeatRequest& request, v1::HeartbeatResponse& response);
    grpc::Status poll(std::uint32_t waitMs, bool baselineDone, v1::Task& task);
    grpc::Status report(const v1::MetricsReport& report, v1::MetricsAck& ack);

    // Downloads an artifact (resuming after broken streams) and checks its size and SHA-256.
    // Traffic is counted in meter under (forRound, siteId).
    grpc::Status download(std::uint32_t round, const std::string& kind, const v1::Artifact& expected, std::uint32_t forRound,
                          std::string& out, TrafficMeter* meter = nullptr, qint64 siteId = 0);

    struct UploadRequest {
        std::string pilotName;
        std::uint32_t round = 0;
        std::uint32_t attempt = 0;
        std::uint64_t samples = 0;
        std::uint64_t rawBytes = 0;
        std::uint32_t chunkBytes = 256 * 1024;
    };
    // Uploads bytes, resuming (probe + continue) after a broken stream; ends with the
    // coordinator's verdict in response (ACCEPTED, REJECTED or LATE) or a transport error.
    grpc::Status upload(const UploadRequest& request, const std::string& bytes, v1::UploadResponse& response,
                        TrafficMeter* meter = nullptr, qint64 siteId = 0);
    // Sends the messages exactly as given (tests of the coordinator's input checks).
    grpc::Status uploadRaw(const std::vector<v1::UploadChunk>& messages, v1::UploadResponse& response);

    // Transport errors worth retrying after a pause (coordinator restarting, network blip).
    static bool isTransient(const grpc::Status& status);

private:
    std::unique_ptr<grpc::ClientContext> context(int timeoutMs) const;
    grpc::Status uploadOnce(const UploadRequest& request, const std::string& sha, const std::string& bytes, std::uint64_t offset,
                            v1::UploadResponse& response, TrafficMeter* meter, qint64 siteId);

    std::shared_ptr<grpc::Channel> m_channel;
    std::unique_ptr<v1::Federation::Stub> m_stub;
};

}  // namespace fedpilot::federation
