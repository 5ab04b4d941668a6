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
    m_cancel.store(true);
    join();
}

void ImportTask::join()
{
    if (m_thread.joinable())
        m_thread.join();
}

bool ImportTask::start(const ImportOptions& options)
{
    if (m_running)
        return false;
    join();
    m_cancel.store(false);
    m_latest.reset();
    m_running = true;
    m_thread = std::thread([this, options] {
        ImportTaskResult result;
        try {
            ImportJob job(m_db, options);
            job.setExternalCancelFlag(&m_cancel);
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
            join();
            m_running = false;
            Q_EMIT finished(result);
        }, Qt::QueuedConnection);
    });
    return true;
}

void ImportTask::cancel()
{
    m_cancel.store(true);
}

}  // namespace fedpilot::jobs
