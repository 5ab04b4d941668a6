#include "imports/ImportJob.h"

#include "imports/BlockingQueue.h"
#include "imports/CropStore.h"
#include "imports/FolderScanner.h"
#include "imports/ImageProcessor.h"
#include "imports/ImportFinalizer.h"
#include "storage/Database.h"
#include "storage/DatasetRepository.h"
#include "storage/ImportRunRepository.h"

#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QJsonArray>
#include <QSqlDatabase>
#include <QThread>
#include <QThreadPool>
#include <QtConcurrent/QtConcurrentMap>

#include <opencv2/core.hpp>
#include <opencv2/core/ocl.hpp>

namespace fedpilot {
namespace {

// Bumped whenever detection/alignment changes, so stored crops are rebuilt.
constexpr int kPipelineVersion = 1;
constexpr int kBatchFiles = 256;
constexpr qint64 kBatchMs = 500;

QString pipelineSignature(const ImportOptions& o)
{
    if (o.mode == AlignMode::Detect)
        return QStringLiteral("v%1;detect;size=%2").arg(kPipelineVersion).arg(o.size);
    return QStringLiteral("v%1;aligned;size=%2;crop=%3").arg(kPipelineVersion).arg(o.size).arg(o.cropFraction, 0, 'f', 4);
}

// OpenCV parallelises inside detectMultiScale; with our own workers that only oversubscribes
// the cores (and makes "1 thread" not mean one). Process-wide settings, restored afterwards.
class OpenCvThreadingGuard {
public:
    OpenCvThreadingGuard() : m_threads(cv::getNumThreads()), m_ocl(cv::ocl::useOpenCL())
    {
        cv::setNumThreads(1);
        cv::ocl::setUseOpenCL(false);
    }
    ~OpenCvThreadingGuard()
    {
        cv::setNumThreads(m_threads);
        cv::ocl::setUseOpenCL(m_ocl);
    }

private:
    int m_threads;
    bool m_ocl;
};

FileRecord toRecord(const FileOutcome& o, qint64 identityId, qint64 cropIndex, qint64 runId)
{
    FileRecord f;
    f.identityId = identityId;
    f.relPath = o.relPath;
    f.sizeBytes = o.sizeBytes;
    f.mtimeNs = o.mtimeNs;
    f.sha256 = o.sha256;
    f.format = o.format;
    f.width = o.width;
    f.height = o.height;
    f.decoded = o.decoded;
    f.faces = o.faces;
    f.faceSide = o.faceSide;
    f.blur = o.blur;
    f.phash = o.phash;
    f.processReason = reasonCode(o.reason);
    f.detail = o.detail;
    f.flags = o.flags;
    f.cropIndex = cropIndex;
    f.seenRun = runId;
    return f;
}

}  // namespace

ImportJob::ImportJob(Database& db, ImportOptions options)
    : m_db(db)
    , m_options(std::move(options))
{
}

bool ImportJob::cancelled() const
{
    return m_cancel.load() || (m_externalCancel && m_externalCancel->load());
}

void ImportJob::report(const ImportProgress& progress, bool force)
{
    if (!m_progress)
        return;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (!force && m_lastReportMs >= 0 && now - m_lastReportMs < 100)
        return;
    m_lastReportMs = now;
    m_progress(progress);
}

QString ImportJob::validate(const ImportOptions& o)
{
    if (o.folder.isEmpty())
        return QStringLiteral("no folder given");
    if (o.cachePath.isEmpty())
        return QStringLiteral("no cache path given");
    if (o.size < 16 || o.size > 512)
        return QStringLiteral("crop size must be between 16 and 512 pixels");
    if (!(o.cropFraction > 0.05 && o.cropFraction <= 1.0))
        return QStringLiteral("crop fraction must be in (0.05, 1]");
    if (!(o.heldOutFraction >= 0 && o.heldOutFraction < 1))
        return QStringLiteral("held-out fraction must be in [0, 1)");
    if (o.heldOutIdentities < 0 || o.minImages < 1 || o.threads < 0 || o.nearDuplicateBits < 0 || o.nearDuplicateBits > 128)
        return QStringLiteral("held-out identities, minimum images, threads or near-duplicate bits out of range");
    return QString();
}

engine::Result<ImportSummary> ImportJob::run()
{
    using R = engine::Result<ImportSummary>;
    QElapsedTimer timer;
    timer.start();
    if (const QString problem = validate(m_options); !problem.isEmpty())
        return R::error(problem.toStdString());
    const QFileInfo rootInfo(m_options.folder);
    if (!rootInfo.isDir())
        return R::error(m_options.folder.toStdString() + " is not a folder");
    const QString root = rootInfo.canonicalFilePath();
    OpenCvThreadingGuard openCvThreads;

    DatasetRepository datasets(m_db);
    ImportRunRepository runs(m_db);
    auto dataset = datasets.findOrCreate(root);
    if (!dataset)
        return dataset.status();
    if (auto s = runs.markStaleRunsInterrupted(dataset->id); !s)
        return s;
    auto runId = runs.start(dataset->id, optionsToJson(m_options));
    if (!runId)
        return runId.status();
    ImportSummary summary;
    summary.datasetId = dataset->id;
    summary.runId = runId.value();
    auto failRun = [&](const engine::Status& status) -> R {
        runs.finish(summary.runId, QStringLiteral("failed"), summaryToJson(summary), QString(), 0, QString::fromStdString(status.message()));
        return status;
    };

    // Crops are only reusable for the same geometry and alignment.
    const QString pipeline = pipelineSignature(m_options);
    if (dataset->pipeline != pipeline || dataset->cropStore.isEmpty()) {
        const QFileInfo dbInfo(m_db.path());
        const QString store = dbInfo.absoluteDir().filePath(dbInfo.completeBaseName() + QStringLiteral(".crops/dataset-%1-run-%2.fpcrops")
                                                                .arg(dataset->id).arg(summary.runId));
        if (!dataset->cropStore.isEmpty())
            QFile::remove(dataset->cropStore);
        if (auto s = datasets.resetPipeline(dataset->id, pipeline, store); !s)
            return failRun(s);
        dataset->pipeline = pipeline;
        dataset->cropStore = store;
    }
    auto cropStore = CropStore::open(dataset->cropStore, m_options.size, m_options.size, 3);
    if (!cropStore)
        return failRun(cropStore.status());

    // 1. Scan.
    ImportProgress progress;
    report(progress, true);
    ScanOutcome scan = scanFolder(root, [this] { return cancelled(); });
    if (scan.cancelled) {
        summary.state = ImportState::Cancelled;
        summary.seconds = timer.elapsed() / 1000.0;
        runs.finish(summary.runId, QStringLiteral("cancelled"), summaryToJson(summary), QString(), 0, QStringLiteral("cancelled while scanning"));
        return summary;
    }
    if (!scan.ok)
        return failRun(engine::Status::error(scan.error.toStdString()));
    const auto& folders = scan.result.identityFolders;
    auto identityIds = datasets.ensureIdentities(dataset->id, folders);
    if (!identityIds)
        return failRun(identityIds.status());
    auto stored = datasets.files(dataset->id);
    if (!stored)
        return failRun(stored.status());
    QHash<QByteArray, const FileRecord*> known;
    for (const FileRecord& f : stored.value())
        known.insert(f.relPath, &f);

    // 2. Unchanged files are only marked as seen; the rest is analysed.
    QSqlDatabase connection = m_db.connection();
    std::vector<WorkItem> work;
    std::vector<const FileRecord*> unchanged;
    for (const ScanEntry& e : scan.result.files) {
        const FileRecord* old = known.value(e.relPath, nullptr);
        const bool analysed = old && !old->sha256.isEmpty() && (old->cropIndex >= 0 || !old->processReason.isEmpty());
        if (e.error == 0 && analysed && old->sizeBytes == e.sizeBytes && old->mtimeNs == e.mtimeNs) {
            unchanged.push_back(old);
            continue;
        }
        WorkItem item;
        item.relPath = e.relPath;
        item.sizeBytes = e.sizeBytes;
        item.mtimeNs = e.mtimeNs;
        item.scanError = e.error;
        item.scanErrorText = e.errorText;
        item.outsideIdentity = e.identity.isEmpty();
        if (analysed && old->sizeBytes == e.sizeBytes)
            item.knownSha256 = old->sha256;
        work.push_back(std::move(item));
    }
    connection.transaction();
    for (const FileRecord* f : unchanged) {
        if (auto s = datasets.markSeen(f->id, f->mtimeNs, summary.runId); !s) {
            connection.rollback();
            return failRun(s);
        }
    }
    if (!connection.commit())
        return failRun(engine::Status::error("cannot commit to the site database"));
    summary.reused = qint64(unchanged.size());

    // 3. Analyse on the pool; this thread writes batches.
    ImageProcessor processor(m_options, QFile::encodeName(root));
    if (auto s = processor.prepare(); !s)
        return failRun(s);
    QThreadPool pool;
    pool.setMaxThreadCount(m_options.threads > 0 ? m_options.threads : QThread::idealThreadCount());
    BlockingQueue<FileOutcome> queue(256);
    std::atomic<bool> stop{false};
    QFuture<void> future = QtConcurrent::map(&pool, work, [&](WorkItem& item) {
        if (stop.load() || cancelled())
            return;
        queue.push(processor.process(item));
    });
    progress.phase = ImportPhase::Processing;
    progress.total = qint64(work.size());
    progress.reused = summary.reused;
    report(progress, true);
    engine::Status writeError = engine::Status::ok();
    int inBatch = 0;
    QElapsedTimer batchTimer, processTimer;
    batchTimer.start();
    processTimer.start();
    auto commitBatch = [&]() -> engine::Status {
        if (inBatch == 0)
            return engine::Status::ok();
        inBatch = 0;
        batchTimer.restart();
        // Crops must be on disk before rows that point at them commit.
        if (auto s = cropStore->sync(); !s) {
            connection.rollback();
            return s;
        }
        if (!connection.commit()) {
            connection.rollback();
            return engine::Status::error("cannot commit to the site database");
        }
        return engine::Status::ok();
    };
    for (;;) {
        std::optional<FileOutcome> outcome = queue.pop(std::chrono::milliseconds(50));
        if (!outcome) {
            if (future.isFinished())
                break;
            if (cancelled())
                stop.store(true);
            continue;
        }
        if (!writeError.isOk())
            continue;  // drain so that workers are not blocked
        if (inBatch == 0)
            connection.transaction();
        ++inBatch;
        ++summary.processed;
        const FileRecord* old = known.value(outcome->relPath, nullptr);
        if (outcome->contentUnchanged && old) {
            writeError = datasets.markSeen(old->id, outcome->mtimeNs, summary.runId);
            ++summary.reused;
            --summary.processed;
        } else {
            qint64 cropIndex = -1;
            if (!outcome->crop.empty()) {
                auto index = cropStore->append(outcome->crop.data());
                if (!index)
                    writeError = index.status();
                else
                    cropIndex = index.value();
            }
            const int slash = outcome->relPath.indexOf('/');
            const qint64 identityId = slash < 0 ? 0 : identityIds->value(outcome->relPath.left(slash), 0);
            if (writeError.isOk())
                writeError = datasets.saveAnalysis(dataset->id, toRecord(*outcome, identityId, cropIndex, summary.runId));
            (outcome->reason == ImportReason::None ? progress.ok : progress.rejected) += 1;
        }
        ++progress.done;
        if (writeError.isOk() && (inBatch >= kBatchFiles || batchTimer.elapsed() >= kBatchMs))
            writeError = commitBatch();
        if (!writeError.isOk()) {
            connection.rollback();
            inBatch = 0;
            stop.store(true);
            continue;
        }
        const double seconds = processTimer.elapsed() / 1000.0;
        progress.imagesPerSec = seconds > 0 ? progress.done / seconds : 0;
        progress.etaSec = progress.imagesPerSec > 0 ? (progress.total - progress.done) / progress.imagesPerSec : -1;
        report(progress);
    }
    queue.close();
    future.waitForFinished();
    if (writeError.isOk())
        writeError = commitBatch();
    if (!writeError.isOk())
        return failRun(writeError);
    report(progress, true);
    if (cancelled()) {
        summary.state = ImportState::Cancelled;
        summary.imagesTotal = qint64(scan.result.files.size());
        summary.seconds = timer.elapsed() / 1000.0;
        runs.finish(summary.runId, QStringLiteral("cancelled"), summaryToJson(summary), QString(), 0,
                    QStringLiteral("cancelled: analysed files are kept and reused by the next import; no cache written"));
        return summary;
    }

    // 4. Dataset-wide decisions and the cache, committed together.
    progress.phase = ImportPhase::WritingCache;
    report(progress, true);
    ImportFinalizer finalizer(m_db, m_options, dataset.value(), summary.runId);
    auto finished = finalizer.finish(cropStore.value(), folders, summary, [&](qint64 done, qint64 total) {
        progress.done = done;
        progress.total = total;
        report(progress);
    }, [&] { return cancelled(); });
    if (!finished)
        return failRun(finished);
    summary.seconds = timer.elapsed() / 1000.0;
    if (summary.state == ImportState::Cancelled) {
        runs.finish(summary.runId, QStringLiteral("cancelled"), summaryToJson(summary), QString(), 0,
                    QStringLiteral("cancelled while writing the cache: no cache written"));
        return summary;
    }
    runs.finish(summary.runId, QStringLiteral("completed"), summaryToJson(summary), summary.cacheWritten ? summary.cachePath : QString(),
                summary.cacheWritten ? QFileInfo(summary.cachePath).size() : 0, QString());
    progress.phase = ImportPhase::Done;
    report(progress, true);
    return summary;
}

QJsonObject ImportJob::optionsToJson(const ImportOptions& o)
{
    return QJsonObject{
        {QStringLiteral("folder"), o.folder},
        {QStringLiteral("cache"), o.cachePath},
        {QStringLiteral("size"), o.size},
        {QStringLiteral("mode"), o.mode == AlignMode::Detect ? QStringLiteral("detect") : QStringLiteral("aligned")},
        {QStringLiteral("crop_fraction"), o.cropFraction},
        {QStringLiteral("held_out_fraction"), o.heldOutFraction},
        {QStringLiteral("held_out_identities"), o.heldOutIdentities},
        {QStringLiteral("min_images"), o.minImages},
        {QStringLiteral("threads"), o.threads},
        {QStringLiteral("blur_threshold"), o.blurThreshold},
        {QStringLiteral("near_duplicate_bits"), o.nearDuplicateBits},
        {QStringLiteral("seed"), qint64(o.seed)},
    };
}

QJsonObject ImportJob::summaryToJson(const ImportSummary& s)
{
    QJsonObject rejected;
    for (const QString& code : allReasonCodes())
        rejected.insert(code, qint64(s.rejected.value(code, 0)));
    QJsonObject flagged;
    for (auto it = s.flagged.constBegin(); it != s.flagged.constEnd(); ++it)
        flagged.insert(it.key(), qint64(it.value()));
    return QJsonObject{
        {QStringLiteral("state"), s.state == ImportState::Completed ? QStringLiteral("completed") : QStringLiteral("cancelled")},
        {QStringLiteral("dataset_id"), s.datasetId},
        {QStringLiteral("run_id"), s.runId},
        {QStringLiteral("identities"), s.identities},
        {QStringLiteral("identities_found"), s.identitiesFound},
        {QStringLiteral("identities_too_few_images"), s.identitiesTooFew},
        {QStringLiteral("identities_empty"), s.identitiesEmpty},
        {QStringLiteral("held_out_identities"), s.heldOutIdentities},
        {QStringLiteral("images_total"), qint64(s.imagesTotal)},
        {QStringLiteral("images_ok"), qint64(s.imagesOk)},
        {QStringLiteral("images_in_cache"), qint64(s.imagesInCache)},
        {QStringLiteral("images_train"), qint64(s.imagesTrain)},
        {QStringLiteral("images_held_out"), qint64(s.imagesHeldOut)},
        {QStringLiteral("processed"), qint64(s.processed)},
        {QStringLiteral("reused"), qint64(s.reused)},
        {QStringLiteral("decoded"), qint64(s.decoded)},
        {QStringLiteral("faces_detected"), qint64(s.facesDetected)},
        {QStringLiteral("rejected"), rejected},
        {QStringLiteral("flagged"), flagged},
        {QStringLiteral("cache"), s.cacheWritten ? s.cachePath : QString()},
        {QStringLiteral("seconds"), s.seconds},
    };
}

}  // namespace fedpilot
