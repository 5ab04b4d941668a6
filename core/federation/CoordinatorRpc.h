#pragma once
// The gRPC service of the coordinator: authentication, message limits, streaming of chunks and
// traffic metering; the decisions are the Coordinator's. Runs on gRPC's own threads.

#include "federation/PeerAuthenticator.h"
#include "fedpilot/v1/federation.grpc.pb.h"

namespace fedpilot::federation {

class Coordinator;

class CoordinatorRpc final : public v1::Federation::Service {
public:
    CoordinatorRpc(Coordinator& coordinator, const CertificateAuthority& ca);

    grpc::Status Enroll(grpc::ServerContext* context, const v1::EnrollRequest* request, v1::EnrollResponse* response) override;
    grpc::Status Hello(grpc::ServerContext* context, const v1::HelloRequest* request, v1::HelloResponse* response) override;
    grpc::Status Heartbeat(grpc::ServerContext* context, const v1::HeartbeatRequest* request, v1::HeartbeatResponse* response) override;
    grpc::Status PollTask(grpc::ServerContext* context, const v1::PollTaskRequest* request, v1::Task* response) override;
    grpc::Status DownloadModel(grpc::ServerContext* context, const v1::DownloadRequest* request,
                               grpc::ServerWriter<v1::Chunk>* writer) override;
    grpc::Status UploadUpdate(grpc::ServerContext* context, grpc::ServerReader<v1::UploadChunk>* reader,
                              v1::UploadResponse* response) override;
    grpc::Status ReportMetrics(grpc::ServerContext* context, const v1::MetricsReport* request, v1::MetricsAck* response) override;

private:
    // Counts a control message exchange (request up, response down).
    void meterControl(qint64 siteId, int round, const char* channel, const google::protobuf::Message& request,
                      const google::protobuf::Message& response);

    Coordinator& m_coordinator;
    PeerAuthenticator m_auth;
};

}  // namespace fedpilot::federation
