#include "fedpilot/engine/TensorBundle.h"

#include "io/Half.h"
#include "io/Sha256.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <filesystem>
#include <limits>
#include <memory>
#include <new>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef FEDPILOT_HAVE_ZSTD
#include <zstd.h>
#endif

// Float payloads are copied straight between memory and the little-endian wire format.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "FedPilot's file formats assume a little-endian host");
static_assert(sizeof(float) == 4 && std::numeric_limits<float>::is_iec559, "IEEE 754 float required");

namespace fedpilot::engine {

namespace {

constexpr char kMagic[4] = {'F', 'P', 'T', 'B'};
constexpr char kEndMarker[4] = {'F', 'P', 'T', 'E'};
constexpr std::uint32_t kMaxNdim = 8;
constexpr std::size_t kDigestBytes = 32;

// ---- small helpers --------------------------------------------------------------------------

std::string tensorLabel(std::size_t index, const std::string& name)
{
    return "tensor " + std::to_string(index) + " ('" + name + "')";
}

// numel of a shape, or an error if a dim is negative or the product overflows.
bool checkedNumel(const std::vector<std::int64_t>& shape, std::int64_t& numel, std::string& why)
{
    std::int64_t product = 1;
    for (std::size_t i = 0; i < shape.size(); ++i) {
        if (shape[i] < 0) {
            why = "dimension " + std::to_string(i) + " is negative (" + std::to_string(shape[i]) + ")";
            return false;
        }
        if (__builtin_mul_overflow(product, shape[i], &product)) {
            why = "shape overflows a 64-bit element count";
            return false;
        }
    }
    numel = product;
    return true;
}

// Both encode and decode enforce the same limits so a bundle that encodes always decodes.
bool checkTensorSize(std::int64_t numel, Encoding encoding, std::uint64_t& rawBytes, std::string& why)
{
    const std::uint64_t count = static_cast<std::uint64_t>(numel);
    // The decoded fp32 values are what gets allocated, so they count against the limit too
    // (an fp16 tensor just under the limit would otherwise decode to twice the limit).
    if (count > kMaxTensorBytes / sizeof(float)) {
        why = "too large (" + std::to_string(count) + " elements; the limit is "
              + std::to_string(kMaxTensorBytes) + " bytes as fp32)";
        return false;
    }
    rawBytes = count * (encoding == Encoding::Fp16 ? 2u : 4u);
    return true;
}

void appendU16(std::string& out, std::uint16_t v)
{
    out.push_back(static_cast<char>(v & 0xffu));
    out.push_back(static_cast<char>(v >> 8));
}

void appendU32(std::string& out, std::uint32_t v)
{
    for (int i = 0; i < 4; ++i)
        out.push_back(static_cast<char>((v >> (8 * i)) & 0xffu));
}

void appendU64(std::string& out, std::uint64_t v)
{
    for (int i = 0; i < 8; ++i)
        out.push_back(static_cast<char>((v >> (8 * i)) & 0xffu));
}

// Bounds-checked little-endian reader: every read states how much it needs and fails, rather than
// reading past the end, when the input is shorter.
class Reader {
public:
    Reader(const std::uint8_t* data, std::size_t size) : m_data(data), m_size(size) {}

    std::size_t remaining() const { return m_size - m_pos; }
    std::size_t position() const { return m_pos; }

    bool bytes(std::size_t count, const std::uint8_t*& out)
    {
        if (count > remaining())
            return false;
        out = m_data + m_pos;
        m_pos += count;
        return true;
    }

    template <typename T>
    bool integer(T& out)
    {
        const std::uint8_t* p = nullptr;
        if (!bytes(sizeof(T), p))
            return false;
        std::uint64_t v = 0;
        for (std::size_t i = 0; i < sizeof(T); ++i)
            v |= static_cast<std::uint64_t>(p[i]) << (8 * i);
        out = static_cast<T>(v);
        return true;
    }

private:
    const std::uint8_t* m_data;
    std::size_t m_size;
    std::size_t m_pos = 0;
};

std::string truncated(const std::string& what, std::size_t needed, const Reader& reader)
{
    return "tensor bundle: truncated at byte " + std::to_string(reader.position()) + " reading " + what
           + " (needs " + std::to_string(needed) + " bytes, " + std::to_string(reader.remaining())
           + " left)";
}

// ---- encode ---------------------------------------------------------------------------------

Status encodeTensor(std::size_t index, const NamedTensor& tensor, const BundleEncodeOptions& options,
                    std::string& out)
{
    const std::string label = tensorLabel(index, tensor.name);
    if (tensor.name.size() > std::numeric_limits<std::uint16_t>::max())
        return Status::error("tensor bundle: " + label + ": name longer than 65535 bytes");
    if (tensor.shape.size() > kMaxNdim)
        return Status::error("tensor bundle: " + label + ": " + std::to_string(tensor.shape.size())
                             + " dimensions (at most 8 allowed)");
    if (tensor.kind != TensorKind::Parameter && tensor.kind != TensorKind::Buffer)
        return Status::error("tensor bundle: " + label + ": invalid tensor kind");
    std::int64_t numel = 0;
    std::string why;
    if (!checkedNumel(tensor.shape, numel, why))
        return Status::error("tensor bundle: " + label + ": " + why);
    if (static_cast<std::uint64_t>(numel) != tensor.values.size())
        return Status::error("tensor bundle: " + label + ": shape has " + std::to_string(numel)
                             + " elements but " + std::to_string(tensor.values.size()) + " values given");
    std::uint64_t rawBytes = 0;
    if (!checkTensorSize(numel, options.encoding, rawBytes, why))
        return Status::error("tensor bundle: " + label + ": " + why);

    // fp32 values are already the raw little-endian bytes; only fp16 needs a converted copy.
    std::string halves;
    const char* raw = reinterpret_cast<const char*>(tensor.values.data());
    if (options.encoding == Encoding::Fp16) {
        halves.resize(static_cast<std::size_t>(rawBytes));
        for (std::size_t i = 0; i < tensor.values.size(); ++i) {
            const std::uint16_t h = detail::floatToHalf(tensor.values[i]);
            halves[2 * i] = static_cast<char>(h & 0xffu);
            halves[2 * i + 1] = static_cast<char>(h >> 8);
        }
        raw = halves.data();
    }
    const auto rawSize = static_cast<std::size_t>(rawBytes);

    Compression compression = Compression::None;
    std::string compressed;
    if (options.compression == Compression::Zstd) {
#ifdef FEDPILOT_HAVE_ZSTD
        compressed.resize(ZSTD_compressBound(rawSize));
        const std::size_t written = ZSTD_compress(compressed.data(), compressed.size(), rawSize > 0 ? raw : "",
                                                  rawSize, options.zstdLevel);
        if (ZSTD_isError(written))
            return Status::error("tensor bundle: " + label + ": zstd compression failed: "
                                 + ZSTD_getErrorName(written));
        compressed.resize(written);
        // Incompressible data (tiny or noisy tensors) is stored raw; the per-tensor flag says so.
        if (compressed.size() < rawSize)
            compression = Compression::Zstd;
#else
        return Status::error("tensor bundle: zstd compression requested but this build has no zstd support");
#endif
    }
    const char* stored = compression == Compression::Zstd ? compressed.data() : raw;
    const std::size_t storedSize = compression == Compression::Zstd ? compressed.size() : rawSize;
    bool hashOk = false;
    const detail::Sha256Digest digest = detail::sha256(stored, storedSize, &hashOk);
    if (!hashOk)
        return Status::error("tensor bundle: " + label + ": SHA-256 computation failed");

    appendU16(out, static_cast<std::uint16_t>(tensor.name.size()));
    out += tensor.name;
    out.push_back(static_cast<char>(tensor.kind));
    out.push_back(static_cast<char>(options.encoding));
    out.push_back(static_cast<char>(compression));
    out.push_back(static_cast<char>(tensor.shape.size()));
    for (std::int64_t dim : tensor.shape)
        appendU64(out, static_cast<std::uint64_t>(dim));
    appendU64(out, rawBytes);
    appendU64(out, storedSize);
    out.append(reinterpret_cast<const char*>(digest.data()), digest.size());
    if (storedSize > 0)
        out.append(stored, storedSize);
    return Status::ok();
}

Result<std::string> encodeImpl(const TensorBundle& bundle, const BundleEncodeOptions& options)
{
    if (options.encoding != Encoding::Fp32 && options.encoding != Encoding::Fp16)
        return Result<std::string>::error("tensor bundle: invalid encoding option");
    if (options.compression != Compression::None && options.compression != Compression::Zstd)
        return Result<std::string>::error("tensor bundle: invalid compression option");
    if (options.compression == Compression::Zstd && !zstdAvailable())
        return Result<std::string>::error(
            "tensor bundle: zstd compression requested but this build has no zstd support");
    if (bundle.tensors.size() > kMaxBundleTensors)
        return Result<std::string>::error("tensor bundle: tensor count " + std::to_string(bundle.tensors.size())
                                          + " exceeds the limit of " + std::to_string(kMaxBundleTensors));
    if (bundle.meta.size() > std::numeric_limits<std::uint32_t>::max())
        return Result<std::string>::error("tensor bundle: too many metadata entries");

    std::string out;
    out.append(kMagic, sizeof kMagic);
    appendU32(out, kTensorBundleVersion);
    appendU32(out, static_cast<std::uint32_t>(bundle.meta.size()));
    appendU32(out, static_cast<std::uint32_t>(bundle.tensors.size()));
    for (const auto& [key, value] : bundle.meta) {
        if (key.size() > std::numeric_limits<std::uint32_t>::max()
            || value.size() > std::numeric_limits<std::uint32_t>::max())
            return Result<std::string>::error("tensor bundle: metadata entry '" + key.substr(0, 64) + "' too long");
        appendU32(out, static_cast<std::uint32_t>(key.size()));
        out += key;
        appendU32(out, static_cast<std::uint32_t>(value.size()));
        out += value;
    }
    for (std::size_t i = 0; i < bundle.tensors.size(); ++i) {
        Status status = encodeTensor(i, bundle.tensors[i], options, out);
        if (!status)
            return status;
    }
    out.append(kEndMarker, sizeof kEndMarker);
    return out;
}

// ---- decode ---------------------------------------------------------------------------------

Status decodeValues(Encoding encoding, const std::uint8_t* raw, std::uint64_t rawBytes,
                    std::vector<float>& values)
{
    if (encoding == Encoding::Fp16) {
        values.resize(static_cast<std::size_t>(rawBytes / 2));
        for (std::size_t i = 0; i < values.size(); ++i) {
            const auto h = static_cast<std::uint16_t>(raw[2 * i] | (raw[2 * i + 1] << 8));
            values[i] = detail::halfToFloat(h);
        }
    } else {
        values.resize(static_cast<std::size_t>(rawBytes / 4));
        if (rawBytes > 0)
            std::memcpy(values.data(), raw, static_cast<std::size_t>(rawBytes));
    }
    return Status::ok();
}

Status decodeTensor(std::size_t index, Reader& reader, NamedTensor& tensor)
{
    std::string label = "tensor " + std::to_string(index);
    auto fail = [&](const std::string& why) { return Status::error("tensor bundle: " + label + ": " + why); };
    auto cut = [&](const std::string& what, std::size_t needed) {
        return Status::error(truncated(label + " " + what, needed, reader));
    };

    std::uint16_t nameLen = 0;
    if (!reader.integer(nameLen))
        return cut("name length", 2);
    const std::uint8_t* p = nullptr;
    if (!reader.bytes(nameLen, p))
        return cut("name", nameLen);
    tensor.name.assign(reinterpret_cast<const char*>(p), nameLen);
    label = tensorLabel(index, tensor.name);

    std::uint8_t kind = 0, encoding = 0, compression = 0, ndim = 0;
    if (!reader.integer(kind) || !reader.integer(encoding) || !reader.integer(compression) || !reader.integer(ndim))
        return cut("kind/encoding/compression/ndim", 4);
    if (kind > static_cast<std::uint8_t>(TensorKind::Buffer))
        return fail("unknown tensor kind " + std::to_string(kind));
    if (encoding > static_cast<std::uint8_t>(Encoding::Fp16))
        return fail("unknown encoding " + std::to_string(encoding));
    if (compression > static_cast<std::uint8_t>(Compression::Zstd))
        return fail("unknown compression " + std::to_string(compression));
    if (ndim > kMaxNdim)
        return fail(std::to_string(ndim) + " dimensions (at most 8 allowed)");
    tensor.kind = static_cast<TensorKind>(kind);

    tensor.shape.resize(ndim);
    for (std::uint8_t d = 0; d < ndim; ++d) {
        std::uint64_t dim = 0;
        if (!reader.integer(dim))
            return cut("dimension " + std::to_string(d), 8);
        tensor.shape[d] = static_cast<std::int64_t>(dim);
    }
    std::int64_t numel = 0;
    std::string why;
    if (!checkedNumel(tensor.shape, numel, why))
        return fail(why);
    std::uint64_t expectedRaw = 0;
    if (!checkTensorSize(numel, static_cast<Encoding>(encoding), expectedRaw, why))
        return fail(why);

    std::uint64_t rawBytes = 0, storedBytes = 0;
    if (!reader.integer(rawBytes))
        return cut("raw byte count", 8);
    if (!reader.integer(storedBytes))
        return cut("stored byte count", 8);
    if (rawBytes != expectedRaw)
        return fail("raw byte count " + std::to_string(rawBytes) + " does not match the shape ("
                    + std::to_string(expectedRaw) + " expected)");
    if (storedBytes > kMaxTensorBytes)
        return fail("stored byte count " + std::to_string(storedBytes) + " exceeds the limit");
    if (compression == static_cast<std::uint8_t>(Compression::None) && storedBytes != rawBytes)
        return fail("uncompressed tensor stores " + std::to_string(storedBytes) + " bytes but needs "
                    + std::to_string(rawBytes));

    const std::uint8_t* digest = nullptr;
    if (!reader.bytes(kDigestBytes, digest))
        return cut("checksum", kDigestBytes);
    const std::uint8_t* stored = nullptr;
    if (storedBytes > reader.remaining() || !reader.bytes(static_cast<std::size_t>(storedBytes), stored))
        return Status::error(truncated(label + " data", static_cast<std::size_t>(storedBytes), reader));

    bool hashOk = false;
    const detail::Sha256Digest actual = detail::sha256(stored, static_cast<std::size_t>(storedBytes), &hashOk);
    if (!hashOk)
        return fail("SHA-256 computation failed");
    if (std::memcmp(actual.data(), digest, kDigestBytes) != 0)
        return fail("checksum mismatch (SHA-256 of stored data differs; the data is corrupt)");

    if (compression == static_cast<std::uint8_t>(Compression::None))
        return decodeValues(static_cast<Encoding>(encoding), stored, rawBytes, tensor.values);

#ifdef FEDPILOT_HAVE_ZSTD
    const unsigned long long frameSize = ZSTD_getFrameContentSize(stored, static_cast<std::size_t>(storedBytes));
    if (frameSize == ZSTD_CONTENTSIZE_ERROR)
        return fail("stored data is not a valid zstd frame");
    if (frameSize == ZSTD_CONTENTSIZE_UNKNOWN)
        return fail("zstd frame does not declare its content size");
    if (frameSize != rawBytes)
        return fail("zstd frame declares " + std::to_string(frameSize) + " bytes but the tensor needs "
                    + std::to_string(rawBytes));
    if (encoding == static_cast<std::uint8_t>(Encoding::Fp32) && rawBytes > 0) {
        // fp32 decompresses straight into the result: no scratch copy of a large tensor.
        tensor.values.resize(static_cast<std::size_t>(rawBytes / 4));
        const std::size_t produced = ZSTD_decompress(tensor.values.data(), static_cast<std::size_t>(rawBytes),
                                                     stored, static_cast<std::size_t>(storedBytes));
        if (ZSTD_isError(produced))
            return fail(std::string("zstd decompression failed: ") + ZSTD_getErrorName(produced));
        if (produced != rawBytes)
            return fail("zstd data decompressed to " + std::to_string(produced) + " bytes, expected "
                        + std::to_string(rawBytes));
        return Status::ok();
    }
    // Scratch for fp16 (or empty) data: left uninitialised, since decompression overwrites it and
    // zero-filling a large declared size would touch memory a bogus frame never uses. +1 keeps
    // the pointer valid for an empty tensor.
    std::unique_ptr<std::uint8_t[]> raw(new std::uint8_t[static_cast<std::size_t>(rawBytes) + 1]);
    const std::size_t produced = ZSTD_decompress(raw.get(), static_cast<std::size_t>(rawBytes) + 1, stored,
                                                 static_cast<std::size_t>(storedBytes));
    if (ZSTD_isError(produced))
        return fail(std::string("zstd decompression failed: ") + ZSTD_getErrorName(produced));
    if (produced != rawBytes)
        return fail("zstd data decompressed to " + std::to_string(produced) + " bytes, expected "
                    + std::to_string(rawBytes));
    return decodeValues(static_cast<Encoding>(encoding), raw.get(), rawBytes, tensor.values);
#else
    return fail("tensor is zstd-compressed but this build has no zstd support");
#endif
}

Result<TensorBundle> decodeImpl(const std::uint8_t* data, std::size_t size)
{
    if (data == nullptr && size != 0)
        return Result<TensorBundle>::error("tensor bundle: null input");
    Reader reader(data, size);
    const std::uint8_t* magic = nullptr;
    if (!reader.bytes(sizeof kMagic, magic))
        return Result<TensorBundle>::error(size == 0 ? std::string("tensor bundle: empty input")
                                                     : truncated("magic", sizeof kMagic, reader));
    if (std::memcmp(magic, kMagic, sizeof kMagic) != 0)
        return Result<TensorBundle>::error("tensor bundle: bad magic (not a FedPilot tensor bundle)");
    std::uint32_t version = 0, metaCount = 0, tensorCount = 0;
    if (!reader.integer(version))
        return Result<TensorBundle>::error(truncated("version", 4, reader));
    if (version != kTensorBundleVersion)
        return Result<TensorBundle>::error("tensor bundle: unsupported format version " + std::to_string(version)
                                           + " (this build reads version "
                                           + std::to_string(kTensorBundleVersion) + ")");
    if (!reader.integer(metaCount))
        return Result<TensorBundle>::error(truncated("metadata count", 4, reader));
    if (!reader.integer(tensorCount))
        return Result<TensorBundle>::error(truncated("tensor count", 4, reader));
    if (tensorCount > kMaxBundleTensors)
        return Result<TensorBundle>::error("tensor bundle: tensor count " + std::to_string(tensorCount)
                                           + " exceeds the limit of " + std::to_string(kMaxBundleTensors));
    // Each entry takes at least 8 bytes, so a count the input cannot hold is rejected before
    // the loop (and before anything is reserved for it).
    if (metaCount > reader.remaining() / 8)
        return Result<TensorBundle>::error("tensor bundle: metadata count " + std::to_string(metaCount)
                                           + " does not fit in the remaining " + std::to_string(reader.remaining())
                                           + " bytes");

    TensorBundle bundle;
    for (std::uint32_t i = 0; i < metaCount; ++i) {
        const std::string what = "metadata entry " + std::to_string(i);
        std::uint32_t keyLen = 0, valueLen = 0;
        const std::uint8_t* key = nullptr;
        const std::uint8_t* value = nullptr;
        if (!reader.integer(keyLen))
            return Result<TensorBundle>::error(truncated(what + " key length", 4, reader));
        if (!reader.bytes(keyLen, key))
            return Result<TensorBundle>::error(truncated(what + " key", keyLen, reader));
        if (!reader.integer(valueLen))
            return Result<TensorBundle>::error(truncated(what + " value length", 4, reader));
        if (!reader.bytes(valueLen, value))
            return Result<TensorBundle>::error(truncated(what + " value", valueLen, reader));
        std::string keyString(reinterpret_cast<const char*>(key), keyLen);
        // The encoder writes a map, so a repeated key means the input was not written by it.
        if (!bundle.meta.emplace(keyString, std::string(reinterpret_cast<const char*>(value), valueLen)).second)
            return Result<TensorBundle>::error("tensor bundle: duplicate metadata key '" + keyString.substr(0, 64)
                                               + "'");
    }

    // Each tensor header takes at least 2+4+16+32 bytes; reserve only what the input can hold.
    bundle.tensors.reserve(std::min<std::size_t>(tensorCount, reader.remaining() / 54));
    for (std::uint32_t i = 0; i < tensorCount; ++i) {
        NamedTensor tensor;
        Status status = decodeTensor(i, reader, tensor);
        if (!status)
            return status;
        bundle.tensors.push_back(std::move(tensor));
    }

    const std::uint8_t* end = nullptr;
    if (!reader.bytes(sizeof kEndMarker, end))
        return Result<TensorBundle>::error(truncated("end marker", sizeof kEndMarker, reader));
    if (std::memcmp(end, kEndMarker, sizeof kEndMarker) != 0)
        return Result<TensorBundle>::error("tensor bundle: missing end marker (corrupt or truncated)");
    if (reader.remaining() != 0)
        return Result<TensorBundle>::error("tensor bundle: " + std::to_string(reader.remaining())
                                           + " unexpected bytes after the end marker");
    return bundle;
}

// ---- files ----------------------------------------------------------------------------------

std::string errnoText(int error)
{
    return std::strerror(error);
}

Status writeAll(int fd, const char* data, std::size_t size)
{
    while (size > 0) {
        const ssize_t n = ::write(fd, data, size);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return Status::error(errnoText(errno));
        }
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return Status::ok();
}

// Makes the rename itself durable; not every file system supports fsync on a directory, so a
// failure here is not an error (the data is already on disk).
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

Status saveImpl(const std::string& path, const TensorBundle& bundle, const BundleEncodeOptions& options)
{
    Result<std::string> encoded = encodeImpl(bundle, options);
    if (!encoded)
        return encoded.status();
    const std::string partial = path + ".partial";
    const int fd = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return Status::error("tensor bundle: cannot create " + partial + ": " + errnoText(errno));
    Status status = writeAll(fd, encoded.value().data(), encoded.value().size());
    if (status && ::fsync(fd) != 0)
        status = Status::error(errnoText(errno));
    if (::close(fd) != 0 && status)
        status = Status::error(errnoText(errno));
    if (status && ::rename(partial.c_str(), path.c_str()) != 0)
        status = Status::error("cannot rename to " + path + ": " + errnoText(errno));
    if (!status) {
        ::unlink(partial.c_str());
        return Status::error("tensor bundle: saving " + path + " failed: " + status.message());
    }
    syncParentDirectory(path);
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
    Result<TensorBundle> result = decodeImpl(static_cast<const std::uint8_t*>(mapping), size);
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
    return checkedNumel(shape, n, why) ? n : -1;
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
    return guarded("encoding", [&] { return encodeImpl(bundle, options); });
}

Result<TensorBundle> decodeBundle(const std::uint8_t* data, std::size_t size)
{
    return guarded("decoding", [&] { return decodeImpl(data, size); });
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

}  // namespace fedpilot::engine
