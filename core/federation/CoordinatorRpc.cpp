#include "federation/CoordinatorRpc.h"

#include "federation/ChunkedTransfer.h"
#include "federation/Coordinator.h"
#include "federation/Protocol.h"

#include <algorithm>

namespace fedpilot::federation {

namespace {

std::uint64_t wireSize(const google::protobuf::Message& m)
{
    return m.ByteSizeLong() + kGrpcFrameBytes;
}

// Exceptions never leave a gRPC handler: anything thrown becomes INTERNAL.
template <typename F>
grpc::Status guarded(F&& f)
{
    try {
        return f();
    } catch (const std::exception& e) {
        return grpc::Status(grpc::StatusCode::INTERNAL, std::string("internal error: ") + e.what());
    } catch (...) {
        return grpc::Status(grpc::StatusCode::INTERNAL, "internal error");
    }
}

}  // namespace

CoordinatorRpc::CoordinatorRpc(Coordinator& coordinator, const CertificateAuthority& ca)
    : m_coordinator(coordinator)
    , m_auth(ca, coordinator.database())
{
}

void CoordinatorRpc::meterControl(qint64 siteId, int round, const char* channel, const google::protobuf::Message& request,
                                  const google::protobuf::Message& response)
{
    const auto up = wireSize(request);
    const auto down = wireSize(response);
    m_coordinator.meter().add(round, siteId, "up", channel, up, up);
    m_coordinator.meter().add(round, siteId, "down", channel, down, down);
}

grpc::Status CoordinatorRpc::Enroll(grpc::ServerContext* context, const v1::EnrollRequest* request, v1::EnrollResponse* response)
{
    return guarded([&] {
        m_coordinator.enroll(*request, context->peer(), *response);
        return grpc::Status::OK;
    });
}

grpc::Status CoordinatorRpc::Hello(grpc::ServerContext* context, const v1::HelloRequest* request, v1::HelloResponse* response)
{
    return guarded([&] {
        qint64 site = 0;
        if (auto s = m_auth.authenticate(*context, "Hello", site); !s.ok())
            return s;
        m_coordinator.hello(site, *request, *response);
        meterControl(site, m_coordinator.currentRound(), "control", *request, *response);
        return grpc::Status::OK;
    });
}

namespace {

// Every call names the protocol version it speaks; one this coordinator does not is refused the
// same way everywhere (Enroll and Hello also answer in-band, for older clients).
grpc::Status checkVersion(std::uint32_t version)
{
    if (version >= kMinProtocolVersion && version <= kProtocolVersion)
        return grpc::Status::OK;
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                        "protocol version " + std::to_string(version) + " is not supported (this coordinator speaks "
                            + std::to_string(kMinProtocolVersion) + ".." + std::to_string(kProtocolVersion) + "; set protocol_version)");
}

}  // namespace

grpc::Status CoordinatorRpc::Heartbeat(grpc::ServerContext* context, const v1::HeartbeatRequest* request, v1::HeartbeatResponse* response)
{
    return guarded([&] {
        qint64 site = 0;
        if (auto s = m_auth.authenticate(*context, "Heartbeat", site); !s.ok())
            return s;
        if (auto v = checkVersion(request->protocol_version()); !v.ok())
            return v;
        m_coordinator.heartbeat(site, *request, *response);
        meterControl(site, m_coordinator.currentRound(), "control", *request, *response);
        return grpc::Status::OK;
    });
}

grpc::Status CoordinatorRpc::PollTask(grpc::ServerContext* context, const v1::PollTaskRequest* request, v1::Task* response)
{
    return guarded([&] {
        qint64 site = 0;
        if (auto s = m_auth.authenticate(*context, "PollTask", site); !s.ok())
            return s;
        if (auto v = checkVersion(request->protocol_version()); !v.ok())
            return v;
        m_coordinator.pollTask(site, *request, *response, [context] { return context->IsCancelled(); });
        const int round = response->type() == v1::Task::TRAIN ? static_cast<int>(response->round()) : m_coordinator.currentRound();
        meterControl(site, response->type() == v1::Task::EVALUATE ? 0 : round, "control", *request, *response);
        return grpc::Status::OK;
    });
}

grpc::Status CoordinatorRpc::DownloadModel(grpc::ServerContext* context, const v1::DownloadRequest* request,
                                           grpc::ServerWriter<v1::Chunk>* writer)
{
    return guarded([&] {
        qint64 site = 0;
        if (auto s = m_auth.authenticate(*context, "DownloadModel", site); !s.ok())
            return s;
        if (auto v = checkVersion(request->protocol_version()); !v.ok())
            return v;
        if (request->kind() != "model" && request->kind() != "model_delta" && request->kind() != "public_reps")
            return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "kind must be model, model_delta or public_reps");
        auto artifact = m_coordinator.artifact(static_cast<int>(request->round()), request->kind());
        if (!artifact)
            return grpc::Status(grpc::StatusCode::NOT_FOUND, artifact.message());
        const std::string& bytes = *artifact->bytes;
        if (request->offset() > bytes.size())
            return grpc::Status(grpc::StatusCode::OUT_OF_RANGE, "offset beyond the end of the artifact");
        std::uint64_t chunkBytes = request->max_chunk_bytes() > 0 ? request->max_chunk_bytes() : kDefaultChunkBytes;
        chunkBytes = std::clamp<std::uint64_t>(chunkBytes, 1024, kMaxChunkBytes);
        const int round = static_cast<int>(request->for_round());
        m_coordinator.meter().add(round, site, "up", "model", wireSize(*request), wireSize(*request));
        std::uint64_t offset = request->offset();
        do {
            const std::uint64_t n = std::min<std::uint64_t>(chunkBytes, bytes.size() - offset);
            v1::Chunk chunk;
            chunk.set_offset(offset);
            chunk.set_data(bytes.data() + offset, n);
            chunk.set_sha256(chunkDigest(bytes.data() + offset, n));
            chunk.set_total_bytes(bytes.size());
            chunk.set_artifact_sha256(artifact->sha256);
            chunk.set_last(offset + n == bytes.size());
            if (context->IsCancelled() || !writer->Write(chunk))
                return grpc::Status(grpc::StatusCode::CANCELLED, "download interrupted");
            m_coordinator.meter().add(round, site, "down", "model", rawShare(artifact->rawBytes, bytes.size(), offset, offset + n),
                                      wireSize(chunk));
            offset += n;
        } while (offset < bytes.size());
        return grpc::Status::OK;
    });
}

grpc::Status CoordinatorRpc::UploadUpdate(grpc::ServerContext* context, grpc::ServerReader<v1::UploadChunk>* reader,
                                          v1::UploadResponse* response)
{
    return guarded([&] {
        qint64 site = 0;
        if (auto s = m_auth.authenticate(*context, "UploadUpdate", site); !s.ok())
            return s;
        response->set_protocol_version(kProtocolVersion);
        v1::UploadChunk message;
        if (!reader->Read(&message))
            return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "empty upload stream");
        if (!message.has_header()) {
            m_coordinator.rejectUpload(site, m_coordinator.currentRound(), "malformed upload: the first message carries no header", *response);
            return grpc::Status::OK;
        }
        const v1::UploadHeader header = message.header();
        const int round = static_cast<int>(header.round());
        // The raw size is the site's claim; bound it so a liar cannot inflate the statistics.
        const std::uint64_t raw = std::min<std::uint64_t>(header.raw_bytes(), header.total_bytes() * 4);
        auto meterChunk = [&](const v1::UploadChunk& m) {
            const std::uint64_t end = std::min<std::uint64_t>(m.offset() + m.data().size(), header.total_bytes());
            const std::uint64_t begin = std::min<std::uint64_t>(m.offset(), end);
            m_coordinator.meter().add(round, site, "up", "update", rawShare(raw, header.total_bytes(), begin, end), wireSize(m));
        };
        meterChunk(message);
        bool go = m_coordinator.beginUpload(site, header, *response);
        if (go && !message.data().empty())
            go = m_coordinator.appendUpload(site, message.offset(), message.data(), message.sha256(), *response);
        while (go && reader->Read(&message)) {
            meterChunk(message);
            if (message.has_header()) {
                m_coordinator.appendUpload(site, ~std::uint64_t(0), {}, {}, *response);
                response->set_error("only the first message may carry a header");
                go = false;
                break;
            }
            go = m_coordinator.appendUpload(site, message.offset(), message.data(), message.sha256(), *response);
        }
        if (go)
            m_coordinator.finishUpload(site, *response);
        m_coordinator.meter().add(round, site, "down", "update", wireSize(*response), wireSize(*response));
        return grpc::Status::OK;
    });
}

grpc::Status CoordinatorRpc::ReportMetrics(grpc::ServerContext* context, const v1::MetricsReport* request, v1::MetricsAck* response)
{
    return guarded([&] {
        qint64 site = 0;
        if (auto s = m_auth.authenticate(*context, "ReportMetrics", site); !s.ok())
            return s;
        if (auto v = checkVersion(request->protocol_version()); !v.ok())
            return v;
        m_coordinator.reportMetrics(site, *request, *response);
        meterControl(site, static_cast<int>(request->round()), "metrics", *request, *response);
        return grpc::Status::OK;
    });
}

}  // namespace fedpilot::federation
