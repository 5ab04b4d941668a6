#include "jobs/ServiceTask.h"

#include <QMetaObject>

#include <exception>

namespace fedpilot::jobs {

ServiceTask::ServiceTask(QObject* parent) : QObject(parent) {}

ServiceTask::~ServiceTask()
{
    m_worker.stopAndJoin();
}

bool ServiceTask::start(Body body)
{
    if (m_worker.isRunning())
        return false;
    return m_worker.start([this, body = std::move(body)] {
        QString error;
        const LogFn log = [this](const QString& line) {
            QMetaObject::invokeMethod(this, [this, line] { Q_EMIT logLine(line); }, Qt::QueuedConnection);
        };
        try {
            error = body(m_worker.cancelFlag(), log);
        } catch (const std::exception& e) {
            error = QString::fromUtf8(e.what());
        } catch (...) {
            error = QStringLiteral("unexpected error in the service thread");
        }
        const bool stopped = m_worker.cancelRequested();
        // A stopped service reports "cancelled"; that is the operator's choice, not an error.
        if (stopped && error.contains(QLatin1String("cancel")))
            error.clear();
        QMetaObject::invokeMethod(this, [this, error, stopped] {
            m_worker.finish();
            Q_EMIT finished(error, stopped);
        }, Qt::QueuedConnection);
    });
}

void ServiceTask::stop()
{
    m_worker.requestCancel();
}

}  // namespace fedpilot::jobs
