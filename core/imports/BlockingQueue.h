#pragma once
// A bounded multi-producer queue: import workers push analysed files, the single writer thread
// pops them. Bounded so that fast workers cannot pile up crops in memory while the DB is slow.

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>

namespace fedpilot {

template <typename T>
class BlockingQueue {
public:
    explicit BlockingQueue(std::size_t capacity) : m_capacity(capacity) {}

    // Blocks while full; returns false (dropping the value) once the queue is closed.
    bool push(T value)
    {
        std::unique_lock<std::mutex> lock(m_mutex);
        m_notFull.wait(lock, [&] { return m_closed || m_items.size() < m_capacity; });
        if (m_closed)
            return false;
        m_items.push_back(std::move(value));
        m_notEmpty.notify_one();
        return true;
    }

    // Waits up to timeout for a value.
    std::optional<T> pop(std::chrono::milliseconds timeout)
    {
        std::unique_lock<std::mutex> lock(m_mutex);
        if (!m_notEmpty.wait_for(lock, timeout, [&] { return !m_items.empty(); }))
            return std::nullopt;
        T value = std::move(m_items.front());
        m_items.pop_front();
        m_notFull.notify_one();
        return value;
    }

    // Wakes blocked producers; later pushes are refused.
    void close()
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_closed = true;
        m_notFull.notify_all();
    }

private:
    std::size_t m_capacity;
    std::mutex m_mutex;
    std::condition_variable m_notFull;
    std::condition_variable m_notEmpty;
    std::deque<T> m_items;
    bool m_closed = false;
};

}  // namespace fedpilot
