#include "io/AtomicFile.h"

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fcntl.h>
#include <unistd.h>

namespace fedpilot::engine::detail {

namespace {

// Makes the rename itself durable; not every file system supports fsync on a directory, so a
// failure here is not an error (the file's own data is already on disk).
void syncParentDirectory(const std::string& path)
{
    std::string dir = std::filesystem::path(path).parent_path().string();
    if (dir.empty())
        dir = ".";
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

// Calls writeSome until all of data is written, retrying short and interrupted writes; false
// with errno set on an error.
template <typename WriteSome>
bool writeFully(const char* p, std::size_t size, WriteSome writeSome)
{
    while (size > 0) {
        const ssize_t n = writeSome(p, size);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        p += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

}  // namespace

std::string errnoText(int error)
{
    return std::strerror(error);
}

AtomicFile::~AtomicFile()
{
    discard();
}

bool AtomicFile::create(const std::string& path)
{
    discard();
    m_path = path;
    m_partialPath = path + ".partial";
    // O_TRUNC: a stale partial file from a crashed run is simply replaced.
    m_fd = ::open(m_partialPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (m_fd < 0)
        return fail(Step::Create);
    m_pending = true;
    return true;
}

bool AtomicFile::write(const void* data, std::size_t size)
{
    auto writeSome = [this](const char* p, std::size_t n) { return ::write(m_fd, p, n); };
    return writeFully(static_cast<const char*>(data), size, writeSome) || fail(Step::Write);
}

bool AtomicFile::writeAt(const void* data, std::size_t size, off_t offset)
{
    auto writeSome = [this, &offset](const char* p, std::size_t n) {
        const ssize_t written = ::pwrite(m_fd, p, n, offset);
        if (written > 0)
            offset += written;
        return written;
    };
    return writeFully(static_cast<const char*>(data), size, writeSome) || fail(Step::Write);
}

bool AtomicFile::commit()
{
    // errno is captured before discard() closes and unlinks.
    auto abandon = [this](Step step) {
        fail(step);
        discard();
        return false;
    };
    if (::fsync(m_fd) != 0)
        return abandon(Step::Sync);
    const int closed = ::close(m_fd);
    m_fd = -1;
    if (closed != 0)
        return abandon(Step::Close);
    if (::rename(m_partialPath.c_str(), m_path.c_str()) != 0)
        return abandon(Step::Rename);
    m_pending = false;
    syncParentDirectory(m_path);
    return true;
}

void AtomicFile::discard()
{
    if (m_fd >= 0) {
        ::close(m_fd);
        m_fd = -1;
    }
    if (m_pending) {
        ::unlink(m_partialPath.c_str());
        m_pending = false;
    }
}

bool AtomicFile::fail(Step step)
{
    m_error = errno;
    m_failedStep = step;
    return false;
}

}  // namespace fedpilot::engine::detail
