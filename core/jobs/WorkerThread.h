#pragma once
// The thread plumbing every GUI job shares: one worker thread at a time, an atomic cancel flag the
// work polls, and a running flag owned by the job's thread. The job posts its result back to its
// own thread and calls finish() there; the destructor cancels and joins, so no thread outlives
// the job.

#include <atomic>
#include <functional>
#include <thread>

namespace fedpilot::jobs {

class WorkerThread {
public:
    WorkerThread() = default;
    WorkerThread(const WorkerThread&) = delete;
    WorkerThread& operator=(const WorkerThread&) = delete;
    ~WorkerThread() { stopAndJoin(); }

    bool isRunning() const { return m_running; }
    const std::atomic<bool>* cancelFlag() const { return &m_cancel; }
    bool cancelRequested() const { return m_cancel.load(); }
    void requestCancel() { m_cancel.store(true); }

    // Runs work on a new thread with a cleared cancel flag; false (and nothing run) while the
    // previous work has not been finish()ed.
    bool start(std::function<void()> work)
    {
        if (m_running)
            return false;
        join();  // a finished run's thread may still be unwinding
        m_cancel.store(false);
        m_running = true;
        m_thread = std::thread(std::move(work));
        return true;
    }

    // On the job's thread, when the work's result has arrived.
    void finish()
    {
        join();
        m_running = false;
    }

    // For destructors: cancel and wait for the work to end.
    void stopAndJoin()
    {
        requestCancel();
        join();
    }

private:
    void join()
    {
        if (m_thread.joinable())
            m_thread.join();
    }

    std::thread m_thread;
    std::atomic<bool> m_cancel{false};
    bool m_running = false;
};

}  // namespace fedpilot::jobs
