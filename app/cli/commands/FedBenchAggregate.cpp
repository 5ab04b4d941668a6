// fedpilot-cli coordinator bench-aggregate: the coordinator's per-update work (decode fp16+zstd,
// validate, stream into FedAvg) for N simulated site updates of a model, with time and peak memory.
// Updates are produced one at a time, as they arrive over the network, so peak memory shows
// whether aggregation depends on the number of sites.

#include "CliSupport.h"
#include "FedCliSupport.h"
#include "fedpilot/engine/FaceModel.h"
#include "fedpilot/engine/Federation.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonObject>

#include <random>

namespace fedpilot::cli {
namespace {

// Peak resident memory of this process in bytes (Linux VmHWM).
qint64 peakRssBytes()
{
    QFile f(QStringLiteral("/proc/self/status"));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray& line : f.readAll().split('\n')) {
        if (line.startsWith("VmHWM:"))
            return line.mid(6).trimmed().split(' ').value(0).toLongLong() * 1024;
    }
    return -1;
}

}  // namespace

int runFedBenchAggregate(const QStringList& args)
{
    QCommandLineParser p;
    p.addOption({QStringLiteral("updates"), QStringLiteral("Simulated site updates (default 100)."), QStringLiteral("n"), QStringLiteral("100")});
    p.addOption({QStringLiteral("size"), QStringLiteral("Input size (default 112)."), QStringLiteral("px"), QStringLiteral("112")});
    p.addOption({QStringLiteral("embedding"), QStringLiteral("Embedding size (default 512)."), QStringLiteral("n"), QStringLiteral("512")});
    p.addOption({QStringLiteral("backbone"), QStringLiteral("mobilefacenet (default), iresnet18, iresnet50."), QStringLiteral("name"), QStringLiteral("mobilefacenet")});
    if (auto code = parseArguments(p, args, QStringLiteral("Time the coordinator's aggregation of N simulated updates and report peak memory.")))
        return *code;
    int updates = 100;
    engine::ModelConfig config;
    if (!readInt(p, QStringLiteral("updates"), 1, 100000, updates) || !readInt(p, QStringLiteral("size"), 16, 512, config.inputSize)
        || !readInt(p, QStringLiteral("embedding"), 8, 4096, config.embeddingSize))
        return kExitUsage;
    auto backbone = engine::parseBackbone(p.value(QStringLiteral("backbone")).toStdString());
    if (!backbone)
        return fail(QString::fromStdString(backbone.message()), kExitUsage);
    config.backbone = backbone.value();
    auto model = engine::FaceModel::create(config, 1);
    if (!model)
        return fail(QString::fromStdString(model.message()));
    const engine::TensorBundle global = model->state();
    const qint64 rssBefore = peakRssBytes();
    engine::FedAvgAccumulator accumulator;
    engine::UpdateLimits limits;
    limits.maxNorm = 1e6;
    std::mt19937 rng(7);
    std::normal_distribution<float> noise(0.0f, 1e-3f);
    double encodeMs = 0, acceptMs = 0;
    qint64 wireBytes = 0;
    QElapsedTimer timer;
    for (int i = 0; i < updates; ++i) {
        // A site's update: small deltas on every tensor, encoded as it travels (fp16 + zstd).
        timer.start();
        engine::TensorBundle update = global;
        for (auto& t : update.tensors)
            for (auto& v : t.values)
                v = noise(rng);
        auto bytes = engine::encodeBundle(update, {engine::Encoding::Fp16, engine::Compression::Zstd, 3});
        encodeMs += double(timer.nsecsElapsed()) / 1e6;
        if (!bytes)
            return fail(QString::fromStdString(bytes.message()));
        wireBytes += qint64(bytes->size());
        update = {};
        // The coordinator's work per arriving update.
        timer.start();
        auto decoded = engine::decodeBundle(bytes.value());
        if (!decoded)
            return fail(QString::fromStdString(decoded.message()));
        if (auto s = engine::validateUpdate(global, decoded.value(), limits); !s)
            return fail(QString::fromStdString(s.message()));
        if (auto s = accumulator.add(decoded.value(), 100.0 + i); !s)
            return fail(QString::fromStdString(s.message()));
        acceptMs += double(timer.nsecsElapsed()) / 1e6;
    }
    timer.start();
    auto mean = accumulator.average();
    if (!mean)
        return fail(QString::fromStdString(mean.message()));
    auto next = engine::applyDelta(global, mean.value());
    const double finishMs = double(timer.nsecsElapsed()) / 1e6;
    if (!next)
        return fail(QString::fromStdString(next.message()));
    const QJsonObject out{
        {QStringLiteral("backbone"), QString::fromLatin1(engine::toString(config.backbone))},
        {QStringLiteral("parameters"), qint64(model->parameterCount())},
        {QStringLiteral("tensor_values"), qint64(global.numel())},
        {QStringLiteral("updates"), updates},
        {QStringLiteral("update_bytes_fp32"), qint64(global.numel() * 4)},
        {QStringLiteral("update_bytes_wire_mean"), double(wireBytes) / updates},
        {QStringLiteral("accept_ms_per_update"), acceptMs / updates},
        {QStringLiteral("aggregate_total_ms"), acceptMs + finishMs},
        {QStringLiteral("average_and_apply_ms"), finishMs},
        {QStringLiteral("site_side_encode_ms_per_update"), encodeMs / updates},
        {QStringLiteral("peak_rss_before_mb"), double(rssBefore) / 1048576.0},
        {QStringLiteral("peak_rss_mb"), double(peakRssBytes()) / 1048576.0},
    };
    if (p.isSet(QStringLiteral("json")))
        printJson(out);
    else
        for (auto it = out.begin(); it != out.end(); ++it)
            printLine(it.key() + QStringLiteral(": ") + it.value().toVariant().toString());
    return kExitOk;
}

}  // namespace fedpilot::cli
