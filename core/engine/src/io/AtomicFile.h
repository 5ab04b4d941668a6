#pragma once
// Crash-safe file replacement for the engine's file formats: data goes to <path>.partial, which
// is fsynced and renamed over <path>, so a reader sees either the old file or the complete new
// one, never a torn write. Used by the tensor bundle and the face cache writers.

#include <cstddef>
#include <string>

#include <sys/types.h>

namespace fedpilot::engine::detail {

// strerror() as a std::string.
std::string errnoText(int error);

class AtomicFile {
public:
    // The step that failed, for callers that word each failure their own way.
    enum class Step { None, Create, Write, Sync, Close, Rename };

    AtomicFile() = default;
    // Discards the partial file unless commit() succeeded.
    ~AtomicFile();
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;

    // Every call below returns false on failure; failedStep() and errorText() then say where
    // and why (errno is captured at the failing call, before any clean-up).

    // Creates <path>.partial, replacing a stale one from a crashed run.
    bool create(const std::string& path);
    // Appends all of data (retrying short and interrupted writes).
    bool write(const void* data, std::size_t size);
    // Writes all of data at offset, leaving the append position alone.
    bool writeAt(const void* data, std::size_t size, off_t offset);
    // fsync, close, rename over the target, then fsync the directory so the rename is durable.
    // On failure the partial file has been closed and removed.
    bool commit();
    // Closes and removes the partial file (if it was created and not committed); idempotent.
    void discard();

    const std::string& path() const { return m_path; }
    const std::string& partialPath() const { return m_partialPath; }
    Step failedStep() const { return m_failedStep; }
    std::string errorText() const { return errnoText(m_error); }

private:
    bool fail(Step step);

    std::string m_path;
    std::string m_partialPath;
    int m_fd = -1;
    bool m_pending = false;  // the partial file exists and is ours to remove
    Step m_failedStep = Step::None;
    int m_error = 0;
};

}  // namespace fedpilot::engine::detail
