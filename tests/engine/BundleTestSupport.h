#pragma once
// Shared helpers for the tensor bundle tests (round trips and corrupt input).

#include "fedpilot/engine/TensorBundle.h"

#include "EngineTestSupport.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <unistd.h>

namespace fs = std::filesystem;
using namespace fedpilot::engine;

namespace fedpilot::bundletest {

using TempDir = fedpilot::enginetest::TempDir;

inline std::uint32_t floatBits(float f)
{
    std::uint32_t u = 0;
    std::memcpy(&u, &f, 4);
    return u;
}

inline float bitsFloat(std::uint32_t u)
{
    float f = 0;
    std::memcpy(&f, &u, 4);
    return f;
}

inline bool contains(const std::string& haystack, const std::string& needle)
{
    return haystack.find(needle) != std::string::npos;
}

inline NamedTensor makeTensor(std::string name, std::vector<std::int64_t> shape, std::vector<float> values,
                       TensorKind kind = TensorKind::Parameter)
{
    NamedTensor t;
    t.name = std::move(name);
    t.shape = std::move(shape);
    t.values = std::move(values);
    t.kind = kind;
    return t;
}

// A bundle that exercises shapes (matrix, scalar, empty), both kinds, special floats and metadata.
inline TensorBundle sampleBundle()
{
    TensorBundle b;
    b.meta["model"] = "mobilefacenet";
    b.meta["round"] = "12";
    b.meta["empty"] = "";
    b.meta[std::string("bin\0ary", 7)] = std::string("\x00\xff\x01", 3);
    b.tensors.push_back(makeTensor("conv1.weight", {2, 3}, {1.5f, -2.25f, 0.0f, 3.0e-3f, 1.0e7f, -7.0f}));
    b.tensors.push_back(makeTensor("bn.num_batches", {}, {42.0f}, TensorKind::Buffer));
    b.tensors.push_back(makeTensor("empty", {0, 4}, {}));
    b.tensors.push_back(makeTensor("special", {7},
                                   {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                                    -std::numeric_limits<float>::infinity(), -0.0f, 1.0e-40f,
                                    std::numeric_limits<float>::max(), std::numeric_limits<float>::lowest()},
                                   TensorKind::Buffer));
    return b;
}

inline void expectBitExact(const TensorBundle& expected, const TensorBundle& actual)
{
    EXPECT_EQ(actual.meta, expected.meta);
    ASSERT_EQ(actual.tensors.size(), expected.tensors.size());
    for (std::size_t i = 0; i < expected.tensors.size(); ++i) {
        const NamedTensor& e = expected.tensors[i];
        const NamedTensor& a = actual.tensors[i];
        EXPECT_EQ(a.name, e.name);
        EXPECT_EQ(a.shape, e.shape) << e.name;
        EXPECT_EQ(a.kind, e.kind) << e.name;
        ASSERT_EQ(a.values.size(), e.values.size()) << e.name;
        for (std::size_t k = 0; k < e.values.size(); ++k)
            EXPECT_EQ(floatBits(a.values[k]), floatBits(e.values[k])) << e.name << "[" << k << "]";
    }
}

inline std::string hexToBytes(const std::string& hex)
{
    std::string out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
        out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    return out;
}

inline void appendU(std::string& out, std::uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; ++i)
        out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// Hand-built encoding, so tests can produce input that encodeBundle never would.
struct RawTensor {
    std::string name = "t";
    std::uint8_t kind = 0;
    std::uint8_t encoding = 0;
    std::uint8_t compression = 0;
    std::vector<std::uint64_t> dims;
    std::uint64_t rawBytes = 0;
    std::uint64_t storedBytes = 0;
    std::string data;
    std::size_t nameLenOverride = std::string::npos;
    std::size_t ndimOverride = std::string::npos;
};

inline RawTensor rawFp32(std::vector<float> values)
{
    RawTensor t;
    t.dims = {values.size()};
    t.data.assign(reinterpret_cast<const char*>(values.data()), values.size() * 4);
    t.rawBytes = t.storedBytes = t.data.size();
    return t;
}

struct RawBundle {
    std::string magic = "FPTB";
    std::uint32_t version = kTensorBundleVersion;
    std::vector<std::pair<std::string, std::string>> meta;
    std::vector<RawTensor> tensors;
    std::int64_t metaCountOverride = -1;
    std::int64_t tensorCountOverride = -1;
    std::string end = "FPTE";
};

inline std::string craft(const RawBundle& b)
{
    std::string out = b.magic;
    appendU(out, b.version, 4);
    appendU(out, b.metaCountOverride >= 0 ? std::uint64_t(b.metaCountOverride) : b.meta.size(), 4);
    appendU(out, b.tensorCountOverride >= 0 ? std::uint64_t(b.tensorCountOverride) : b.tensors.size(), 4);
    for (const auto& [k, v] : b.meta) {
        appendU(out, k.size(), 4);
        out += k;
        appendU(out, v.size(), 4);
        out += v;
    }
    for (const RawTensor& t : b.tensors) {
        appendU(out, t.nameLenOverride != std::string::npos ? t.nameLenOverride : t.name.size(), 2);
        out += t.name;
        out.push_back(static_cast<char>(t.kind));
        out.push_back(static_cast<char>(t.encoding));
        out.push_back(static_cast<char>(t.compression));
        out.push_back(static_cast<char>(t.ndimOverride != std::string::npos ? t.ndimOverride : t.dims.size()));
        for (std::uint64_t d : t.dims)
            appendU(out, d, 8);
        appendU(out, t.rawBytes, 8);
        appendU(out, t.storedBytes, 8);
        out += hexToBytes(sha256Hex(t.data));
        out += t.data;
    }
    out += b.end;
    return out;
}

inline std::string decodeError(const std::string& bytes)
{
    auto decoded = decodeBundle(bytes);
    EXPECT_FALSE(decoded) << "decoding should have failed";
    return decoded ? std::string() : decoded.message();
}

// The stored half bits of a single-tensor fp16 bundle: the data sits just before "FPTE".
inline std::vector<std::uint16_t> halfBits(const std::vector<float>& values)
{
    TensorBundle b;
    b.tensors.push_back(makeTensor("h", {static_cast<std::int64_t>(values.size())}, values));
    BundleEncodeOptions options;
    options.encoding = Encoding::Fp16;
    auto encoded = encodeBundle(b, options);
    EXPECT_TRUE(encoded) << encoded.message();
    std::vector<std::uint16_t> bits(values.size());
    if (!encoded)
        return bits;
    const std::string& s = encoded.value();
    const std::size_t start = s.size() - 4 - 2 * values.size();
    for (std::size_t i = 0; i < values.size(); ++i)
        bits[i] = static_cast<std::uint16_t>(static_cast<std::uint8_t>(s[start + 2 * i])
                                             | static_cast<std::uint8_t>(s[start + 2 * i + 1]) << 8);
    return bits;
}

inline std::uint16_t halfOf(float value)
{
    return halfBits({value})[0];
}

}  // namespace fedpilot::bundletest

using namespace fedpilot::bundletest;
