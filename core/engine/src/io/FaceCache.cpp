#include "fedpilot/engine/FaceCache.h"

#include "io/AtomicFile.h"
#include "io/FaceCacheFormat.h"
#include "io/Sha256.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <limits>
#include <new>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fedpilot::engine {

using detail::errnoText;
using namespace facecache;

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

}  // namespace fedpilot::engine
