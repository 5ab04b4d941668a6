#include "fedpilot/engine/FaceCache.h"

#include "io/Sha256.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <filesystem>
#include <limits>
#include <new>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

// Header integers are assembled byte by byte, but labels are copied as int32 little-endian.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "FedPilot's file formats assume a little-endian host");

namespace fedpilot::engine {

namespace {

constexpr char kMagic[4] = {'F', 'P', 'F', 'C'};
constexpr std::size_t kHeaderBytes = 128;
constexpr std::size_t kDigestBytes = 32;
// Header field offsets (see FaceCache.h).
constexpr std::size_t kOffVersion = 4;
constexpr std::size_t kOffWidth = 8;
constexpr std::size_t kOffHeight = 12;
constexpr std::size_t kOffChannels = 16;
constexpr std::size_t kOffCount = 20;
constexpr std::size_t kOffNumClasses = 28;
constexpr std::size_t kOffReserved = 32;
constexpr std::size_t kOffMetaDigest = 36;
constexpr std::size_t kOffImageDigest = 68;
constexpr std::size_t kOffPadding = 100;
// Face crops are small; these bounds keep every size product far from overflow and reject
// headers that are garbage rather than a real (if unusual) geometry.
constexpr std::uint32_t kMaxSide = 65535;
constexpr std::uint32_t kMaxChannels = 4;

std::string errnoText(int error)
{
    return std::strerror(error);
}

std::uint32_t readU32(const std::uint8_t* p)
{
    return std::uint32_t(p[0]) | (std::uint32_t(p[1]) << 8) | (std::uint32_t(p[2]) << 16) | (std::uint32_t(p[3]) << 24);
}

std::uint64_t readU64(const std::uint8_t* p)
{
    return std::uint64_t(readU32(p)) | (std::uint64_t(readU32(p + 4)) << 32);
}

void writeU32(std::uint8_t* p, std::uint32_t v)
{
    for (int i = 0; i < 4; ++i)
        p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

void writeU64(std::uint8_t* p, std::uint64_t v)
{
    writeU32(p, static_cast<std::uint32_t>(v));
    writeU32(p + 4, static_cast<std::uint32_t>(v >> 32));
}

std::string checkGeometry(std::uint32_t width, std::uint32_t height, std::uint32_t channels)
{
    if (width < 1 || width > kMaxSide || height < 1 || height > kMaxSide)
        return "image size " + std::to_string(width) + "x" + std::to_string(height) + " out of range (1.."
               + std::to_string(kMaxSide) + ")";
    if (channels < 1 || channels > kMaxChannels)
        return "channel count " + std::to_string(channels) + " out of range (1.." + std::to_string(kMaxChannels) + ")";
    return std::string();
}

Status writeAll(int fd, const void* data, std::size_t size)
{
    const auto* p = static_cast<const char*>(data);
    while (size > 0) {
        const ssize_t n = ::write(fd, p, size);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return Status::error(errnoText(errno));
        }
        p += n;
        size -= static_cast<std::size_t>(n);
    }
    return Status::ok();
}

Status pwriteAll(int fd, const void* data, std::size_t size, off_t offset)
{
    const auto* p = static_cast<const char*>(data);
    while (size > 0) {
        const ssize_t n = ::pwrite(fd, p, size, offset);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return Status::error(errnoText(errno));
        }
        p += n;
        size -= static_cast<std::size_t>(n);
        offset += n;
    }
    return Status::ok();
}

// Makes the rename durable; some file systems refuse fsync on a directory, which is harmless
// because the file's own data was already synced.
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

}  // namespace

// ---- FaceCache ------------------------------------------------------------------------------

struct FaceCache::Impl {
    FaceCacheInfo info;
    std::size_t imageBytes = 0;
    const std::uint8_t* mapping = nullptr;
    std::size_t mappingBytes = 0;
    // Labels and splits are copied out while validating: small, aligned, and cheap to index.
    std::vector<std::int32_t> labels;
    std::vector<std::uint8_t> splits;

    Impl() = default;
    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;
    ~Impl()
    {
        if (mapping != nullptr)
            ::munmap(const_cast<std::uint8_t*>(mapping), mappingBytes);
    }
};

namespace {

Result<FaceCache> fail(const std::string& path, const std::string& why)
{
    return Result<FaceCache>::error("face cache " + path + ": " + why);
}

}  // namespace

Result<FaceCache> FaceCache::open(const std::string& path, bool verifyImages)
{
    try {
        const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return fail(path, "cannot open: " + errnoText(errno));
        struct stat st {};
        if (::fstat(fd, &st) != 0) {
            const int error = errno;
            ::close(fd);
            return fail(path, "cannot stat: " + errnoText(error));
        }
        if (!S_ISREG(st.st_mode)) {
            ::close(fd);
            return fail(path, "not a regular file");
        }
        const auto fileBytes = static_cast<std::uint64_t>(st.st_size);
        if (fileBytes < kHeaderBytes) {
            ::close(fd);
            return fail(path, "file is " + std::to_string(fileBytes) + " bytes, shorter than the "
                                  + std::to_string(kHeaderBytes) + "-byte header (truncated or not a face cache)");
        }
        auto impl = std::make_shared<Impl>();
        void* mapping = ::mmap(nullptr, static_cast<std::size_t>(fileBytes), PROT_READ, MAP_SHARED, fd, 0);
        const int mapError = errno;
        ::close(fd);   // the mapping keeps the file alive
        if (mapping == MAP_FAILED)
            return fail(path, "cannot map: " + errnoText(mapError));
        impl->mapping = static_cast<const std::uint8_t*>(mapping);
        impl->mappingBytes = static_cast<std::size_t>(fileBytes);
        const std::uint8_t* h = impl->mapping;

        if (std::memcmp(h, kMagic, sizeof kMagic) != 0)
            return fail(path, "bad magic (not a FedPilot face cache)");
        const std::uint32_t version = readU32(h + kOffVersion);
        if (version != kFaceCacheVersion)
            return fail(path, "unsupported format version " + std::to_string(version) + " (this build reads version "
                                  + std::to_string(kFaceCacheVersion) + ")");
        const std::uint32_t width = readU32(h + kOffWidth);
        const std::uint32_t height = readU32(h + kOffHeight);
        const std::uint32_t channels = readU32(h + kOffChannels);
        const std::uint64_t count = readU64(h + kOffCount);
        const std::uint32_t numClasses = readU32(h + kOffNumClasses);
        const std::string geometryError = checkGeometry(width, height, channels);
        if (!geometryError.empty())
            return fail(path, geometryError);
        if (numClasses > static_cast<std::uint32_t>(std::numeric_limits<std::int32_t>::max()))
            return fail(path, "class count " + std::to_string(numClasses) + " out of range");
        // Reserved bytes and padding are not covered by a checksum; insisting on zeros catches
        // header damage there and keeps the bytes usable by a later version.
        if (readU32(h + kOffReserved) != 0
            || std::any_of(h + kOffPadding, h + kHeaderBytes, [](std::uint8_t b) { return b != 0; }))
            return fail(path, "reserved header bytes are not zero (corrupt header)");

        // Exact size check, with every product overflow-checked: a hostile count must not wrap.
        const std::uint64_t imageBytes = std::uint64_t(width) * height * channels;
        std::uint64_t imageSection = 0, metaSection = 0, expected = 0;
        if (__builtin_mul_overflow(count, imageBytes, &imageSection)
            || __builtin_mul_overflow(count, std::uint64_t(5), &metaSection)
            || __builtin_add_overflow(imageSection, metaSection, &expected)
            || __builtin_add_overflow(expected, std::uint64_t(kHeaderBytes), &expected)
            || count > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
            return fail(path, "declared image count " + std::to_string(count) + " is impossibly large");
        if (expected != fileBytes)
            return fail(path, "file is " + std::to_string(fileBytes) + " bytes but the header describes "
                                  + std::to_string(expected) + " (truncated or corrupt)");

        const std::uint8_t* images = h + kHeaderBytes;
        const std::uint8_t* meta = images + imageSection;
        bool hashOk = false;
        const detail::Sha256Digest metaDigest = detail::sha256(meta, static_cast<std::size_t>(metaSection), &hashOk);
        if (!hashOk)
            return fail(path, "SHA-256 computation failed");
        if (std::memcmp(metaDigest.data(), h + kOffMetaDigest, kDigestBytes) != 0)
            return fail(path, "metadata checksum mismatch (labels or split flags are corrupt)");
        if (verifyImages) {
            const detail::Sha256Digest imageDigest =
                detail::sha256(images, static_cast<std::size_t>(imageSection), &hashOk);
            if (!hashOk)
                return fail(path, "SHA-256 computation failed");
            if (std::memcmp(imageDigest.data(), h + kOffImageDigest, kDigestBytes) != 0)
                return fail(path, "image checksum mismatch (image data is corrupt)");
        }

        const auto n = static_cast<std::size_t>(count);
        impl->labels.resize(n);
        if (n > 0)
            std::memcpy(impl->labels.data(), meta, n * sizeof(std::int32_t));
        impl->splits.assign(meta + n * sizeof(std::int32_t), meta + n * 5);
        for (std::size_t i = 0; i < n; ++i) {
            if (impl->labels[i] < 0 || static_cast<std::uint32_t>(impl->labels[i]) >= numClasses)
                return fail(path, "image " + std::to_string(i) + " has label " + std::to_string(impl->labels[i])
                                      + " outside 0.." + std::to_string(static_cast<std::int64_t>(numClasses) - 1));
            if (impl->splits[i] > static_cast<std::uint8_t>(Split::HeldOut))
                return fail(path, "image " + std::to_string(i) + " has invalid split flag "
                                      + std::to_string(impl->splits[i]));
        }

        impl->info.width = static_cast<int>(width);
        impl->info.height = static_cast<int>(height);
        impl->info.channels = static_cast<int>(channels);
        impl->info.count = static_cast<std::int64_t>(count);
        impl->info.numClasses = static_cast<int>(numClasses);
        impl->imageBytes = static_cast<std::size_t>(imageBytes);
        FaceCache cache;
        cache.d = std::move(impl);
        return cache;
    } catch (const std::bad_alloc&) {
        return fail(path, "out of memory while opening");
    } catch (const std::exception& e) {
        return fail(path, std::string("open failed: ") + e.what());
    }
}

const FaceCacheInfo& FaceCache::info() const
{
    static const FaceCacheInfo kEmpty;
    return d ? d->info : kEmpty;
}

std::size_t FaceCache::imageBytes() const
{
    return d ? d->imageBytes : 0;
}

// Out-of-range indices get a null pointer / label -1 / HeldOut (so nothing trains on them)
// instead of undefined behaviour.
const std::uint8_t* FaceCache::image(std::int64_t i) const
{
    if (!d || i < 0 || i >= d->info.count)
        return nullptr;
    return d->mapping + kHeaderBytes + static_cast<std::size_t>(i) * d->imageBytes;
}

std::int32_t FaceCache::label(std::int64_t i) const
{
    if (!d || i < 0 || i >= d->info.count)
        return -1;
    return d->labels[static_cast<std::size_t>(i)];
}

Split FaceCache::split(std::int64_t i) const
{
    if (!d || i < 0 || i >= d->info.count)
        return Split::HeldOut;
    return static_cast<Split>(d->splits[static_cast<std::size_t>(i)]);
}

std::vector<std::int64_t> FaceCache::indices(Split split) const
{
    std::vector<std::int64_t> out;
    if (!d)
        return out;
    const auto flag = static_cast<std::uint8_t>(split);
    for (std::size_t i = 0; i < d->splits.size(); ++i) {
        if (d->splits[i] == flag)
            out.push_back(static_cast<std::int64_t>(i));
    }
    return out;
}

std::vector<std::int64_t> FaceCache::allIndices() const
{
    std::vector<std::int64_t> out(static_cast<std::size_t>(size()));
    for (std::size_t i = 0; i < out.size(); ++i)
        out[i] = static_cast<std::int64_t>(i);
    return out;
}

// ---- FaceCacheWriter ------------------------------------------------------------------------

struct FaceCacheWriter::Impl {
    enum class State { Writing, Failed, Finished, Aborted };

    std::string path;
    std::string partialPath;
    int fd = -1;
    std::uint32_t width = 0;
    std::uint32_t height = 0;
    std::uint32_t channels = 0;
    std::size_t imageBytes = 0;
    std::vector<std::int32_t> labels;
    std::vector<std::uint8_t> splits;
    detail::Sha256 imageHash;
    State state = State::Writing;

    // Closes and deletes the partial file; used by abort, the destructor and every failure.
    void discard(State newState)
    {
        if (fd >= 0) {
            ::close(fd);
            fd = -1;
        }
        if (state == State::Writing)
            ::unlink(partialPath.c_str());
        state = newState;
    }

    Status failWith(const std::string& why)
    {
        discard(State::Failed);
        return Status::error("face cache writer " + path + ": " + why);
    }

    Status finish();
};

FaceCacheWriter::FaceCacheWriter() = default;
FaceCacheWriter::FaceCacheWriter(FaceCacheWriter&&) noexcept = default;

FaceCacheWriter& FaceCacheWriter::operator=(FaceCacheWriter&& other) noexcept
{
    if (this != &other) {
        abort();   // the cache being replaced was not finished through this object
        d = std::move(other.d);
    }
    return *this;
}

FaceCacheWriter::~FaceCacheWriter()
{
    abort();
}

Result<FaceCacheWriter> FaceCacheWriter::create(const std::string& path, int width, int height, int channels)
{
    try {
        const std::string prefix = "face cache writer " + path + ": ";
        if (width < 0 || height < 0 || channels < 0)
            return Result<FaceCacheWriter>::error(prefix + "negative image geometry");
        const std::string geometryError = checkGeometry(static_cast<std::uint32_t>(width),
                                                        static_cast<std::uint32_t>(height),
                                                        static_cast<std::uint32_t>(channels));
        if (!geometryError.empty())
            return Result<FaceCacheWriter>::error(prefix + geometryError);

        auto impl = std::make_unique<Impl>();
        if (!impl->imageHash.ok())
            return Result<FaceCacheWriter>::error(prefix + "SHA-256 initialisation failed");
        impl->path = path;
        impl->partialPath = path + ".partial";
        impl->width = static_cast<std::uint32_t>(width);
        impl->height = static_cast<std::uint32_t>(height);
        impl->channels = static_cast<std::uint32_t>(channels);
        impl->imageBytes = std::size_t(impl->width) * impl->height * impl->channels;
        // O_TRUNC: a stale partial file from a crashed run is simply replaced.
        impl->fd = ::open(impl->partialPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (impl->fd < 0)
            return Result<FaceCacheWriter>::error(prefix + "cannot create " + impl->partialPath + ": "
                                                  + errnoText(errno));
        // Placeholder header so images start at their final offset; finish() fills it in.
        const std::uint8_t zeros[kHeaderBytes] = {};
        Status status = writeAll(impl->fd, zeros, sizeof zeros);
        if (!status)
            return impl->failWith("writing header: " + status.message());

        FaceCacheWriter writer;
        writer.d = std::move(impl);
        return writer;
    } catch (const std::bad_alloc&) {
        return Result<FaceCacheWriter>::error("face cache writer " + path + ": out of memory");
    } catch (const std::exception& e) {
        return Result<FaceCacheWriter>::error("face cache writer " + path + ": " + e.what());
    }
}

Status FaceCacheWriter::add(const std::uint8_t* pixels, std::int32_t label, Split split)
{
    if (!d)
        return Status::error("face cache writer: used after being moved from");
    if (d->state != Impl::State::Writing)
        return Status::error("face cache writer " + d->path + ": not writing (already finished, aborted or failed)");
    if (pixels == nullptr)
        return Status::error("face cache writer " + d->path + ": null pixel pointer");
    // label + 1 must fit the header's class count, so the largest int32 is out too.
    if (label < 0 || label == std::numeric_limits<std::int32_t>::max())
        return Status::error("face cache writer " + d->path + ": invalid label " + std::to_string(label));
    if (split != Split::Train && split != Split::HeldOut)
        return Status::error("face cache writer " + d->path + ": invalid split flag");
    try {
        // Reserve first so a failed allocation cannot leave labels and the file out of step.
        d->labels.reserve(d->labels.size() + 1);
        d->splits.reserve(d->splits.size() + 1);
    } catch (const std::bad_alloc&) {
        return d->failWith("out of memory");
    }
    Status status = writeAll(d->fd, pixels, d->imageBytes);
    if (!status)
        return d->failWith("writing image " + std::to_string(d->labels.size()) + ": " + status.message());
    d->imageHash.update(pixels, d->imageBytes);
    d->labels.push_back(label);
    d->splits.push_back(static_cast<std::uint8_t>(split));
    return Status::ok();
}

std::int64_t FaceCacheWriter::count() const
{
    return d ? static_cast<std::int64_t>(d->labels.size()) : 0;
}

Status FaceCacheWriter::Impl::finish()
{
    const std::size_t n = labels.size();
    std::vector<std::uint8_t> meta(n * 5);
    if (n > 0)
        std::memcpy(meta.data(), labels.data(), n * sizeof(std::int32_t));
    if (n > 0)
        std::memcpy(meta.data() + n * sizeof(std::int32_t), splits.data(), n);
    const std::int32_t maxLabel = n > 0 ? *std::max_element(labels.begin(), labels.end()) : -1;

    bool metaOk = false;
    const detail::Sha256Digest metaDigest = detail::sha256(meta.data(), meta.size(), &metaOk);
    const detail::Sha256Digest imageDigest = imageHash.finish();
    if (!metaOk || !imageHash.ok())
        return failWith("SHA-256 computation failed");

    std::uint8_t header[kHeaderBytes] = {};
    std::memcpy(header, kMagic, sizeof kMagic);
    writeU32(header + kOffVersion, kFaceCacheVersion);
    writeU32(header + kOffWidth, width);
    writeU32(header + kOffHeight, height);
    writeU32(header + kOffChannels, channels);
    writeU64(header + kOffCount, n);
    writeU32(header + kOffNumClasses, static_cast<std::uint32_t>(maxLabel + 1));
    std::memcpy(header + kOffMetaDigest, metaDigest.data(), kDigestBytes);
    std::memcpy(header + kOffImageDigest, imageDigest.data(), kDigestBytes);

    Status status = writeAll(fd, meta.data(), meta.size());
    if (!status)
        return failWith("writing labels: " + status.message());
    status = pwriteAll(fd, header, sizeof header, 0);
    if (!status)
        return failWith("writing header: " + status.message());
    if (::fsync(fd) != 0)
        return failWith("flushing to disk: " + errnoText(errno));
    const int closeResult = ::close(fd);
    fd = -1;
    if (closeResult != 0)
        return failWith("closing: " + errnoText(errno));
    if (::rename(partialPath.c_str(), path.c_str()) != 0)
        return failWith("renaming into place: " + errnoText(errno));
    state = State::Finished;
    syncParentDirectory(path);
    return Status::ok();
}

Status FaceCacheWriter::finish()
{
    if (!d)
        return Status::error("face cache writer: used after being moved from");
    if (d->state != Impl::State::Writing)
        return Status::error("face cache writer " + d->path + ": not writing (already finished, aborted or failed)");
    try {
        return d->finish();
    } catch (const std::bad_alloc&) {
        return d->failWith("out of memory while finishing");
    } catch (const std::exception& e) {
        return d->failWith(std::string("finishing failed: ") + e.what());
    }
}

void FaceCacheWriter::abort()
{
    if (d && d->state == Impl::State::Writing)
        d->discard(Impl::State::Aborted);
}

}  // namespace fedpilot::engine
