// Federation input checks over real gRPC + TLS on loopback (coordinator in-process): no or foreign
// client certificate, reused enrollment code, malformed upload, NaN, wrong shapes, oversize,
// removed site. Each is refused with a clear error and an audit entry, and the round still
// completes with the one good update (uploaded after a broken stream, resumed).

#include "federation/CertificateAuthority.h"
#include "federation/ChunkedTransfer.h"
#include "federation/Protocol.h"
#include "federation/SiteClient.h"
#include "fedpilot/engine/TensorBundle.h"
#include "services/CoordinatorService.h"

#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <condition_variable>
#include <mutex>
#include <thread>

using namespace fedpilot;
using namespace fedpilot::federation;

class TestFedSecurity : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    std::unique_ptr<CoordinatorService> m_service;
    std::thread m_thread;
    std::atomic<bool> m_stop{false};
    std::mutex m_mutex;
    std::condition_variable m_changed;
    int m_port = 0;
    bool m_done = false;
    engine::Status m_result = engine::Status::ok();
    std::string m_caPem;

    QString address() const { return QStringLiteral("127.0.0.1:%1").arg(m_port); }

    int countEvents(const QString& level, const QString& like)
    {
        QSqlQuery q(m_service->database()->connection());
        q.prepare(QStringLiteral("SELECT COUNT(*) FROM events WHERE level=? AND message LIKE ?"));
        q.addBindValue(level);
        q.addBindValue(QStringLiteral("%") + like + QStringLiteral("%"));
        return q.exec() && q.next() ? q.value(0).toInt() : -1;
    }

    // Enrolls `name` and returns a client holding its certificate.
    std::unique_ptr<SiteClient> enrolled(const QString& name)
    {
        auto code = m_service->issueEnrollmentCode(name);
        if (!code)
            return nullptr;
        auto kr = createKeyAndRequest(name.toStdString());
        SiteClient anonymous(address().toStdString(), SiteTls{m_caPem, {}, {}});
        v1::EnrollRequest req;
        req.set_protocol_version(kProtocolVersion);
        req.set_site_name(name.toStdString());
        req.set_code(code->toStdString());
        req.set_csr_pem(kr->csrPem);
        v1::EnrollResponse resp;
        if (!anonymous.enroll(req, resp).ok() || !resp.ok())
            return nullptr;
        auto client = std::make_unique<SiteClient>(address().toStdString(), SiteTls{m_caPem, kr->keyPem, resp.certificate_pem()});
        v1::HelloRequest hr;
        hr.set_protocol_version(kProtocolVersion);
        hr.set_min_protocol_version(kProtocolVersion);
        v1::HelloResponse hello;
        if (!client->hello(hr, hello).ok() || !hello.ok())
            return nullptr;
        return client;
    }

    // Polls until the client gets its training task for round 1.
    bool trainTask(SiteClient& client, v1::Task& task)
    {
        for (int i = 0; i < 20; ++i) {
            task.Clear();
            if (!client.poll(2000, true, task).ok())
                return false;
            if (task.type() == v1::Task::TRAIN)
                return true;
        }
        return false;
    }

    v1::UploadResponse upload(SiteClient& client, const v1::Task& task, const std::string& bytes, std::uint64_t announced = 0)
    {
        SiteClient::UploadRequest r;
        r.pilotName = task.pilot_name();
        r.round = task.round();
        r.attempt = task.attempt();
        r.samples = 10;
        r.rawBytes = bytes.size();
        v1::UploadResponse response;
        if (announced == 0) {
            client.upload(r, bytes, response);
            return response;
        }
        v1::UploadChunk m;
        auto* h = m.mutable_header();
        h->set_protocol_version(kProtocolVersion);
        h->set_pilot_name(r.pilotName);
        h->set_round(r.round);
        h->set_attempt(r.attempt);
        h->set_total_bytes(announced);
        h->set_sha256(engine::sha256Hex(bytes));
        h->set_samples(10);
        client.uploadRaw({m}, response);
        return response;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        auto config = parsePilotConfig(QJsonObject{
            {QStringLiteral("name"), QStringLiteral("security")}, {QStringLiteral("strategy"), QStringLiteral("fedavg")},
            {QStringLiteral("input_size"), 32}, {QStringLiteral("embedding_size"), 64}, {QStringLiteral("rounds"), 1},
            {QStringLiteral("min_sites"), 1}, {QStringLiteral("wait_after_min_s"), 0}, {QStringLiteral("round_timeout_s"), 120},
            {QStringLiteral("linger_s"), 1}, {QStringLiteral("max_update_bytes"), 4000000},
            {QStringLiteral("public"), QJsonObject{{QStringLiteral("identities"), 6}, {QStringLiteral("images_per_identity"), 4},
                                                   {QStringLiteral("eval_identities"), 6}, {QStringLiteral("eval_images_per_identity"), 4},
                                                   {QStringLiteral("pretrain_epochs"), 0}}}});
        QVERIFY2(config.isOk(), config.message().c_str());
        m_service = std::make_unique<CoordinatorService>(m_dir.filePath(QStringLiteral("coordinator")));
        QVERIFY(m_service->init(config.value()).isOk());
        QVERIFY(m_service->open().isOk());
        QFile ca(m_service->caCertificatePath());
        QVERIFY(ca.open(QIODevice::ReadOnly));
        m_caPem = ca.readAll().toStdString();
        m_thread = std::thread([this] {
            auto s = m_service->run(QStringLiteral("127.0.0.1:0"), &m_stop, [this](int port) {
                std::lock_guard<std::mutex> lock(m_mutex);
                m_port = port;
                m_changed.notify_all();
            });
            std::lock_guard<std::mutex> lock(m_mutex);
            m_result = s;
            m_done = true;
            m_changed.notify_all();
        });
        std::unique_lock<std::mutex> lock(m_mutex);
        QVERIFY(m_changed.wait_for(lock, std::chrono::seconds(60), [this] { return m_port != 0 || m_done; }));
        QVERIFY2(m_port != 0, m_result.message().c_str());
    }

    void cleanupTestCase()
    {
        m_stop = true;
        if (m_thread.joinable())
            m_thread.join();
    }

    void callsWithoutCertificateAreRefused()
    {
        SiteClient anonymous(address().toStdString(), SiteTls{m_caPem, {}, {}});
        v1::HelloRequest hr;
        hr.set_protocol_version(kProtocolVersion);
        v1::HelloResponse hello;
        const auto status = anonymous.hello(hr, hello);
        QCOMPARE(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
        QVERIFY(status.error_message().find("client certificate") != std::string::npos);
        QVERIFY(countEvents(QStringLiteral("security"), QStringLiteral("Hello refused")) >= 1);
    }

    void foreignCertificateIsRefused()
    {
        auto foreign = CertificateAuthority::loadOrCreate(m_dir.filePath(QStringLiteral("foreign")).toStdString());
        QVERIFY(foreign.isOk());
        auto kr = createKeyAndRequest("mallory");
        auto cert = foreign->signRequest(kr->csrPem, "mallory");
        QVERIFY(cert.isOk());
        SiteClient mallory(address().toStdString(), SiteTls{m_caPem, kr->keyPem, cert->pem});
        v1::Task task;
        const auto status = mallory.poll(100, true, task);
        QCOMPARE(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
        QVERIFY(status.error_message().find("not issued by this pilot's CA") != std::string::npos);
        QVERIFY(countEvents(QStringLiteral("security"), QStringLiteral("not issued by this pilot's CA")) >= 1);
    }

    void enrollmentCodeWorksOnce()
    {
        auto code = m_service->issueEnrollmentCode(QStringLiteral("once"));
        QVERIFY(code.isOk());
        SiteClient anonymous(address().toStdString(), SiteTls{m_caPem, {}, {}});
        for (int attempt = 0; attempt < 2; ++attempt) {
            auto kr = createKeyAndRequest("once");
            v1::EnrollRequest req;
            req.set_protocol_version(kProtocolVersion);
            req.set_site_name("once");
            req.set_code(code->toStdString());
            req.set_csr_pem(kr->csrPem);
            v1::EnrollResponse resp;
            QVERIFY(anonymous.enroll(req, resp).ok());
            QCOMPARE(resp.ok(), attempt == 0);
            if (attempt == 1)
                QVERIFY(resp.error().find("already used") != std::string::npos);
        }
        QVERIFY(countEvents(QStringLiteral("security"), QStringLiteral("enrollment refused")) >= 1);
    }

    void badRequestDoesNotBurnTheCode()
    {
        auto code = m_service->issueEnrollmentCode(QStringLiteral("careful"));
        QVERIFY(code.isOk());
        SiteClient anonymous(address().toStdString(), SiteTls{m_caPem, {}, {}});
        auto enroll = [&](const std::string& csr) {
            v1::EnrollRequest req;
            req.set_protocol_version(kProtocolVersion);
            req.set_site_name("careful");
            req.set_code(code->toStdString());
            req.set_csr_pem(csr);
            v1::EnrollResponse resp;
            [&] { QVERIFY(anonymous.enroll(req, resp).ok()); }();
            return resp;
        };
        // A request for another name, then garbage: refused with the reason, code still valid.
        auto wrongName = createKeyAndRequest("someone-else");
        QVERIFY(wrongName.isOk());
        auto r1 = enroll(wrongName->csrPem);
        QVERIFY(!r1.ok());
        QVERIFY2(r1.error().find("someone-else") != std::string::npos, r1.error().c_str());
        auto r2 = enroll("-----BEGIN CERTIFICATE REQUEST-----\nnot base64\n-----END CERTIFICATE REQUEST-----\n");
        QVERIFY(!r2.ok());
        QVERIFY(r2.certificate_pem().empty());
        auto good = createKeyAndRequest("careful");
        QVERIFY(good.isOk());
        auto r3 = enroll(good->csrPem);
        QVERIFY2(r3.ok(), r3.error().c_str());
        QVERIFY(!r3.certificate_pem().empty());
    }

    void removedSiteIsRefused()
    {
        auto site = enrolled(QStringLiteral("leaving"));
        QVERIFY(site);
        QVERIFY(m_service->removeSite(QStringLiteral("leaving")).isOk());
        v1::Task task;
        const auto status = site->poll(100, true, task);
        QCOMPARE(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
        QVERIFY(countEvents(QStringLiteral("security"), QStringLiteral("revoked")) >= 1);
    }

    // A request without (or with an unknown) protocol version is refused the same way on every
    // call after Hello.
    void unknownProtocolVersionIsRefused()
    {
        auto site = enrolled(QStringLiteral("versioned"));
        QVERIFY(site);
        v1::HeartbeatRequest beat;   // protocol_version left at 0
        beat.set_state("idle");
        v1::HeartbeatResponse reply;
        const auto status = site->heartbeat(beat, reply);
        QCOMPARE(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
        QVERIFY2(status.error_message().find("protocol version 0") != std::string::npos, status.error_message().c_str());
        beat.set_protocol_version(kProtocolVersion + 7);
        QCOMPARE(site->heartbeat(beat, reply).error_code(), grpc::StatusCode::FAILED_PRECONDITION);
        beat.set_protocol_version(kProtocolVersion);
        QVERIFY(site->heartbeat(beat, reply).ok());
        QVERIFY(m_service->removeSite(QStringLiteral("versioned")).isOk());
    }

    void badUpdatesAreRejectedAndTheRoundGoesOn()
    {
        auto good = enrolled(QStringLiteral("good"));
        auto garbage = enrolled(QStringLiteral("garbage"));
        auto nan = enrolled(QStringLiteral("nan"));
        auto shape = enrolled(QStringLiteral("shape"));
        auto big = enrolled(QStringLiteral("big"));
        auto headless = enrolled(QStringLiteral("headless"));
        QVERIFY(good && garbage && nan && shape && big && headless);
        v1::Task task;
        for (auto* c : {garbage.get(), nan.get(), shape.get(), big.get(), headless.get()})
            QVERIFY(trainTask(*c, task));
        std::string modelBytes;
        QVERIFY(garbage->download(task.round() - 1, "model", task.model(), task.round(), modelBytes).ok());
        auto global = engine::decodeBundle(modelBytes);
        QVERIFY(global.isOk());
        engine::TensorBundle zero = global.value();
        for (auto& t : zero.tensors)
            std::fill(t.values.begin(), t.values.end(), 0.0f);

        auto r = upload(*garbage, task, "this is not a tensor bundle");
        QCOMPARE(r.status(), v1::UploadResponse::REJECTED);
        QVERIFY2(r.error().find("malformed") != std::string::npos, r.error().c_str());

        engine::TensorBundle withNan = zero;
        withNan.tensors[0].values[0] = std::numeric_limits<float>::quiet_NaN();
        r = upload(*nan, task, engine::encodeBundle(withNan).value());
        QCOMPARE(r.status(), v1::UploadResponse::REJECTED);
        QVERIFY2(r.error().find("invalid update") != std::string::npos, r.error().c_str());

        engine::TensorBundle wrongShape = zero;
        wrongShape.tensors[0].shape[0] += 1;
        wrongShape.tensors[0].values.resize(static_cast<std::size_t>(wrongShape.tensors[0].numel()));
        r = upload(*shape, task, engine::encodeBundle(wrongShape).value());
        QCOMPARE(r.status(), v1::UploadResponse::REJECTED);
        QVERIFY2(r.error().find("invalid update") != std::string::npos, r.error().c_str());

        r = upload(*big, task, "x", 50'000'000);
        QCOMPARE(r.status(), v1::UploadResponse::REJECTED);
        QVERIFY2(r.error().find("outside the limit") != std::string::npos, r.error().c_str());

        v1::UploadChunk noHeader;
        noHeader.set_data("abc");
        v1::UploadResponse nh;
        QVERIFY(headless->uploadRaw({noHeader}, nh).ok());
        QCOMPARE(nh.status(), v1::UploadResponse::REJECTED);

        QVERIFY(countEvents(QStringLiteral("security"), QStringLiteral("rejected")) >= 4);
        QVERIFY(countEvents(QStringLiteral("security"), QStringLiteral("no header")) >= 1);

        // The pilot goes on: the good site's update closes the round.
        v1::Task goodTask;
        QVERIFY(trainTask(*good, goodTask));
        const std::string goodBytes = engine::encodeBundle(zero, {engine::Encoding::Fp16, engine::Compression::Zstd, 3}).value();
        // A stream that breaks after the first half: the coordinator keeps the half...
        v1::UploadChunk first;
        auto* h = first.mutable_header();
        h->set_protocol_version(kProtocolVersion);
        h->set_pilot_name(goodTask.pilot_name());
        h->set_round(goodTask.round());
        h->set_attempt(goodTask.attempt());
        h->set_total_bytes(goodBytes.size());
        h->set_sha256(engine::sha256Hex(goodBytes));
        h->set_samples(10);
        const std::string half = goodBytes.substr(0, goodBytes.size() / 2);
        first.set_offset(0);
        first.set_data(half);
        first.set_sha256(chunkDigest(half));
        v1::UploadResponse partial;
        QVERIFY(good->uploadRaw({first}, partial).ok());
        QCOMPARE(partial.status(), v1::UploadResponse::INCOMPLETE);
        QCOMPARE(partial.received_bytes(), std::uint64_t(half.size()));
        // ...and the client resumes from there (offset mismatch -> continue at received_bytes).
        r = upload(*good, goodTask, goodBytes);
        QCOMPARE(r.status(), v1::UploadResponse::ACCEPTED);
        {
            std::unique_lock<std::mutex> lock(m_mutex);
            QVERIFY(m_changed.wait_for(lock, std::chrono::seconds(60), [this] { return m_done; }));
            QVERIFY2(m_result.isOk(), m_result.message().c_str());
        }
        QSqlQuery q(m_service->database()->connection());
        QVERIFY(q.exec(QStringLiteral("SELECT state, sites_accepted, sites_rejected FROM rounds WHERE round_index=1")) && q.next());
        QCOMPARE(q.value(0).toString(), QStringLiteral("completed"));
        QCOMPARE(q.value(1).toInt(), 1);
        QCOMPARE(q.value(2).toInt(), 5);
    }
};

QTEST_GUILESS_MAIN(TestFedSecurity)
#include "tst_fed_security.moc"
