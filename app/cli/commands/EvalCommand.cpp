// fedpilot-cli eval: verification and identification metrics of a model on a face cache.

#include "CliCommand.h"
#include "CliSupport.h"
#include "EngineOptions.h"
#include "common/Strings.h"
#include "fedpilot/engine/FaceModel.h"
#include "fedpilot/engine/Verification.h"
#include "report/EngineJson.h"

#include <QFile>
#include <QJsonObject>
#include <QRegularExpression>

#include <algorithm>
#include <map>
#include <set>

namespace fedpilot::cli {

namespace {

// A pairs file: "indexA indexB label [fold]" per line (cache indices, label 1 = same person, 0 =
// not; fold 0..99). Blank lines and lines starting with '#' are skipped. Either every line has a
// fold or none has; without folds, pairs go to `folds` equal blocks in line order (LFW pairs.txt's
// 10 sets). Returns an error message, empty on success.
QString readPairsFile(const QString& path, std::int64_t cacheSize, int folds, std::vector<engine::VerificationPair>& pairs,
                      int& numFolds)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Text))
        return QStringLiteral("cannot read the pairs file %1: %2").arg(path, file.errorString());
    int withFold = -1;  // unknown, 0 = no line has a fold, 1 = every line has one
    int lineNo = 0;
    while (!file.atEnd()) {
        ++lineNo;
        const QString line = QString::fromUtf8(file.readLine()).trimmed();
        if (line.isEmpty() || line.startsWith(QLatin1Char('#')))
            continue;
        const QStringList f = line.split(QRegularExpression(QStringLiteral("[\\s,]+")), Qt::SkipEmptyParts);
        const auto bad = [&](const QString& why) {
            return QStringLiteral("%1:%2: %3 (expected \"indexA indexB label [fold]\"): %4").arg(path).arg(lineNo).arg(why, line);
        };
        if (f.size() != 3 && f.size() != 4)
            return bad(QStringLiteral("%1 fields").arg(f.size()));
        if (withFold >= 0 && withFold != int(f.size() == 4))
            return bad(QStringLiteral("give a fold on every line or on none"));
        withFold = int(f.size() == 4);
        bool okA = false, okB = false, okL = false, okF = true;
        engine::VerificationPair pair;
        pair.a = f[0].toLongLong(&okA);
        pair.b = f[1].toLongLong(&okB);
        const int label = f[2].toInt(&okL);
        if (f.size() == 4)
            pair.fold = f[3].toInt(&okF);
        if (!okA || !okB || !okL || !okF)
            return bad(QStringLiteral("not an integer"));
        if (label != 0 && label != 1)
            return bad(QStringLiteral("label must be 1 (same person) or 0"));
        if (pair.a < 0 || pair.a >= cacheSize || pair.b < 0 || pair.b >= cacheSize)
            return bad(QStringLiteral("cache index out of range (the cache holds %1 images)").arg(cacheSize));
        if (pair.fold < 0 || pair.fold >= 100)
            return bad(QStringLiteral("fold must be 0..99"));
        pair.genuine = label == 1;
        pairs.push_back(pair);
    }
    if (pairs.empty())
        return QStringLiteral("the pairs file %1 holds no pairs").arg(path);
    if (withFold == 1) {
        // Renumber the folds used to 0..k-1 (a file may hold, e.g., only LFW sets 6-10).
        std::set<int> used;
        for (const auto& p : pairs)
            used.insert(p.fold);
        std::map<int, int> renumber;
        for (int f : used)
            renumber.emplace(f, int(renumber.size()));
        for (auto& p : pairs)
            p.fold = renumber[p.fold];
        numFolds = int(used.size());
    } else {
        numFolds = int(std::min<std::size_t>(std::size_t(folds), pairs.size()));
        for (std::size_t i = 0; i < pairs.size(); ++i)
            pairs[i].fold = int(i * std::size_t(numFolds) / pairs.size());
    }
    if (numFolds < 2)
        return QStringLiteral("the pairs file %1 gives only one fold: at least 2 are needed").arg(path);
    return {};
}

void printVerification(const engine::VerificationMetrics& v)
{
    printLine(QStringLiteral("Verification on %1 genuine + %2 impostor pairs (%3 folds):")
                  .arg(v.genuinePairs).arg(v.impostorPairs).arg(v.folds));
    printLine(QStringLiteral("  accuracy %1 %2 %3   AUC %4   EER %5")
                  .arg(v.accuracy * 100, 0, 'f', 2).arg(QChar(0xB1)).arg(v.accuracyStd * 100, 0, 'f', 2)
                  .arg(v.auc, 0, 'f', 4).arg(v.eer, 0, 'f', 4));
    for (const auto& t : v.tarAtFar)
        printLine(QStringLiteral("  TAR@FAR=%1: %2").arg(t.far, 0, 'g', 1)
                      .arg(t.available ? QString::number(t.tar, 'f', 4) : QStringLiteral("n/a (too few impostor pairs)")));
}

}  // namespace

int runEval(const QStringList& args)
{
    QCommandLineParser p;
    p.addOption({QStringLiteral("model"), QStringLiteral("Model to evaluate."), QStringLiteral("MODEL")});
    p.addOption({QStringLiteral("untrained"), QStringLiteral("Evaluate a freshly initialised model instead (the floor); uses --backbone/--size/--embedding/--seed.")});
    p.addOption({QStringLiteral("cache"), QStringLiteral("Packed face cache (required)."), QStringLiteral("FILE")});
    p.addOption({QStringLiteral("split"), QStringLiteral("held-out (default), train or all."), QStringLiteral("name"), QStringLiteral("held-out")});
    p.addOption({QStringLiteral("folds"), QStringLiteral("Cross-validation folds (default 10)."), QStringLiteral("n"), QStringLiteral("10")});
    p.addOption({QStringLiteral("pairs"), QStringLiteral("Genuine and impostor pairs per fold, each (default 300, fewer when the data has fewer)."), QStringLiteral("n"), QStringLiteral("300")});
    p.addOption({QStringLiteral("pairs-file"), QStringLiteral("Score these pairs instead of drawn ones: lines \"indexA indexB label [fold]\" (cache indices, label 1 = same person, fold 0..99; without folds, --folds equal blocks in line order). No identification then."), QStringLiteral("FILE")});
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
    if (p.isSet(QStringLiteral("pairs-file"))) {
        if (p.isSet(QStringLiteral("split")) || p.isSet(QStringLiteral("pairs")))
            return fail(QStringLiteral("--pairs-file takes its pairs from the file: give no --split or --pairs"), kExitUsage);
        std::vector<engine::VerificationPair> pairList;
        int numFolds = 0;
        if (const QString error = readPairsFile(p.value(QStringLiteral("pairs-file")), cache->size(), protocol.folds, pairList, numFolds);
            !error.isEmpty())
            return fail(error);
        // Embed each cache index used once; the pairs then refer to positions in that list.
        std::map<std::int64_t, std::int64_t> position;
        for (const auto& pr : pairList) {
            position.emplace(pr.a, 0);
            position.emplace(pr.b, 0);
        }
        std::vector<std::int64_t> used;
        used.reserve(position.size());
        for (auto& [index, pos] : position) {
            pos = std::int64_t(used.size());
            used.push_back(index);
        }
        std::vector<engine::VerificationPair> local = pairList;
        for (auto& pr : local) {
            pr.a = position[pr.a];
            pr.b = position[pr.b];
        }
        auto embeddings = model->embed(cache.value(), used, embed, cancelFlag());
        if (!embeddings)
            return cancelled() ? fail(QStringLiteral("cancelled"), kExitCancelled) : fail(QString::fromStdString(embeddings.message()));
        const auto scores = engine::scorePairs(embeddings.value(), model->config().embeddingSize, local);
        std::vector<bool> genuine;
        std::vector<int> folds;
        genuine.reserve(local.size());
        folds.reserve(local.size());
        for (const auto& pr : local) {
            genuine.push_back(pr.genuine);
            folds.push_back(pr.fold);
        }
        auto v = engine::computeVerification(scores, genuine, folds, numFolds);
        if (!v)
            return fail(QString::fromStdString(v.message()));
        if (p.isSet(QStringLiteral("scores-out"))) {
            if (auto s = engine::writeScores(toEnginePath(p.value(QStringLiteral("scores-out"))), scores, genuine); !s)
                return fail(QString::fromStdString(s.message()));
        }
        if (p.isSet(QStringLiteral("json"))) {
            printJson(QJsonObject{{QStringLiteral("verification"), toJson(v.value(), p.isSet(QStringLiteral("roc")))},
                                  {QStringLiteral("images"), qint64(used.size())},
                                  {QStringLiteral("pairs_file"), p.value(QStringLiteral("pairs-file"))},
                                  {QStringLiteral("model"), toJson(model->config())}});
        } else {
            printVerification(v.value());
        }
        return kExitOk;
    }
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
        printVerification(v);
        printLine(QStringLiteral("Identification (1:N, %1 identities, %2 probes): top-1 %3  top-5 %4")
                      .arg(report->identification.galleryIdentities).arg(report->identification.probes)
                      .arg(report->identification.top1 * 100, 0, 'f', 2).arg(report->identification.top5 * 100, 0, 'f', 2));
    }
    return kExitOk;
}

}  // namespace fedpilot::cli
