#pragma once
// The imported-dataset aggregate in the site DB: datasets, identities (names stay local) and
// files (hash, analysis, status, reason, split). Uses the calling thread's connection; the
// caller owns transactions (the import's writer thread batches its writes).

#include "storage/Database.h"
#include "fedpilot/engine/Result.h"

#include <QByteArray>
#include <QHash>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <vector>

namespace fedpilot {

struct DatasetRecord {
    qint64 id = 0;
    QString rootPath;
    QString pipeline;
    QString cropStore;
    QString cachePath;
};

struct IdentityRecord {
    qint64 id = 0;
    QByteArray folder;
    QString name;
    QString status;
    int label = -1;
    bool heldOut = false;
    int imagesOk = 0;
    int imagesTotal = 0;
};

struct FileRecord {
    qint64 id = 0;             // 0 for a new row
    qint64 identityId = 0;     // 0: none (a file in the root folder)
    QByteArray relPath;
    std::int64_t sizeBytes = 0;
    std::int64_t mtimeNs = 0;
    QByteArray sha256;
    QString format;
    int width = 0;
    int height = 0;
    bool decoded = false;
    int faces = -1;
    int faceSide = 0;
    double blur = -1;
    QByteArray phash;
    QString processReason;     // reason code from the file alone
    QString detail;
    QStringList flags;
    qint64 cropIndex = -1;
    // Decided over the whole dataset:
    QString status;            // ok | rejected | pending
    QString reason;
    QString split;             // train | held_out | empty
    qint64 cacheIndex = -1;
    qint64 seenRun = 0;
};

class DatasetRepository {
public:
    explicit DatasetRepository(const Database& db) : m_db(db) {}

    // The dataset for this absolute folder, created on first import.
    engine::Result<DatasetRecord> findOrCreate(const QString& rootPath) const;
    engine::Result<DatasetRecord> find(qint64 datasetId) const;
    // A new pipeline (crop size/alignment) invalidates every stored crop.
    engine::Status resetPipeline(qint64 datasetId, const QString& pipeline, const QString& cropStore) const;
    engine::Status setCachePath(qint64 datasetId, const QString& cachePath, qint64 runId) const;

    // Creates missing identities; returns folder -> id for all of the dataset's identities.
    engine::Result<QHash<QByteArray, qint64>> ensureIdentities(qint64 datasetId, const std::vector<QByteArray>& folders) const;
    engine::Result<std::vector<IdentityRecord>> identities(qint64 datasetId) const;
    engine::Status updateIdentity(const IdentityRecord& identity) const;
    // Removes identities with no file whose folder is no longer there.
    engine::Status removeIdentitiesExcept(qint64 datasetId, const std::vector<QByteArray>& folders) const;

    // Every file of the dataset, ordered by relative path.
    engine::Result<std::vector<FileRecord>> files(qint64 datasetId) const;
    // Inserts or replaces the analysis of a file (clears its split and cache index).
    engine::Status saveAnalysis(qint64 datasetId, const FileRecord& file) const;
    // Records that an unchanged file was seen by this run (and its new mtime, if it was touched).
    engine::Status markSeen(qint64 fileId, std::int64_t mtimeNs, qint64 runId) const;
    // Writes the dataset-wide decisions (status, reason, detail, split, cache index).
    engine::Status saveDecision(const FileRecord& file) const;
    // Drops files that the run did not see (deleted from the folder).
    engine::Result<qint64> removeFilesNotSeen(qint64 datasetId, qint64 runId) const;

private:
    const Database& m_db;
};

}  // namespace fedpilot
