#include "federation/Coordinator.h"

#include "federation/CoordinatorRpc.h"
#include "federation/Protocol.h"
#include "report/EngineJson.h"
#include "fedpilot/engine/FaceSynth.h"
#include "fedpilot/engine/Trainer.h"
#include "fedpilot/v1/federation.grpc.pb.h"

#include <grpcpp/grpcpp.h>

#include <QDateTime>
#include <QDir>
#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>
#include <filesystem>

#include <QSqlQuery>
#include <unistd.h>

namespace fedpilot::federation {

using engine::Result;
using engine::Status;

namespace {

QString q(const std::string& s)
{
    return QString::fromStdString(s);
}

}  // namespace

Coordinator::Coordinator(Database& db, CertificateAuthority ca, PilotConfig config, std::string dir)
    : m_db(db)
    , m_pilots(db)
    , m_sites(db)
    , m_rounds(db)
    , m_traffic(db)
    , m_ca(std::move(ca))
    , m_config(std::move(config))
    , m_dir(std::move(dir))
    , m_round(RoundRules{m_config.minSites, std::chrono::milliseconds(qint64(m_config.waitAfterMinS * 1000)),
                         std::chrono::milliseconds(qint64(m_config.roundTimeoutS * 1000))})
{
}

Coordinator::~Coordinator()
{
    stop();
}

void Coordinator::audit(const QString& level, const QString& category, const QString& subject, const QString& message) const
{
    m_db.logEvent(level, category, subject, message);
    if (level == QStringLiteral("security") || level == QStringLiteral("error"))
        qWarning("coordinator: %s: %s: %s", qPrintable(category), qPrintable(subject), qPrintable(message));
}

QString Coordinator::siteName(qint64 siteId) const
{
    const auto s = m_sites.findById(siteId);
    return s ? s->name : QStringLiteral("site %1").arg(siteId);
}

int Coordinator::completedRounds() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_completed;
}

int Coordinator::currentRound() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_round.collecting() ? m_round.round() : m_completed;
}

Status Coordinator::prepare(const ProgressFn& progress, const std::atomic<bool>* cancel)
{
    PilotRecord record;
    record.name = m_config.name;
    record.strategy = QString::fromLatin1(engine::toString(m_config.strategy));
    record.backbone = QString::fromLatin1(engine::toString(m_config.model.backbone));
    record.configJson = QString::fromUtf8(QJsonDocument(toJson(m_config)).toJson(QJsonDocument::Compact));
    record.totalRounds = m_config.rounds;
    auto id = m_pilots.upsert(record);
    if (!id)
        return id.status();
    m_pilotId = id.value();
    const double sigma = m_config.dpEpsilon > 0 ? engine::gaussianSigma(m_config.dpEpsilon, m_config.dpDelta) : 0.0;
    m_pilots.setDp(m_pilotId, m_config.dpEpsilon, m_config.dpDelta, m_config.dpClip, sigma);
    if (auto s = preparePublicData(progress, cancel); !s)
        return s;
    auto model = engine::FaceModel::create(m_config.model, m_config.seed);
    if (!model)
        return model.status();
    m_model = std::move(model.value());
    // Updates larger than 1.5x the raw fp32 model cannot be honest (fp32 without compression is 1x).
    m_maxUpdateBytes = m_config.maxUpdateBytes > 0 ? m_config.maxUpdateBytes
                                                   : std::uint64_t(m_model->parameterCount() * 4 * 3 / 2 + (1 << 20));

    const auto existing = m_pilots.findByName(m_config.name);
    const int completed = existing ? existing->completedRounds : 0;
    if (m_rounds.modelVersion(m_pilotId, completed, QStringLiteral("global"))) {
        if (auto s = loadGlobal(completed); !s)
            return Status::error("cannot resume at round " + std::to_string(completed) + ": " + s.message());
        m_rounds.dropIncompleteAfter(m_pilotId, completed);
        if (completed > 0)
            audit(QStringLiteral("info"), QStringLiteral("federation"), m_config.name,
                  QStringLiteral("resumed after round %1 of %2").arg(completed).arg(m_config.rounds));
        m_completed = completed;
    } else if (completed == 0) {
        if (auto s = prepareRoundZero(progress, cancel); !s)
            return s;
    } else {
        return Status::error("the database says round " + std::to_string(completed) + " completed but its model is missing");
    }
    // Every site that ever joined this pilot is expected in its rounds (closing early needs them all).
    QSqlQuery query(m_db.connection());
    query.prepare(QStringLiteral("SELECT ps.site_id FROM pilot_sites ps JOIN sites s ON s.id=ps.site_id WHERE ps.pilot_id=? AND s.revoked=0"));
    query.addBindValue(m_pilotId);
    std::set<qint64> expected;
    if (query.exec()) {
        while (query.next())
            expected.insert(query.value(0).toLongLong());
    }
    m_round.setExpected(expected);
    // The baseline task needs the round-0 model at hand even after a resume.
    if (auto a = artifact(0, "model")) {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_artifacts[{0, "model"}] = a.value();
    }
    // Each start of the coordinator is a new epoch: attempts it hands out never repeat those of
    // a previous run, so a site's upload for a task from before a crash is LATE, not misfiled.
    const QString epochKey = QStringLiteral("coordinator_epoch:") + m_config.name;
    QSqlQuery e(m_db.connection());
    e.prepare(QStringLiteral("SELECT value FROM settings WHERE key=?"));
    e.addBindValue(epochKey);
    m_epoch = (e.exec() && e.next()) ? e.value(0).toInt() + 1 : 1;
    e.finish();
    QSqlQuery w(m_db.connection());
    w.prepare(QStringLiteral("INSERT OR REPLACE INTO settings(key, value) VALUES(?, ?)"));
    w.addBindValue(epochKey);
    w.addBindValue(QString::number(m_epoch));
    if (!w.exec())
        return Status::error("cannot record the coordinator epoch");
    return Status::ok();
}

Status Coordinator::preparePublicData(const ProgressFn& progress, const std::atomic<bool>* cancel)
{
    std::string path = m_config.publicCache.toStdString();
    if (path.empty()) {
        path = (std::filesystem::path(m_dir) / "data" / "public.fpcache").string();
        if (!std::filesystem::exists(path)) {
            if (progress)
                progress("generating synthetic public faces", 0);
            std::filesystem::create_directories(std::filesystem::path(path).parent_path());
            engine::SynthCacheOptions synth;
            synth.identities = m_config.publicIdentities + m_config.evalIdentities;
            synth.imagesPerIdentity = std::max(m_config.publicImagesPerIdentity, m_config.evalImagesPerIdentity);
            synth.size = m_config.model.inputSize;
            // The public population must differ from every site's (sites use seeds from 1000 on).
            synth.seed = m_config.seed;
            synth.heldOutImagesPerIdentity = 2;
            if (auto s = engine::writeSynthCache(path, synth, {}, cancel); !s)
                return s;
        }
    }
    auto cache = engine::FaceCache::open(path);
    if (!cache)
        return cache.status();
    if (cache->info().width != m_config.model.inputSize || cache->info().height != m_config.model.inputSize)
        return Status::error("the public cache holds " + std::to_string(cache->info().width) + " px faces; the pilot needs "
                             + std::to_string(m_config.model.inputSize) + " px");
    m_cache = cache.value();
    std::map<int, int> seen;
    for (std::int64_t i = 0; i < m_cache->size(); ++i) {
        const int label = m_cache->label(i);
        if (label < m_config.publicIdentities) {
            if (seen[label]++ < m_config.publicImagesPerIdentity)
                m_publicItems.push_back(i);
        } else if (label < m_config.publicIdentities + m_config.evalIdentities) {
            if (seen[label]++ < m_config.evalImagesPerIdentity)
                m_evalItems.push_back(i);
        }
    }
    if (m_publicItems.empty() || m_evalItems.empty())
        return Status::error("the public cache needs public identities (labels < public.identities) and benchmark identities after them");
    return Status::ok();
}

Status Coordinator::prepareRoundZero(const ProgressFn& progress, const std::atomic<bool>* cancel)
{
    if (!m_config.checkpoint.isEmpty()) {
        auto loaded = engine::FaceModel::load(m_config.checkpoint.toStdString());
        if (!loaded)
            return loaded.status();
        if (auto s = m_model->loadState(loaded->state()); !s)
            return Status::error("the checkpoint does not match the pilot's model: " + s.message());
    } else if (m_config.pretrainEpochs > 0) {
        engine::TrainConfig pre;
        pre.epochs = m_config.pretrainEpochs;
        pre.batchSize = 64;
        pre.optim.learningRate = m_config.pretrainLearningRate;
        pre.seed = m_config.seed;
        auto outcome = engine::pretrain(*m_model, *m_cache, m_publicItems, pre, [&](const engine::TrainProgress& p) {
            if (progress)
                progress("pretraining the generic model", double(p.step) / std::max<std::int64_t>(1, p.totalSteps));
        }, cancel);
        if (!outcome)
            return outcome.status();
        if (outcome->state == engine::TrainState::Cancelled)
            return Status::error("cancelled");
    }
    auto artifact = persistModel(0, "global", m_model->state());
    if (!artifact)
        return artifact.status();
    if (auto s = loadGlobal(0); !s)
        return s;
    auto report = evaluate(*m_global);
    if (!report)
        return report.status();
    RoundRecord r;
    r.pilotId = m_pilotId;
    r.roundIndex = 0;
    r.state = QStringLiteral("completed");
    r.accuracy = report->verification.accuracy;
    r.auc = report->verification.auc;
    r.eer = report->verification.eer;
    for (std::size_t i = 0; i < 4 && i < report->verification.tarAtFar.size(); ++i)
        r.tarFar[i] = report->verification.tarAtFar[i].available ? report->verification.tarAtFar[i].tar : 0;
    r.modelSha256 = q(artifact->sha256);
    // The ROC curve travels in metrics_json for the charts and the report.
    QJsonObject metrics{{QStringLiteral("identification_top1"), report->identification.top1}};
    metrics.insert(QStringLiteral("roc"), fedpilot::toJson(report->verification, true).value(QStringLiteral("roc")));
    r.metricsJson = QString::fromUtf8(QJsonDocument(metrics).toJson(QJsonDocument::Compact));
    if (auto s = m_rounds.save(r); !s)
        return s;
    m_completed = 0;
    audit(QStringLiteral("info"), QStringLiteral("federation"), m_config.name,
          QStringLiteral("round 0 model ready (accuracy %1 on benchmark pairs)").arg(r.accuracy, 0, 'f', 4));
    return Status::ok();
}

Result<engine::EvalReport> Coordinator::evaluate(const engine::TensorBundle& state)
{
    if (auto s = m_model->loadState(state); !s)
        return s;
    engine::EmbedOptions embed;
    embed.batchSize = 128;
    auto e = m_model->embed(*m_cache, m_evalItems, embed);
    if (!e)
        return e.status();
    std::vector<std::int32_t> labels;
    for (auto i : m_evalItems)
        labels.push_back(m_cache->label(i));
    return engine::evaluateEmbeddings(e.value(), m_config.model.embeddingSize, labels, {});
}

Result<Artifact> Coordinator::persistModel(int round, const std::string& kind, const engine::TensorBundle& bundle)
{
    auto encoded = engine::encodeBundle(bundle, m_config.down);
    if (!encoded)
        return encoded.status();
    return persistEncoded(round, kind, std::move(encoded.value()));
}

namespace {

// Size, hashes and (for a delta) its base, from the encoded bytes.
Result<Artifact> describeArtifact(std::shared_ptr<const std::string> bytes, const std::string& kind)
{
    auto bundle = engine::decodeBundle(*bytes);
    if (!bundle)
        return bundle.status();
    Artifact a;
    a.sha256 = engine::sha256Hex(*bytes);
    a.rawBytes = std::uint64_t(bundle->numel()) * 4;
    if (kind == "global" || kind == "model")
        a.contentSha256 = engine::contentSha256(bundle.value());
    if (kind == "model_delta") {
        const auto base = bundle->meta.find("base_content_sha256");
        a.baseContentSha256 = base != bundle->meta.end() ? base->second : std::string();
    }
    a.bytes = std::move(bytes);
    return a;
}

}  // namespace

Result<Artifact> Coordinator::persistEncoded(int round, const std::string& kind, std::string encoded)
{
    const QString dir = QDir(q(m_dir)).filePath(QStringLiteral("models"));
    QDir().mkpath(dir);
    const QString path = QDir(dir).filePath(QStringLiteral("%1-%2.fptb").arg(q(kind)).arg(round, 4, 10, QLatin1Char('0')));
    // Atomic: write a partial file, flush, rename; the database row is written after the file.
    const std::string partial = (path + QStringLiteral(".partial")).toStdString();
    {
        FILE* f = std::fopen(partial.c_str(), "wb");
        if (!f)
            return Result<Artifact>::error("cannot write " + partial);
        const bool ok = std::fwrite(encoded.data(), 1, encoded.size(), f) == encoded.size() && std::fflush(f) == 0
            && ::fsync(fileno(f)) == 0;
        std::fclose(f);
        if (!ok)
            return Result<Artifact>::error("cannot write " + partial + " (disk full?)");
    }
    std::error_code ec;
    std::filesystem::rename(partial, path.toStdString(), ec);
    if (ec)
        return Result<Artifact>::error("cannot rename " + partial + ": " + ec.message());
    auto a = describeArtifact(std::make_shared<const std::string>(std::move(encoded)), kind);
    if (!a)
        return a.status();
    if (auto s = m_rounds.saveModelVersion(m_pilotId, round, q(kind), q(a->sha256), path, qint64(a->bytes->size())); !s)
        return s;
    std::lock_guard<std::mutex> lock(m_mutex);
    m_artifacts[{round, kind == "global" ? std::string("model") : kind}] = a.value();
    return a;
}

Result<engine::TensorBundle> Coordinator::canonicalModel(int round, const engine::TensorBundle& previous,
                                                         const engine::TensorBundle& next, std::string& deltaBytes)
{
    deltaBytes.clear();
    if (!m_config.deltaDown) {
        // The stored (and downloaded) model is the canonical one: quantize it through the download
        // encoding so that coordinator and sites hold bit-identical weights.
        auto encoded = engine::encodeBundle(next, m_config.down);
        if (!encoded)
            return encoded.status();
        return engine::decodeBundle(encoded.value());
    }
    // Through the delta: next = round(previous + int8(next - previous)), exactly what a site holding
    // `previous` computes from the delta's bytes (engine::applyDeltaRounded).
    auto delta = engine::difference(next, previous);
    if (!delta)
        return delta.status();
    delta->meta.clear();
    delta->meta["base_content_sha256"] = engine::contentSha256(previous);
    delta->meta["model_precision"] = engine::toString(m_config.down.encoding);
    delta->meta["round"] = std::to_string(round);
    engine::BundleEncodeOptions options = m_config.delta;
    options.roundingSeed = m_config.seed * 0x9e3779b97f4a7c15ULL + static_cast<std::uint64_t>(round);
    auto encoded = engine::encodeBundle(delta.value(), options);
    if (!encoded)
        return encoded.status();
    auto decoded = engine::decodeBundle(encoded.value());
    if (!decoded)
        return decoded.status();
    auto canonical = engine::applyDeltaRounded(previous, decoded.value(), m_config.down.encoding);
    if (!canonical)
        return canonical.status();
    deltaBytes = std::move(encoded.value());
    return canonical;
}

Status Coordinator::loadGlobal(int round)
{
    auto version = m_rounds.modelVersion(m_pilotId, round, QStringLiteral("global"));
    if (!version)
        return Status::error("no model recorded for round " + std::to_string(round));
    QFile file(version->second);
    if (!file.open(QIODevice::ReadOnly))
        return Status::error("cannot read " + version->second.toStdString());
    auto bytes = std::make_shared<const std::string>(file.readAll().toStdString());
    if (q(engine::sha256Hex(*bytes)) != version->first)
        return Status::error(version->second.toStdString() + " does not match its recorded SHA-256");
    auto bundle = engine::decodeBundle(*bytes);
    if (!bundle)
        return bundle.status();
    if (auto s = m_model->loadState(bundle.value()); !s)
        return s;
    Artifact a;
    a.bytes = bytes;
    a.sha256 = version->first.toStdString();
    a.rawBytes = std::uint64_t(bundle->numel()) * 4;
    a.contentSha256 = engine::contentSha256(bundle.value());
    // The delta that led to this model (sites holding the previous one download only that).
    auto delta = round > 0 ? artifact(round, "model_delta") : Result<Artifact>::error("none");
    std::lock_guard<std::mutex> lock(m_mutex);
    m_global = std::make_shared<const engine::TensorBundle>(std::move(bundle.value()));
    m_artifacts[{round, "model"}] = a;
    if (delta)
        m_artifacts[{round, "model_delta"}] = delta.value();
    return Status::ok();
}

Result<Artifact> Coordinator::artifact(int round, const std::string& kind)
{
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        const auto it = m_artifacts.find({round, kind});
        if (it != m_artifacts.end())
            return it->second;
    }
    // Older rounds are served from their files (a site catching up on a baseline, for instance).
    auto version = m_rounds.modelVersion(m_pilotId, round, kind == "model" ? QStringLiteral("global") : q(kind));
    if (!version)
        return Result<Artifact>::error("no " + kind + " for round " + std::to_string(round));
    QFile file(version->second);
    if (!file.open(QIODevice::ReadOnly))
        return Result<Artifact>::error("cannot read the " + kind + " of round " + std::to_string(round));
    auto a = describeArtifact(std::make_shared<const std::string>(file.readAll().toStdString()), kind);
    if (!a)
        return Result<Artifact>::error("the " + kind + " of round " + std::to_string(round) + " is damaged: " + a.message());
    if (a->sha256 != version->first.toStdString())
        return Result<Artifact>::error("the " + kind + " of round " + std::to_string(round) + " does not match its recorded SHA-256");
    return a;
}

Status Coordinator::start(const std::string& address)
{
    m_service = std::make_unique<CoordinatorRpc>(*this, m_ca);
    grpc::SslServerCredentialsOptions ssl(GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_BUT_DONT_VERIFY);
    // The client certificate is checked per call by PeerAuthenticator (so that Enroll can run
    // without one and refusals land in the audit log), not by the TLS handshake.
    ssl.pem_root_certs = m_ca.caCertificatePem();
    ssl.pem_key_cert_pairs.push_back({m_ca.serverKeyPem(), m_ca.serverCertificatePem()});
    grpc::ServerBuilder builder;
    builder.AddListeningPort(address, grpc::SslServerCredentials(ssl), &m_port);
    builder.RegisterService(m_service.get());
    builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
    builder.SetMaxSendMessageSize(kMaxMessageBytes);
    m_server = builder.BuildAndStart();
    if (!m_server || m_port == 0)
        return Status::error("cannot listen on " + address);
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_state = State::Running;
    }
    m_pilots.setStatus(m_pilotId, QStringLiteral("running"));
    m_driver = std::thread([this] { driverMain(); });
    return Status::ok();
}

Status Coordinator::waitFinished(const std::atomic<bool>* cancel)
{
    std::unique_lock<std::mutex> lock(m_mutex);
    while (true) {
        if (cancel && cancel->load())
            return Status::error("cancelled");
        if (m_state == State::Failed)
            return Status::error(m_error);
        if (m_state == State::Finished) {
            // Linger so that sites polling now learn the pilot is over; return early once every
            // expected site has been told.
            const auto now = std::chrono::steady_clock::now();
            bool allTold = true;
            for (qint64 s : m_round.expected())
                allTold = allTold && m_stopped.count(s) > 0;
            if (allTold || now - m_finishedAt >= std::chrono::milliseconds(qint64(m_config.lingerS * 1000)))
                return Status::ok();
        }
        m_changed.wait_for(lock, std::chrono::milliseconds(100));
    }
}

void Coordinator::stop()
{
    m_stopping = true;
    m_changed.notify_all();
    if (m_server) {
        m_server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
        m_server->Wait();
        m_server.reset();
    }
    if (m_driver.joinable())
        m_driver.join();
    flushTraffic();
}

void Coordinator::flushTraffic()
{
    if (m_pilotId > 0)
        m_meter.flush(m_traffic, m_pilotId);
}

void Coordinator::setFailed(const std::string& error)
{
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_state = State::Failed;
        m_error = error;
    }
    m_pilots.setStatus(m_pilotId, QStringLiteral("failed"));
    audit(QStringLiteral("error"), QStringLiteral("federation"), m_config.name, QStringLiteral("pilot failed: %1").arg(q(error)));
    m_changed.notify_all();
}

}  // namespace fedpilot::federation
