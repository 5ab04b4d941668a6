#include "jobs/ServiceTask.h"

#include <QMetaObject>

#include <exception>

namespace fedpilot::jobs {

ServiceTask::ServiceTask(QObject* parent) : QObject(parent) {}

ServiceTask::~ServiceTask()
{
    m_cancel.store(true);
    join();
}

void ServiceTask::join()
{
    if (m_thread.joinable())
        m_thread.join();
}

bool ServiceTask::start(Body body)
{
    if (m_running)
        return false;
    join();
    m_cancel.store(false);
    m_running = true;
    m_thread = std::thread([this, body = std::move(body)] {
        QString error;
        const LogFn log = [this](const QString& line) {
            QMetaObject::invokeMethod(this, [this, line] { Q_EMIT logLine(line); }, Qt::QueuedConnection);
        };
        try {
            error = body(&m_cancel, log);
        } catch (const std::exception& e) {
            error = QString::fromUtf8(e.what());
        } catch (...) {
            error = QStringLiteral("unexpected error in the service thread");
        }
        const bool stopped = m_cancel.load();
        // A stopped service reports "cancelled"; that is the operator's choice, not an error.
        if (stopped && error.contains(QLatin1String("cancel")))
            error.clear();
        QMetaObject::invokeMethod(this, [this, error, stopped] {
            join();
            m_running = false;
            Q_EMIT finished(error, stopped);
        }, Qt::QueuedConnection);
    });
    return true;
}

void ServiceTask::stop()
{
    m_cancel.store(true);
}

}  // namespace fedpilot::jobs
