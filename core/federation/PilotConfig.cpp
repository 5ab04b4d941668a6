#include "federation/PilotConfig.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSet>

#include <cmath>

namespace fedpilot::federation {
namespace {

using engine::Result;
using engine::Status;

// Reads typed values out of one JSON object, remembering the first error with its key path.
class Reader {
public:
    Reader(const QJsonObject& object, QString path) : m_object(object), m_path(std::move(path)) {}

    void number(const char* key, double& out, double min, double max)
    {
        const QJsonValue v = take(key);
        if (v.isUndefined())
            return;
        if (!v.isDouble() || !std::isfinite(v.toDouble()))
            return error(key, QStringLiteral("expects a number"));
        if (v.toDouble() < min || v.toDouble() > max)
            return error(key, QStringLiteral("must be between %1 and %2").arg(min).arg(max));
        out = v.toDouble();
    }
    template <typename Int>
    void integer(const char* key, Int& out, double min, double max)
    {
        double d = static_cast<double>(out);
        const QJsonValue v = m_object.value(QLatin1String(key));
        if (!v.isUndefined() && v.isDouble() && std::floor(v.toDouble()) != v.toDouble())
            return error(key, QStringLiteral("expects an integer"));
        number(key, d, min, max);
        out = static_cast<Int>(d);
    }
    void string(const char* key, QString& out)
    {
        const QJsonValue v = take(key);
        if (v.isUndefined())
            return;
        if (!v.isString())
            return error(key, QStringLiteral("expects a string"));
        out = v.toString();
    }
    void boolean(const char* key, bool& out)
    {
        const QJsonValue v = take(key);
        if (v.isUndefined())
            return;
        if (!v.isBool())
            return error(key, QStringLiteral("expects true or false"));
        out = v.toBool();
    }
    QJsonValue take(const char* key)
    {
        m_known.insert(QLatin1String(key));
        return m_object.value(QLatin1String(key));
    }
    void error(const char* key, const QString& message)
    {
        if (m_error.isEmpty())
            m_error = QStringLiteral("%1%2 %3").arg(m_path, QLatin1String(key), message);
    }
    void setError(const QString& message)
    {
        if (m_error.isEmpty())
            m_error = message;
    }
    // Call after reading every known key.
    Status finish()
    {
        for (auto it = m_object.begin(); it != m_object.end(); ++it) {
            if (!m_known.contains(it.key()))
                setError(QStringLiteral("unknown key '%1%2'").arg(m_path, it.key()));
        }
        if (m_error.isEmpty())
            return Status::ok();
        return Status::error("pilot config: " + m_error.toStdString());
    }

private:
    QJsonObject m_object;
    QString m_path;
    QSet<QString> m_known;
    QString m_error;
};

Result<engine::BundleEncodeOptions> parseCompression(const QString& text, bool allowInt8)
{
    using R = Result<engine::BundleEncodeOptions>;
    const char* choices = allowInt8 ? "int8, fp16 or fp32, optionally +zstd (e.g. int8+zstd)" : "fp16 or fp32, optionally +zstd (e.g. fp16+zstd)";
    engine::BundleEncodeOptions o;
    const QStringList parts = text.split(QLatin1Char('+'), Qt::SkipEmptyParts);
    if (parts.isEmpty() || parts.size() > 2)
        return R::error(std::string("'") + text.toStdString() + "': expected " + choices);
    if (!engine::parseEncoding(parts[0].toStdString(), o.encoding))
        return R::error(std::string("'") + text.toStdString() + "': unknown encoding; expected " + choices);
    if (o.encoding == engine::Encoding::Int8 && !allowInt8)
        return R::error("int8 is for updates and deltas; the full model is fp16 or fp32");
    if (parts.size() == 2) {
        if (parts[1] != QStringLiteral("zstd"))
            return R::error("the only compression is zstd");
        o.compression = engine::Compression::Zstd;
    }
    return o;
}

QString compressionName(const engine::BundleEncodeOptions& o)
{
    QString s = QString::fromLatin1(engine::toString(o.encoding));
    if (o.compression == engine::Compression::Zstd)
        s += QStringLiteral("+zstd");
    return s;
}

}  // namespace

int PilotConfig::epochsForRound(int round) const
{
    if (localEpochs.empty())
        return 1;
    const std::size_t i = static_cast<std::size_t>(std::max(1, round) - 1);
    return i < localEpochs.size() ? localEpochs[i] : localEpochs.back();
}

engine::TrainConfig PilotConfig::localTrainConfig(int round) const
{
    engine::TrainConfig t;
    t.strategy = strategy;
    t.head = engine::defaultHead(head);
    t.epochs = epochsForRound(round);
    t.batchSize = batchSize;
    t.optim.learningRate = learningRate;
    t.optim.momentum = momentum;
    t.optim.weightDecay = weightDecay;
    t.ada.k = k;
    t.ada.tau = tau;
    t.ada.lambdaNeg = lambdaNeg;
    t.ada.lambdaPer = lambdaPer;
    t.seed = seed;
    return t;
}

Result<PilotConfig> parsePilotConfig(const QJsonObject& json)
{
    PilotConfig c;
    Reader r(json, QString());
    r.string("name", c.name);
    QString text = QString::fromLatin1(engine::toString(c.strategy));
    r.string("strategy", text);
    if (auto s = engine::parseStrategy(text.toStdString()))
        c.strategy = s.value();
    else
        r.error("strategy", QStringLiteral("must be adafedfr, fedavg or local"));
    text = QString::fromLatin1(engine::toString(c.model.backbone));
    r.string("backbone", text);
    if (auto b = engine::parseBackbone(text.toStdString()))
        c.model.backbone = b.value();
    else
        r.error("backbone", QStringLiteral("must be mobilefacenet, iresnet18 or iresnet50"));
    c.model.inputSize = 32;
    c.model.embeddingSize = 128;
    r.integer("input_size", c.model.inputSize, 16, 512);
    r.integer("embedding_size", c.model.embeddingSize, 8, 4096);
    r.integer("rounds", c.rounds, 0, 1000);
    const QJsonValue epochs = r.take("local_epochs");
    if (epochs.isDouble()) {
        c.localEpochs = {epochs.toInt()};
    } else if (epochs.isArray()) {
        c.localEpochs.clear();
        for (const auto& v : epochs.toArray())
            c.localEpochs.push_back(v.toInt());
    } else if (!epochs.isUndefined()) {
        r.error("local_epochs", QStringLiteral("expects a number or a list of numbers (one per round)"));
    }
    for (int e : c.localEpochs) {
        if (e < 1 || e > 1000)
            r.error("local_epochs", QStringLiteral("values must be between 1 and 1000"));
    }
    if (c.localEpochs.empty())
        r.error("local_epochs", QStringLiteral("must not be empty"));
    r.integer("batch_size", c.batchSize, 1, 4096);
    r.number("learning_rate", c.learningRate, 1e-8, 10);
    r.number("momentum", c.momentum, 0, 0.999);
    r.number("weight_decay", c.weightDecay, 0, 1);
    text = QString::fromLatin1(engine::toString(c.head));
    r.string("head", text);
    if (auto h = engine::parseMarginHead(text.toStdString()))
        c.head = h.value();
    else
        r.error("head", QStringLiteral("must be cosface or arcface"));
    r.integer("k", c.k, 1, 100000);
    r.number("tau", c.tau, 1e-3, 10);
    r.number("lambda_neg", c.lambdaNeg, 0, 100);
    r.number("lambda_per", c.lambdaPer, 0, 100);
    r.integer("seed", c.seed, 0, 9.0e15);

    const QJsonValue dp = r.take("dp");
    if (dp.isObject()) {
        Reader d(dp.toObject(), QStringLiteral("dp."));
        d.number("epsilon", c.dpEpsilon, 0, 1e6);
        d.number("delta", c.dpDelta, 1e-12, 0.1);
        d.number("clip", c.dpClip, 1e-6, 1e6);
        if (auto s = d.finish(); !s)
            return s;
    } else if (!dp.isUndefined() && !dp.isNull()) {
        r.error("dp", QStringLiteral("expects an object {epsilon, delta, clip} or null"));
    }

    r.integer("min_sites", c.minSites, 1, 10000);
    r.integer("quorum", c.quorum, 0, 10000);
    r.number("wait_after_min_s", c.waitAfterMinS, 0, 86400);
    r.number("round_timeout_s", c.roundTimeoutS, 1, 7 * 86400);
    r.integer("max_round_attempts", c.maxRoundAttempts, 1, 100);
    r.number("linger_s", c.lingerS, 0, 3600);
    const QJsonValue compression = r.take("compression");
    if (compression.isObject()) {
        const QJsonObject o = compression.toObject();
        Reader cr(o, QStringLiteral("compression."));
        QString down = compressionName(c.down), up = compressionName(c.up);
        QString delta = c.deltaDown ? compressionName(c.delta) : QStringLiteral("off");
        cr.string("down", down);
        cr.string("up", up);
        cr.string("delta", delta);
        if (auto s = cr.finish(); !s)
            return s;
        auto dd = parseCompression(down, false);
        auto uu = parseCompression(up, true);
        auto de = delta == QStringLiteral("off") ? Result<engine::BundleEncodeOptions>(c.delta) : parseCompression(delta, true);
        if (!dd)
            r.error("compression.down", QString::fromStdString(dd.message()));
        else if (!uu)
            r.error("compression.up", QString::fromStdString(uu.message()));
        else if (!de)
            r.error("compression.delta", QString::fromStdString(de.message()) + QStringLiteral(" (or off)"));
        else {
            c.down = dd.value();
            c.up = uu.value();
            c.deltaDown = delta != QStringLiteral("off");
            c.delta = de.value();
        }
    } else if (!compression.isUndefined()) {
        r.error("compression", QStringLiteral("expects an object {down, up, delta}"));
    }
    r.integer("max_update_bytes", c.maxUpdateBytes, 0, 1.0e12);
    r.number("max_update_norm", c.maxUpdateNorm, 0, 1e12);
    r.integer("heartbeat_interval_ms", c.heartbeatIntervalMs, 100, 600000);
    r.integer("poll_wait_ms", c.pollWaitMs, 100, 60000);

    const QJsonValue pub = r.take("public");
    if (pub.isObject()) {
        Reader p(pub.toObject(), QStringLiteral("public."));
        p.string("cache", c.publicCache);
        p.integer("identities", c.publicIdentities, 2, 1000000);
        p.integer("images_per_identity", c.publicImagesPerIdentity, 2, 100000);
        p.integer("eval_identities", c.evalIdentities, 2, 1000000);
        p.integer("eval_images_per_identity", c.evalImagesPerIdentity, 2, 100000);
        p.integer("pretrain_epochs", c.pretrainEpochs, 0, 10000);
        p.number("pretrain_learning_rate", c.pretrainLearningRate, 1e-8, 10);
        p.string("checkpoint", c.checkpoint);
        if (auto s = p.finish(); !s)
            return s;
    } else if (!pub.isUndefined()) {
        r.error("public", QStringLiteral("expects an object"));
    }
    if (auto s = r.finish(); !s)
        return s;
    if (c.name.isEmpty() || c.name.size() > 100)
        return Result<PilotConfig>::error("pilot config: name must have 1 to 100 characters");
    if (auto s = engine::validate(c.model); !s)
        return Result<PilotConfig>::error("pilot config: " + s.message());
    if (c.effectiveQuorum() > c.minSites)
        return Result<PilotConfig>::error("pilot config: quorum cannot exceed min_sites");
    return c;
}

Result<PilotConfig> loadPilotConfig(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Result<PilotConfig>::error("cannot read " + path.toStdString() + ": " + file.errorString().toStdString());
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject())
        return Result<PilotConfig>::error(path.toStdString() + " is not a JSON object: " + error.errorString().toStdString()
                                          + " at offset " + std::to_string(error.offset));
    return parsePilotConfig(doc.object());
}

QJsonObject toJson(const PilotConfig& c)
{
    QJsonArray epochs;
    for (int e : c.localEpochs)
        epochs.append(e);
    QJsonObject out{
        {QStringLiteral("name"), c.name},
        {QStringLiteral("strategy"), QString::fromLatin1(engine::toString(c.strategy))},
        {QStringLiteral("backbone"), QString::fromLatin1(engine::toString(c.model.backbone))},
        {QStringLiteral("input_size"), c.model.inputSize},
        {QStringLiteral("embedding_size"), c.model.embeddingSize},
        {QStringLiteral("rounds"), c.rounds},
        {QStringLiteral("local_epochs"), epochs},
        {QStringLiteral("batch_size"), c.batchSize},
        {QStringLiteral("learning_rate"), c.learningRate},
        {QStringLiteral("momentum"), c.momentum},
        {QStringLiteral("weight_decay"), c.weightDecay},
        {QStringLiteral("head"), QString::fromLatin1(engine::toString(c.head))},
        {QStringLiteral("k"), c.k},
        {QStringLiteral("tau"), c.tau},
        {QStringLiteral("lambda_neg"), c.lambdaNeg},
        {QStringLiteral("lambda_per"), c.lambdaPer},
        {QStringLiteral("seed"), double(c.seed)},
        {QStringLiteral("min_sites"), c.minSites},
        {QStringLiteral("quorum"), c.quorum},
        {QStringLiteral("wait_after_min_s"), c.waitAfterMinS},
        {QStringLiteral("round_timeout_s"), c.roundTimeoutS},
        {QStringLiteral("max_round_attempts"), c.maxRoundAttempts},
        {QStringLiteral("linger_s"), c.lingerS},
        {QStringLiteral("compression"), QJsonObject{{QStringLiteral("down"), compressionName(c.down)},
                                                     {QStringLiteral("up"), compressionName(c.up)},
                                                     {QStringLiteral("delta"), c.deltaDown ? compressionName(c.delta) : QStringLiteral("off")}}},
        {QStringLiteral("max_update_bytes"), double(c.maxUpdateBytes)},
        {QStringLiteral("max_update_norm"), c.maxUpdateNorm},
        {QStringLiteral("heartbeat_interval_ms"), c.heartbeatIntervalMs},
        {QStringLiteral("poll_wait_ms"), c.pollWaitMs},
        {QStringLiteral("public"), QJsonObject{{QStringLiteral("cache"), c.publicCache},
                                               {QStringLiteral("identities"), c.publicIdentities},
                                               {QStringLiteral("images_per_identity"), c.publicImagesPerIdentity},
                                               {QStringLiteral("eval_identities"), c.evalIdentities},
                                               {QStringLiteral("eval_images_per_identity"), c.evalImagesPerIdentity},
                                               {QStringLiteral("pretrain_epochs"), c.pretrainEpochs},
                                               {QStringLiteral("pretrain_learning_rate"), c.pretrainLearningRate},
                                               {QStringLiteral("checkpoint"), c.checkpoint}}},
    };
    if (c.dpEpsilon > 0)
        out.insert(QStringLiteral("dp"), QJsonObject{{QStringLiteral("epsilon"), c.dpEpsilon}, {QStringLiteral("delta"), c.dpDelta}, {QStringLiteral("clip"), c.dpClip}});
    return out;
}

}  // namespace fedpilot::federation
