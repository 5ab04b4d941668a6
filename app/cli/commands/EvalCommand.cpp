// fedpilot-cli eval: verification and identification metrics of a model on a face cache.

#include "CliCommand.h"
#include "CliSupport.h"
#include "EngineOptions.h"
#include "common/Strings.h"
#include "fedpilot/engine/FaceModel.h"
#include "fedpilot/engine/Verification.h"
#include "report/EngineJson.h"

#include <QJsonObject>

namespace fedpilot::cli {

int runEval(const QStringList& args)
{
    QCommandLineParser p;
    p.addOption({QStringLiteral("model"), QStringLiteral("Model to evaluate."), QStringLiteral("MODEL")});
    p.addOption({QStringLiteral("untrained"), QStringLiteral("Evaluate a freshly initialised model instead (the floor); uses --backbone/--size/--embedding/--seed.")});
    p.addOption({QStringLiteral("cache"), QStringLiteral("Packed face cache (required)."), QStringLiteral("FILE")});
    p.addOption({QStringLiteral("split"), QStringLiteral("held-out (default), train or all."), QStringLiteral("name"), QStringLiteral("held-out")});
    p.addOption({QStringLiteral("folds"), QStringLiteral("Cross-validation folds (default 10)."), QStringLiteral("n"), QStringLiteral("10")});
    p.addOption({QStringLiteral("pairs"), QStringLiteral("Genuine and impostor pairs per fold, each (default 300, fewer when the data has fewer)."), QStringLiteral("n"), QStringLiteral("300")});
    p.addOption({QStringLiteral("pair-seed"), QStringLiteral("Seed for drawing pairs (default 7)."), QStringLiteral("n"), QStringLiteral("7")});
    p.addOption({QStringLiteral("no-flip"), QStringLiteral("Do not average with the mirrored image's embedding.")});
    p.addOption({QStringLiteral("scores-out"), QStringLiteral("Write 'label,score' lines (1 = genuine) for every pair."), QStringLiteral("FILE")});
    p.addOption({QStringLiteral("roc"), QStringLiteral("Include the ROC points in the JSON output.")});
    p.addOption({QStringLiteral("device"), QStringLiteral("auto (default), cpu, cuda or cuda:N."), QStringLiteral("dev"), QStringLiteral("auto")});
    p.addOption({QStringLiteral("threads"), QStringLiteral("CPU threads (default: cores - 1)."), QStringLiteral("n"), QStringLiteral("0")});
    p.addOption({QStringLiteral("seed"), QStringLiteral("Initialisation seed for --untrained (default 1)."), QStringLiteral("n"), QStringLiteral("1")});
    addModelOptions(p);
    if (auto code = parseArguments(p, args, QStringLiteral("Evaluate a face model: 1:1 verification on genuine/impostor pairs (10-fold accuracy at the "
                                                           "best threshold, ROC AUC, EER, TAR@FAR) and 1:N identification.")))
        return *code;
    if (!p.isSet(QStringLiteral("cache")) || (p.isSet(QStringLiteral("model")) == p.isSet(QStringLiteral("untrained"))))
        return fail(QStringLiteral("give --cache and exactly one of --model or --untrained"), kExitUsage);
    engine::EvalProtocol protocol;
    qint64 pairs = 300, pairSeed = 7, seed = 1;
    engine::EmbedOptions embed;
    if (!readInt(p, QStringLiteral("folds"), 2, 100, protocol.folds) || !readInt(p, QStringLiteral("pairs"), qint64(1), qint64(1) << 32, pairs)
        || !readInt(p, QStringLiteral("pair-seed"), qint64(0), qint64(1) << 62, pairSeed)
        || !readInt(p, QStringLiteral("seed"), qint64(0), qint64(1) << 62, seed)
        || !readInt(p, QStringLiteral("threads"), 0, 1024, embed.threads))
        return kExitUsage;
    protocol.genuinePerFold = protocol.impostorPerFold = pairs;
    protocol.seed = quint64(pairSeed);
    embed.flipAverage = !p.isSet(QStringLiteral("no-flip"));
    embed.device = p.value(QStringLiteral("device")).toStdString();
    const QString split = p.value(QStringLiteral("split"));
    if (split != QStringLiteral("held-out") && split != QStringLiteral("train") && split != QStringLiteral("all"))
        return fail(QStringLiteral("--split must be held-out, train or all"), kExitUsage);

    auto cache = engine::FaceCache::open(toEnginePath(p.value(QStringLiteral("cache"))));
    if (!cache)
        return fail(QString::fromStdString(cache.message()));
    engine::Result<engine::FaceModel> model = engine::Result<engine::FaceModel>::error("no model");
    if (p.isSet(QStringLiteral("model"))) {
        model = engine::FaceModel::load(toEnginePath(p.value(QStringLiteral("model"))));
    } else {
        engine::ModelConfig config;
        if (!readModelOptions(p, config))
            return kExitUsage;
        model = engine::FaceModel::create(config, quint64(seed));
    }
    if (!model)
        return fail(QString::fromStdString(model.message()));
    if (cache->info().width != model->config().inputSize)
        return fail(QStringLiteral("the cache holds %1 px faces but the model expects %2 px").arg(cache->info().width).arg(model->config().inputSize));
    const auto indices = split == QStringLiteral("all") ? cache->allIndices()
        : cache->indices(split == QStringLiteral("train") ? engine::Split::Train : engine::Split::HeldOut);
    if (indices.size() < 4)
        return fail(QStringLiteral("the %1 split has only %2 images: too few to evaluate").arg(split).arg(indices.size()));

    auto embeddings = model->embed(cache.value(), indices, embed, cancelFlag());
    if (!embeddings)
        return cancelled() ? fail(QStringLiteral("cancelled"), kExitCancelled) : fail(QString::fromStdString(embeddings.message()));
    std::vector<std::int32_t> labels;
    labels.reserve(indices.size());
    for (auto i : indices)
        labels.push_back(cache->label(i));
    auto report = engine::evaluateEmbeddings(embeddings.value(), model->config().embeddingSize, labels, protocol);
    if (!report)
        return fail(QString::fromStdString(report.message()));
    if (p.isSet(QStringLiteral("scores-out"))) {
        if (auto s = engine::writeScores(toEnginePath(p.value(QStringLiteral("scores-out"))), report->scores, report->genuine); !s)
            return fail(QString::fromStdString(s.message()));
    }
    const auto& v = report->verification;
    if (p.isSet(QStringLiteral("json"))) {
        printJson(QJsonObject{{QStringLiteral("verification"), toJson(v, p.isSet(QStringLiteral("roc")))},
                              {QStringLiteral("identification"), toJson(report->identification)},
                              {QStringLiteral("images"), qint64(indices.size())},
                              {QStringLiteral("split"), split},
                              {QStringLiteral("model"), toJson(model->config())}});
    } else {
        printLine(QStringLiteral("Verification on %1 genuine + %2 impostor pairs (%3 folds):")
                      .arg(v.genuinePairs).arg(v.impostorPairs).arg(v.folds));
        printLine(QStringLiteral("  accuracy %1 %2 %3   AUC %4   EER %5")
                      .arg(v.accuracy * 100, 0, 'f', 2).arg(QChar(0xB1)).arg(v.accuracyStd * 100, 0, 'f', 2)
                      .arg(v.auc, 0, 'f', 4).arg(v.eer, 0, 'f', 4));
        for (const auto& t : v.tarAtFar)
            printLine(QStringLiteral("  TAR@FAR=%1: %2").arg(t.far, 0, 'g', 1)
                          .arg(t.available ? QString::number(t.tar, 'f', 4) : QStringLiteral("n/a (too few impostor pairs)")));
        printLine(QStringLiteral("Identification (1:N, %1 identities, %2 probes): top-1 %3  top-5 %4")
                      .arg(report->identification.galleryIdentities).arg(report->identification.probes)
                      .arg(report->identification.top1 * 100, 0, 'f', 2).arg(report->identification.top5 * 100, 0, 'f', 2));
    }
    return kExitOk;
}

}  // namespace fedpilot::cli
