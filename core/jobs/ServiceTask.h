#pragma once
// Runs a long-lived blocking service (the embedded coordinator, a site's pilot session) on its
// own thread for the GUI: the body gets the cancel flag and a thread-safe log function; log lines
// and the final status arrive as signals on the owner's thread. Stopping sets the flag; the
// destructor stops and joins.

#include "jobs/WorkerThread.h"

#include <QObject>
#include <QString>

#include <atomic>
#include <functional>

namespace fedpilot::jobs {

class ServiceTask : public QObject {
    Q_OBJECT
public:
    using LogFn = std::function<void(const QString&)>;
    // Returns "" on success, else the error message.
    using Body = std::function<QString(const std::atomic<bool>* cancel, const LogFn& log)>;

    explicit ServiceTask(QObject* parent = nullptr);
    ~ServiceTask() override;

    bool start(Body body);
    void stop();
    bool isRunning() const { return m_worker.isRunning(); }

Q_SIGNALS:
    void logLine(const QString& line);
    // error is empty when the service ended normally (or was stopped).
    void finished(const QString& error, bool stopped);

private:

    WorkerThread m_worker;
};

}  // namespace fedpilot::jobs
