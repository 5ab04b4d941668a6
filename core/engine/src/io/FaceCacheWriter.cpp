#include "fedpilot/engine/FaceCache.h"

#include "io/AtomicFile.h"
#include "io/FaceCacheFormat.h"
#include "io/Sha256.h"

#include <algorithm>
#include <cstring>
#include <exception>
#include <limits>
#include <new>

namespace fedpilot::engine {

using namespace facecache;

// ---- FaceCacheWriter ------------------------------------------------------------------------

struct FaceCacheWriter::Impl {
    enum class State { Writing, Failed, Finished, Aborted };

    detail::AtomicFile file;
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
        if (state == State::Writing)
            file.discard();
        state = newState;
    }

    Status failWith(const std::string& why)
    {
        discard(State::Failed);
        return Status::error("face cache writer " + file.path() + ": " + why);
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
        impl->width = static_cast<std::uint32_t>(width);
        impl->height = static_cast<std::uint32_t>(height);
        impl->channels = static_cast<std::uint32_t>(channels);
        impl->imageBytes = std::size_t(impl->width) * impl->height * impl->channels;
        if (!impl->file.create(path))
            return Result<FaceCacheWriter>::error(prefix + "cannot create " + impl->file.partialPath() + ": "
                                                  + impl->file.errorText());
        // Placeholder header so images start at their final offset; finish() fills it in.
        const std::uint8_t zeros[kHeaderBytes] = {};
        if (!impl->file.write(zeros, sizeof zeros))
            return impl->failWith("writing header: " + impl->file.errorText());

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
        return Status::error("face cache writer " + d->file.path() + ": not writing (already finished, aborted or failed)");
    if (pixels == nullptr)
        return Status::error("face cache writer " + d->file.path() + ": null pixel pointer");
    // label + 1 must fit the header's class count, so the largest int32 is out too.
    if (label < 0 || label == std::numeric_limits<std::int32_t>::max())
        return Status::error("face cache writer " + d->file.path() + ": invalid label " + std::to_string(label));
    if (split != Split::Train && split != Split::HeldOut)
        return Status::error("face cache writer " + d->file.path() + ": invalid split flag");
    try {
        // Reserve first so a failed allocation cannot leave labels and the file out of step.
        d->labels.reserve(d->labels.size() + 1);
        d->splits.reserve(d->splits.size() + 1);
    } catch (const std::bad_alloc&) {
        return d->failWith("out of memory");
    }
    if (!d->file.write(pixels, d->imageBytes))
        return d->failWith("writing image " + std::to_string(d->labels.size()) + ": " + d->file.errorText());
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

    if (!file.write(meta.data(), meta.size()))
        return failWith("writing labels: " + file.errorText());
    if (!file.writeAt(header, sizeof header, 0))
        return failWith("writing header: " + file.errorText());
    // fsync, close, rename into place; on failure the partial file is already gone.
    if (!file.commit()) {
        using Step = detail::AtomicFile::Step;
        const Step step = file.failedStep();
        const char* what = step == Step::Sync    ? "flushing to disk: "
                           : step == Step::Close ? "closing: "
                                                 : "renaming into place: ";
        return failWith(what + file.errorText());
    }
    state = State::Finished;
    return Status::ok();
}

Status FaceCacheWriter::finish()
{
    if (!d)
        return Status::error("face cache writer: used after being moved from");
    if (d->state != Impl::State::Writing)
        return Status::error("face cache writer " + d->file.path() + ": not writing (already finished, aborted or failed)");
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
