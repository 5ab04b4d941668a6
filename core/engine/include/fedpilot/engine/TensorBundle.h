#pragma once
// The tensor bundle: an ordered list of named float tensors plus string metadata, the one codec
// for checkpoints, model downloads, updates and public representations.
//
// Encoding (little-endian), format version 1:
//   "FPTB", u32 version, u32 metaCount, u32 tensorCount,
//   metaCount x (u32 keyLen, key, u32 valueLen, value),
//   tensorCount x (u16 nameLen, name, u8 kind, u8 encoding, u8 compression, u8 ndim,
//                  ndim x i64 dims, u64 rawBytes, u64 storedBytes, 32-byte SHA-256 of stored bytes,
//                  storedBytes of data)
//   "FPTE" end marker.
// Encodings: fp32 (4 bytes a value), fp16 (IEEE binary16, round to nearest even) and int8 for
// updates and deltas: blocks of kInt8BlockValues values, each stored as an fp32 scale
// (max |value| / 127) followed by one signed byte a value (value = q * scale), rounded
// stochastically (unbiased: the expected decoded value is the input) with a seeded generator,
// so an encoding is reproducible. int8 refuses non-finite values and applies to parameters only:
// buffers (BatchNorm running statistics) of an int8 bundle are stored as fp16.

#include "fedpilot/engine/Result.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace fedpilot::engine {

enum class TensorKind : std::uint8_t { Parameter = 0, Buffer = 1 };
enum class Encoding : std::uint8_t { Fp32 = 0, Fp16 = 1, Int8 = 2 };
constexpr std::int64_t kInt8BlockValues = 256;
enum class Compression : std::uint8_t { None = 0, Zstd = 1 };

struct NamedTensor {
    std::string name;
    std::vector<std::int64_t> shape;
    std::vector<float> values;   // row-major, numel = product(shape)
    TensorKind kind = TensorKind::Parameter;

    std::int64_t numel() const;
};

struct TensorBundle {
    std::vector<NamedTensor> tensors;
    std::map<std::string, std::string> meta;

    const NamedTensor* find(const std::string& name) const;
    NamedTensor* find(const std::string& name);
    std::int64_t numel() const;
};

struct BundleEncodeOptions {
    Encoding encoding = Encoding::Fp32;
    Compression compression = Compression::None;
    int zstdLevel = 3;
    std::uint64_t roundingSeed = 0;  // int8: seeds the stochastic rounding (same seed, same bytes)
};

// "fp32", "fp16", "int8"; parseEncoding returns false for anything else.
const char* toString(Encoding encoding);
bool parseEncoding(const std::string& text, Encoding& encoding);

constexpr std::uint32_t kTensorBundleVersion = 1;
// Hard limits that protect decoders from hostile input.
constexpr std::uint32_t kMaxBundleTensors = 100000;
constexpr std::uint64_t kMaxTensorBytes = std::uint64_t(4) << 30;

bool zstdAvailable();
Result<std::string> encodeBundle(const TensorBundle& bundle, const BundleEncodeOptions& options = {});
Result<TensorBundle> decodeBundle(const std::uint8_t* data, std::size_t size);
Result<TensorBundle> decodeBundle(const std::string& bytes);
// Atomic save: writes "<path>.partial", flushes, renames.
Status saveBundle(const std::string& path, const TensorBundle& bundle, const BundleEncodeOptions& options = {});
Result<TensorBundle> loadBundle(const std::string& path);
// Hex SHA-256 of the bundle's content (metadata, names, kinds, shapes, fp32 values) independent of
// how it was encoded or compressed: two holders of the same model agree on it.
std::string contentSha256(const TensorBundle& bundle);
// Hex SHA-256 of arbitrary bytes (model hashes in histories and reports).
std::string sha256Hex(const std::uint8_t* data, std::size_t size);
std::string sha256Hex(const std::string& bytes);

}  // namespace fedpilot::engine
