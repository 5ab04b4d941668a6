// Tensor bundle: round trips (fp32, fp16, zstd, metadata, kinds), files, half conversion.

#include "BundleTestSupport.h"


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
