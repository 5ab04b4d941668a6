// int8 update encoding (blocks of fp32 scale + stochastically rounded bytes), the content hash and
// the rounded delta application that keeps coordinator and sites on bit-identical models.

#include "BundleTestSupport.h"

#include "fedpilot/engine/Federation.h"

using namespace fedpilot::bundletest;

namespace {

std::vector<float> normalValues(std::size_t n, float stddev, unsigned seed)
{
    std::mt19937 rng(seed);
    std::normal_distribution<float> dist(0.0f, stddev);
    std::vector<float> values(n);
    for (float& v : values)
        v = dist(rng);
    return values;
}

BundleEncodeOptions int8Options(std::uint64_t seed, Compression compression = Compression::None)
{
    BundleEncodeOptions o;
    o.encoding = Encoding::Int8;
    o.compression = compression;
    o.roundingSeed = seed;
    return o;
}

}  // namespace

TEST(TensorBundleInt8, RoundTripErrorIsBelowOneStepOfEachBlock)
{
    // 1000 values: three full blocks of 256 and a tail of 232; one block all zeros.
    std::vector<float> values = normalValues(1000, 0.01f, 7);
    std::fill(values.begin() + 256, values.begin() + 512, 0.0f);
    values[600] = -0.5f;   // a block with one outlier has a coarse step
    TensorBundle original;
    original.meta["kind"] = "update";
    original.tensors.push_back(makeTensor("w", {10, 100}, values));
    original.tensors.push_back(makeTensor("bn.running_mean", {3}, {0.25f, -1.0f, 0.0f}, TensorKind::Buffer));

    auto encoded = encodeBundle(original, int8Options(42));
    ASSERT_TRUE(encoded) << encoded.message();
    // One byte a value plus a 4-byte scale per block, against 4 bytes a value in fp32.
    auto fp32 = encodeBundle(original);
    ASSERT_TRUE(fp32);
    EXPECT_LT(encoded->size(), fp32->size() * 3 / 10);

    auto decoded = decodeBundle(encoded.value());
    ASSERT_TRUE(decoded) << decoded.message();
    EXPECT_EQ(decoded->meta, original.meta);
    ASSERT_EQ(decoded->tensors.size(), 2u);
    EXPECT_EQ(decoded->tensors[0].shape, (std::vector<std::int64_t>{10, 100}));
    EXPECT_EQ(decoded->tensors[1].kind, TensorKind::Buffer);
    const auto& got = decoded->tensors[0].values;
    ASSERT_EQ(got.size(), values.size());
    for (std::size_t begin = 0; begin < values.size(); begin += kInt8BlockValues) {
        const std::size_t end = std::min(values.size(), begin + std::size_t(kInt8BlockValues));
        float maxAbs = 0;
        for (std::size_t i = begin; i < end; ++i)
            maxAbs = std::max(maxAbs, std::fabs(values[i]));
        const float step = maxAbs / 127.0f;
        for (std::size_t i = begin; i < end; ++i)
            ASSERT_LE(std::fabs(got[i] - values[i]), step * 1.0001f + 1e-12f) << "value " << i;
    }
    for (std::size_t i = 256; i < 512; ++i)
        EXPECT_EQ(got[i], 0.0f);
    // The block maximum is representable exactly (q = +-127).
    EXPECT_FLOAT_EQ(got[600], -0.5f);
    EXPECT_FLOAT_EQ(decoded->tensors[1].values[1], -1.0f);
}

TEST(TensorBundleInt8, BuffersKeepFp16)
{
    // A running variance with a wide range: int8 with one block scale would turn the tiny
    // variances into 0 or negative values (step 10/127); fp16 keeps them within 0.1%.
    std::vector<float> variance{10.0f, 1e-3f, 2e-4f, 5.0f, 7e-5f};
    TensorBundle b;
    b.tensors.push_back(makeTensor("bn.running_var", {5}, variance, TensorKind::Buffer));
    b.tensors.push_back(makeTensor("w", {5}, variance));
    auto decoded = decodeBundle(encodeBundle(b, int8Options(8)).value());
    ASSERT_TRUE(decoded) << decoded.message();
    for (std::size_t i = 0; i < variance.size(); ++i)
        EXPECT_NEAR(decoded->tensors[0].values[i], variance[i], variance[i] * 1e-3f) << i;
    // The parameter tensor is int8: its small values collapse to multiples of 10/127.
    int offGrid = 0;
    for (float v : decoded->tensors[1].values)
        offGrid += std::fabs(v / (10.0f / 127) - std::round(v / (10.0f / 127))) > 1e-3f;
    EXPECT_EQ(offGrid, 0);
}

TEST(TensorBundleInt8, RoundingIsUnbiased)
{
    // Each block: one 1.0 (scale 1/127) and 255 values of 0.3, which sits between two steps
    // (0.3 * 127 = 38.1). Round-to-nearest would give 38/127 = 0.29921 every time; stochastic
    // rounding averages to 0.3.
    const std::size_t blocks = 200;
    std::vector<float> values(blocks * kInt8BlockValues, 0.3f);
    for (std::size_t b = 0; b < blocks; ++b)
        values[b * kInt8BlockValues] = 1.0f;
    TensorBundle original;
    original.tensors.push_back(makeTensor("u", {static_cast<std::int64_t>(values.size())}, values));
    auto decoded = decodeBundle(encodeBundle(original, int8Options(3)).value());
    ASSERT_TRUE(decoded) << decoded.message();
    double sum = 0;
    std::size_t count = 0;
    std::size_t up = 0;
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i % kInt8BlockValues == 0)
            continue;
        const float v = decoded->tensors[0].values[i];
        EXPECT_TRUE(std::fabs(v - 38.0f / 127) < 1e-6f || std::fabs(v - 39.0f / 127) < 1e-6f) << v;
        up += v > 0.3f;
        sum += v;
        ++count;
    }
    // Each value is 38/127 or 39/127 (std 0.0024); the mean of 51,000 has std ~1e-5.
    EXPECT_NEAR(sum / double(count), 0.3, 1e-4);
    EXPECT_NEAR(double(up) / double(count), 0.1, 0.01);
}

TEST(TensorBundleInt8, SameSeedSameBytesOtherSeedOtherBytes)
{
    TensorBundle b;
    b.tensors.push_back(makeTensor("w", {4096}, normalValues(4096, 1.0f, 11)));
    b.tensors.push_back(makeTensor("v", {300}, normalValues(300, 0.1f, 12)));
    const auto a1 = encodeBundle(b, int8Options(5));
    const auto a2 = encodeBundle(b, int8Options(5));
    const auto c = encodeBundle(b, int8Options(6));
    ASSERT_TRUE(a1 && a2 && c);
    EXPECT_EQ(a1.value(), a2.value());
    EXPECT_NE(a1.value(), c.value());
}

TEST(TensorBundleInt8, CompressesWithZstd)
{
    if (!zstdAvailable())
        GTEST_SKIP() << "this build has no zstd";
    // Heavy-tailed like a real update: most values are small against each block's maximum.
    std::vector<float> values = normalValues(64 * 1024, 0.001f, 21);
    TensorBundle b;
    b.tensors.push_back(makeTensor("w", {static_cast<std::int64_t>(values.size())}, values));
    auto plain = encodeBundle(b, int8Options(1));
    auto packed = encodeBundle(b, int8Options(1, Compression::Zstd));
    ASSERT_TRUE(plain && packed);
    EXPECT_LT(packed->size(), plain->size());
    auto d1 = decodeBundle(plain.value());
    auto d2 = decodeBundle(packed.value());
    ASSERT_TRUE(d1 && d2);
    expectBitExact(d1.value(), d2.value());
}

TEST(TensorBundleInt8, NonFiniteValuesAreRefused)
{
    for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
        TensorBundle b;
        b.tensors.push_back(makeTensor("ok", {2}, {1.0f, 2.0f}));
        b.tensors.push_back(makeTensor("bad", {3}, {0.0f, bad, 1.0f}));
        auto encoded = encodeBundle(b, int8Options(1));
        ASSERT_FALSE(encoded);
        EXPECT_TRUE(contains(encoded.message(), "'bad'")) << encoded.message();
        EXPECT_TRUE(contains(encoded.message(), "not finite")) << encoded.message();
    }
}

TEST(TensorBundleInt8, TruncationsAndByteFlipsAreRejectedOrHarmless)
{
    TensorBundle b;
    b.meta["round"] = "3";
    b.tensors.push_back(makeTensor("w", {300}, normalValues(300, 0.5f, 5)));
    b.tensors.push_back(makeTensor("zeros", {64}, std::vector<float>(64, 0.0f), TensorKind::Buffer));
    std::vector<BundleEncodeOptions> variants{int8Options(9)};
    if (zstdAvailable())
        variants.push_back(int8Options(9, Compression::Zstd));
    for (const auto& options : variants) {
        auto encoded = encodeBundle(b, options);
        ASSERT_TRUE(encoded) << encoded.message();
        const std::string& bytes = encoded.value();
        for (std::size_t length = 0; length < bytes.size(); ++length)
            EXPECT_FALSE(decodeBundle(reinterpret_cast<const std::uint8_t*>(bytes.data()), length)) << length;
        for (std::size_t i = 0; i < bytes.size(); ++i) {
            std::string damaged = bytes;
            damaged[i] = static_cast<char>(damaged[i] ^ 0x5a);
            auto decoded = decodeBundle(damaged);
            if (!decoded) {
                EXPECT_FALSE(decoded.message().empty());
            }
        }
    }
}

TEST(TensorBundleInt8, BadBlockScalesAreRejected)
{
    for (float scale : {std::numeric_limits<float>::quiet_NaN(), -1.0f, std::numeric_limits<float>::infinity()}) {
        RawTensor t;
        t.name = "w";
        t.encoding = static_cast<std::uint8_t>(Encoding::Int8);
        t.dims = {3};
        t.data.assign(reinterpret_cast<const char*>(&scale), 4);
        t.data += std::string("\x01\x02\x03", 3);
        t.rawBytes = t.storedBytes = t.data.size();
        RawBundle raw;
        raw.tensors.push_back(t);
        const std::string why = decodeError(craft(raw));
        EXPECT_TRUE(contains(why, "scale")) << why;
        EXPECT_TRUE(contains(why, "'w'")) << why;
    }
    // The raw size must match the block layout (3 values + one 4-byte scale = 7 bytes).
    RawTensor t;
    t.encoding = static_cast<std::uint8_t>(Encoding::Int8);
    t.dims = {3};
    t.data = std::string(6, '\0');
    t.rawBytes = t.storedBytes = 6;
    RawBundle raw;
    raw.tensors.push_back(t);
    EXPECT_TRUE(contains(decodeError(craft(raw)), "raw byte count"));
}

TEST(TensorBundleInt8, EncodingNamesRoundTrip)
{
    for (Encoding e : {Encoding::Fp32, Encoding::Fp16, Encoding::Int8}) {
        Encoding parsed = Encoding::Fp32;
        ASSERT_TRUE(parseEncoding(toString(e), parsed));
        EXPECT_EQ(parsed, e);
    }
    Encoding parsed = Encoding::Fp16;
    EXPECT_FALSE(parseEncoding("int4", parsed));
    EXPECT_EQ(parsed, Encoding::Fp16);
}

TEST(ContentHash, IgnoresEncodingAndCompressionButSeesEveryValue)
{
    TensorBundle b;
    b.meta["model"] = "m";
    b.tensors.push_back(makeTensor("w", {64}, normalValues(64, 1.0f, 2)));
    const std::string h = contentSha256(b);
    ASSERT_EQ(h.size(), 64u);
    BundleEncodeOptions z;
    z.compression = zstdAvailable() ? Compression::Zstd : Compression::None;
    auto viaZstd = decodeBundle(encodeBundle(b, z).value());
    ASSERT_TRUE(viaZstd);
    EXPECT_EQ(contentSha256(viaZstd.value()), h);
    TensorBundle changed = b;
    changed.tensors[0].values[63] = std::nextafter(changed.tensors[0].values[63], 10.0f);
    EXPECT_NE(contentSha256(changed), h);
    TensorBundle renamed = b;
    renamed.meta["model"] = "n";
    EXPECT_NE(contentSha256(renamed), h);
}

TEST(DeltaRounded, BothSidesReachTheSameFp16Model)
{
    // The coordinator's path: base + int8(delta), rounded to fp16. A site holding the same base
    // and decoding the same delta bytes must reach the same bits.
    TensorBundle base;
    std::vector<float> w = normalValues(1000, 0.1f, 31);
    for (float& v : w)
        v = bitsFloat(floatBits(v) & 0xffffe000u);   // exactly representable in fp16
    base.tensors.push_back(makeTensor("w", {1000}, w));
    TensorBundle next = base;
    std::vector<float> step = normalValues(1000, 0.002f, 32);
    for (std::size_t i = 0; i < w.size(); ++i)
        next.tensors[0].values[i] += step[i];
    auto delta = difference(next, base);
    ASSERT_TRUE(delta);
    auto deltaBytes = encodeBundle(delta.value(), int8Options(77));
    ASSERT_TRUE(deltaBytes);
    auto coordinator = applyDeltaRounded(base, decodeBundle(deltaBytes.value()).value(), Encoding::Fp16);
    auto site = applyDeltaRounded(decodeBundle(encodeBundle(base).value()).value(),
                                  decodeBundle(deltaBytes.value()).value(), Encoding::Fp16);
    ASSERT_TRUE(coordinator && site);
    EXPECT_EQ(contentSha256(coordinator.value()), contentSha256(site.value()));
    // The result is fp16-exact (re-encoding as fp16 loses nothing) and close to `next`.
    BundleEncodeOptions fp16;
    fp16.encoding = Encoding::Fp16;
    auto again = decodeBundle(encodeBundle(coordinator.value(), fp16).value());
    ASSERT_TRUE(again);
    expectBitExact(coordinator.value(), again.value());
    double err = 0;
    for (std::size_t i = 0; i < w.size(); ++i)
        err = std::max(err, double(std::fabs(coordinator->tensors[0].values[i] - next.tensors[0].values[i])));
    EXPECT_LT(err, 1e-3);
    EXPECT_FALSE(applyDeltaRounded(base, delta.value(), Encoding::Int8));
}
