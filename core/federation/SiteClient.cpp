#include "federation/SiteClient.h"

#include "federation/ChunkedTransfer.h"
#include "federation/Protocol.h"
#include "fedpilot/engine/TensorBundle.h"

#include <algorithm>
#include <chrono>

namespace fedpilot::federation {

namespace {

constexpr int kControlTimeoutMs = 15000;
constexpr int kTransferTimeoutMs = 600000;
constexpr int kTransferAttempts = 5;

std::uint64_t wireSize(const google::protobuf::Message& m)
{
    return m.ByteSizeLong() + kGrpcFrameBytes;
}

}  // namespace

SiteClient::SiteClient(const std::string& address, const SiteTls& tls)
{
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = tls.caPem;
    ssl.pem_private_key = tls.keyPem;
    ssl.pem_cert_chain = tls.certPem;
    grpc::ChannelArguments args;
    // The server certificate is issued by the pilot's private CA for a fixed name; the address
    // dialled (an IP, a NAT'ed host name) need not appear in it.
    args.SetSslTargetNameOverride(kServerCertificateName);
    args.SetMaxReceiveMessageSize(kMaxMessageBytes);
    args.SetMaxSendMessageSize(kMaxMessageBytes);
    // Reconnect quickly after a coordinator restart; our own retry loop adds the longer backoff.
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 200);
    args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 200);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
    m_channel = grpc::CreateCustomChannel(address, grpc::SslCredentials(ssl), args);
    m_stub = v1::Federation::NewStub(m_channel);
}

bool SiteClient::isTransient(const grpc::Status& status)
{
    switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
    case grpc::StatusCode::ABORTED:
    case grpc::StatusCode::CANCELLED:
        return true;
    default:
        return false;
    }
}

std::unique_ptr<grpc::ClientContext> SiteClient::context(int timeoutMs) const
{
    auto c = std::make_unique<grpc::ClientContext>();
    c->set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(timeoutMs));
    // Wait (up to the deadline) for a connection instead of failing at once while the channel is
    // in transient failure: a coordinator that starts late or restarts is picked up by the next call.
    c->set_wait_for_ready(true);
    return c;
}

grpc::Status SiteClient::enroll(const v1::EnrollRequest& request, v1::EnrollResponse& response)
{
    return m_stub->Enroll(context(kControlTimeoutMs).get(), request, &response);
}

grpc::Status SiteClient::hello(const v1::HelloRequest& request, v1::HelloResponse& response)
{
    return m_stub->Hello(context(kControlTimeoutMs).get(), request, &response);
}

grpc::Status SiteClient::heartbeat(const v1::HeartbeatRequest& request, v1::HeartbeatResponse& response)
{
    return m_stub->Heartbeat(context(kControlTimeoutMs).get(), request, &response);
}

grpc::Status SiteClient::poll(std::uint32_t waitMs, bool baselineDone, v1::Task& task)
{
    v1::PollTaskRequest request;
    request.set_protocol_version(kProtocolVersion);
    request.set_wait_ms(waitMs);
    request.set_baseline_done(baselineDone);
    return m_stub->PollTask(context(static_cast<int>(waitMs) + kControlTimeoutMs).get(), request, &task);
}

grpc::Status SiteClient::report(const v1::MetricsReport& report, v1::MetricsAck& ack)
{
    return m_stub->ReportMetrics(context(kControlTimeoutMs).get(), report, &ack);
}

grpc::Status SiteClient::download(std::uint32_t round, const std::string& kind, const v1::Artifact& expected, std::uint32_t forRound,
                                  std::string& out, TrafficMeter* meter, qint64 siteId)
{
    out.clear();
    grpc::Status last = grpc::Status(grpc::StatusCode::UNKNOWN, "no attempt");
    for (int attempt = 0; attempt < kTransferAttempts; ++attempt) {
        v1::DownloadRequest request;
        request.set_protocol_version(kProtocolVersion);
        request.set_round(round);
        request.set_kind(kind);
        request.set_offset(out.size());  // resume where the last stream broke
        request.set_for_round(forRound);
        if (meter)
            meter->add(static_cast<int>(forRound), siteId, "up", "model", wireSize(request), wireSize(request));
        auto ctx = context(kTransferTimeoutMs);
        auto reader = m_stub->DownloadModel(ctx.get(), request);
        v1::Chunk chunk;
        bool corrupt = false;
        while (reader->Read(&chunk)) {
            if (meter)
                meter->add(static_cast<int>(forRound), siteId, "down", "model",
                           rawShare(expected.raw_bytes(), expected.bytes(), chunk.offset(), chunk.offset() + chunk.data().size()),
                           wireSize(chunk));
            if (chunk.offset() != out.size() || chunk.total_bytes() != expected.bytes() || chunkDigest(chunk.data()) != chunk.sha256()
                || out.size() + chunk.data().size() > expected.bytes()) {
                corrupt = true;
                break;
            }
            out += chunk.data();
        }
        if (corrupt) {
            ctx->TryCancel();
            reader->Finish();
            last = grpc::Status(grpc::StatusCode::DATA_LOSS, "a chunk of the " + kind + " failed its checks");
            continue;  // resume from the last good byte
        }
        last = reader->Finish();
        if (last.ok() && out.size() == expected.bytes()) {
            if (engine::sha256Hex(out) == expected.sha256())
                return grpc::Status::OK;
            out.clear();
            last = grpc::Status(grpc::StatusCode::DATA_LOSS, "the " + kind + " does not match its SHA-256");
            continue;
        }
        if (!last.ok() && !isTransient(last))
            return last;
    }
    return last;
}

grpc::Status SiteClient::uploadOnce(const UploadRequest& r, const std::string& sha, const std::string& bytes, std::uint64_t offset,
                                    v1::UploadResponse& response, TrafficMeter* meter, qint64 siteId)
{
    auto ctx = context(kTransferTimeoutMs);
    auto writer = m_stub->UploadUpdate(ctx.get(), &response);
    const std::uint64_t chunk = std::clamp<std::uint64_t>(r.chunkBytes, 1024, kMaxChunkBytes);
    bool first = true;
    do {
        v1::UploadChunk m;
        if (first) {
            auto* h = m.mutable_header();
            h->set_protocol_version(kProtocolVersion);
            h->set_pilot_name(r.pilotName);
            h->set_round(r.round);
            h->set_attempt(r.attempt);
            h->set_total_bytes(bytes.size());
            h->set_sha256(sha);
            h->set_samples(r.samples);
            h->set_raw_bytes(r.rawBytes);
            first = false;
        }
        const std::uint64_t n = std::min<std::uint64_t>(chunk, bytes.size() - offset);
        m.set_offset(offset);
        m.set_data(bytes.data() + offset, n);
        m.set_sha256(chunkDigest(bytes.data() + offset, n));
        if (meter)
            meter->add(static_cast<int>(r.round), siteId, "up", "update", rawShare(r.rawBytes, bytes.size(), offset, offset + n), wireSize(m));
        if (!writer->Write(m))
            break;  // the coordinator answered early (or the stream broke): Finish tells which
        offset += n;
    } while (offset < bytes.size());
    writer->WritesDone();
    grpc::Status status = writer->Finish();
    if (meter && status.ok())
        meter->add(static_cast<int>(r.round), siteId, "down", "update", wireSize(response), wireSize(response));
    return status;
}

grpc::Status SiteClient::upload(const UploadRequest& r, const std::string& bytes, v1::UploadResponse& response,
                                TrafficMeter* meter, qint64 siteId)
{
    const std::string sha = engine::sha256Hex(bytes);
    std::uint64_t offset = 0;
    grpc::Status last = grpc::Status(grpc::StatusCode::UNKNOWN, "no attempt");
    for (int attempt = 0; attempt < kTransferAttempts; ++attempt) {
        if (attempt > 0) {
            // Resume: ask how much the coordinator already holds.
            v1::UploadResponse probe;
            auto ctx = context(kControlTimeoutMs);
            auto writer = m_stub->UploadUpdate(ctx.get(), &probe);
            v1::UploadChunk m;
            auto* h = m.mutable_header();
            h->set_protocol_version(kProtocolVersion);
            h->set_pilot_name(r.pilotName);
            h->set_round(r.round);
            h->set_attempt(r.attempt);
            h->set_total_bytes(bytes.size());
            h->set_sha256(sha);
            h->set_samples(r.samples);
            h->set_raw_bytes(r.rawBytes);
            h->set_probe(true);
            writer->Write(m);
            writer->WritesDone();
            last = writer->Finish();
            if (!last.ok()) {
                if (!isTransient(last))
                    return last;
                continue;
            }
            if (probe.status() != v1::UploadResponse::INCOMPLETE) {
                response = probe;
                return grpc::Status::OK;
            }
            offset = std::min<std::uint64_t>(probe.received_bytes(), bytes.size());
        }
        response.Clear();
        last = uploadOnce(r, sha, bytes, offset, response, meter, siteId);
        if (!last.ok()) {
            if (!isTransient(last))
                return last;
            continue;
        }
        if (response.status() == v1::UploadResponse::INCOMPLETE || response.status() == v1::UploadResponse::OFFSET_MISMATCH) {
            offset = std::min<std::uint64_t>(response.received_bytes(), bytes.size());
            continue;
        }
        return grpc::Status::OK;
    }
    return last.ok() ? grpc::Status(grpc::StatusCode::DATA_LOSS, "upload incomplete after retries: " + response.error()) : last;
}

grpc::Status SiteClient::uploadRaw(const std::vector<v1::UploadChunk>& messages, v1::UploadResponse& response)
{
    auto ctx = context(kControlTimeoutMs);
    auto writer = m_stub->UploadUpdate(ctx.get(), &response);
    for (const auto& m : messages) {
        if (!writer->Write(m))
            break;
    }
    writer->WritesDone();
    return writer->Finish();
}

}  // namespace fedpilot::federation
