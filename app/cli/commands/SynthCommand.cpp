// fedpilot-cli synth: the built-in synthetic face generator.

#include "CliCommand.h"
#include "CliSupport.h"
#include "common/Strings.h"
#include "imports/SyntheticFolder.h"

#include <QElapsedTimer>
#include <QJsonObject>

namespace fedpilot::cli {

int runSynth(const QStringList& args)
{
    QCommandLineParser p;
    p.addOption({QStringLiteral("out"), QStringLiteral("Write <DIR>/<identity>/<image>.png (an import-ready folder)."), QStringLiteral("DIR")});
    p.addOption({QStringLiteral("cache"), QStringLiteral("Also (or instead) write a packed face cache to FILE."), QStringLiteral("FILE")});
    p.addOption({QStringLiteral("identities"), QStringLiteral("Number of identities (default 20)."), QStringLiteral("N"), QStringLiteral("20")});
    p.addOption({QStringLiteral("images"), QStringLiteral("Images per identity (default 10)."), QStringLiteral("M"), QStringLiteral("10")});
    p.addOption({QStringLiteral("size"), QStringLiteral("Image size in pixels (default 112)."), QStringLiteral("S"), QStringLiteral("112")});
    p.addOption({QStringLiteral("seed"), QStringLiteral("Seed; the same seed gives the same faces (default 1)."), QStringLiteral("X"), QStringLiteral("1")});
    p.addOption({QStringLiteral("held-out-images"), QStringLiteral("Cache only: images per identity in the held-out split (default 2)."), QStringLiteral("K"), QStringLiteral("2")});
    p.addOption({QStringLiteral("held-out-identities"), QStringLiteral("Cache only: the last H identities are entirely held out (default 0)."), QStringLiteral("H"), QStringLiteral("0")});
    if (auto code = parseArguments(p, args, QStringLiteral("Generate synthetic faces (identity-specific geometry, skin and hair; per-image pose, "
                                                           "lighting, expression, blur and noise), deterministic by seed.")))
        return *code;
    if (!p.isSet(QStringLiteral("out")) && !p.isSet(QStringLiteral("cache")))
        return fail(QStringLiteral("give --out DIR and/or --cache FILE"), kExitUsage);
    SyntheticFolderOptions o;
    int heldOutImages = 2, heldOutIdentities = 0;
    qint64 seed = 1;
    if (!readInt(p, QStringLiteral("identities"), 1, 1000000, o.identities) || !readInt(p, QStringLiteral("images"), 1, 100000, o.imagesPerIdentity)
        || !readInt(p, QStringLiteral("size"), 16, 512, o.size) || !readInt(p, QStringLiteral("seed"), qint64(0), qint64(1) << 62, seed)
        || !readInt(p, QStringLiteral("held-out-images"), 0, 100000, heldOutImages)
        || !readInt(p, QStringLiteral("held-out-identities"), 0, 1000000, heldOutIdentities))
        return kExitUsage;
    o.seed = quint64(seed);
    const bool json = p.isSet(QStringLiteral("json"));
    QElapsedTimer timer;
    timer.start();
    QJsonObject result{{QStringLiteral("identities"), o.identities},
                       {QStringLiteral("images_per_identity"), o.imagesPerIdentity},
                       {QStringLiteral("size"), o.size},
                       {QStringLiteral("seed"), qint64(seed)}};
    if (p.isSet(QStringLiteral("out"))) {
        o.outDir = p.value(QStringLiteral("out"));
        ProgressLine progress(!json);
        auto r = writeSyntheticFolder(o, [&](qint64 done, qint64 total) {
            progress.update(double(done) / total, QStringLiteral("%1/%2 images").arg(done).arg(total));
        }, cancelFlag());
        progress.finish();
        if (!r)
            return cancelled() ? fail(QStringLiteral("cancelled"), kExitCancelled) : fail(QString::fromStdString(r.message()));
        result.insert(QStringLiteral("folder"), o.outDir);
        result.insert(QStringLiteral("images"), r->images);
    }
    if (p.isSet(QStringLiteral("cache"))) {
        engine::SynthCacheOptions c;
        c.identities = o.identities;
        c.imagesPerIdentity = o.imagesPerIdentity;
        c.size = o.size;
        c.seed = o.seed;
        c.heldOutImagesPerIdentity = heldOutImages;
        c.firstHeldOutIdentity = heldOutIdentities > 0 ? qMax(0, o.identities - heldOutIdentities) : 0;
        ProgressLine progress(!json);
        const QString path = p.value(QStringLiteral("cache"));
        auto s = engine::writeSynthCache(toEnginePath(path), c, [&](std::int64_t done, std::int64_t total) {
            progress.update(double(done) / total, QStringLiteral("%1/%2 images").arg(done).arg(total));
        }, cancelFlag());
        progress.finish();
        if (!s)
            return cancelled() ? fail(QStringLiteral("cancelled"), kExitCancelled) : fail(QString::fromStdString(s.message()));
        result.insert(QStringLiteral("cache"), path);
        result.insert(QStringLiteral("images"), qint64(o.identities) * o.imagesPerIdentity);
    }
    result.insert(QStringLiteral("seconds"), timer.elapsed() / 1000.0);
    if (json)
        printJson(result);
    else
        printLine(QStringLiteral("Wrote %1 identities x %2 images (%3 px) in %4 s.")
                      .arg(o.identities).arg(o.imagesPerIdentity).arg(o.size).arg(timer.elapsed() / 1000.0, 0, 'f', 1));
    return kExitOk;
}

}  // namespace fedpilot::cli
