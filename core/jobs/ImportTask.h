#pragma once
// Drives an ImportJob for the GUI: the job runs on a worker thread (it uses its own database
// connection there), progress arrives as signals on the owner's thread at most 10 times a second,
// cancel is an atomic flag, and the outcome is one finished() with either a summary or an error.

#include "imports/ImportTypes.h"
#include "jobs/LatestValue.h"

#include "jobs/WorkerThread.h"

#include <QObject>
#include <QString>

#include <atomic>

namespace fedpilot {
class Database;
}

namespace fedpilot::jobs {

struct ImportTaskResult {
    bool ok = false;
    QString error;         // when !ok
    ImportSummary summary; // when ok (summary.state tells completed or cancelled)
};

class ImportTask : public QObject {
    Q_OBJECT
public:
    // db must outlive the task.
    explicit ImportTask(Database& db, QObject* parent = nullptr);
    ~ImportTask() override;

    bool start(const ImportOptions& options);
    void cancel();
    bool isRunning() const { return m_worker.isRunning(); }

Q_SIGNALS:
    void progress(const fedpilot::ImportProgress& progress);
    void finished(const fedpilot::jobs::ImportTaskResult& result);

private:

    Database& m_db;
    WorkerThread m_worker;
    LatestValue<ImportProgress> m_latest;
};

// "Scanning", "Processing", ... for a progress label.
QString importPhaseText(ImportPhase phase);

}  // namespace fedpilot::jobs
