// fedpilot-cli simulate: a complete pilot in one process on built-in synthetic faces.

#include "CliCommand.h"
#include "CliSupport.h"
#include "common/Strings.h"
#include "fedpilot/engine/Simulation.h"
#include "report/EngineJson.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>
#include <QTemporaryDir>

namespace fedpilot::cli {
namespace {

QJsonObject toJson(const engine::SimulationResult& r, const engine::SimulationOptions& o)
{
    QJsonArray rounds;
    for (const auto& round : r.rounds) {
        QJsonArray sites;
        for (const auto& s : round.sites) {
            sites.append(QJsonObject{{QStringLiteral("site"), s.site + 1},
                                     {QStringLiteral("samples"), qint64(s.samples)},
                                     {QStringLiteral("training"), fedpilot::toJson(s.training)},
                                     {QStringLiteral("personalized"), fedpilot::toJson(s.personalized)},
                                     {QStringLiteral("update_norm"), s.updateNorm},
                                     {QStringLiteral("update_bytes_fp32"), qint64(s.updateBytesFp32)}});
        }
        rounds.append(QJsonObject{{QStringLiteral("round"), round.round},
                                  {QStringLiteral("generic"), fedpilot::toJson(round.generic)},
                                  {QStringLiteral("identification"), fedpilot::toJson(round.identification)},
                                  {QStringLiteral("sites"), sites}});
    }
    return QJsonObject{{QStringLiteral("strategy"), QString::fromLatin1(engine::toString(o.strategy))},
                       {QStringLiteral("model"), fedpilot::toJson(o.model)},
                       {QStringLiteral("parameters"), qint64(r.modelParameters)},
                       {QStringLiteral("untrained"), fedpilot::toJson(r.untrained)},
                       {QStringLiteral("pretraining"), fedpilot::toJson(r.pretraining)},
                       {QStringLiteral("dp_sigma"), r.dpSigma},
                       {QStringLiteral("rounds"), rounds}};
}

QString pct(double v)
{
    return QString::number(v * 100, 'f', 1) + QLatin1Char('%');
}

}  // namespace

int runSimulate(const QStringList& args)
{
    QCommandLineParser p;
    p.addOption({QStringLiteral("out"), QStringLiteral("Keep the work files and results.json in DIR (default: a temporary folder)."), QStringLiteral("DIR")});
    p.addOption({QStringLiteral("strategy"), QStringLiteral("adafedfr (default), fedavg or local."), QStringLiteral("name"), QStringLiteral("adafedfr")});
    p.addOption({QStringLiteral("sites"), QStringLiteral("Number of sites (default 3)."), QStringLiteral("n"), QStringLiteral("3")});
    p.addOption({QStringLiteral("rounds"), QStringLiteral("Federated rounds after the pretrained round 0 (default 2)."), QStringLiteral("n"), QStringLiteral("2")});
    p.addOption({QStringLiteral("size"), QStringLiteral("Face size in pixels, a multiple of 16 (default 32: fast on a CPU)."), QStringLiteral("px"), QStringLiteral("32")});
    p.addOption({QStringLiteral("pretrain-epochs"), QStringLiteral("Epochs of pretraining (default 12)."), QStringLiteral("n"), QStringLiteral("12")});
    p.addOption({QStringLiteral("local-epochs"), QStringLiteral("Local epochs per round (default 3)."), QStringLiteral("n"), QStringLiteral("3")});
    p.addOption({QStringLiteral("dp-epsilon"), QStringLiteral("Per-round epsilon of client-level DP (default: off)."), QStringLiteral("x"), QStringLiteral("0")});
    p.addOption({QStringLiteral("seed"), QStringLiteral("Seed (default 1)."), QStringLiteral("n"), QStringLiteral("1")});
    p.addOption({QStringLiteral("device"), QStringLiteral("auto (default), cpu, cuda or cuda:N."), QStringLiteral("dev"), QStringLiteral("auto")});
    p.addOption({QStringLiteral("threads"), QStringLiteral("CPU threads (default: cores - 1)."), QStringLiteral("n"), QStringLiteral("0")});
    if (auto code = parseArguments(p, args, QStringLiteral("Run a small federated pilot on synthetic faces in one process: pretrain the generic model on "
                                                           "public identities, run rounds of local training at each site and FedAvg, and report "
                                                           "accuracy on identities nobody trained on (generic) and per site (personalized).")))
        return *code;
    engine::SimulationOptions o;
    auto strategy = engine::parseStrategy(p.value(QStringLiteral("strategy")).toStdString());
    if (!strategy)
        return fail(QString::fromStdString(strategy.message()), kExitUsage);
    o.strategy = strategy.value();
    qint64 seed = 1;
    int threads = 0;
    o.model.inputSize = 32;
    o.model.embeddingSize = 128;
    o.pretrain.epochs = 12;
    o.local.epochs = 3;
    if (!readInt(p, QStringLiteral("sites"), 1, 64, o.sites) || !readInt(p, QStringLiteral("rounds"), 0, 100, o.rounds)
        || !readInt(p, QStringLiteral("size"), 16, 256, o.model.inputSize) || !readInt(p, QStringLiteral("pretrain-epochs"), 1, 1000, o.pretrain.epochs)
        || !readInt(p, QStringLiteral("local-epochs"), 1, 1000, o.local.epochs) || !readDouble(p, QStringLiteral("dp-epsilon"), 0, 1e6, o.dpEpsilon)
        || !readInt(p, QStringLiteral("seed"), qint64(0), qint64(1) << 62, seed) || !readInt(p, QStringLiteral("threads"), 0, 1024, threads))
        return kExitUsage;
    if (auto s = engine::validate(o.model); !s)
        return fail(QString::fromStdString(s.message()), kExitUsage);
    o.seed = quint64(seed);
    o.pretrain.batchSize = 64;
    o.pretrain.optim.learningRate = 0.1;
    o.local.batchSize = 32;
    o.local.optim.learningRate = 0.01;
    o.local.ada.k = 30;
    for (auto* c : {&o.pretrain, &o.local}) {
        c->device = p.value(QStringLiteral("device")).toStdString();
        c->threads = threads;
    }

    QTemporaryDir temp;
    const QString workDir = p.isSet(QStringLiteral("out")) ? p.value(QStringLiteral("out")) : temp.path();
    if (!QDir().mkpath(workDir))
        return fail(QStringLiteral("cannot create %1").arg(workDir));
    o.workDir = toEnginePath(workDir);
    const bool json = p.isSet(QStringLiteral("json"));
    ProgressLine progress(!json);
    auto result = engine::simulatePilot(o, [&](const std::string& stage, double f) {
        progress.update(f, QString::fromStdString(stage));
    }, cancelFlag());
    progress.finish();
    if (!result)
        return cancelled() ? fail(QStringLiteral("cancelled"), kExitCancelled) : fail(QString::fromStdString(result.message()));

    const QJsonObject out = toJson(result.value(), o);
    if (p.isSet(QStringLiteral("out"))) {
        QSaveFile file(QDir(workDir).filePath(QStringLiteral("results.json")));
        if (!file.open(QIODevice::WriteOnly) || file.write(QJsonDocument(out).toJson()) < 0 || !file.commit())
            return fail(QStringLiteral("cannot write results.json: %1").arg(file.errorString()));
    }
    if (json) {
        printJson(out);
        return kExitOk;
    }
    const auto& r = result.value();
    printLine(QStringLiteral("FedPilot simulation: %1, %2 sites, %3 rounds, %4 (%5 parameters), %6 px synthetic faces")
                  .arg(QString::fromLatin1(engine::toString(o.strategy))).arg(o.sites).arg(o.rounds)
                  .arg(QString::fromLatin1(engine::toString(o.model.backbone))).arg(r.modelParameters).arg(o.model.inputSize));
    printLine(QStringLiteral("Generic verification on %1 identities nobody trained on:").arg(o.evalIdentities));
    printLine(QStringLiteral("  untrained model      accuracy %1  AUC %2").arg(pct(r.untrained.accuracy)).arg(r.untrained.auc, 0, 'f', 3));
    for (const auto& round : r.rounds) {
        QString line = QStringLiteral("  %1 accuracy %2  AUC %3  EER %4")
                           .arg(round.round == 0 ? QStringLiteral("round 0 (pretrained)") : QStringLiteral("round %1            ").arg(round.round))
                           .arg(pct(round.generic.accuracy)).arg(round.generic.auc, 0, 'f', 3).arg(round.generic.eer, 0, 'f', 3);
        if (!round.sites.empty()) {
            double personalized = 0;
            for (const auto& s : round.sites)
                personalized += s.personalized.accuracy;
            line += QStringLiteral("  | sites' personalized accuracy %1").arg(pct(personalized / round.sites.size()));
        }
        printLine(line);
    }
    if (p.isSet(QStringLiteral("out")))
        printLine(QStringLiteral("Results written to %1").arg(QDir(workDir).filePath(QStringLiteral("results.json"))));
    return kExitOk;
}

}  // namespace fedpilot::cli
