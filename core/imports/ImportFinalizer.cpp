#include "imports/ImportFinalizer.h"

#include "common/Strings.h"
#include "imports/CropStore.h"
#include "imports/ImportPlanner.h"
#include "storage/Database.h"
#include "fedpilot/engine/FaceCache.h"

#include <QSqlDatabase>

#include <algorithm>

namespace fedpilot {

ImportFinalizer::ImportFinalizer(Database& db, const ImportOptions& options, DatasetRecord dataset, qint64 runId)
    : m_db(db)
    , m_options(options)
    , m_dataset(std::move(dataset))
    , m_runId(runId)
{
}

engine::Status ImportFinalizer::finish(const CropStore& crops, const std::vector<QByteArray>& identityFolders, ImportSummary& summary,
                                       const std::function<void(qint64, qint64)>& progress, const std::function<bool()>& cancelled)
{
    DatasetRepository repo(m_db);
    auto allFiles = repo.files(m_dataset.id);
    if (!allFiles)
        return allFiles.status();
    auto allIdentities = repo.identities(m_dataset.id);
    if (!allIdentities)
        return allIdentities.status();
    // Only what is in the folder now: files of this run, identity folders that still exist.
    std::vector<FileRecord> files;
    for (FileRecord& f : allFiles.value())
        if (f.seenRun == m_runId)
            files.push_back(std::move(f));
    std::vector<IdentityRecord> identities;
    for (IdentityRecord& id : allIdentities.value())
        if (std::binary_search(identityFolders.begin(), identityFolders.end(), id.folder))
            identities.push_back(std::move(id));

    PlanOptions planOptions;
    planOptions.blurThreshold = m_options.blurThreshold;
    planOptions.nearDuplicateBits = m_options.nearDuplicateBits;
    planOptions.minImages = m_options.minImages;
    planOptions.heldOutFraction = m_options.heldOutFraction;
    planOptions.heldOutIdentities = m_options.heldOutIdentities;
    planOptions.seed = m_options.seed;
    auto plan = planImport(files, identities, planOptions);
    if (!plan)
        return plan.status();

    summary.identitiesFound = int(identityFolders.size());
    summary.identities = plan->numClasses;
    summary.heldOutIdentities = plan->heldOutIdentities;
    summary.imagesTotal = qint64(files.size());
    summary.imagesInCache = qint64(plan->cacheOrder.size());
    for (const IdentityRecord& id : identities) {
        summary.identitiesTooFew += id.status == QLatin1String("too_few_images") ? 1 : 0;
        summary.identitiesEmpty += id.status == QLatin1String("empty") ? 1 : 0;
    }
    std::map<qint64, int> labelOf;
    for (const IdentityRecord& id : identities)
        labelOf[id.id] = id.label;
    for (const FileRecord& f : files) {
        if (f.decoded) {
            ++summary.decoded;
            summary.facesDetected += f.faces > 0 ? 1 : 0;
        }
        if (f.status == QLatin1String("ok")) {
            ++summary.imagesOk;
            for (const QString& flag : f.flags)
                ++summary.flagged[flag];
        } else {
            ++summary.rejected[f.reason];
        }
        if (f.split == QLatin1String("train"))
            ++summary.imagesTrain;
        else if (f.split == QLatin1String("held_out"))
            ++summary.imagesHeldOut;
    }

    // The cache, written beside its final name; renamed only after the manifest is staged.
    std::optional<engine::FaceCacheWriter> writer;
    if (!plan->cacheOrder.empty()) {
        auto created = engine::FaceCacheWriter::create(toEnginePath(m_options.cachePath), m_options.size, m_options.size, 3);
        if (!created)
            return created.status();
        writer.emplace(std::move(created.value()));
        std::vector<std::uint8_t> pixels(std::size_t(crops.recordBytes()));
        const qint64 total = qint64(plan->cacheOrder.size());
        for (qint64 k = 0; k < total; ++k) {
            if (cancelled && cancelled()) {
                writer->abort();
                summary.state = ImportState::Cancelled;
                return engine::Status::ok();
            }
            const FileRecord& f = files[plan->cacheOrder[std::size_t(k)]];
            if (auto s = crops.read(f.cropIndex, pixels.data()); !s)
                return s;
            const auto split = f.split == QLatin1String("held_out") ? engine::Split::HeldOut : engine::Split::Train;
            if (auto s = writer->add(pixels.data(), labelOf[f.identityId], split); !s)
                return s;
            if (progress)
                progress(k + 1, total);
        }
    }

    QSqlDatabase db = m_db.connection();
    if (!db.transaction())
        return engine::Status::error("cannot start a transaction on the site database");
    auto rollback = [&](engine::Status s) {
        db.rollback();
        if (writer)
            writer->abort();
        return s;
    };
    if (auto removed = repo.removeFilesNotSeen(m_dataset.id, m_runId); !removed)
        return rollback(removed.status());
    if (auto s = repo.removeIdentitiesExcept(m_dataset.id, identityFolders); !s)
        return rollback(s);
    for (const FileRecord& f : files)
        if (auto s = repo.saveDecision(f); !s)
            return rollback(s);
    for (const IdentityRecord& id : identities)
        if (auto s = repo.updateIdentity(id); !s)
            return rollback(s);
    if (auto s = repo.setCachePath(m_dataset.id, writer ? m_options.cachePath : QString(), m_runId); !s)
        return rollback(s);
    if (writer) {
        // Renamed before the commit: a crash in between leaves a whole cache and an older
        // manifest, which the next import (all files unchanged) rewrites; never the reverse.
        if (auto s = writer->finish(); !s)
            return rollback(s);
    }
    if (!db.commit())
        return rollback(engine::Status::error("cannot commit the import manifest"));
    summary.cacheWritten = writer.has_value();
    summary.cachePath = m_options.cachePath;
    return engine::Status::ok();
}

}  // namespace fedpilot
