// Tensor bundle: truncated, corrupt and hostile input is rejected with an error, never a crash.

#include "BundleTestSupport.h"

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
        value = field == 1 ? 3 : 2;   // encodings go up to 2 (int8)
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
