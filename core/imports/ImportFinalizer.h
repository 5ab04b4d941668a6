#pragma once
// The last step of an import: dataset-wide decisions (ImportPlanner) over every file the run
// saw, then the packed cache built from the crop store, then the manifest committed in one
// transaction together with the cache's rename into place. Runs on the import's writer thread.

#include "imports/ImportTypes.h"
#include "storage/DatasetRepository.h"
#include "fedpilot/engine/Result.h"

#include <functional>
#include <vector>

namespace fedpilot {

class CropStore;
class Database;

class ImportFinalizer {
public:
    ImportFinalizer(Database& db, const ImportOptions& options, DatasetRecord dataset, qint64 runId);

    // Fills summary's counts; on cancel sets summary.state = Cancelled and writes nothing.
    engine::Status finish(const CropStore& crops, const std::vector<QByteArray>& identityFolders, ImportSummary& summary,
                          const std::function<void(qint64 done, qint64 total)>& progress,
                          const std::function<bool()>& cancelled);

private:
    Database& m_db;
    const ImportOptions& m_options;
    DatasetRecord m_dataset;
    qint64 m_runId;
};

}  // namespace fedpilot
