#include "imports/CropStore.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <cerrno>
#include <cstring>
#include <utility>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fedpilot {
namespace {

constexpr std::int64_t kHeaderBytes = 64;
constexpr std::uint32_t kVersion = 1;

void putU32(std::uint8_t* p, std::uint32_t v)
{
    for (int i = 0; i < 4; ++i)
        p[i] = std::uint8_t(v >> (8 * i));
}

std::uint32_t getU32(const std::uint8_t* p)
{
    return std::uint32_t(p[0]) | std::uint32_t(p[1]) << 8 | std::uint32_t(p[2]) << 16 | std::uint32_t(p[3]) << 24;
}

std::string sysError(const QString& what, const QString& path)
{
    return (what + QLatin1Char(' ') + path + QStringLiteral(": ") + QString::fromLocal8Bit(std::strerror(errno))).toStdString();
}

bool fullWrite(int fd, const std::uint8_t* data, std::int64_t bytes, std::int64_t offset)
{
    while (bytes > 0) {
        const ssize_t n = pwrite(fd, data, std::size_t(bytes), off_t(offset));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        data += n;
        bytes -= n;
        offset += n;
    }
    return true;
}

}  // namespace

CropStore::~CropStore()
{
    close();
}

CropStore::CropStore(CropStore&& other) noexcept
{
    *this = std::move(other);
}

CropStore& CropStore::operator=(CropStore&& other) noexcept
{
    if (this != &other) {
        close();
        m_fd = std::exchange(other.m_fd, -1);
        m_path = std::move(other.m_path);
        m_recordBytes = other.m_recordBytes;
        m_count = other.m_count;
    }
    return *this;
}

void CropStore::close()
{
    if (m_fd >= 0)
        ::close(m_fd);
    m_fd = -1;
}

engine::Result<CropStore> CropStore::open(const QString& path, int width, int height, int channels)
{
    using R = engine::Result<CropStore>;
    if (width <= 0 || height <= 0 || channels <= 0)
        return R::error("invalid crop geometry");
    if (!QDir().mkpath(QFileInfo(path).absolutePath()))
        return R::error("cannot create the folder for " + path.toStdString());
    CropStore store;
    store.m_path = path;
    store.m_recordBytes = std::int64_t(width) * height * channels;
    const QByteArray raw = QFile::encodeName(path);
    store.m_fd = ::open(raw.constData(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (store.m_fd < 0)
        return R::error(sysError(QStringLiteral("cannot open crop store"), path));
    struct stat st {};
    if (fstat(store.m_fd, &st) != 0)
        return R::error(sysError(QStringLiteral("cannot stat"), path));
    std::uint8_t header[kHeaderBytes] = {};
    if (st.st_size < kHeaderBytes) {
        std::memcpy(header, "FPCS", 4);
        putU32(header + 4, kVersion);
        putU32(header + 8, std::uint32_t(width));
        putU32(header + 12, std::uint32_t(height));
        putU32(header + 16, std::uint32_t(channels));
        if (ftruncate(store.m_fd, 0) != 0 || !fullWrite(store.m_fd, header, kHeaderBytes, 0) || fdatasync(store.m_fd) != 0)
            return R::error(sysError(QStringLiteral("cannot write"), path));
        return store;
    }
    if (pread(store.m_fd, header, kHeaderBytes, 0) != kHeaderBytes || std::memcmp(header, "FPCS", 4) != 0
        || getU32(header + 4) != kVersion)
        return R::error(path.toStdString() + " is not a crop store");
    if (getU32(header + 8) != std::uint32_t(width) || getU32(header + 12) != std::uint32_t(height)
        || getU32(header + 16) != std::uint32_t(channels))
        return R::error(path.toStdString() + " holds crops of another size");
    store.m_count = (std::int64_t(st.st_size) - kHeaderBytes) / store.m_recordBytes;
    // A record torn by a crash was never referenced: drop it so appends stay aligned.
    if (kHeaderBytes + store.m_count * store.m_recordBytes != std::int64_t(st.st_size)
        && ftruncate(store.m_fd, off_t(kHeaderBytes + store.m_count * store.m_recordBytes)) != 0)
        return R::error(sysError(QStringLiteral("cannot truncate"), path));
    return store;
}

engine::Result<std::int64_t> CropStore::append(const std::uint8_t* pixels)
{
    if (m_fd < 0)
        return engine::Result<std::int64_t>::error("crop store is not open");
    const std::int64_t index = m_count;
    if (!fullWrite(m_fd, pixels, m_recordBytes, kHeaderBytes + index * m_recordBytes))
        return engine::Result<std::int64_t>::error(sysError(QStringLiteral("cannot append to"), m_path));
    ++m_count;
    return index;
}

engine::Status CropStore::sync()
{
    if (m_fd >= 0 && fdatasync(m_fd) != 0)
        return engine::Status::error(sysError(QStringLiteral("cannot sync"), m_path));
    return engine::Status::ok();
}

engine::Status CropStore::read(std::int64_t index, std::uint8_t* out) const
{
    if (m_fd < 0 || index < 0 || index >= m_count)
        return engine::Status::error("crop record " + std::to_string(index) + " is not in " + m_path.toStdString());
    std::int64_t done = 0;
    while (done < m_recordBytes) {
        const ssize_t n = pread(m_fd, out + done, std::size_t(m_recordBytes - done), off_t(kHeaderBytes + index * m_recordBytes + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return engine::Status::error(sysError(QStringLiteral("cannot read"), m_path));
        done += n;
    }
    return engine::Status::ok();
}

}  // namespace fedpilot
