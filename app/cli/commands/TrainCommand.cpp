// fedpilot-cli train: centralized training of the generic model on a packed face cache.

#include "CliCommand.h"
#include "CliSupport.h"
#include "EngineOptions.h"
#include "common/Strings.h"
#include "fedpilot/engine/Trainer.h"
#include "report/EngineJson.h"

#include <QJsonObject>

namespace fedpilot::cli {

int runTrain(const QStringList& args)
{
    QCommandLineParser p;
    p.addOption({QStringLiteral("cache"), QStringLiteral("Packed face cache to train on (required)."), QStringLiteral("FILE")});
    p.addOption({QStringLiteral("out"), QStringLiteral("Where to write the trained model (required)."), QStringLiteral("MODEL")});
    p.addOption({QStringLiteral("init"), QStringLiteral("Start from this model instead of a fresh one (its backbone and sizes win)."), QStringLiteral("MODEL")});
    p.addOption({QStringLiteral("split"), QStringLiteral("Images to train on: train (default) or all."), QStringLiteral("name"), QStringLiteral("train")});
    p.addOption({QStringLiteral("fp16"), QStringLiteral("Store the model weights as fp16 (half the size).")});
    addModelOptions(p);
    addTrainOptions(p);
    if (auto code = parseArguments(p, args, QStringLiteral("Train the generic face model with CosFace or ArcFace on a packed face cache "
                                                           "(centralized pretraining). Ctrl+C cancels cleanly; no model is written then.")))
        return *code;
    if (!p.isSet(QStringLiteral("cache")) || !p.isSet(QStringLiteral("out")))
        return fail(QStringLiteral("--cache and --out are required"), kExitUsage);
    engine::ModelConfig modelConfig;
    engine::TrainConfig config;
    if (!readModelOptions(p, modelConfig) || !readTrainOptions(p, config))
        return kExitUsage;
    const QString split = p.value(QStringLiteral("split"));
    if (split != QStringLiteral("train") && split != QStringLiteral("all"))
        return fail(QStringLiteral("--split must be train or all"), kExitUsage);
    const bool json = p.isSet(QStringLiteral("json"));

    auto cache = engine::FaceCache::open(toEnginePath(p.value(QStringLiteral("cache"))));
    if (!cache)
        return fail(QString::fromStdString(cache.message()));
    auto model = p.isSet(QStringLiteral("init")) ? engine::FaceModel::load(toEnginePath(p.value(QStringLiteral("init"))))
                                                 : engine::FaceModel::create(modelConfig, config.seed);
    if (!model)
        return fail(QString::fromStdString(model.message()));
    const auto indices = split == QStringLiteral("all") ? cache->allIndices() : cache->indices(engine::Split::Train);

    ProgressLine progress(!json);
    auto outcome = engine::pretrain(model.value(), cache.value(), indices, config, [&](const engine::TrainProgress& t) {
        progress.update(double(t.step) / qMax<qint64>(1, t.totalSteps),
                        QStringLiteral("epoch %1/%2  loss %3  %4 img/s  ETA %5")
                            .arg(t.epoch + 1).arg(t.epochs).arg(t.loss, 0, 'f', 3).arg(t.imagesPerSec, 0, 'f', 1)
                            .arg(formatSeconds(t.etaSec)));
    }, cancelFlag());
    progress.finish();
    if (!outcome)
        return fail(QString::fromStdString(outcome.message()));
    if (outcome->state == engine::TrainState::Cancelled)
        return fail(QStringLiteral("cancelled after %1 steps; no model written").arg(outcome->steps), kExitCancelled);
    engine::BundleEncodeOptions encode;
    if (p.isSet(QStringLiteral("fp16")))
        encode.encoding = engine::Encoding::Fp16;
    if (auto s = model->save(toEnginePath(p.value(QStringLiteral("out"))), encode); !s)
        return fail(QString::fromStdString(s.message()));

    if (json) {
        QJsonObject o = toJson(outcome.value());
        o.insert(QStringLiteral("model"), p.value(QStringLiteral("out")));
        o.insert(QStringLiteral("config"), toJson(model->config()));
        o.insert(QStringLiteral("params"), qint64(model->parameterCount()));
        o.insert(QStringLiteral("train_images"), qint64(indices.size()));
        printJson(o);
    } else {
        printLine(QStringLiteral("Trained %1 steps on %2 images in %3 (%4 img/s on %5); final loss %6.\nModel written to %7.")
                      .arg(outcome->steps).arg(indices.size()).arg(formatSeconds(outcome->seconds))
                      .arg(outcome->imagesPerSec, 0, 'f', 1).arg(QString::fromStdString(outcome->device))
                      .arg(outcome->finalLoss, 0, 'f', 4).arg(p.value(QStringLiteral("out"))));
    }
    return kExitOk;
}

}  // namespace fedpilot::cli
