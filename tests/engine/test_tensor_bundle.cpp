// Tensor bundle codec: round trips (fp32/fp16, zstd on/off, files), half-precision edge cases,
// and rejection of truncated, corrupt and hostile input.

#include "fedpilot/engine/TensorBundle.h"

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

namespace {

class TempDir {
public:
    TempDir()
    {
        static std::atomic<int> counter{0};
        const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
        m_path = fs::temp_directory_path()
                 / ("fedpilot_tensor_bundle_" + std::to_string(::getpid()) + "_" + std::to_string(stamp) + "_"
                    + std::to_string(counter++));
        fs::create_directories(m_path);
    }
    ~TempDir()
    {
        std::error_code ec;
        fs::remove_all(m_path, ec);
    }
    std::string file(const std::string& name) const { return (m_path / name).string(); }

private:
    fs::path m_path;
};

std::uint32_t floatBits(float f)
{
    std::uint32_t u = 0;
    std::memcpy(&u, &f, 4);
    return u;
}

float bitsFloat(std::uint32_t u)
{
    float f = 0;
    std::memcpy(&f, &u, 4);
    return f;
}

bool contains(const std::string& haystack, const std::string& needle)
{
    return haystack.find(needle) != std::string::npos;
}

NamedTensor makeTensor(std::string name, std::vector<std::int64_t> shape, std::vector<float> values,
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
TensorBundle sampleBundle()
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

void expectBitExact(const TensorBundle& expected, const TensorBundle& actual)
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

std::string hexToBytes(const std::string& hex)
{
    std::string out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
        out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    return out;
}

void appendU(std::string& out, std::uint64_t v, int bytes)
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

RawTensor rawFp32(std::vector<float> values)
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

std::string craft(const RawBundle& b)
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

std::string decodeError(const std::string& bytes)
{
    auto decoded = decodeBundle(bytes);
    EXPECT_FALSE(decoded) << "decoding should have failed";
    return decoded ? std::string() : decoded.message();
}

// The stored half bits of a single-tensor fp16 bundle: the data sits just before "FPTE".
std::vector<std::uint16_t> halfBits(const std::vector<float>& values)
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

std::uint16_t halfOf(float value)
{
    return halfBits({value})[0];
}

}  // namespace

// ---- model helpers --------------------------------------------------------------------------

TEST(TensorBundle, NumelAndFind)
{
    EXPECT_EQ(makeTensor("a", {2, 3, 4}, {}).numel(), 24);
    EXPECT_EQ(makeTensor("s", {}, {}).numel(), 1);
    EXPECT_EQ(makeTensor("e", {0, 5}, {}).numel(), 0);
    EXPECT_EQ(makeTensor("n", {3, -1}, {}).numel(), -1);
    EXPECT_EQ(makeTensor("o", {std::int64_t(1) << 40, std::int64_t(1) << 40}, {}).numel(), -1);

    TensorBundle b = sampleBundle();
    EXPECT_EQ(b.numel(), 6 + 1 + 0 + 7);
    ASSERT_NE(b.find("bn.num_batches"), nullptr);
    EXPECT_EQ(b.find("bn.num_batches")->values[0], 42.0f);
    EXPECT_EQ(b.find("missing"), nullptr);
    b.find("conv1.weight")->values[0] = 9.0f;   // the mutable overload points into the bundle
    EXPECT_EQ(b.tensors[0].values[0], 9.0f);
    const TensorBundle& cb = b;
    EXPECT_EQ(cb.find("special"), &b.tensors[3]);
}

TEST(TensorBundle, Sha256HexMatchesKnownVectors)
{
    EXPECT_EQ(sha256Hex(std::string()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(sha256Hex(std::string("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const std::string abc = "abc";
    EXPECT_EQ(sha256Hex(reinterpret_cast<const std::uint8_t*>(abc.data()), abc.size()), sha256Hex(abc));
}

// ---- round trips ----------------------------------------------------------------------------

TEST(TensorBundle, Fp32RoundTripIsBitExactAndKeepsMetadataKindsAndOrder)
{
    const TensorBundle original = sampleBundle();
    auto encoded = encodeBundle(original);
    ASSERT_TRUE(encoded) << encoded.message();
    EXPECT_EQ(encoded.value().substr(0, 4), "FPTB");
    EXPECT_EQ(encoded.value().substr(encoded.value().size() - 4), "FPTE");
    auto decoded = decodeBundle(encoded.value());
    ASSERT_TRUE(decoded) << decoded.message();
    expectBitExact(original, decoded.value());
}

TEST(TensorBundle, EmptyBundleRoundTrips)
{
    auto encoded = encodeBundle(TensorBundle{});
    ASSERT_TRUE(encoded) << encoded.message();
    EXPECT_EQ(encoded.value().size(), 16u + 4u);
    auto decoded = decodeBundle(encoded.value());
    ASSERT_TRUE(decoded) << decoded.message();
    EXPECT_TRUE(decoded->tensors.empty());
    EXPECT_TRUE(decoded->meta.empty());
}

TEST(TensorBundle, Fp16RoundTripIsWithinHalfPrecision)
{
    std::mt19937 rng(1234);
    std::normal_distribution<float> dist(0.0f, 3.0f);
    std::vector<float> values(4096);
    for (float& v : values)
        v = dist(rng);
    values[0] = 1.0e-6f;   // subnormal in half
    values[1] = -60000.0f;
    TensorBundle original;
    original.meta["encoding"] = "fp16";
    original.tensors.push_back(makeTensor("w", {64, 64}, values));
    original.tensors.push_back(makeTensor("b", {3}, {1.0f, -0.5f, 2048.0f}, TensorKind::Buffer));

    BundleEncodeOptions options;
    options.encoding = Encoding::Fp16;
    auto fp16 = encodeBundle(original, options);
    auto fp32 = encodeBundle(original);
    ASSERT_TRUE(fp16) << fp16.message();
    ASSERT_TRUE(fp32) << fp32.message();
    EXPECT_LT(fp16.value().size(), fp32.value().size() * 6 / 10);

    auto decoded = decodeBundle(fp16.value());
    ASSERT_TRUE(decoded) << decoded.message();
    EXPECT_EQ(decoded->meta, original.meta);
    ASSERT_EQ(decoded->tensors.size(), 2u);
    EXPECT_EQ(decoded->tensors[0].shape, (std::vector<std::int64_t>{64, 64}));
    EXPECT_EQ(decoded->tensors[1].kind, TensorKind::Buffer);
    EXPECT_EQ(decoded->tensors[1].values, (std::vector<float>{1.0f, -0.5f, 2048.0f}));   // exact in half
    const std::vector<float>& got = decoded->tensors[0].values;
    ASSERT_EQ(got.size(), values.size());
    for (std::size_t i = 0; i < values.size(); ++i) {
        const float x = values[i];
        // Round to nearest: error at most half a unit in the last place (11-bit significand),
        // or half the subnormal spacing 2^-24 below 2^-14.
        const float bound = std::fabs(x) >= std::ldexp(1.0f, -14) ? std::fabs(x) * std::ldexp(1.0f, -11)
                                                                  : std::ldexp(1.0f, -25);
        EXPECT_LE(std::fabs(got[i] - x), bound) << "value " << x;
    }
}

TEST(TensorBundle, ZstdRoundTripCompressesAndIsExact)
{
    TensorBundle original = sampleBundle();
    std::vector<float> smooth(20000);
    for (std::size_t i = 0; i < smooth.size(); ++i)
        smooth[i] = static_cast<float>(i % 16) * 0.25f;
    original.tensors.push_back(makeTensor("smooth", {100, 200}, smooth));
    BundleEncodeOptions options;
    options.compression = Compression::Zstd;
    options.zstdLevel = 5;

    if (!zstdAvailable()) {
        auto encoded = encodeBundle(original, options);
        ASSERT_FALSE(encoded);
        EXPECT_TRUE(contains(encoded.message(), "zstd"));
        GTEST_SKIP() << "built without zstd: checked the clear error instead";
    }
    auto plain = encodeBundle(original);
    auto compressed = encodeBundle(original, options);
    ASSERT_TRUE(plain) << plain.message();
    ASSERT_TRUE(compressed) << compressed.message();
    EXPECT_LT(compressed.value().size(), plain.value().size() / 4);
    auto decoded = decodeBundle(compressed.value());
    ASSERT_TRUE(decoded) << decoded.message();
    expectBitExact(original, decoded.value());

    options.encoding = Encoding::Fp16;
    auto both = encodeBundle(original, options);
    ASSERT_TRUE(both) << both.message();
    auto decodedBoth = decodeBundle(both.value());
    ASSERT_TRUE(decodedBoth) << decodedBoth.message();
    // Multiples of 0.25 below 4 are exact in half.
    EXPECT_EQ(decodedBoth->find("smooth")->values, smooth);
}

TEST(TensorBundle, IncompressibleTensorsFallBackToStoredRaw)
{
    if (!zstdAvailable())
        GTEST_SKIP() << "built without zstd";
    std::mt19937 rng(7);
    std::vector<float> noise(256);
    for (float& v : noise)
        v = bitsFloat(static_cast<std::uint32_t>(rng()));   // random bits (NaNs included) do not compress
    TensorBundle original;
    original.tensors.push_back(makeTensor("noise", {256}, noise));
    BundleEncodeOptions options;
    options.compression = Compression::Zstd;
    auto compressed = encodeBundle(original, options);
    auto plain = encodeBundle(original);
    ASSERT_TRUE(compressed) << compressed.message();
    ASSERT_TRUE(plain) << plain.message();
    // Never larger than storing raw: the tensor is stored uncompressed, byte for byte as without zstd.
    EXPECT_EQ(compressed.value(), plain.value());
    auto decoded = decodeBundle(compressed.value());
    ASSERT_TRUE(decoded) << decoded.message();
    expectBitExact(original, decoded.value());
}

TEST(TensorBundle, SaveAndLoadAreAtomicRoundTrips)
{
    TempDir dir;
    const std::string path = dir.file("model.fptb");
    const TensorBundle original = sampleBundle();
    ASSERT_TRUE(saveBundle(path, original));
    EXPECT_FALSE(fs::exists(path + ".partial"));
    auto loaded = loadBundle(path);
    ASSERT_TRUE(loaded) << loaded.message();
    expectBitExact(original, loaded.value());

    // Overwriting replaces the file whole.
    TensorBundle second;
    second.meta["v"] = "2";
    ASSERT_TRUE(saveBundle(path, second));
    auto reloaded = loadBundle(path);
    ASSERT_TRUE(reloaded) << reloaded.message();
    EXPECT_EQ(reloaded->meta.at("v"), "2");
    EXPECT_TRUE(reloaded->tensors.empty());

    // A failed save leaves neither the final file nor a partial one.
    const std::string bad = dir.file("missing_dir/model.fptb");
    EXPECT_FALSE(saveBundle(bad, original));
    EXPECT_FALSE(fs::exists(bad));
    TensorBundle invalid;
    invalid.tensors.push_back(makeTensor("x", {3}, {1.0f}));
    const std::string invalidPath = dir.file("invalid.fptb");
    EXPECT_FALSE(saveBundle(invalidPath, invalid));
    EXPECT_FALSE(fs::exists(invalidPath));
    EXPECT_FALSE(fs::exists(invalidPath + ".partial"));
}

TEST(TensorBundle, LoadRejectsMissingEmptyAndDamagedFiles)
{
    TempDir dir;
    auto missing = loadBundle(dir.file("nope.fptb"));
    ASSERT_FALSE(missing);
    EXPECT_TRUE(contains(missing.message(), "cannot open"));

    const std::string empty = dir.file("empty.fptb");
    std::ofstream(empty, std::ios::binary).close();
    auto emptyResult = loadBundle(empty);
    ASSERT_FALSE(emptyResult);
    EXPECT_TRUE(contains(emptyResult.message(), "empty"));

    auto directory = loadBundle(dir.file(""));
    EXPECT_FALSE(directory);

    const std::string path = dir.file("model.fptb");
    ASSERT_TRUE(saveBundle(path, sampleBundle()));
    fs::resize_file(path, fs::file_size(path) - 3);
    auto truncated = loadBundle(path);
    ASSERT_FALSE(truncated);
    EXPECT_TRUE(contains(truncated.message(), path));
}

// ---- corrupt and hostile input --------------------------------------------------------------

TEST(TensorBundle, EveryTruncationIsRejected)
{
    std::vector<BundleEncodeOptions> variants(2);
    variants[1].encoding = Encoding::Fp16;
    if (zstdAvailable()) {
        BundleEncodeOptions z;
        z.compression = Compression::Zstd;
        variants.push_back(z);
    }
    TensorBundle bundle = sampleBundle();
    bundle.tensors.push_back(makeTensor("zeros", {512}, std::vector<float>(512, 0.0f)));   // compressible
    for (const BundleEncodeOptions& options : variants) {
        auto encoded = encodeBundle(bundle, options);
        ASSERT_TRUE(encoded) << encoded.message();
        const std::string& bytes = encoded.value();
        for (std::size_t length = 0; length < bytes.size(); ++length) {
            auto decoded = decodeBundle(reinterpret_cast<const std::uint8_t*>(bytes.data()), length);
            EXPECT_FALSE(decoded) << "prefix of " << length << " of " << bytes.size() << " bytes decoded";
            if (!decoded) {
                EXPECT_FALSE(decoded.message().empty());
            }
        }
    }
    EXPECT_FALSE(decodeBundle(nullptr, 0));
}

TEST(TensorBundle, TrailingBytesAreRejected)
{
    auto encoded = encodeBundle(sampleBundle());
    ASSERT_TRUE(encoded) << encoded.message();
    EXPECT_TRUE(contains(decodeError(encoded.value() + "x"), "after the end marker"));
}

TEST(TensorBundle, FlippedDataByteFailsTheChecksum)
{
    TensorBundle bundle;
    bundle.tensors.push_back(makeTensor("layer.weight", {4}, {1.0f, 2.0f, 3.0f, 4.0f}));
    auto encoded = encodeBundle(bundle);
    ASSERT_TRUE(encoded) << encoded.message();
    std::string bytes = encoded.value();
    bytes[bytes.size() - 4 - 5] ^= 0x10;   // inside the float data
    const std::string error = decodeError(bytes);
    EXPECT_TRUE(contains(error, "checksum mismatch")) << error;
    EXPECT_TRUE(contains(error, "layer.weight")) << error;
}

TEST(TensorBundle, EverySingleByteCorruptionIsHandledWithoutCrashing)
{
    TensorBundle bundle = sampleBundle();
    bundle.tensors.push_back(makeTensor("zeros", {64}, std::vector<float>(64, 0.0f)));
    std::vector<BundleEncodeOptions> variants(1);
    if (zstdAvailable()) {
        variants.emplace_back();
        variants.back().compression = Compression::Zstd;
        variants.back().encoding = Encoding::Fp16;
    }
    for (const BundleEncodeOptions& options : variants) {
        auto encoded = encodeBundle(bundle, options);
        ASSERT_TRUE(encoded) << encoded.message();
        const std::string& original = encoded.value();
        // Metadata, names, kinds and dims are not checksummed, so a flip there may still decode to
        // a (different) well-formed bundle. Every flip must give that or a clear error, never a
        // crash; a flip in tensor data must always be caught.
        const std::size_t lastData = original.size() - 4 - 1;
        for (std::size_t i = 0; i < original.size(); ++i) {
            for (std::uint8_t mask : {std::uint8_t(0x01), std::uint8_t(0x80), std::uint8_t(0xff)}) {
                std::string bytes = original;
                bytes[i] = static_cast<char>(bytes[i] ^ mask);
                auto decoded = decodeBundle(bytes);
                if (!decoded) {
                    EXPECT_FALSE(decoded.message().empty());
                }
                if (i == lastData) {
                    EXPECT_FALSE(decoded) << "flip in the last tensor's data went unnoticed";
                }
            }
        }
    }
}

TEST(TensorBundle, BadMagicWrongVersionAndMissingEndMarkerAreRejected)
{
    RawBundle b;
    b.tensors.push_back(rawFp32({1.0f, 2.0f}));
    ASSERT_TRUE(decodeBundle(craft(b))) << "the hand-built baseline must decode";

    RawBundle magic = b;
    magic.magic = "FPTX";
    EXPECT_TRUE(contains(decodeError(craft(magic)), "bad magic"));

    RawBundle version = b;
    version.version = 2;
    EXPECT_TRUE(contains(decodeError(craft(version)), "unsupported format version 2"));

    RawBundle end = b;
    end.end = "FPTX";
    EXPECT_TRUE(contains(decodeError(craft(end)), "end marker"));

    EXPECT_TRUE(contains(decodeError(std::string()), "empty"));
    EXPECT_TRUE(contains(decodeError("FP"), "truncated"));
}

TEST(TensorBundle, HostileCountsAndLengthsAreRejected)
{
    RawBundle base;
    base.meta.push_back({"k", "v"});
    base.tensors.push_back(rawFp32({1.0f, 2.0f, 3.0f}));

    RawBundle b = base;
    b.tensorCountOverride = 0xffffffff;
    EXPECT_TRUE(contains(decodeError(craft(b)), "exceeds the limit"));

    b = base;
    b.tensorCountOverride = kMaxBundleTensors;   // allowed count, but the input holds one tensor
    EXPECT_TRUE(contains(decodeError(craft(b)), "tensor 1"));

    b = base;
    b.metaCountOverride = 0xffffffff;
    EXPECT_TRUE(contains(decodeError(craft(b)), "metadata count"));

    b = base;
    b.meta = {{std::string(10, 'k'), "v"}};
    std::string bytes = craft(b);
    bytes[16] = bytes[17] = bytes[18] = bytes[19] = '\xff';   // key length 4 GiB
    EXPECT_TRUE(contains(decodeError(bytes), "metadata entry 0 key"));

    b = base;
    b.meta = {{"a", "1"}, {"a", "2"}};
    EXPECT_TRUE(contains(decodeError(craft(b)), "duplicate metadata key"));

    b = base;
    b.tensors[0].nameLenOverride = 0xffff;
    EXPECT_TRUE(contains(decodeError(craft(b)), "name"));

    b = base;
    b.tensors[0].ndimOverride = 9;
    b.tensors[0].dims.assign(9, 1);
    EXPECT_TRUE(contains(decodeError(craft(b)), "9 dimensions"));

    b = base;
    b.tensors[0].dims = {~std::uint64_t(0)};   // -1
    EXPECT_TRUE(contains(decodeError(craft(b)), "negative"));

    b = base;
    b.tensors[0].dims = {std::uint64_t(1) << 40, std::uint64_t(1) << 40};
    EXPECT_TRUE(contains(decodeError(craft(b)), "overflow"));

    b = base;
    b.tensors[0].dims = {std::uint64_t(1) << 40};
    b.tensors[0].rawBytes = b.tensors[0].storedBytes = std::uint64_t(1) << 42;
    EXPECT_TRUE(contains(decodeError(craft(b)), "too large"));

    b = base;
    b.tensors[0].rawBytes = 16;   // shape says 12
    EXPECT_TRUE(contains(decodeError(craft(b)), "raw byte count 16"));

    b = base;
    b.tensors[0].storedBytes = std::uint64_t(1) << 62;
    b.tensors[0].compression = 1;
    EXPECT_TRUE(contains(decodeError(craft(b)), "stored byte count"));

    b = base;
    b.tensors[0].storedBytes = 4;   // uncompressed must store exactly rawBytes
    EXPECT_TRUE(contains(decodeError(craft(b)), "uncompressed tensor stores 4 bytes"));

    b = base;
    b.tensors[0].data.resize(8);   // stored length claims 12, only 8 present before the end marker
    b.end.clear();
    EXPECT_TRUE(contains(decodeError(craft(b)), "data"));

    for (int field = 0; field < 3; ++field) {
        b = base;
        std::uint8_t& value = field == 0 ? b.tensors[0].kind : field == 1 ? b.tensors[0].encoding : b.tensors[0].compression;
        value = 2;
        EXPECT_TRUE(contains(decodeError(craft(b)), "unknown")) << "field " << field;
    }

    b = base;
    b.tensors[0].encoding = 1;   // fp16: 3 elements are 6 raw bytes, not 12
    EXPECT_TRUE(contains(decodeError(craft(b)), "raw byte count 12"));
}

TEST(TensorBundle, BogusZstdPayloadsAreRejected)
{
    RawBundle b;
    RawTensor t = rawFp32({1.0f, 2.0f, 3.0f, 4.0f});
    t.compression = 1;
    t.data = "definitely not zstd";
    t.storedBytes = t.data.size();
    b.tensors.push_back(t);
    const std::string error = decodeError(craft(b));
    if (zstdAvailable())
        EXPECT_TRUE(contains(error, "not a valid zstd frame")) << error;
    else
        EXPECT_TRUE(contains(error, "no zstd support")) << error;

    if (!zstdAvailable())
        return;
    // A real frame whose declared content size disagrees with the tensor's shape.
    TensorBundle bundle;
    bundle.tensors.push_back(makeTensor("z", {1000}, std::vector<float>(1000, 0.0f)));
    BundleEncodeOptions options;
    options.compression = Compression::Zstd;
    auto encoded = encodeBundle(bundle, options);
    ASSERT_TRUE(encoded) << encoded.message();
    std::string bytes = encoded.value();
    // header 16, name length 2, "z", 4 flag bytes, then dims[0] and rawBytes.
    ASSERT_EQ(bytes[16 + 2 + 1 + 2], '\x01') << "expected the tensor to be stored compressed";
    std::string patched;
    appendU(patched, 999, 8);
    appendU(patched, 999 * 4, 8);
    bytes.replace(23, 16, patched);
    EXPECT_TRUE(contains(decodeError(bytes), "zstd frame declares 4000 bytes"));
}

TEST(TensorBundle, EncodeRejectsInconsistentTensors)
{
    auto expectEncodeError = [](NamedTensor tensor, const std::string& needle) {
        TensorBundle b;
        b.tensors.push_back(std::move(tensor));
        auto encoded = encodeBundle(b);
        ASSERT_FALSE(encoded) << needle;
        EXPECT_TRUE(contains(encoded.message(), needle)) << encoded.message();
    };
    expectEncodeError(makeTensor("short", {2, 2}, {1.0f, 2.0f, 3.0f}), "'short'");
    expectEncodeError(makeTensor("neg", {-2}, {}), "negative");
    expectEncodeError(makeTensor("deep", std::vector<std::int64_t>(9, 1), {1.0f}), "9 dimensions");
    expectEncodeError(makeTensor(std::string(70000, 'n'), {1}, {1.0f}), "name longer");
    NamedTensor badKind = makeTensor("kind", {1}, {1.0f});
    badKind.kind = static_cast<TensorKind>(5);
    expectEncodeError(badKind, "kind");

    TensorBundle many;
    many.tensors.resize(kMaxBundleTensors + 1, makeTensor("e", {0}, {}));
    auto encoded = encodeBundle(many);
    ASSERT_FALSE(encoded);
    EXPECT_TRUE(contains(encoded.message(), "exceeds the limit"));
    many.tensors.resize(kMaxBundleTensors);
    EXPECT_TRUE(encodeBundle(many)) << "exactly the limit is allowed";
}

// ---- half precision -------------------------------------------------------------------------

TEST(TensorBundle, HalfConversionEdgeCases)
{
    const float tiny = std::ldexp(1.0f, -24);   // smallest half subnormal
    EXPECT_EQ(halfOf(0.0f), 0x0000);
    EXPECT_EQ(halfOf(-0.0f), 0x8000);
    EXPECT_EQ(halfOf(1.0f), 0x3c00);
    EXPECT_EQ(halfOf(-2.0f), 0xc000);
    EXPECT_EQ(halfOf(0.333333343f), 0x3555);
    EXPECT_EQ(halfOf(65504.0f), 0x7bff);   // largest finite half
    EXPECT_EQ(halfOf(65519.0f), 0x7bff);   // rounds down, still finite
    EXPECT_EQ(halfOf(65520.0f), 0x7c00);   // the tie rounds to even: inf
    EXPECT_EQ(halfOf(1.0e9f), 0x7c00);
    EXPECT_EQ(halfOf(-1.0e9f), 0xfc00);
    EXPECT_EQ(halfOf(std::numeric_limits<float>::infinity()), 0x7c00);
    EXPECT_EQ(halfOf(-std::numeric_limits<float>::infinity()), 0xfc00);
    const std::uint16_t nan = halfOf(std::numeric_limits<float>::quiet_NaN());
    EXPECT_EQ(nan & 0x7c00, 0x7c00);
    EXPECT_NE(nan & 0x03ff, 0);
    // A signalling NaN whose payload lives only in the low bits must not turn into inf.
    EXPECT_NE(halfOf(bitsFloat(0x7f800001u)) & 0x03ff, 0);
    EXPECT_EQ(halfOf(std::ldexp(1.0f, -14)), 0x0400);   // smallest normal
    EXPECT_EQ(halfOf(std::ldexp(1023.0f, -24)), 0x03ff);   // largest subnormal
    EXPECT_EQ(halfOf(tiny), 0x0001);
    EXPECT_EQ(halfOf(-tiny), 0x8001);
    EXPECT_EQ(halfOf(tiny / 2), 0x0000);                 // tie between 0 and 1 ulp: even is 0
    EXPECT_EQ(halfOf(tiny / 2 * 1.0001f), 0x0001);       // just above the tie
    EXPECT_EQ(halfOf(tiny * 1.5f), 0x0002);              // tie between 1 and 2: even is 2
    EXPECT_EQ(halfOf(tiny * 2.5f), 0x0002);              // tie between 2 and 3: even is 2
    EXPECT_EQ(halfOf(std::ldexp(1.0f, -30)), 0x0000);
    EXPECT_EQ(halfOf(-std::ldexp(1.0f, -30)), 0x8000);
    EXPECT_EQ(halfOf(1.0e-45f), 0x0000);                 // float subnormal
    EXPECT_EQ(halfOf(std::ldexp(2047.0f, -25)), 0x0400); // rounds up out of the subnormal range
    // Ties in the normal range: 1 + 2^-11 is halfway between 0x3c00 and 0x3c01.
    EXPECT_EQ(halfOf(1.0f + std::ldexp(1.0f, -11)), 0x3c00);
    EXPECT_EQ(halfOf(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3c02);
    EXPECT_EQ(halfOf(1.0f + std::ldexp(1.0f, -11) + std::ldexp(1.0f, -20)), 0x3c01);
    EXPECT_EQ(halfOf(2047.5f), 0x6800);                  // mantissa carry into the exponent (2048)
}

TEST(TensorBundle, EveryHalfValueDecodesExactlyAndReencodesToItself)
{
    // An fp16 tensor holding all 65536 bit patterns, built by hand.
    RawBundle b;
    RawTensor t;
    t.name = "all";
    t.encoding = 1;
    t.dims = {65536};
    for (std::uint32_t h = 0; h < 65536; ++h)
        appendU(t.data, h, 2);
    t.rawBytes = t.storedBytes = t.data.size();
    b.tensors.push_back(t);
    auto decoded = decodeBundle(craft(b));
    ASSERT_TRUE(decoded) << decoded.message();
    const std::vector<float>& values = decoded->tensors[0].values;
    ASSERT_EQ(values.size(), 65536u);

    EXPECT_EQ(floatBits(values[0x0000]), floatBits(0.0f));
    EXPECT_EQ(floatBits(values[0x8000]), floatBits(-0.0f));
    EXPECT_EQ(values[0x3c00], 1.0f);
    EXPECT_EQ(values[0x0001], std::ldexp(1.0f, -24));
    EXPECT_EQ(values[0x03ff], std::ldexp(1023.0f, -24));
    EXPECT_EQ(values[0x0400], std::ldexp(1.0f, -14));
    EXPECT_EQ(values[0x7bff], 65504.0f);
    EXPECT_EQ(values[0xfbff], -65504.0f);
    EXPECT_EQ(values[0x7c00], std::numeric_limits<float>::infinity());
    EXPECT_EQ(values[0xfc00], -std::numeric_limits<float>::infinity());
    EXPECT_TRUE(std::isnan(values[0x7e00]));
    EXPECT_TRUE(std::isnan(values[0xfc01]));

    const std::vector<std::uint16_t> again = halfBits(values);
    for (std::uint32_t h = 0; h < 65536; ++h) {
        const bool isNan = (h & 0x7c00) == 0x7c00 && (h & 0x03ff) != 0;
        if (isNan) {
            EXPECT_TRUE(std::isnan(values[h])) << std::hex << h;
            EXPECT_EQ(again[h] & 0x7c00, 0x7c00) << std::hex << h;
            EXPECT_NE(again[h] & 0x03ff, 0) << std::hex << h;
            EXPECT_EQ(again[h] & 0x8000, h & 0x8000) << std::hex << h;
        } else {
            EXPECT_EQ(again[h], h) << std::hex << h;
        }
    }
    // Monotonic: positive halves decode in increasing order.
    for (std::uint32_t h = 1; h < 0x7c00; ++h)
        EXPECT_LT(values[h - 1], values[h]) << std::hex << h;
}
