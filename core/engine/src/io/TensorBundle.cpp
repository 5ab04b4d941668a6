#include "fedpilot/engine/TensorBundle.h"

#include "io/AtomicFile.h"
#include "io/BundleCodec.h"
#include "io/BundleWire.h"
#include "io/Sha256.h"

#include <cerrno>
#include <exception>
#include <limits>
#include <new>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fedpilot::engine {

namespace {

using detail::errnoText;

// ---- files ----------------------------------------------------------------------------------

Status saveImpl(const std::string& path, const TensorBundle& bundle, const BundleEncodeOptions& options)
{
    Result<std::string> encoded = bundle::encode(bundle, options);
    if (!encoded)
        return encoded.status();
    // Written to <path>.partial and renamed into place, so path is never a torn bundle.
    detail::AtomicFile file;
    if (!file.create(path))
        return Status::error("tensor bundle: cannot create " + file.partialPath() + ": " + file.errorText());
    if (!file.write(encoded.value().data(), encoded.value().size()) || !file.commit()) {
        file.discard();  // removes the partial file a failed write leaves (commit() already did)
        std::string why = file.errorText();
        if (file.failedStep() == detail::AtomicFile::Step::Rename)
            why = "cannot rename to " + path + ": " + why;
        return Status::error("tensor bundle: saving " + path + " failed: " + why);
    }
    return Status::ok();
}

Result<TensorBundle> loadImpl(const std::string& path)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return Result<TensorBundle>::error("tensor bundle: cannot open " + path + ": " + errnoText(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        const int error = errno;
        ::close(fd);
        return Result<TensorBundle>::error("tensor bundle: cannot stat " + path + ": " + errnoText(error));
    }
    if (!S_ISREG(st.st_mode)) {
        ::close(fd);
        return Result<TensorBundle>::error("tensor bundle: " + path + " is not a regular file");
    }
    const auto size = static_cast<std::size_t>(st.st_size);
    if (size == 0) {
        ::close(fd);
        return Result<TensorBundle>::error("tensor bundle: " + path + " is empty");
    }
    // Mapping avoids a second full copy of large checkpoints; the decoded floats are copied out.
    void* mapping = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    const int mapError = errno;
    ::close(fd);
    if (mapping == MAP_FAILED)
        return Result<TensorBundle>::error("tensor bundle: cannot map " + path + ": " + errnoText(mapError));
    Result<TensorBundle> result = bundle::decode(static_cast<const std::uint8_t*>(mapping), size);
    ::munmap(mapping, size);
    if (!result)
        return Result<TensorBundle>::error(result.message() + " (in " + path + ")");
    return result;
}

template <typename F>
auto guarded(const char* what, F&& body) -> decltype(body())
{
    using R = decltype(body());
    try {
        return body();
    } catch (const std::bad_alloc&) {
        return R(Status::error(std::string("tensor bundle: out of memory while ") + what));
    } catch (const std::exception& e) {
        return R(Status::error(std::string("tensor bundle: ") + what + " failed: " + e.what()));
    } catch (...) {
        return R(Status::error(std::string("tensor bundle: ") + what + " failed"));
    }
}

}  // namespace

// ---- public API -----------------------------------------------------------------------------

std::int64_t NamedTensor::numel() const
{
    std::int64_t n = 0;
    std::string why;
    return bundle::checkedNumel(shape, n, why) ? n : -1;
}

const NamedTensor* TensorBundle::find(const std::string& name) const
{
    for (const NamedTensor& tensor : tensors) {
        if (tensor.name == name)
            return &tensor;
    }
    return nullptr;
}

NamedTensor* TensorBundle::find(const std::string& name)
{
    return const_cast<NamedTensor*>(static_cast<const TensorBundle*>(this)->find(name));
}

std::int64_t TensorBundle::numel() const
{
    std::int64_t total = 0;
    for (const NamedTensor& tensor : tensors) {
        const std::int64_t n = tensor.numel();
        if (n > 0 && __builtin_add_overflow(total, n, &total))
            return std::numeric_limits<std::int64_t>::max();
    }
    return total;
}

bool zstdAvailable()
{
#ifdef FEDPILOT_HAVE_ZSTD
    return true;
#else
    return false;
#endif
}

Result<std::string> encodeBundle(const TensorBundle& bundle, const BundleEncodeOptions& options)
{
    return guarded("encoding", [&] { return bundle::encode(bundle, options); });
}

Result<TensorBundle> decodeBundle(const std::uint8_t* data, std::size_t size)
{
    return guarded("decoding", [&] { return bundle::decode(data, size); });
}

Result<TensorBundle> decodeBundle(const std::string& bytes)
{
    return decodeBundle(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
}

Status saveBundle(const std::string& path, const TensorBundle& bundle, const BundleEncodeOptions& options)
{
    return guarded("saving", [&] { return saveImpl(path, bundle, options); });
}

Result<TensorBundle> loadBundle(const std::string& path)
{
    return guarded("loading", [&] { return loadImpl(path); });
}

std::string sha256Hex(const std::uint8_t* data, std::size_t size)
{
    static const char kHex[] = "0123456789abcdef";
    try {
        bool ok = false;
        const detail::Sha256Digest digest = detail::sha256(data, size, &ok);
        // A hex string has no error channel; OpenSSL only fails here on allocation failure, and an
        // empty string is never mistaken for a valid hash by a comparison.
        if (!ok)
            return std::string();
        std::string hex;
        hex.reserve(2 * digest.size());
        for (std::uint8_t byte : digest) {
            hex.push_back(kHex[byte >> 4]);
            hex.push_back(kHex[byte & 0x0fu]);
        }
        return hex;
    } catch (...) {
        return std::string();
    }
}

std::string sha256Hex(const std::string& bytes)
{
    return sha256Hex(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
}

std::string contentSha256(const TensorBundle& bundle)
{
    // The uncompressed fp32 encoding is this project's own deterministic byte layout.
    auto bytes = encodeBundle(bundle, BundleEncodeOptions{});
    return bytes ? sha256Hex(bytes.value()) : std::string();
}

const char* toString(Encoding encoding)
{
    switch (encoding) {
    case Encoding::Fp32: return "fp32";
    case Encoding::Fp16: return "fp16";
    case Encoding::Int8: return "int8";
    }
    return "unknown";
}

bool parseEncoding(const std::string& text, Encoding& encoding)
{
    for (Encoding e : {Encoding::Fp32, Encoding::Fp16, Encoding::Int8}) {
        if (text == toString(e)) {
            encoding = e;
            return true;
        }
    }
    return false;
}

}  // namespace fedpilot::engine
