#include "io/BundleCodec.h"

#include "io/BundleWire.h"
#include "io/Half.h"
#include "io/Sha256.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>

#ifdef FEDPILOT_HAVE_ZSTD
#include <zstd.h>
#endif

// Float payloads are copied straight between memory and the little-endian wire format.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "FedPilot's file formats assume a little-endian host");
static_assert(sizeof(float) == 4 && std::numeric_limits<float>::is_iec559, "IEEE 754 float required");

namespace fedpilot::engine::bundle {

namespace {

constexpr char kMagic[4] = {'F', 'P', 'T', 'B'};
constexpr char kEndMarker[4] = {'F', 'P', 'T', 'E'};
constexpr std::uint32_t kMaxNdim = 8;
constexpr std::size_t kDigestBytes = 32;

// ---- int8 blocks ----------------------------------------------------------------------------

// SplitMix64: a tiny, well-mixed generator; the rounding only needs reproducible uniforms.
std::uint64_t splitMix64(std::uint64_t& state)
{
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

// Blocks of (fp32 scale, int8 values); the stochastic rounding floor(x + u), u ~ U[0,1), is unbiased.
Status quantizeInt8(const std::vector<float>& values, std::uint64_t seed, const std::string& label, std::string& out)
{
    std::uint64_t state = seed;
    const std::size_t n = values.size();
    for (std::size_t begin = 0; begin < n; begin += static_cast<std::size_t>(kInt8BlockValues)) {
        const std::size_t end = std::min(n, begin + static_cast<std::size_t>(kInt8BlockValues));
        float maxAbs = 0;
        for (std::size_t i = begin; i < end; ++i) {
            if (!std::isfinite(values[i]))
                return Status::error("tensor bundle: " + label + ": value " + std::to_string(i)
                                     + " is not finite (int8 encoding needs finite values)");
            maxAbs = std::max(maxAbs, std::fabs(values[i]));
        }
        const float scale = maxAbs / 127.0f;
        char scaleBytes[4];
        std::memcpy(scaleBytes, &scale, 4);
        out.append(scaleBytes, 4);
        for (std::size_t i = begin; i < end; ++i) {
            int q = 0;
            if (scale > 0 && std::fabs(values[i]) == maxAbs) {
                q = values[i] > 0 ? 127 : -127;   // the block's extreme maps to the end of the range
            } else if (scale > 0) {
                const double u = double(splitMix64(state) >> 11) * 0x1.0p-53;
                q = static_cast<int>(std::floor(double(values[i]) / double(scale) + u));
                q = std::clamp(q, -127, 127);
            }
            out.push_back(static_cast<char>(static_cast<std::int8_t>(q)));
        }
    }
    return Status::ok();
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
    // int8 is for parameters: buffers (BatchNorm running statistics) are few, and a variance
    // nudged below zero by a block scale set by larger neighbours would make the model NaN.
    const Encoding encoding = options.encoding == Encoding::Int8 && tensor.kind == TensorKind::Buffer ? Encoding::Fp16
                                                                                                        : options.encoding;
    if (static_cast<std::uint64_t>(numel) != tensor.values.size())
        return Status::error("tensor bundle: " + label + ": shape has " + std::to_string(numel)
                             + " elements but " + std::to_string(tensor.values.size()) + " values given");
    std::uint64_t rawBytes = 0;
    if (!checkTensorSize(numel, encoding, rawBytes, why))
        return Status::error("tensor bundle: " + label + ": " + why);

    // fp32 values are already the raw little-endian bytes; fp16 and int8 need a converted copy.
    std::string halves;
    const char* raw = reinterpret_cast<const char*>(tensor.values.data());
    if (encoding == Encoding::Int8) {
        halves.reserve(static_cast<std::size_t>(rawBytes));
        // Each tensor gets its own stream, derived from the seed and its position.
        const std::uint64_t seed = options.roundingSeed ^ (0xd1b54a32d192ed03ULL * (index + 1));
        if (Status status = quantizeInt8(tensor.values, seed, label, halves); !status)
            return status;
        raw = halves.data();
    } else if (encoding == Encoding::Fp16) {
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
    out.push_back(static_cast<char>(encoding));
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

}  // namespace

Result<std::string> encode(const TensorBundle& bundle, const BundleEncodeOptions& options)
{
    if (options.encoding != Encoding::Fp32 && options.encoding != Encoding::Fp16 && options.encoding != Encoding::Int8)
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

namespace {

Status decodeValues(Encoding encoding, const std::uint8_t* raw, std::uint64_t rawBytes,
                    std::vector<float>& values)
{
    if (encoding == Encoding::Int8) {
        // rawBytes was checked against the shape, so the blocks fill it exactly.
        std::size_t offset = 0;
        values.clear();
        values.reserve(static_cast<std::size_t>(rawBytes));
        while (offset < rawBytes) {
            float scale = 0;
            std::memcpy(&scale, raw + offset, 4);
            offset += 4;
            if (!std::isfinite(scale) || scale < 0)
                return Status::error("int8 block scale at byte " + std::to_string(offset - 4)
                                     + " is not a finite non-negative number");
            const std::size_t count = std::min<std::size_t>(static_cast<std::size_t>(kInt8BlockValues),
                                                            static_cast<std::size_t>(rawBytes) - offset);
            for (std::size_t i = 0; i < count; ++i)
                values.push_back(static_cast<float>(static_cast<std::int8_t>(raw[offset + i])) * scale);
            offset += count;
        }
    } else if (encoding == Encoding::Fp16) {
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
    auto labelled = [&](Status status) { return status ? status : fail(status.message()); };
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
    if (encoding > static_cast<std::uint8_t>(Encoding::Int8))
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
        return labelled(decodeValues(static_cast<Encoding>(encoding), stored, rawBytes, tensor.values));

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
    return labelled(decodeValues(static_cast<Encoding>(encoding), raw.get(), rawBytes, tensor.values));
#else
    return fail("tensor is zstd-compressed but this build has no zstd support");
#endif
}

}  // namespace

Result<TensorBundle> decode(const std::uint8_t* data, std::size_t size)
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

}  // namespace fedpilot::engine::bundle
