#include "EngineOptions.h"

#include "CliSupport.h"

namespace fedpilot::cli {

void addModelOptions(QCommandLineParser& p)
{
    p.addOption({QStringLiteral("backbone"), QStringLiteral("mobilefacenet (default), iresnet18 or iresnet50."), QStringLiteral("name"), QStringLiteral("mobilefacenet")});
    p.addOption({QStringLiteral("size"), QStringLiteral("Input size in pixels, a multiple of 16 (default 112)."), QStringLiteral("px"), QStringLiteral("112")});
    p.addOption({QStringLiteral("embedding"), QStringLiteral("Embedding size (default 512)."), QStringLiteral("n"), QStringLiteral("512")});
}

bool readModelOptions(const QCommandLineParser& p, engine::ModelConfig& c)
{
    auto backbone = engine::parseBackbone(p.value(QStringLiteral("backbone")).toStdString());
    if (!backbone) {
        fail(QString::fromStdString(backbone.message()));
        return false;
    }
    c.backbone = backbone.value();
    c.inputSize = p.value(QStringLiteral("size")).toInt();
    c.embeddingSize = p.value(QStringLiteral("embedding")).toInt();
    if (!readInt(p, QStringLiteral("size"), 16, 512, c.inputSize) || !readInt(p, QStringLiteral("embedding"), 8, 4096, c.embeddingSize))
        return false;
    if (auto s = engine::validate(c); !s) {
        fail(QString::fromStdString(s.message()));
        return false;
    }
    return true;
}

void addTrainOptions(QCommandLineParser& p)
{
    p.addOption({QStringLiteral("epochs"), QStringLiteral("Epochs (default 10)."), QStringLiteral("n"), QStringLiteral("10")});
    p.addOption({QStringLiteral("batch"), QStringLiteral("Batch size (default 128)."), QStringLiteral("n"), QStringLiteral("128")});
    p.addOption({QStringLiteral("lr"), QStringLiteral("Learning rate (default 0.1 from scratch)."), QStringLiteral("x"), QStringLiteral("0.1")});
    p.addOption({QStringLiteral("momentum"), QStringLiteral("SGD momentum (default 0.9)."), QStringLiteral("x"), QStringLiteral("0.9")});
    p.addOption({QStringLiteral("weight-decay"), QStringLiteral("Weight decay (default 5e-4)."), QStringLiteral("x"), QStringLiteral("5e-4")});
    p.addOption({QStringLiteral("head"), QStringLiteral("cosface (s=30, m=0.4, default) or arcface (s=64, m=0.5)."), QStringLiteral("name"), QStringLiteral("cosface")});
    p.addOption({QStringLiteral("seed"), QStringLiteral("Random seed (default 1)."), QStringLiteral("n"), QStringLiteral("1")});
    p.addOption({QStringLiteral("device"), QStringLiteral("auto (CUDA when present, default), cpu, cuda or cuda:N."), QStringLiteral("dev"), QStringLiteral("auto")});
    p.addOption({QStringLiteral("threads"), QStringLiteral("CPU threads for the math (default: cores - 1)."), QStringLiteral("n"), QStringLiteral("0")});
    p.addOption({QStringLiteral("max-steps"), QStringLiteral("Stop after this many steps (0 = no limit)."), QStringLiteral("n"), QStringLiteral("0")});
    p.addOption({QStringLiteral("no-flip"), QStringLiteral("Disable horizontal flip augmentation.")});
    p.addOption({QStringLiteral("no-channels-last"), QStringLiteral("Use the NCHW memory layout instead of channels-last.")});
}

bool readTrainOptions(const QCommandLineParser& p, engine::TrainConfig& c)
{
    auto head = engine::parseMarginHead(p.value(QStringLiteral("head")).toStdString());
    if (!head) {
        fail(QString::fromStdString(head.message()));
        return false;
    }
    c.head = engine::defaultHead(head.value());
    qint64 seed = 1, maxSteps = 0;
    if (!readInt(p, QStringLiteral("epochs"), 1, 100000, c.epochs) || !readInt(p, QStringLiteral("batch"), 2, 8192, c.batchSize)
        || !readDouble(p, QStringLiteral("lr"), 1e-9, 10.0, c.optim.learningRate)
        || !readDouble(p, QStringLiteral("momentum"), 0.0, 0.999, c.optim.momentum)
        || !readDouble(p, QStringLiteral("weight-decay"), 0.0, 1.0, c.optim.weightDecay)
        || !readInt(p, QStringLiteral("seed"), qint64(0), qint64(1) << 62, seed)
        || !readInt(p, QStringLiteral("threads"), 0, 1024, c.threads)
        || !readInt(p, QStringLiteral("max-steps"), qint64(0), qint64(1) << 40, maxSteps))
        return false;
    if (!p.isSet(QStringLiteral("epochs")))
        c.epochs = 10;
    if (!p.isSet(QStringLiteral("batch")))
        c.batchSize = 128;
    if (!p.isSet(QStringLiteral("lr")))
        c.optim.learningRate = 0.1;
    c.seed = static_cast<std::uint64_t>(seed);
    c.maxSteps = maxSteps;
    c.device = p.value(QStringLiteral("device")).toStdString();
    c.flip = !p.isSet(QStringLiteral("no-flip"));
    c.channelsLast = !p.isSet(QStringLiteral("no-channels-last"));
    if (auto s = engine::validate(c); !s) {
        fail(QString::fromStdString(s.message()));
        return false;
    }
    return true;
}

}  // namespace fedpilot::cli
