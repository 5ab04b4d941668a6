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

#include "fedpilot/engine/Result.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace fedpilot::engine {

enum class TensorKind : std::uint8_t { Parameter = 0, Buffer = 1 };
enum class Encoding : std::uint8_t { Fp32 = 0, Fp16 = 1 };
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
};

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
// Hex SHA-256 of arbitrary bytes (model hashes in histories and reports).
std::string sha256Hex(const std::uint8_t* data, std::size_t size);
std::string sha256Hex(const std::string& bytes);

}  // namespace fedpilot::engine
