// Coordinator: the handlers of the small calls (enrollment, hello, heartbeat, long-poll, metrics).

#include "federation/Coordinator.h"

#include "federation/Protocol.h"
#include "fedpilot/v1/federation.pb.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>

namespace fedpilot::federation {

namespace {

QString q(const std::string& s)
{
    return QString::fromStdString(s);
}

bool finite(const v1::Verification& v)
{
    return std::isfinite(v.accuracy()) && std::isfinite(v.auc()) && std::isfinite(v.eer()) && std::isfinite(v.tar_far_1e3());
}

void fillArtifact(v1::Artifact* out, const char* kind, const Artifact& a)
{
    out->set_kind(kind);
    out->set_sha256(a.sha256);
    out->set_bytes(a.bytes ? a.bytes->size() : 0);
    out->set_raw_bytes(a.rawBytes);
    out->set_content_sha256(a.contentSha256);
    out->set_base_content_sha256(a.baseContentSha256);
}

}  // namespace

QString hashEnrollmentCode(const std::string& code)
{
    // Only a hash of a code is stored; the prefix keeps these hashes apart from any other.
    return q(engine::sha256Hex("fedpilot-enroll-v1:" + code));
}

void Coordinator::enroll(const v1::EnrollRequest& request, const std::string& peer, v1::EnrollResponse& response)
{
    response.set_protocol_version(kProtocolVersion);
    const QString name = q(request.site_name());
    auto refuse = [&](const QString& why) {
        response.set_ok(false);
        response.set_error(why.toStdString());
        audit(QStringLiteral("security"), QStringLiteral("enrollment"), name,
              QStringLiteral("enrollment refused (%1): %2").arg(q(peer), why));
    };
    if (request.protocol_version() < kMinProtocolVersion || request.protocol_version() > kProtocolVersion)
        return refuse(QStringLiteral("unsupported protocol version %1").arg(request.protocol_version()));
    if (name.isEmpty() || name.size() > 100)
        return refuse(QStringLiteral("the site name must have 1 to 100 characters"));
    // The request is checked (and signed, in memory) before the one-time code is spent, so a
    // malformed CSR or a wrong name does not burn the code; the certificate leaves this function
    // only once the code was consumed.
    auto issued = m_ca.signRequest(request.csr_pem(), request.site_name());
    if (!issued)
        return refuse(q(issued.message()));
    auto siteId = m_sites.consumeEnrollmentCode(hashEnrollmentCode(request.code()), name);
    if (!siteId)
        return refuse(q(siteId.message()));
    m_sites.setCertificate(siteId.value(), q(issued->serialHex), q(issued->fingerprintHex), q(issued->notAfterUtc));
    m_sites.setInfo(siteId.value(), q(request.info().organization()), q(request.info().contact()), q(request.info().hardware_json()));
    response.set_ok(true);
    response.set_certificate_pem(issued->pem);
    response.set_ca_certificate_pem(m_ca.caCertificatePem());
    response.set_certificate_serial(issued->serialHex);
    audit(QStringLiteral("info"), QStringLiteral("enrollment"), name,
          QStringLiteral("certificate %1 issued").arg(q(issued->serialHex)));
}

void Coordinator::hello(qint64 siteId, const v1::HelloRequest& request, v1::HelloResponse& response)
{
    response.set_protocol_version(kProtocolVersion);
    if (request.protocol_version() < kMinProtocolVersion || request.min_protocol_version() > kProtocolVersion) {
        response.set_ok(false);
        response.set_error("protocol version " + std::to_string(request.protocol_version()) + " is not supported (coordinator speaks "
                           + std::to_string(kMinProtocolVersion) + ".." + std::to_string(kProtocolVersion) + ")");
        audit(QStringLiteral("warning"), QStringLiteral("federation"), siteName(siteId), q(response.error()));
        return;
    }
    m_pilots.addSite(m_pilotId, siteId);
    m_sites.touch(siteId, QStringLiteral("online"));
    if (!request.info().hardware_json().empty())
        m_sites.setInfo(siteId, q(request.info().organization()), q(request.info().contact()), q(request.info().hardware_json()));
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_round.addExpected(siteId);
        response.set_completed_rounds(static_cast<std::uint32_t>(m_completed));
    }
    m_changed.notify_all();
    response.set_ok(true);
    response.set_pilot_name(m_config.name.toStdString());
    response.set_site_name(siteName(siteId).toStdString());
    response.set_heartbeat_interval_ms(static_cast<std::uint32_t>(m_config.heartbeatIntervalMs));
    response.set_max_poll_wait_ms(static_cast<std::uint32_t>(m_config.pollWaitMs));
    response.set_chunk_bytes(kDefaultChunkBytes);
    response.set_max_update_bytes(m_maxUpdateBytes);
    response.add_capabilities("fp16");
    response.add_capabilities("int8");
    if (m_config.deltaDown)
        response.add_capabilities("model_delta");
    response.add_capabilities("zstd");
    response.add_capabilities("resume");
    response.set_total_rounds(static_cast<std::uint32_t>(m_config.rounds));
}

void Coordinator::heartbeat(qint64 siteId, const v1::HeartbeatRequest& request, v1::HeartbeatResponse& response)
{
    response.set_protocol_version(kProtocolVersion);
    const std::string& state = request.state();
    m_sites.touch(siteId, state == "training" || state == "uploading" || state == "downloading" ? QStringLiteral("training")
                                                                                                 : QStringLiteral("online"));
    std::lock_guard<std::mutex> lock(m_mutex);
    // A site still working on a round that closed (or was re-opened) should stop and poll again.
    const bool working = state == "training" || state == "downloading" || state == "uploading";
    const bool stale = working && request.round() > 0
        && (!m_round.collecting() || static_cast<int>(request.round()) != m_round.round());
    response.set_ok(true);
    response.set_cancel_task(stale || m_state == State::Failed);
}

void Coordinator::pollTask(qint64 siteId, const v1::PollTaskRequest& request, v1::Task& task, const std::function<bool()>& cancelled)
{
    task.set_protocol_version(kProtocolVersion);
    task.set_pilot_name(m_config.name.toStdString());
    m_sites.touch(siteId, QStringLiteral("online"));
    const auto waitMs = std::min<std::uint32_t>(request.wait_ms(), static_cast<std::uint32_t>(m_config.pollWaitMs));
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(waitMs);
    std::unique_lock<std::mutex> lock(m_mutex);
    while (true) {
        if (m_state == State::Finished || m_state == State::Failed || m_stopping) {
            task.set_type(v1::Task::STOP);
            task.set_message(m_state == State::Failed ? "the pilot failed: " + m_error : "the pilot is over");
            m_stopped.insert(siteId);
            m_changed.notify_all();
            return;
        }
        if (!request.baseline_done() && m_state == State::Running) {
            // The site measures the round-0 model on its own held-out faces first (the floor).
            const auto it = m_artifacts.find({0, "model"});
            if (it != m_artifacts.end()) {
                task.set_type(v1::Task::EVALUATE);
                task.set_round(0);
                fillArtifact(task.mutable_model(), "model", it->second);
                break;
            }
        }
        if (m_round.collecting() && m_round.assign(siteId)) {
            const int round = m_round.round();
            const auto model = m_artifacts.find({round - 1, "model"});
            if (model != m_artifacts.end()) {
                task.set_type(v1::Task::TRAIN);
                task.set_round(static_cast<std::uint32_t>(round));
                task.set_attempt(static_cast<std::uint32_t>(m_round.attempt()));
                fillArtifact(task.mutable_model(), "model", model->second);
                const auto delta = m_artifacts.find({round - 1, "model_delta"});
                if (delta != m_artifacts.end())
                    fillArtifact(task.mutable_model_delta(), "model_delta", delta->second);
                const auto reps = m_artifacts.find({round, "public_reps"});
                if (reps != m_artifacts.end())
                    fillArtifact(task.mutable_public_reps(), "public_reps", reps->second);
                const auto deadline = std::chrono::system_clock::now()
                    + std::chrono::duration_cast<std::chrono::system_clock::duration>(m_round.deadline() - std::chrono::steady_clock::now());
                task.set_deadline_unix_ms(static_cast<std::uint64_t>(
                    std::chrono::duration_cast<std::chrono::milliseconds>(deadline.time_since_epoch()).count()));
                auto* s = task.mutable_settings();
                const auto t = m_config.localTrainConfig(round);
                s->set_strategy(engine::toString(m_config.strategy));
                s->set_backbone(engine::toString(m_config.model.backbone));
                s->set_input_size(static_cast<std::uint32_t>(m_config.model.inputSize));
                s->set_embedding_size(static_cast<std::uint32_t>(m_config.model.embeddingSize));
                s->set_epochs(static_cast<std::uint32_t>(t.epochs));
                s->set_batch_size(static_cast<std::uint32_t>(t.batchSize));
                s->set_learning_rate(t.optim.learningRate);
                s->set_momentum(t.optim.momentum);
                s->set_weight_decay(t.optim.weightDecay);
                s->set_k(static_cast<std::uint32_t>(t.ada.k));
                s->set_tau(t.ada.tau);
                s->set_lambda_neg(t.ada.lambdaNeg);
                s->set_lambda_per(t.ada.lambdaPer);
                s->set_head(engine::toString(m_config.head));
                s->set_seed(m_config.seed);
                s->set_upload_encoding(engine::toString(m_config.up.encoding));
                s->set_upload_compression(m_config.up.compression == engine::Compression::Zstd ? "zstd" : "none");
                break;
            }
        }
        const auto now = std::chrono::steady_clock::now();
        if (now >= until || (cancelled && cancelled())) {
            task.set_type(v1::Task::WAIT);
            task.set_retry_after_ms(0);
            return;
        }
        // Woken by any state change; the slice bounds the reaction to a cancelled call.
        m_changed.wait_until(lock, std::min(until, now + std::chrono::milliseconds(250)));
    }
    lock.unlock();
    if (task.type() == v1::Task::TRAIN) {
        m_sites.setStatus(siteId, QStringLiteral("training"));
        m_rounds.setUpdateStatus(m_pilotId, static_cast<int>(task.round()), siteId, QStringLiteral("pending"), {});
    }
}

void Coordinator::reportMetrics(qint64 siteId, const v1::MetricsReport& report, v1::MetricsAck& ack)
{
    ack.set_protocol_version(kProtocolVersion);
    auto refuse = [&](const QString& why) {
        ack.set_ok(false);
        ack.set_error(why.toStdString());
        audit(QStringLiteral("warning"), QStringLiteral("federation"), siteName(siteId), QStringLiteral("metrics refused: %1").arg(why));
    };
    if (report.kind() != "baseline" && report.kind() != "round")
        return refuse(QStringLiteral("kind must be baseline or round"));
    if (!finite(report.generic()) || !finite(report.personalized()) || !std::isfinite(report.loss())
        || !std::isfinite(report.train_seconds()) || !std::isfinite(report.update_norm()))
        return refuse(QStringLiteral("non-finite values"));
    if (static_cast<int>(report.round()) > m_config.rounds)
        return refuse(QStringLiteral("round %1 does not exist").arg(report.round()));
    if (!report.extra_json().empty() && !QJsonDocument::fromJson(QByteArray::fromStdString(report.extra_json())).isObject())
        return refuse(QStringLiteral("extra_json is not a JSON object"));
    SiteMetricsRecord m;
    m.pilotId = m_pilotId;
    m.roundIndex = static_cast<int>(report.round());
    m.siteId = siteId;
    m.kind = q(report.kind());
    m.loss = report.loss();
    m.genericAccuracy = report.generic().accuracy();
    m.genericAuc = report.generic().auc();
    m.genericEer = report.generic().eer();
    m.genericTar1e3 = report.generic().tar_far_1e3();
    m.personalizedAccuracy = report.personalized().accuracy();
    m.personalizedAuc = report.personalized().auc();
    m.personalizedEer = report.personalized().eer();
    m.personalizedTar1e3 = report.personalized().tar_far_1e3();
    m.identificationTop1 = report.identification_top1();
    m.samples = static_cast<qint64>(report.samples());
    m.trainSeconds = report.train_seconds();
    m.device = q(report.device()).left(100);
    m.updateNorm = report.update_norm();
    m.metricsJson = report.extra_json().empty() ? QStringLiteral("{}") : q(report.extra_json());
    if (auto s = m_rounds.saveSiteMetrics(m); !s) {
        ack.set_ok(false);
        ack.set_error(s.message());
        return;
    }
    ack.set_ok(true);
}

}  // namespace fedpilot::federation
