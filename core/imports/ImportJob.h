#pragma once
// Imports a folder of <identity>/<images> into the site DB manifest and a packed face cache.
// A job object (no QObject, so any thread or UI can drive it): options in, throttled progress
// (at most 10 calls a second, on the thread that calls run()), atomic cancel, summary out.
// Per-image work runs on a QtConcurrent pool; every DB write happens on the run() thread with
// its own connection, batched in transactions. Unchanged files (same size and mtime, or same
// SHA-256) are not decoded again: their stored analysis and crop are reused. A cancelled or
// interrupted import keeps the analyses it committed (the next run resumes from them) and never
// leaves a cache file: the cache is written to "<cache>.partial" and renamed only when whole.

#include "imports/ImportTypes.h"
#include "fedpilot/engine/Result.h"

#include <QJsonObject>

#include <atomic>
#include <functional>

namespace fedpilot {

class Database;

class ImportJob {
public:
    using ProgressFn = std::function<void(const ImportProgress&)>;

    ImportJob(Database& db, ImportOptions options);

    void setProgressCallback(ProgressFn progress) { m_progress = std::move(progress); }
    // Thread-safe; run() returns soon after with state Cancelled.
    void cancel() { m_cancel.store(true); }
    // Also honour an external flag (e.g. the CLI's Ctrl+C).
    void setExternalCancelFlag(const std::atomic<bool>* flag) { m_externalCancel = flag; }

    // Blocking. Errors (bad options, unreadable root, DB failure) come back as an error value;
    // cancellation is a normal outcome (summary.state == Cancelled).
    engine::Result<ImportSummary> run();

    // The options as stored with the run and printed by the CLI.
    static QJsonObject optionsToJson(const ImportOptions& options);
    static QJsonObject summaryToJson(const ImportSummary& summary);
    // "" when valid, else what is wrong.
    static QString validate(const ImportOptions& options);

private:
    bool cancelled() const;
    void report(const ImportProgress& progress, bool force = false);

    Database& m_db;
    ImportOptions m_options;
    ProgressFn m_progress;
    std::atomic<bool> m_cancel{false};
    const std::atomic<bool>* m_externalCancel = nullptr;
    qint64 m_lastReportMs = -1;
};

}  // namespace fedpilot
