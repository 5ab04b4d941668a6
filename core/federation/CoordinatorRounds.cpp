// Coordinator: the round driver (open, collect, close, aggregate, evaluate, persist) and the
// acceptance of uploaded updates.

#include "federation/Coordinator.h"

#include "federation/Protocol.h"
#include "report/EngineJson.h"
#include "fedpilot/v1/federation.pb.h"

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>
#include <random>

namespace fedpilot::federation {

using engine::Result;
using engine::Status;

namespace {

QString q(const std::string& s)
{
    return QString::fromStdString(s);
}

}  // namespace

void Coordinator::driverMain()
{
    // Exceptions must not leave this thread (ARCHITECTURE.md): turn any into a failed pilot.
    try {
        for (int round = completedRounds() + 1; round <= m_config.rounds && !m_stopping; ++round) {
            bool completed = false;
            if (auto s = runRound(round, completed); !s) {
                if (!m_stopping)
                    setFailed(s.message());
                return;
            }
        }
        flushTraffic();
        if (m_stopping)
            return;
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_state = State::Finished;
            m_finishedAt = std::chrono::steady_clock::now();
        }
        m_pilots.setStatus(m_pilotId, QStringLiteral("finished"));
        audit(QStringLiteral("info"), QStringLiteral("federation"), m_config.name,
              QStringLiteral("pilot finished after %1 rounds").arg(m_config.rounds));
        m_changed.notify_all();
    } catch (const std::exception& e) {
        setFailed(std::string("internal error: ") + e.what());
    } catch (...) {
        setFailed("internal error");
    }
}

Status Coordinator::runRound(int round, bool& completed)
{
    for (int attempt = 1; attempt <= m_config.maxRoundAttempts && !m_stopping; ++attempt) {
        if (auto s = openRound(round, attempt); !s)
            return s;
        CloseReason reason = CloseReason::None;
        auto lastFlush = std::chrono::steady_clock::now();
        {
            std::unique_lock<std::mutex> lock(m_mutex);
            while (!m_stopping) {
                const auto now = std::chrono::steady_clock::now();
                reason = m_round.closeReason(now);
                if (reason != CloseReason::None)
                    break;
                // Bounded wait: until the next rule may fire, a state change, or a traffic flush.
                m_changed.wait_until(lock, std::min(m_round.nextCheck(now), now + std::chrono::seconds(1)));
                if (std::chrono::steady_clock::now() - lastFlush > std::chrono::seconds(2)) {
                    lock.unlock();
                    flushTraffic();
                    lastFlush = std::chrono::steady_clock::now();
                    lock.lock();
                }
            }
            m_round.close();
            m_uploads.clear();
        }
        m_changed.notify_all();
        if (m_stopping)
            return Status::ok();
        bool aggregated = false;
        if (auto s = closeRound(round, reason, aggregated); !s)
            return s;
        flushTraffic();
        if (aggregated) {
            completed = true;
            return Status::ok();
        }
    }
    if (m_stopping)
        return Status::ok();
    return Status::error("round " + std::to_string(round) + " did not reach its quorum of " + std::to_string(m_config.effectiveQuorum())
                         + " sites in " + std::to_string(m_config.maxRoundAttempts) + " attempts");
}

Status Coordinator::openRound(int round, int attempt)
{
    std::shared_ptr<const engine::TensorBundle> global;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        global = m_global;
    }
    if (m_config.strategy == engine::Strategy::AdaFedFR) {
        // Public class representations under the current global model (ADAFEDFR.md 2.1).
        if (auto s = m_model->loadState(*global); !s)
            return s;
        auto reps = engine::computePublicRepresentations(*m_model, *m_cache, m_publicItems);
        if (!reps)
            return reps.status();
        engine::TensorBundle bundle;
        bundle.tensors.push_back(reps.value());
        bundle.meta["kind"] = "public_reps";
        bundle.meta["round"] = std::to_string(round);
        auto a = persistModel(round, "public_reps", bundle);
        if (!a)
            return a.status();
    }
    if (auto s = m_rounds.open(m_pilotId, round); !s)
        return s;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_accumulator.clear();
        m_normSum = 0;
        m_samples = 0;
        m_acceptedSha.clear();
        m_uploads.clear();
        m_round.open(round, m_epoch * 1000 + attempt, std::chrono::steady_clock::now());
    }
    audit(QStringLiteral("info"), QStringLiteral("federation"), m_config.name,
          QStringLiteral("round %1 open (attempt %2)").arg(round).arg(attempt));
    m_changed.notify_all();
    return Status::ok();
}

Status Coordinator::closeRound(int round, CloseReason reason, bool& aggregated)
{
    aggregated = false;
    QElapsedTimer timer;
    timer.start();
    std::shared_ptr<const engine::TensorBundle> global;
    std::set<qint64> dropped;
    int accepted = 0, rejected = 0, participants = 0;
    Result<engine::TensorBundle> mean = Result<engine::TensorBundle>::error("no updates");
    double normSum = 0;
    std::int64_t samples = 0;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        global = m_global;
        dropped = m_round.unfinished();
        accepted = m_round.acceptedCount();
        rejected = m_round.rejectedCount();
        participants = m_round.participantCount();
        normSum = m_normSum;
        samples = m_samples;
        if (accepted > 0)
            mean = m_accumulator.average();
        m_accumulator.clear();
    }
    for (qint64 s : dropped) {
        m_rounds.setUpdateStatus(m_pilotId, round, s, QStringLiteral("dropped"), q(toString(reason)));
        audit(QStringLiteral("warning"), QStringLiteral("federation"), siteName(s),
              QStringLiteral("round %1 closed without its update (%2)").arg(round).arg(q(toString(reason))));
    }
    RoundRecord r;
    r.pilotId = m_pilotId;
    r.roundIndex = round;
    r.sitesInvited = participants;
    r.sitesAccepted = accepted;
    r.sitesRejected = rejected;
    r.sitesDropped = static_cast<int>(dropped.size());
    r.samples = samples;
    r.updateNormMean = accepted > 0 ? normSum / accepted : 0;
    if (accepted < m_config.effectiveQuorum()) {
        r.state = QStringLiteral("failed");
        r.failureReason = QStringLiteral("%1 accepted updates, quorum %2 (%3)").arg(accepted).arg(m_config.effectiveQuorum()).arg(q(toString(reason)));
        audit(QStringLiteral("warning"), QStringLiteral("federation"), m_config.name,
              QStringLiteral("round %1 failed: %2; re-opening").arg(round).arg(r.failureReason));
        return m_rounds.save(r);
    }
    if (!mean)
        return mean.status();
    engine::TensorBundle next = *global;
    if (m_config.strategy != engine::Strategy::Local) {
        engine::TensorBundle delta = std::move(mean.value());
        if (m_config.dpEpsilon > 0) {
            // Central DP: each update was clipped to S on arrival and weighted equally, so the
            // mean's sensitivity is S/n; Gaussian noise sigma*S/n per parameter coordinate.
            const double sigma = engine::gaussianSigma(m_config.dpEpsilon, m_config.dpDelta);
            const double std = sigma * m_config.dpClip / accepted;
            std::mt19937_64 rng(m_config.seed * 1000003ULL + static_cast<std::uint64_t>(round));
            std::normal_distribution<double> noise(0.0, std);
            for (auto& t : delta.tensors) {
                if (t.kind != engine::TensorKind::Parameter)
                    continue;
                for (auto& v : t.values)
                    v += static_cast<float>(noise(rng));
            }
            r.dpEpsilonSpent = engine::composeBudget(m_config.dpEpsilon, m_config.dpDelta, round).epsilonSimple;
        }
        auto applied = engine::applyDelta(*global, delta);
        if (!applied)
            return applied.status();
        next = std::move(applied.value());
    }
    std::string deltaBytes;
    auto canonical = canonicalModel(round, *global, next, deltaBytes);
    if (!canonical)
        return canonical.status();
    r.aggregationMs = double(timer.nsecsElapsed()) / 1e6;
    auto report = evaluate(canonical.value());
    if (!report)
        return report.status();
    if (!deltaBytes.empty()) {
        if (auto d = persistEncoded(round, "model_delta", std::move(deltaBytes)); !d)
            return d.status();
    }
    auto artifact = persistModel(round, "global", canonical.value());
    if (!artifact)
        return artifact.status();
    r.state = QStringLiteral("completed");
    r.accuracy = report->verification.accuracy;
    r.auc = report->verification.auc;
    r.eer = report->verification.eer;
    for (std::size_t i = 0; i < 4 && i < report->verification.tarAtFar.size(); ++i)
        r.tarFar[i] = report->verification.tarAtFar[i].available ? report->verification.tarAtFar[i].tar : 0;
    r.modelSha256 = q(artifact->sha256);
    QJsonObject metrics{{QStringLiteral("identification_top1"), report->identification.top1},
                        {QStringLiteral("close_reason"), q(toString(reason))}};
    metrics.insert(QStringLiteral("roc"), fedpilot::toJson(report->verification, true).value(QStringLiteral("roc")));
    r.metricsJson = QString::fromUtf8(QJsonDocument(metrics).toJson(QJsonDocument::Compact));
    // One transaction: the round row and the pilot's progress move together (the model file is
    // already in place, so a crash before this commit simply redoes the round).
    QSqlDatabase db = m_db.connection();
    db.transaction();
    auto s1 = m_rounds.save(r);
    auto s2 = m_pilots.setCompletedRounds(m_pilotId, round);
    if (!s1 || !s2) {
        db.rollback();
        return !s1 ? s1 : s2;
    }
    if (!db.commit())
        return Status::error("cannot commit round " + std::to_string(round));
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_global = std::make_shared<const engine::TensorBundle>(std::move(canonical.value()));
        m_completed = round;
    }
    aggregated = true;
    audit(QStringLiteral("info"), QStringLiteral("federation"), m_config.name,
          QStringLiteral("round %1 completed with %2 sites (%3): accuracy %4")
              .arg(round).arg(accepted).arg(q(toString(reason))).arg(r.accuracy, 0, 'f', 4));
    m_changed.notify_all();
    return Status::ok();
}

bool Coordinator::beginUpload(qint64 siteId, const v1::UploadHeader& header, v1::UploadResponse& response)
{
    response.set_protocol_version(kProtocolVersion);
    const int round = static_cast<int>(header.round());
    if (header.protocol_version() < kMinProtocolVersion || header.protocol_version() > kProtocolVersion) {
        rejectUpload(siteId, round, "unsupported protocol version " + std::to_string(header.protocol_version()), response);
        return false;
    }
    std::unique_lock<std::mutex> lock(m_mutex);
    if (!m_round.collecting() || round != m_round.round() || static_cast<int>(header.attempt()) != m_round.attempt()) {
        response.set_status(v1::UploadResponse::LATE);
        response.set_error("round " + std::to_string(round) + " (attempt " + std::to_string(header.attempt()) + ") is not collecting updates");
        lock.unlock();
        if (round > 0 && round <= m_config.rounds)
            m_rounds.setUpdateStatus(m_pilotId, round, siteId, QStringLiteral("late"), q(response.error()));
        audit(QStringLiteral("warning"), QStringLiteral("federation"), siteName(siteId), q(response.error()));
        return false;
    }
    if (m_round.hasAccepted(siteId)) {
        // Idempotent: the same update again is acknowledged, another one is refused.
        const bool same = m_acceptedSha[siteId] == header.sha256();
        response.set_status(same ? v1::UploadResponse::ACCEPTED : v1::UploadResponse::REJECTED);
        response.set_received_bytes(same ? header.total_bytes() : 0);
        if (!same)
            response.set_error("an update for this round was already accepted");
        return false;
    }
    if (m_round.hasFinished(siteId)) {
        response.set_status(v1::UploadResponse::REJECTED);
        response.set_error("this site's update for the round was already refused");
        return false;
    }
    if (!m_round.isParticipant(siteId)) {
        lock.unlock();
        rejectUpload(siteId, round, "no training task was given to this site for this round", response);
        return false;
    }
    if (header.total_bytes() == 0 || header.total_bytes() > m_maxUpdateBytes) {
        lock.unlock();
        rejectUpload(siteId, round, "update size " + std::to_string(header.total_bytes()) + " bytes is outside the limit (1.."
                         + std::to_string(m_maxUpdateBytes) + ")", response);
        return false;
    }
    if (header.sha256().size() != 64 || header.samples() == 0) {
        lock.unlock();
        rejectUpload(siteId, round, "the header needs a hex SHA-256 and a sample count", response);
        return false;
    }
    auto it = m_uploads.find(siteId);
    if (it == m_uploads.end() || !it->second.matches(header.sha256(), header.total_bytes(), header.attempt()))
        it = m_uploads.insert_or_assign(siteId, UploadAssembler(header.sha256(), header.total_bytes(), header.attempt(), header.samples())).first;
    response.set_received_bytes(it->second.received());
    response.set_status(v1::UploadResponse::INCOMPLETE);
    return !header.probe();
}

bool Coordinator::appendUpload(qint64 siteId, std::uint64_t offset, const std::string& data, const std::string& digest,
                               v1::UploadResponse& response)
{
    std::unique_lock<std::mutex> lock(m_mutex);
    auto it = m_uploads.find(siteId);
    if (it == m_uploads.end()) {
        response.set_status(v1::UploadResponse::LATE);
        response.set_error("the round closed during the upload");
        return false;
    }
    switch (it->second.append(offset, data, digest)) {
    case UploadAssembler::Outcome::Appended:
        response.set_received_bytes(it->second.received());
        return true;
    case UploadAssembler::Outcome::OffsetMismatch:
        response.set_status(v1::UploadResponse::OFFSET_MISMATCH);
        response.set_received_bytes(it->second.received());
        response.set_error("expected offset " + std::to_string(it->second.received()));
        return false;
    case UploadAssembler::Outcome::BadChecksum:
        // Not the site's fault necessarily: it resends from the last good byte.
        response.set_status(v1::UploadResponse::INCOMPLETE);
        response.set_received_bytes(it->second.received());
        response.set_error("chunk checksum mismatch at offset " + std::to_string(offset));
        return false;
    case UploadAssembler::Outcome::TooLarge:
        break;
    }
    const int round = m_round.round();
    m_uploads.erase(it);
    lock.unlock();
    rejectUpload(siteId, round, "more bytes than announced in the header", response);
    return false;
}

void Coordinator::finishUpload(qint64 siteId, v1::UploadResponse& response)
{
    std::unique_lock<std::mutex> lock(m_mutex);
    auto it = m_uploads.find(siteId);
    if (it == m_uploads.end()) {
        response.set_status(v1::UploadResponse::LATE);
        response.set_error("the round closed during the upload");
        return;
    }
    response.set_received_bytes(it->second.received());
    if (!it->second.complete()) {
        response.set_status(v1::UploadResponse::INCOMPLETE);
        return;
    }
    const int round = m_round.round();
    const bool intact = it->second.verify();
    UploadAssembler done = std::move(it->second);
    m_uploads.erase(it);
    lock.unlock();
    if (!intact) {
        rejectUpload(siteId, round, "the update's SHA-256 does not match its header", response);
        return;
    }
    const std::string sha = done.sha256();
    const std::uint64_t samples = done.samples();
    acceptUpdate(siteId, round, samples, sha, done.take(), response);
}

void Coordinator::rejectUpload(qint64 siteId, int round, const std::string& reason, v1::UploadResponse& response)
{
    response.set_protocol_version(kProtocolVersion);
    response.set_status(v1::UploadResponse::REJECTED);
    response.set_error(reason);
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        if (m_round.collecting() && m_round.round() == round)
            m_round.reject(siteId);
    }
    m_changed.notify_all();
    if (round > 0 && round <= m_config.rounds)
        m_rounds.setUpdateStatus(m_pilotId, round, siteId, QStringLiteral("rejected"), q(reason));
    audit(QStringLiteral("security"), QStringLiteral("federation"), siteName(siteId),
          QStringLiteral("update for round %1 rejected: %2").arg(round).arg(q(reason)));
}

Status Coordinator::acceptUpdate(qint64 siteId, int round, std::uint64_t samples, const std::string& sha256, std::string bytes,
                                 v1::UploadResponse& response)
{
    auto update = engine::decodeBundle(bytes);
    bytes.clear();
    if (!update) {
        rejectUpload(siteId, round, "malformed update: " + update.message(), response);
        return Status::ok();
    }
    std::shared_ptr<const engine::TensorBundle> global;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        global = m_global;
    }
    engine::UpdateLimits limits;
    limits.maxNorm = m_config.maxUpdateNorm;
    if (auto s = engine::validateUpdate(*global, update.value(), limits); !s) {
        rejectUpload(siteId, round, "invalid update: " + s.message(), response);
        return Status::ok();
    }
    const double norm = engine::l2Norm(update.value());
    double weight = static_cast<double>(samples);
    if (m_config.dpEpsilon > 0) {
        // Central DP: clip to S, equal weights, buffers left out (their statistics would leak).
        for (auto& t : update->tensors) {
            if (t.kind == engine::TensorKind::Buffer)
                std::fill(t.values.begin(), t.values.end(), 0.0f);
        }
        if (auto dp = engine::clipAndNoise(update.value(), m_config.dpClip, 0.0, 0); !dp) {
            rejectUpload(siteId, round, dp.message(), response);
            return Status::ok();
        }
        weight = 1.0;
    }
    std::unique_lock<std::mutex> lock(m_mutex);
    if (!m_round.collecting() || m_round.round() != round) {
        lock.unlock();
        response.set_status(v1::UploadResponse::LATE);
        response.set_error("the round closed before the update was counted");
        m_rounds.setUpdateStatus(m_pilotId, round, siteId, QStringLiteral("late"), q(response.error()));
        return Status::ok();
    }
    if (auto s = m_accumulator.add(update.value(), weight); !s) {
        lock.unlock();
        rejectUpload(siteId, round, s.message(), response);
        return Status::ok();
    }
    m_round.accept(siteId, std::chrono::steady_clock::now());
    m_acceptedSha[siteId] = sha256;
    m_normSum += norm;
    m_samples += static_cast<std::int64_t>(samples);
    lock.unlock();
    m_changed.notify_all();
    response.set_status(v1::UploadResponse::ACCEPTED);
    m_rounds.setUpdateStatus(m_pilotId, round, siteId, QStringLiteral("accepted"), {}, norm, static_cast<qint64>(samples));
    m_sites.setStatus(siteId, QStringLiteral("online"));
    return Status::ok();
}

}  // namespace fedpilot::federation
