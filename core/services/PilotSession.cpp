#include "services/PilotSession.h"

#include "federation/CertificateAuthority.h"
#include "federation/Protocol.h"
#include "federation/SiteClient.h"
#include "federation/TrafficMeter.h"
#include "storage/Database.h"
#include "storage/PilotRepository.h"
#include "storage/RoundRepository.h"
#include "storage/SiteRepository.h"
#include "common/Strings.h"
#include "fedpilot/engine/Federation.h"

#include <QDir>
#include <QFile>
#include <QSaveFile>
#include <QSqlQuery>
#include <QThread>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

namespace fedpilot {

using engine::Status;
namespace v = fedpilot::v1;

namespace {

QString q(const std::string& s)
{
    return QString::fromStdString(s);
}

QByteArray readAll(const QString& path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

bool writeAtomically(const QString& path, const std::string& data)
{
    QSaveFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(data.data(), qint64(data.size())) == qint64(data.size()) && f.commit();
}

// Shared state between the session loop and its heartbeat thread.
struct Activity {
    std::mutex mutex;
    std::condition_variable wake;
    std::string state = "idle";
    std::uint32_t round = 0;
    double progress = 0;
    bool stop = false;
    std::atomic<bool> cancelTask{false};
};

}  // namespace

PilotSession::PilotSession(PilotSessionOptions options)
    : m_options(std::move(options))
{
}

Status PilotSession::run(const std::atomic<bool>* cancel, const LogFn& logFn, const StateFn& stateFn)
{
    auto log = [&](const QString& text) {
        if (logFn)
            logFn(text);
    };
    auto announce = [&](SessionState::Phase phase, int round, const QString& verdict = {}) {
        if (stateFn)
            stateFn(SessionState{phase, round, verdict});
    };
    auto isCancelled = [&] { return cancel && cancel->load(); };
    const QDir dir(m_options.dir);
    if (!QDir().mkpath(dir.filePath(QStringLiteral("pki"))))
        return Status::error("cannot create " + m_options.dir.toStdString());
    Database db(dir.filePath(QStringLiteral("site.db")));
    if (auto s = db.open(); !s)
        return s;
    SiteRepository sites(db);
    auto selfId = sites.ensure(m_options.siteName, m_options.organization, m_options.contact);
    if (!selfId)
        return selfId.status();

    // 1. Enrollment, once: key and CSR made here; the private key never leaves the site.
    const QString keyPath = dir.filePath(QStringLiteral("pki/site.key"));
    const QString certPath = dir.filePath(QStringLiteral("pki/site.pem"));
    const QString caPath = dir.filePath(QStringLiteral("pki/ca.pem"));
    if (!QFile::exists(caPath)) {
        const QByteArray ca = readAll(m_options.caPath);
        if (ca.isEmpty())
            return Status::error("cannot read the pilot's CA certificate " + m_options.caPath.toStdString());
        writeAtomically(caPath, ca.toStdString());
    }
    federation::SiteTls tls;
    tls.caPem = readAll(caPath).toStdString();
    if (!QFile::exists(certPath)) {
        if (m_options.enrollmentCode.isEmpty())
            return Status::error("this site is not enrolled yet: give the enrollment code from the coordinator");
        auto request = federation::createKeyAndRequest(m_options.siteName.toStdString());
        if (!request)
            return request.status();
        federation::SiteClient enroller(m_options.coordinator.toStdString(), tls);
        v::EnrollRequest er;
        er.set_protocol_version(federation::kProtocolVersion);
        er.set_site_name(m_options.siteName.toStdString());
        er.set_code(m_options.enrollmentCode.toStdString());
        er.set_csr_pem(request->csrPem);
        er.mutable_info()->set_organization(m_options.organization.toStdString());
        er.mutable_info()->set_contact(m_options.contact.toStdString());
        v::EnrollResponse response;
        grpc::Status status;
        const auto start = std::chrono::steady_clock::now();
        int backoffMs = 200;
        while (!(status = enroller.enroll(er, response)).ok() && federation::SiteClient::isTransient(status) && !isCancelled()
               && std::chrono::steady_clock::now() - start < std::chrono::duration<double>(m_options.giveUpAfterS)) {
            std::this_thread::sleep_for(std::chrono::milliseconds(backoffMs));  // backoff between reconnect attempts
            backoffMs = std::min(backoffMs * 2, 3000);
        }
        if (!status.ok())
            return Status::error("enrollment failed: " + status.error_message());
        if (!response.ok())
            return Status::error("enrollment refused: " + response.error());
        if (!writeAtomically(keyPath, request->keyPem) || !writeAtomically(certPath, response.certificate_pem()))
            return Status::error("cannot store the site's certificate");
        QFile::setPermissions(keyPath, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
        sites.setCertificate(selfId.value(), q(response.certificate_serial()), QString(), QString());
        db.logEvent(QStringLiteral("info"), QStringLiteral("enrollment"), m_options.siteName,
                    QStringLiteral("enrolled; certificate %1").arg(q(response.certificate_serial())));
        log(QStringLiteral("enrolled with the coordinator"));
        announce(SessionState::Phase::Enrolled, 0);
    }
    tls.keyPem = readAll(keyPath).toStdString();
    tls.certPem = readAll(certPath).toStdString();
    federation::SiteClient client(m_options.coordinator.toStdString(), tls);
    federation::TrafficMeter meter;
    SiteRoundRunner runner(m_options.dir, m_options.data);

    // Every call goes through here: transient failures are retried with exponential backoff
    // until giveUpAfterS passes without a single success.
    auto lastSuccess = std::chrono::steady_clock::now();
    auto call = [&](const std::function<grpc::Status()>& f) -> grpc::Status {
        int backoffMs = 200;
        while (true) {
            grpc::Status s = f();
            if (s.ok()) {
                lastSuccess = std::chrono::steady_clock::now();
                return s;
            }
            if (!federation::SiteClient::isTransient(s) || isCancelled()
                || std::chrono::steady_clock::now() - lastSuccess > std::chrono::duration<double>(m_options.giveUpAfterS))
                return s;
            std::this_thread::sleep_for(std::chrono::milliseconds(backoffMs));
            backoffMs = std::min(backoffMs * 2, 3000);
        }
    };

    // 2. Hello.
    v::HelloRequest hr;
    hr.set_protocol_version(federation::kProtocolVersion);
    hr.set_min_protocol_version(federation::kMinProtocolVersion);
    hr.set_software_version("fedpilot 0.1");
    hr.add_capabilities("fp16");
    hr.add_capabilities("int8");
    hr.add_capabilities("model_delta");
    hr.add_capabilities("zstd");
    hr.add_capabilities("resume");
    hr.mutable_info()->set_hardware_json(QStringLiteral("{\"threads\":%1}").arg(QThread::idealThreadCount()).toStdString());
    v::HelloResponse hello;
    if (auto s = call([&] { return client.hello(hr, hello); }); !s.ok())
        return Status::error("hello failed: " + s.error_message());
    if (!hello.ok())
        return Status::error("the coordinator refused this site: " + hello.error());
    PilotRepository pilots(db);
    PilotRecord pilotRecord;
    pilotRecord.name = q(hello.pilot_name());
    pilotRecord.strategy = QStringLiteral("unknown");
    pilotRecord.totalRounds = static_cast<int>(hello.total_rounds());
    auto pilotId = pilots.upsert(pilotRecord);
    if (!pilotId)
        return pilotId.status();
    pilots.addSite(pilotId.value(), selfId.value());
    RoundRepository rounds(db);
    TrafficRepository traffic(db);
    const QString baselineKey = QStringLiteral("baseline_done:") + q(hello.pilot_name());
    bool baselineDone = false;
    {
        QSqlQuery query(db.connection());
        query.prepare(QStringLiteral("SELECT value FROM settings WHERE key=?"));
        query.addBindValue(baselineKey);
        baselineDone = query.exec() && query.next() && query.value(0).toString() == QStringLiteral("1");
    }
    log(QStringLiteral("joined pilot '%1' (%2 rounds)").arg(q(hello.pilot_name())).arg(hello.total_rounds()));
    announce(SessionState::Phase::Online, 0);

    // 3. Heartbeat on its own thread (training blocks the loop for minutes).
    Activity activity;
    std::thread heartbeat([&] {
        std::unique_lock<std::mutex> lock(activity.mutex);
        while (!activity.stop) {
            v::HeartbeatRequest req;
            req.set_protocol_version(federation::kProtocolVersion);
            req.set_state(activity.state);
            req.set_round(activity.round);
            req.set_progress(activity.progress);
            lock.unlock();
            v::HeartbeatResponse resp;
            if (client.heartbeat(req, resp).ok() && resp.cancel_task())
                activity.cancelTask = true;
            if (isCancelled())
                activity.cancelTask = true;
            lock.lock();
            activity.wake.wait_for(lock, std::chrono::milliseconds(std::max<std::uint32_t>(200, hello.heartbeat_interval_ms())));
        }
    });
    auto setActivity = [&](const char* state, std::uint32_t round, double progress) {
        {
            std::lock_guard<std::mutex> lock(activity.mutex);
            if (activity.state == state && activity.round == round)
                return;
            activity.state = state;
            activity.round = round;
            activity.progress = progress;
        }
        using P = SessionState::Phase;
        const std::string st = state;
        announce(st == "downloading" ? P::Downloading
                 : st == "evaluating" ? P::Evaluating
                 : st == "training"   ? P::Training
                 : st == "uploading"  ? P::Uploading
                                      : P::Idle,
                 static_cast<int>(round));
    };
    auto flush = [&] { meter.flush(traffic, pilotId.value()); };

    // The global model this site holds (kept on disk so a restart need not download it again):
    // a task whose model has the same content needs no download, and one whose delta starts
    // from it needs only the (int8) delta.
    const QString heldPath = QDir(m_options.dir).filePath(QStringLiteral("global-held.fptb"));
    std::optional<engine::TensorBundle> held;
    std::string heldContent;
    if (QFile::exists(heldPath)) {
        if (auto loaded = engine::loadBundle(toEnginePath(heldPath))) {
            heldContent = engine::contentSha256(loaded.value());
            held = std::move(loaded.value());
        }
    }
    auto hold = [&](engine::TensorBundle model, const std::string& content) {
        heldContent = content;
        held = std::move(model);
        if (auto saved = engine::saveBundle(toEnginePath(heldPath), *held); !saved)
            log(QStringLiteral("cannot keep the model on disk (%1); the next round downloads it in full").arg(q(saved.message())));
    };
    // The task's model: held already, rebuilt from the delta, or downloaded in full.
    auto obtainModel = [&](const v::Task& task, std::uint32_t modelRound, std::uint32_t forRound) -> engine::Result<engine::TensorBundle> {
        using R = engine::Result<engine::TensorBundle>;
        const std::string& want = task.model().content_sha256();
        if (held && !want.empty() && heldContent == want)
            return *held;
        const v::Artifact& delta = task.model_delta();
        if (held && !want.empty() && delta.kind() == "model_delta" && delta.base_content_sha256() == heldContent) {
            std::string bytes;
            auto d = call([&] { return client.download(modelRound, "model_delta", delta, forRound, bytes, &meter, selfId.value()); });
            auto decoded = d.ok() ? engine::decodeBundle(bytes) : R::error(d.error_message());
            engine::Encoding precision = engine::Encoding::Fp32;
            if (decoded) {
                const auto p = decoded->meta.find("model_precision");
                if (p == decoded->meta.end() || !engine::parseEncoding(p->second, precision))
                    decoded = R::error("the delta names no model precision");
            }
            auto rebuilt = decoded ? engine::applyDeltaRounded(*held, decoded.value(), precision) : R::error(decoded.message());
            if (rebuilt && engine::contentSha256(rebuilt.value()) == want) {
                hold(rebuilt.value(), want);
                return rebuilt;
            }
            log(QStringLiteral("the model delta of round %1 did not rebuild the model (%2); downloading it in full")
                    .arg(modelRound).arg(rebuilt ? QStringLiteral("content hash differs") : q(rebuilt.message())));
        }
        std::string bytes;
        if (auto d = call([&] { return client.download(modelRound, "model", task.model(), forRound, bytes, &meter, selfId.value()); }); !d.ok())
            return R::error("download failed: " + d.error_message());
        auto model = engine::decodeBundle(bytes);
        if (!model)
            return R::error("the downloaded model is malformed: " + model.message());
        const std::string content = engine::contentSha256(model.value());
        if (!want.empty() && content != want)
            return R::error("the downloaded model's content does not match the task's content hash");
        hold(model.value(), content);
        return model;
    };

    // 4. The task loop.
    Status result = Status::ok();
    while (true) {
        flush();
        if (isCancelled()) {
            result = Status::error("cancelled");
            break;
        }
        setActivity("idle", 0, 0);
        v::Task task;
        const auto s = call([&] { task.Clear(); return client.poll(static_cast<std::uint32_t>(m_options.pollWaitMs), baselineDone, task); });
        if (!s.ok()) {
            result = Status::error("lost the coordinator: " + s.error_message());
            break;
        }
        if (task.type() == v::Task::STOP) {
            log(QStringLiteral("coordinator: %1").arg(q(task.message())));
            break;
        }
        if (task.type() == v::Task::WAIT)
            continue;
        const std::uint32_t forRound = task.type() == v::Task::EVALUATE ? 0 : task.round();
        setActivity("downloading", forRound, 0);
        const std::uint32_t modelRound = task.type() == v::Task::EVALUATE ? task.round() : task.round() - 1;
        auto model = obtainModel(task, modelRound, forRound);
        if (!model) {
            log(QString::fromStdString(model.message()));
            continue;
        }
        if (task.type() == v::Task::EVALUATE) {
            setActivity("evaluating", 0, 0);
            auto report = runner.evaluateBaseline(model.value(), task.round());
            if (!report) {
                result = report.status();
                break;
            }
            v::MetricsAck ack;
            report->set_protocol_version(federation::kProtocolVersion);
            if (call([&] { return client.report(report.value(), ack); }).ok() && ack.ok()) {
                baselineDone = true;
                QSqlQuery query(db.connection());
                query.prepare(QStringLiteral("INSERT OR REPLACE INTO settings(key, value) VALUES(?, '1')"));
                query.addBindValue(baselineKey);
                query.exec();
                SiteMetricsRecord m;
                m.pilotId = pilotId.value();
                m.roundIndex = 0;
                m.siteId = selfId.value();
                m.kind = QStringLiteral("baseline");
                m.genericAccuracy = report->generic().accuracy();
                m.genericAuc = report->generic().auc();
                m.samples = qint64(report->samples());
                rounds.saveSiteMetrics(m);
                log(QStringLiteral("baseline: accuracy %1 on held-out faces").arg(report->generic().accuracy(), 0, 'f', 4));
            }
            continue;
        }
        // TRAIN
        std::string repsBytes;
        if (!task.public_reps().kind().empty()) {
            if (auto d = call([&] { return client.download(task.round(), "public_reps", task.public_reps(), task.round(), repsBytes, &meter, selfId.value()); }); !d.ok()) {
                log(QStringLiteral("download failed: %1").arg(q(d.error_message())));
                continue;
            }
        }
        log(QStringLiteral("training round %1").arg(task.round()));
        setActivity("training", task.round(), 0);
        activity.cancelTask = false;
        auto trained = runner.train(task, model.value(), repsBytes, std::hash<std::string>{}(m_options.siteName.toStdString()), &activity.cancelTask,
                                    [&](double f) { std::lock_guard<std::mutex> lock(activity.mutex); activity.progress = f; });
        if (!trained) {
            result = trained.status();
            break;
        }
        if (trained->cancelled) {
            log(QStringLiteral("round %1 closed while training; waiting for the next task").arg(task.round()));
            continue;
        }
        setActivity("uploading", task.round(), 0);
        federation::SiteClient::UploadRequest up;
        up.pilotName = task.pilot_name();
        up.round = task.round();
        up.attempt = task.attempt();
        up.samples = static_cast<std::uint64_t>(runner.trainSamples());
        up.rawBytes = trained->rawBytes;
        up.chunkBytes = hello.chunk_bytes() > 0 ? hello.chunk_bytes() : federation::kDefaultChunkBytes;
        v::UploadResponse uploaded;
        if (auto u = call([&] { return client.upload(up, trained->update, uploaded, &meter, selfId.value()); }); !u.ok()) {
            log(QStringLiteral("upload failed: %1").arg(q(u.error_message())));
            continue;
        }
        const char* verdict = uploaded.status() == v::UploadResponse::ACCEPTED ? "accepted"
            : uploaded.status() == v::UploadResponse::LATE                     ? "late"
                                                                               : "rejected";
        log(QStringLiteral("round %1: update of %2 bytes %3%4").arg(task.round()).arg(trained->update.size()).arg(QLatin1String(verdict))
                .arg(uploaded.error().empty() ? QString() : QStringLiteral(" (") + q(uploaded.error()) + QLatin1Char(')')));
        announce(SessionState::Phase::Sent, static_cast<int>(task.round()), QLatin1String(verdict));
        trained->report.set_protocol_version(federation::kProtocolVersion);
        v::MetricsAck ack;
        call([&] { return client.report(trained->report, ack); });
        SiteMetricsRecord m;
        m.pilotId = pilotId.value();
        m.roundIndex = static_cast<int>(task.round());
        m.siteId = selfId.value();
        m.loss = trained->report.loss();
        m.genericAccuracy = trained->report.generic().accuracy();
        m.genericAuc = trained->report.generic().auc();
        m.personalizedAccuracy = trained->report.personalized().accuracy();
        m.personalizedAuc = trained->report.personalized().auc();
        m.samples = qint64(trained->report.samples());
        m.trainSeconds = trained->report.train_seconds();
        m.device = q(trained->report.device());
        m.updateNorm = trained->updateNorm;
        rounds.saveSiteMetrics(m);
        rounds.setUpdateStatus(pilotId.value(), m.roundIndex, selfId.value(), QLatin1String(verdict), q(uploaded.error()));
    }
    {
        std::lock_guard<std::mutex> lock(activity.mutex);
        activity.stop = true;
    }
    activity.wake.notify_all();
    heartbeat.join();
    flush();
    return result;
}

}  // namespace fedpilot
