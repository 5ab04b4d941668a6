// fedpilot-cli import: a folder of <identity>/<images> -> checked, aligned face cache + manifest.

#include "CliCommand.h"
#include "CliSupport.h"
#include "imports/ImportJob.h"
#include "storage/Database.h"

#include <QJsonObject>

namespace fedpilot::cli {

int runImport(const QStringList& args)
{
    QCommandLineParser p;
    p.addOption({QStringLiteral("folder"), QStringLiteral("Folder of <identity>/<images> (required)."), QStringLiteral("DIR")});
    p.addOption({QStringLiteral("db"), QStringLiteral("Site database: the manifest (identities, files, reasons, split) (required)."), QStringLiteral("FILE")});
    p.addOption({QStringLiteral("cache"), QStringLiteral("Packed face cache to write (required)."), QStringLiteral("FILE")});
    p.addOption({QStringLiteral("size"), QStringLiteral("Crop size in pixels (default 112)."), QStringLiteral("S"), QStringLiteral("112")});
    p.addOption({QStringLiteral("aligned"), QStringLiteral("The images already are aligned face crops: no detection, centre square resized.")});
    p.addOption({QStringLiteral("crop-fraction"), QStringLiteral("With --aligned: side of the centre square as a fraction of the short side (default 1)."), QStringLiteral("F"), QStringLiteral("1")});
    p.addOption({QStringLiteral("held-out-fraction"), QStringLiteral("Per identity, fraction of images held out for evaluation (default 0.2)."), QStringLiteral("F"), QStringLiteral("0.2")});
    p.addOption({QStringLiteral("held-out-identities"), QStringLiteral("Hold out this many whole identities (default 0)."), QStringLiteral("N"), QStringLiteral("0")});
    p.addOption({QStringLiteral("min-images"), QStringLiteral("Identities with fewer usable images are reported and left out (default 2)."), QStringLiteral("N"), QStringLiteral("2")});
    p.addOption({QStringLiteral("threads"), QStringLiteral("Worker threads (default: all cores)."), QStringLiteral("N"), QStringLiteral("0")});
    p.addOption({QStringLiteral("blur-threshold"), QStringLiteral("Reject crops whose Laplacian variance is below this (default 25; 0 = off)."), QStringLiteral("X"), QStringLiteral("25")});
    p.addOption({QStringLiteral("near-duplicate-bits"), QStringLiteral("Near duplicate when the 256-bit crop hash differs in at most this many bits (default 12; 0 = off)."), QStringLiteral("N"), QStringLiteral("12")});
    p.addOption({QStringLiteral("seed"), QStringLiteral("Split seed (default 1)."), QStringLiteral("N"), QStringLiteral("1")});
    if (auto code = parseArguments(p, args, QStringLiteral("Import a folder of face images (<identity>/<images>, any format OpenCV reads plus GIF, "
                                                           "detected by content): face detection and alignment, quality checks with a reason per "
                                                           "file, a deterministic held-out split, a packed face cache and a manifest in the site "
                                                           "database. Re-import is incremental; identity names never enter the cache.")))
        return *code;
    for (const char* required : {"folder", "db", "cache"})
        if (!p.isSet(QString::fromLatin1(required)))
            return fail(QStringLiteral("give --folder DIR, --db SITE.db and --cache OUT.fpcache"), kExitUsage);
    ImportOptions o;
    o.folder = p.value(QStringLiteral("folder"));
    o.cachePath = p.value(QStringLiteral("cache"));
    o.mode = p.isSet(QStringLiteral("aligned")) ? AlignMode::PreAligned : AlignMode::Detect;
    qint64 seed = 1;
    if (!readInt(p, QStringLiteral("size"), 16, 512, o.size) || !readDouble(p, QStringLiteral("crop-fraction"), 0.06, 1.0, o.cropFraction)
        || !readDouble(p, QStringLiteral("held-out-fraction"), 0.0, 0.99, o.heldOutFraction)
        || !readInt(p, QStringLiteral("held-out-identities"), 0, 10000000, o.heldOutIdentities)
        || !readInt(p, QStringLiteral("min-images"), 1, 1000000, o.minImages) || !readInt(p, QStringLiteral("threads"), 0, 1024, o.threads)
        || !readDouble(p, QStringLiteral("blur-threshold"), 0.0, 1e6, o.blurThreshold)
        || !readInt(p, QStringLiteral("near-duplicate-bits"), 0, 128, o.nearDuplicateBits)
        || !readInt(p, QStringLiteral("seed"), qint64(0), qint64(1) << 62, seed))
        return kExitUsage;
    o.seed = quint64(seed);
    const bool json = p.isSet(QStringLiteral("json"));

    Database db(p.value(QStringLiteral("db")));
    if (auto s = db.open(); !s)
        return fail(QString::fromStdString(s.message()));
    ImportJob job(db, o);
    job.setExternalCancelFlag(cancelFlag());
    ProgressLine bar(!json);
    job.setProgressCallback([&](const ImportProgress& pr) {
        switch (pr.phase) {
        case ImportPhase::Scanning:
            bar.update(0, QStringLiteral("scanning"));
            break;
        case ImportPhase::Processing:
            bar.update(pr.total > 0 ? double(pr.done) / pr.total : 1.0,
                       QStringLiteral("%1/%2 analysed, %3 ok, %4 rejected, %5 unchanged  %6 img/s  ETA %7")
                           .arg(pr.done).arg(pr.total).arg(pr.ok).arg(pr.rejected).arg(pr.reused)
                           .arg(pr.imagesPerSec, 0, 'f', 0).arg(formatSeconds(pr.etaSec)));
            break;
        case ImportPhase::WritingCache:
            bar.update(pr.total > 0 ? double(pr.done) / pr.total : 0, QStringLiteral("writing cache %1/%2").arg(pr.done).arg(pr.total));
            break;
        case ImportPhase::Done:
            break;
        }
    });
    auto result = job.run();
    bar.finish();
    if (!result)
        return fail(QString::fromStdString(result.message()));
    const ImportSummary& s = result.value();
    if (json) {
        printJson(ImportJob::summaryToJson(s));
    } else {
        printLine(QStringLiteral("%1: %2 identities in the cache (%3 found, %4 with too few images, %5 empty), %6 of %7 files usable; "
                                 "%8 train + %9 held-out images; %10 analysed, %11 unchanged, %12 s.")
                      .arg(s.state == ImportState::Completed ? QStringLiteral("Imported") : QStringLiteral("Cancelled"))
                      .arg(s.identities).arg(s.identitiesFound).arg(s.identitiesTooFew).arg(s.identitiesEmpty)
                      .arg(s.imagesOk).arg(s.imagesTotal).arg(s.imagesTrain).arg(s.imagesHeldOut)
                      .arg(s.processed).arg(s.reused).arg(s.seconds, 0, 'f', 1));
        for (auto it = s.rejected.constBegin(); it != s.rejected.constEnd(); ++it)
            printLine(QStringLiteral("  rejected %1: %2").arg(reasonText(reasonFromCode(it.key()))).arg(it.value()));
        for (auto it = s.flagged.constBegin(); it != s.flagged.constEnd(); ++it)
            printLine(QStringLiteral("  flagged %1: %2").arg(it.key()).arg(it.value()));
        if (s.decoded > 0 && s.facesDetected > 0)
            printLine(QStringLiteral("  face detected in %1 of %2 decoded images (%3%)")
                          .arg(s.facesDetected).arg(s.decoded).arg(100.0 * s.facesDetected / s.decoded, 0, 'f', 2));
        printLine(s.cacheWritten ? QStringLiteral("Cache: %1").arg(s.cachePath) : QStringLiteral("No cache written (no usable images)."));
    }
    if (s.state == ImportState::Cancelled)
        return kExitCancelled;
    return s.cacheWritten ? kExitOk : kExitFailure;
}

}  // namespace fedpilot::cli
