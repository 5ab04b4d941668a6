#include "report/EngineJson.h"

#include <QJsonArray>

namespace fedpilot {
namespace {

QString farKey(double far)
{
    return QStringLiteral("%1").arg(far, 0, 'g', 1);
}

QJsonArray toArray(const std::vector<double>& values)
{
    QJsonArray out;
    for (double v : values)
        out.append(v);
    return out;
}

}  // namespace

QJsonObject toJson(const engine::VerificationMetrics& m, bool withRoc)
{
    QJsonObject tar;
    for (const auto& t : m.tarAtFar)
        tar.insert(farKey(t.far), t.available ? QJsonValue(t.tar) : QJsonValue(QJsonValue::Null));
    QJsonObject o{
        {QStringLiteral("accuracy"), m.accuracy},
        {QStringLiteral("accuracy_std"), m.accuracyStd},
        {QStringLiteral("best_threshold"), m.bestThreshold},
        {QStringLiteral("auc"), m.auc},
        {QStringLiteral("eer"), m.eer},
        {QStringLiteral("tar_at_far"), tar},
        {QStringLiteral("genuine_pairs"), qint64(m.genuinePairs)},
        {QStringLiteral("impostor_pairs"), qint64(m.impostorPairs)},
        {QStringLiteral("folds"), m.folds},
    };
    if (withRoc) {
        QJsonArray roc;
        for (const auto& p : m.roc)
            roc.append(QJsonArray{p.far, p.tar, p.threshold});
        o.insert(QStringLiteral("roc"), roc);
    }
    return o;
}

QJsonObject toJson(const engine::IdentificationMetrics& m)
{
    return QJsonObject{
        {QStringLiteral("top1"), m.top1},
        {QStringLiteral("top5"), m.top5},
        {QStringLiteral("probes"), qint64(m.probes)},
        {QStringLiteral("gallery_identities"), qint64(m.galleryIdentities)},
    };
}

QJsonObject toJson(const engine::TrainOutcome& o)
{
    return QJsonObject{
        {QStringLiteral("state"), o.state == engine::TrainState::Completed ? QStringLiteral("completed") : QStringLiteral("cancelled")},
        {QStringLiteral("steps"), qint64(o.steps)},
        {QStringLiteral("images"), qint64(o.images)},
        {QStringLiteral("seconds"), o.seconds},
        {QStringLiteral("images_per_s"), o.imagesPerSec},
        {QStringLiteral("final_loss"), o.finalLoss},
        {QStringLiteral("epoch_loss"), toArray(o.epochLoss)},
        {QStringLiteral("epoch_loss_cls"), toArray(o.epochLossCls)},
        {QStringLiteral("epoch_loss_neg"), toArray(o.epochLossNeg)},
        {QStringLiteral("epoch_loss_per"), toArray(o.epochLossPer)},
        {QStringLiteral("device"), QString::fromStdString(o.device)},
        {QStringLiteral("threads"), o.threads},
    };
}

QJsonObject toJson(const engine::BenchTrainResult& r)
{
    return QJsonObject{
        {QStringLiteral("images_per_s"), r.imagesPerSec},
        {QStringLiteral("step_ms_mean"), r.stepMsMean},
        {QStringLiteral("step_ms_min"), r.stepMsMin},
        {QStringLiteral("params"), qint64(r.params)},
        {QStringLiteral("device"), QString::fromStdString(r.device)},
        {QStringLiteral("threads"), r.threads},
        {QStringLiteral("steps"), r.steps},
        {QStringLiteral("batch"), r.batchSize},
        {QStringLiteral("size"), r.inputSize},
        {QStringLiteral("backbone"), QString::fromStdString(r.backbone)},
        {QStringLiteral("torch_version"), QString::fromStdString(r.torchVersion)},
        {QStringLiteral("channels_last"), r.channelsLast},
    };
}

QJsonObject toJson(const engine::ModelConfig& c)
{
    return QJsonObject{
        {QStringLiteral("backbone"), QString::fromLatin1(engine::toString(c.backbone))},
        {QStringLiteral("input_size"), c.inputSize},
        {QStringLiteral("embedding_size"), c.embeddingSize},
    };
}

}  // namespace fedpilot
