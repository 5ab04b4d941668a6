#pragma once
// Hands the newest value from a worker thread to the GUI thread without flooding its event queue:
// the worker overwrites one slot, and only the first write after a read asks for a delivery.
// Combined with a minimum interval this keeps progress signals at or under 10 a second however
// fast the worker reports.

#include <QElapsedTimer>

#include <mutex>
#include <optional>

namespace fedpilot::jobs {

template <typename T>
class LatestValue {
public:
    // Stores value; true when the caller must schedule a delivery (none is pending and the
    // minimum interval since the last delivery has passed, or force).
    bool offer(const T& value, qint64 minIntervalMs, bool force = false)
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_value = value;
        if (m_pending)
            return false;
        if (!force && m_clock.isValid() && m_clock.elapsed() < minIntervalMs)
            return false;
        m_pending = true;
        return true;
    }
    // The stored value (once), on the receiving thread.
    std::optional<T> take()
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_pending = false;
        m_clock.start();
        std::optional<T> out;
        out.swap(m_value);
        return out;
    }
    void reset()
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_value.reset();
        m_pending = false;
        m_clock.invalidate();
    }

private:
    std::mutex m_mutex;
    std::optional<T> m_value;
    bool m_pending = false;
    QElapsedTimer m_clock;
};

}  // namespace fedpilot::jobs
