// Federation building blocks without a network: round rules (exact times), pilot config
// validation, CA signing/verification, chunked upload assembly, byte shares, and the
// repositories over migration 0003.

#include "federation/CertificateAuthority.h"
#include "federation/ChunkedTransfer.h"
#include "federation/Coordinator.h"
#include "federation/PilotConfig.h"
#include "federation/RoundStateMachine.h"
#include "fedpilot/engine/TensorBundle.h"
#include "storage/Database.h"
#include "storage/PilotRepository.h"
#include "storage/RoundRepository.h"
#include "storage/SiteRepository.h"
#include "storage/TrafficRepository.h"

#include <QJsonArray>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace fedpilot;
using namespace fedpilot::federation;
using namespace std::chrono_literals;

class TestFedUnits : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void roundClosesWhenEveryoneReported()
    {
        RoundStateMachine m({2, 10s, 60s});
        const auto t0 = RoundStateMachine::Clock::time_point(1000s);
        m.setExpected({1, 2, 3});
        m.open(1, 1, t0);
        QVERIFY(m.assign(1) && m.assign(2) && m.assign(3));
        m.accept(1, t0 + 1s);
        QCOMPARE(m.closeReason(t0 + 2s), CloseReason::None);
        m.accept(2, t0 + 2s);
        QCOMPARE(m.closeReason(t0 + 3s), CloseReason::None);  // site 3 still expected
        m.reject(3);
        QCOMPARE(m.closeReason(t0 + 3s), CloseReason::AllReported);
        QVERIFY(!m.assign(3));  // a rejected site gets no second task this round
    }

    void stragglersAreCutOffAfterWaitAfterMin()
    {
        RoundStateMachine m({2, 10s, 60s});
        const auto t0 = RoundStateMachine::Clock::time_point(1000s);
        m.setExpected({1, 2, 3});
        m.open(1, 1, t0);
        m.assign(1);
        m.assign(2);
        m.assign(3);
        m.accept(1, t0 + 1s);
        m.accept(2, t0 + 5s);  // min reached at t0+5
        QCOMPARE(m.closeReason(t0 + 14s), CloseReason::None);
        QVERIFY(m.nextCheck(t0 + 6s) == t0 + 15s);
        QCOMPARE(m.closeReason(t0 + 15s), CloseReason::WaitAfterMin);
        QCOMPARE(m.unfinished(), (std::set<qint64>{3}));
    }

    void timeoutBoundsARoundWithoutQuorum()
    {
        RoundStateMachine m({3, 10s, 60s});
        const auto t0 = RoundStateMachine::Clock::time_point(1000s);
        m.open(1, 1, t0);
        m.assign(1);
        m.accept(1, t0 + 1s);
        QCOMPARE(m.closeReason(t0 + 59s), CloseReason::None);
        QCOMPARE(m.closeReason(t0 + 60s), CloseReason::Timeout);
        m.close();
        QVERIFY(!m.assign(2));
    }

    void configIsValidatedWithClearErrors()
    {
        auto ok = parsePilotConfig(QJsonObject{{QStringLiteral("rounds"), 3}, {QStringLiteral("local_epochs"), QJsonArray{3, 2}}});
        QVERIFY2(ok.isOk(), ok.message().c_str());
        QCOMPARE(ok->epochsForRound(1), 3);
        QCOMPARE(ok->epochsForRound(3), 2);
        auto typo = parsePilotConfig(QJsonObject{{QStringLiteral("roundz"), 3}});
        QVERIFY(!typo.isOk());
        QVERIFY(typo.message().find("unknown key 'roundz'") != std::string::npos);
        auto range = parsePilotConfig(QJsonObject{{QStringLiteral("input_size"), 33}});
        QVERIFY(!range.isOk());
        auto type = parsePilotConfig(QJsonObject{{QStringLiteral("min_sites"), QStringLiteral("two")}});
        QVERIFY(!type.isOk());
        QVERIFY(type.message().find("min_sites expects a number") != std::string::npos);
        auto nested = parsePilotConfig(QJsonObject{{QStringLiteral("dp"), QJsonObject{{QStringLiteral("epsilon"), -1}}}});
        QVERIFY(!nested.isOk());
        QVERIFY(nested.message().find("dp.epsilon") != std::string::npos);
        // Round trip.
        auto again = parsePilotConfig(toJson(ok.value()));
        QVERIFY2(again.isOk(), again.message().c_str());
        QCOMPARE(again->rounds, 3);
    }

    void compressionChoicesAreParsedAndChecked()
    {
        auto parse = [](const char* down, const char* up, const char* delta) {
            return parsePilotConfig(QJsonObject{{QStringLiteral("compression"),
                                                 QJsonObject{{QStringLiteral("down"), QLatin1String(down)},
                                                             {QStringLiteral("up"), QLatin1String(up)},
                                                             {QStringLiteral("delta"), QLatin1String(delta)}}}});
        };
        auto defaults = parsePilotConfig(QJsonObject{});
        QVERIFY(defaults.isOk());
        QCOMPARE(defaults->up.encoding, engine::Encoding::Int8);
        QCOMPARE(defaults->down.encoding, engine::Encoding::Fp16);
        QVERIFY(defaults->deltaDown);
        auto fp = parse("fp32", "fp16+zstd", "off");
        QVERIFY2(fp.isOk(), fp.message().c_str());
        QCOMPARE(fp->down.encoding, engine::Encoding::Fp32);
        QCOMPARE(fp->down.compression, engine::Compression::None);
        QCOMPARE(fp->up.encoding, engine::Encoding::Fp16);
        QCOMPARE(fp->up.compression, engine::Compression::Zstd);
        QVERIFY(!fp->deltaDown);
        auto again = parsePilotConfig(toJson(fp.value()));
        QVERIFY(again.isOk());
        QVERIFY(!again->deltaDown);
        QCOMPARE(again->up.encoding, engine::Encoding::Fp16);
        // The full model is never int8; unknown names and compressors are named in the error.
        auto int8Down = parse("int8", "int8", "int8");
        QVERIFY(!int8Down.isOk());
        QVERIFY2(int8Down.message().find("compression.down") != std::string::npos, int8Down.message().c_str());
        auto badUp = parse("fp16", "int4", "off");
        QVERIFY(!badUp.isOk());
        QVERIFY2(badUp.message().find("compression.up") != std::string::npos, badUp.message().c_str());
        auto badDelta = parse("fp16", "int8", "int8+gzip");
        QVERIFY(!badDelta.isOk());
        QVERIFY2(badDelta.message().find("zstd") != std::string::npos, badDelta.message().c_str());
    }

    void caSignsAndVerifies()
    {
        QTemporaryDir dir;
        auto ca = CertificateAuthority::loadOrCreate(dir.filePath(QStringLiteral("pki")).toStdString());
        QVERIFY2(ca.isOk(), ca.message().c_str());
        auto request = createKeyAndRequest("lyon");
        QVERIFY(request.isOk());
        QVERIFY(!ca->signRequest(request->csrPem, "paris").isOk());  // CN must match the code's site
        QVERIFY(!ca->signRequest("not a csr", "lyon").isOk());
        auto cert = ca->signRequest(request->csrPem, "lyon");
        QVERIFY2(cert.isOk(), cert.message().c_str());
        auto peer = ca->verifyPeer(cert->pem);
        QVERIFY(peer.isOk());
        QCOMPARE(peer->commonName, std::string("lyon"));
        QCOMPARE(peer->serialHex, cert->serialHex);
        // Reloading keeps the same CA; another CA's certificates are refused.
        auto reloaded = CertificateAuthority::loadOrCreate(dir.filePath(QStringLiteral("pki")).toStdString());
        QCOMPARE(reloaded->caCertificatePem(), ca->caCertificatePem());
        auto other = CertificateAuthority::loadOrCreate(dir.filePath(QStringLiteral("other")).toStdString());
        QVERIFY(!other->verifyPeer(cert->pem).isOk());
    }

    void uploadAssemblyChecksOffsetsAndChecksums()
    {
        const std::string payload = "0123456789abcdef";
        UploadAssembler a(engine::sha256Hex(payload), payload.size(), 1, 5);
        QCOMPARE(a.append(4, payload.substr(0, 4), chunkDigest(payload.substr(0, 4))), UploadAssembler::Outcome::OffsetMismatch);
        QCOMPARE(a.append(0, payload.substr(0, 4), chunkDigest(std::string("xxxx"))), UploadAssembler::Outcome::BadChecksum);
        QCOMPARE(a.append(0, payload.substr(0, 8), chunkDigest(payload.substr(0, 8))), UploadAssembler::Outcome::Appended);
        QCOMPARE(a.received(), std::uint64_t(8));
        QVERIFY(!a.complete());
        QCOMPARE(a.append(8, payload.substr(8) + "!", chunkDigest(payload.substr(8) + "!")), UploadAssembler::Outcome::TooLarge);
        QCOMPARE(a.append(8, payload.substr(8), chunkDigest(payload.substr(8))), UploadAssembler::Outcome::Appended);
        QVERIFY(a.complete() && a.verify());
        QVERIFY(a.matches(engine::sha256Hex(payload), payload.size(), 1));
        QVERIFY(!a.matches(engine::sha256Hex(payload), payload.size(), 2));
    }

    void rawSharesAddUp()
    {
        std::uint64_t sum = 0;
        for (std::uint64_t off = 0; off < 1000; off += 333)
            sum += rawShare(4321, 1000, off, std::min<std::uint64_t>(off + 333, 1000));
        QCOMPARE(sum, std::uint64_t(4321));
    }

    void repositoriesOverTheMigration()
    {
        QTemporaryDir dir;
        Database db(dir.filePath(QStringLiteral("c.db")));
        QVERIFY(db.open().isOk());
        SiteRepository sites(db);
        auto id = sites.ensure(QStringLiteral("lyon"), QStringLiteral("Hospital"));
        QVERIFY(id.isOk());
        QVERIFY(sites.addEnrollmentCode(id.value(), hashEnrollmentCode("CODE"), QStringLiteral("2999-01-01T00:00:00Z")).isOk());
        QVERIFY(!sites.consumeEnrollmentCode(hashEnrollmentCode("WRONG"), QStringLiteral("lyon")).isOk());
        QVERIFY(!sites.consumeEnrollmentCode(hashEnrollmentCode("CODE"), QStringLiteral("paris")).isOk());
        QVERIFY(sites.consumeEnrollmentCode(hashEnrollmentCode("CODE"), QStringLiteral("lyon")).isOk());
        QVERIFY(!sites.consumeEnrollmentCode(hashEnrollmentCode("CODE"), QStringLiteral("lyon")).isOk());  // once
        QVERIFY(sites.setCertificate(id.value(), QStringLiteral("ab12"), QStringLiteral("ff"), QString()).isOk());
        QCOMPARE(sites.findBySerial(QStringLiteral("ab12"))->name, QStringLiteral("lyon"));
        QVERIFY(sites.revoke(id.value()).isOk());
        QVERIFY(sites.findByName(QStringLiteral("lyon"))->revoked);

        PilotRepository pilots(db);
        PilotRecord p;
        p.name = QStringLiteral("p");
        p.strategy = QStringLiteral("fedavg");
        auto pilotId = pilots.upsert(p);
        QVERIFY(pilotId.isOk());
        TrafficRepository traffic(db);
        TrafficRecord t{pilotId.value(), 1, id.value(), QStringLiteral("up"), QStringLiteral("update"), 400, 100, 1};
        QVERIFY(traffic.add(t).isOk());
        QVERIFY(traffic.add(t).isOk());
        const auto rows = traffic.forPilot(pilotId.value());
        QCOMPARE(rows.size(), 1);  // merged per (round, site, direction, channel)
        QCOMPARE(rows[0].bytesWire, qint64(200));
        QCOMPARE(rows[0].bytesRaw, qint64(800));

        RoundRepository rounds(db);
        QVERIFY(rounds.open(pilotId.value(), 1).isOk());
        QVERIFY(rounds.setUpdateStatus(pilotId.value(), 1, id.value(), QStringLiteral("accepted"), {}, 2.5, 10).isOk());
        SiteMetricsRecord m;
        m.pilotId = pilotId.value();
        m.roundIndex = 1;
        m.siteId = id.value();
        m.loss = 1.5;
        QVERIFY(rounds.saveSiteMetrics(m).isOk());
        const auto metrics = rounds.siteMetrics(pilotId.value(), 1);
        QCOMPARE(metrics.size(), 1);
        QCOMPARE(metrics[0].loss, 1.5);
        QCOMPARE(metrics[0].updateNorm, 2.5);  // kept from the update status
        QCOMPARE(rounds.updateStatuses(pilotId.value(), 1).value(0).second, QStringLiteral("accepted"));
        QVERIFY(rounds.dropIncompleteAfter(pilotId.value(), 0).isOk());
        QVERIFY(!rounds.find(pilotId.value(), 1).has_value());
    }
};

QTEST_GUILESS_MAIN(TestFedUnits)
#include "tst_fed_units.moc"
