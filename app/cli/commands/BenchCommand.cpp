// fedpilot-cli bench train: training throughput of the engine.

#include "CliCommand.h"
#include "CliSupport.h"
#include "EngineOptions.h"
#include "fedpilot/engine/Bench.h"
#include "report/EngineJson.h"

namespace fedpilot::cli {

int runBench(const QStringList& args)
{
    QCommandLineParser p;
    p.addPositionalArgument(QStringLiteral("what"), QStringLiteral("train: images/s of full training steps (data path, forward, backward, SGD)."));
    p.addOption({QStringLiteral("batch"), QStringLiteral("Batch size (default 64)."), QStringLiteral("n"), QStringLiteral("64")});
    p.addOption({QStringLiteral("steps"), QStringLiteral("Timed steps (default 20)."), QStringLiteral("n"), QStringLiteral("20")});
    p.addOption({QStringLiteral("warmup"), QStringLiteral("Untimed warm-up steps (default 3)."), QStringLiteral("n"), QStringLiteral("3")});
    p.addOption({QStringLiteral("device"), QStringLiteral("auto (default), cpu, cuda or cuda:N."), QStringLiteral("dev"), QStringLiteral("auto")});
    p.addOption({QStringLiteral("threads"), QStringLiteral("CPU threads (default: cores - 1)."), QStringLiteral("n"), QStringLiteral("0")});
    p.addOption({QStringLiteral("no-channels-last"), QStringLiteral("Use NCHW instead of channels-last.")});
    addModelOptions(p);
    if (auto code = parseArguments(p, args, QStringLiteral("Benchmarks. 'bench train' measures training images/s on synthetic faces.")))
        return *code;
    if (p.positionalArguments() != QStringList{QStringLiteral("train")})
        return fail(QStringLiteral("usage: fedpilot-cli bench train [options]"), kExitUsage);
    engine::BenchTrainOptions o;
    if (!readModelOptions(p, o.model) || !readInt(p, QStringLiteral("batch"), 2, 8192, o.batchSize)
        || !readInt(p, QStringLiteral("steps"), 1, 100000, o.steps) || !readInt(p, QStringLiteral("warmup"), 0, 100000, o.warmupSteps)
        || !readInt(p, QStringLiteral("threads"), 0, 1024, o.threads))
        return kExitUsage;
    o.device = p.value(QStringLiteral("device")).toStdString();
    o.channelsLast = !p.isSet(QStringLiteral("no-channels-last"));
    auto r = engine::benchTrain(o);
    if (!r)
        return fail(QString::fromStdString(r.message()));
    if (p.isSet(QStringLiteral("json")))
        printJson(toJson(r.value()));
    else
        printLine(QStringLiteral("%1 (%2 params) %3 px, batch %4 on %5 with %6 thread(s): %7 images/s (%8 ms/step)")
                      .arg(QString::fromStdString(r->backbone)).arg(r->params).arg(r->inputSize).arg(r->batchSize)
                      .arg(QString::fromStdString(r->device)).arg(r->threads).arg(r->imagesPerSec, 0, 'f', 1)
                      .arg(r->stepMsMean, 0, 'f', 1));
    return kExitOk;
}

}  // namespace fedpilot::cli
