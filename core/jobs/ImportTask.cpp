#include "jobs/ImportTask.h"

#include "imports/ImportJob.h"

#include <QMetaObject>

#include <exception>

namespace fedpilot::jobs {
namespace {
constexpr qint64 kProgressIntervalMs = 100;
}

QString importPhaseText(ImportPhase phase)
{
    switch (phase) {
    case ImportPhase::Scanning: return QStringLiteral("Scanning the folder");
    case ImportPhase::Processing: return QStringLiteral("Detecting and aligning faces");
    case ImportPhase::WritingCache: return QStringLiteral("Writing the face cache");
    case ImportPhase::Done: return QStringLiteral("Done");
    }
    return {};
}

ImportTask::ImportTask(Database& db, QObject* parent) : QObject(parent), m_db(db) {}

ImportTask::~ImportTask()
{
    m_worker.stopAndJoin();
}

bool ImportTask::start(const ImportOptions& options)
{
    if (m_worker.isRunning())
        return false;
    m_latest.reset();
    return m_worker.start([this, options] {
        ImportTaskResult result;
        try {
            ImportJob job(m_db, options);
            job.setExternalCancelFlag(m_worker.cancelFlag());
            job.setProgressCallback([this](const ImportProgress& p) {
                const bool force = p.phase == ImportPhase::Done;
                if (m_latest.offer(p, kProgressIntervalMs, force)) {
                    QMetaObject::invokeMethod(this, [this] {
                        if (auto value = m_latest.take())
                            Q_EMIT progress(*value);
                    }, Qt::QueuedConnection);
                }
            });
            auto summary = job.run();
            result.ok = summary.isOk();
            if (summary)
                result.summary = summary.value();
            else
                result.error = QString::fromStdString(summary.message());
        } catch (const std::exception& e) {
            result.error = QString::fromUtf8(e.what());
        } catch (...) {
            result.error = QStringLiteral("unexpected error in the import thread");
        }
        QMetaObject::invokeMethod(this, [this, result] {
            if (auto last = m_latest.take())
                Q_EMIT progress(*last);
            m_worker.finish();
            Q_EMIT finished(result);
        }, Qt::QueuedConnection);
    });
}

void ImportTask::cancel()
{
    m_worker.requestCancel();
}

}  // namespace fedpilot::jobs
