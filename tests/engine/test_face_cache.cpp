// Packed face cache: writer/reader round trip, atomic writing, and rejection of damaged files.

#include "fedpilot/engine/FaceCache.h"

#include "EngineTestSupport.h"
#include "fedpilot/engine/TensorBundle.h"   // sha256Hex, to re-seal deliberately edited files

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <unistd.h>

namespace fs = std::filesystem;
using namespace fedpilot::engine;
using fedpilot::enginetest::TempDir;

namespace {

constexpr int kWidth = 5;
constexpr int kHeight = 4;
constexpr int kChannels = 3;
constexpr std::size_t kImageBytes = kWidth * kHeight * kChannels;
constexpr std::size_t kHeaderBytes = 128;


std::vector<std::uint8_t> pixelsFor(int i)
{
    std::vector<std::uint8_t> pixels(kImageBytes);
    for (std::size_t k = 0; k < pixels.size(); ++k)
        pixels[k] = static_cast<std::uint8_t>((i * 31 + static_cast<int>(k) * 7) & 0xff);
    return pixels;
}

struct Sample {
    std::int32_t label;
    Split split;
};

const std::vector<Sample> kSamples = {
    {0, Split::Train}, {2, Split::HeldOut}, {1, Split::Train}, {2, Split::Train},
    {0, Split::HeldOut}, {4, Split::Train}, {3, Split::HeldOut},
};

void writeCache(const std::string& path, const std::vector<Sample>& samples = kSamples)
{
    auto writer = FaceCacheWriter::create(path, kWidth, kHeight, kChannels);
    ASSERT_TRUE(writer) << writer.message();
    for (std::size_t i = 0; i < samples.size(); ++i) {
        const auto pixels = pixelsFor(static_cast<int>(i));
        ASSERT_TRUE(writer->add(pixels.data(), samples[i].label, samples[i].split));
    }
    EXPECT_EQ(writer->count(), static_cast<std::int64_t>(samples.size()));
    const Status status = writer->finish();
    ASSERT_TRUE(status) << status.message();
}

std::vector<std::uint8_t> readFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void writeFile(const std::string& path, const std::vector<std::uint8_t>& bytes)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

void putU32(std::vector<std::uint8_t>& bytes, std::size_t offset, std::uint32_t v)
{
    ASSERT_LE(offset + 4, bytes.size());
    for (int i = 0; i < 4; ++i)
        bytes[offset + i] = static_cast<std::uint8_t>(v >> (8 * i));
}

void putU64(std::vector<std::uint8_t>& bytes, std::size_t offset, std::uint64_t v)
{
    ASSERT_LE(offset + 8, bytes.size());
    for (int i = 0; i < 8; ++i)
        bytes[offset + i] = static_cast<std::uint8_t>(v >> (8 * i));
}

// Recomputes the metadata checksum after a test edits labels or splits on purpose, so the
// reader's semantic checks (not the checksum) are what must catch the edit.
void resealMetadata(std::vector<std::uint8_t>& bytes, std::size_t count)
{
    const std::size_t metaOffset = kHeaderBytes + count * kImageBytes;
    const std::string hex = sha256Hex(bytes.data() + metaOffset, count * 5);
    ASSERT_EQ(hex.size(), 64u);
    for (std::size_t i = 0; i < 32; ++i)
        bytes[36 + i] = static_cast<std::uint8_t>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
}

std::string openError(const std::string& path, bool verifyImages = true)
{
    auto cache = FaceCache::open(path, verifyImages);
    EXPECT_FALSE(cache) << "opening " << path << " should have failed";
    return cache ? std::string() : cache.message();
}

bool contains(const std::string& haystack, const std::string& needle)
{
    return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST(FaceCache, RoundTripPreservesPixelsLabelsAndSplits)
{
    TempDir dir("fedpilot_face_cache");
    const std::string path = dir.file("faces.fpfc");
    writeCache(path);

    EXPECT_EQ(fs::file_size(path), kHeaderBytes + kSamples.size() * (kImageBytes + 5));
    EXPECT_FALSE(fs::exists(path + ".partial"));

    auto cache = FaceCache::open(path);
    ASSERT_TRUE(cache) << cache.message();
    EXPECT_EQ(cache->info().width, kWidth);
    EXPECT_EQ(cache->info().height, kHeight);
    EXPECT_EQ(cache->info().channels, kChannels);
    EXPECT_EQ(cache->info().count, static_cast<std::int64_t>(kSamples.size()));
    EXPECT_EQ(cache->info().numClasses, 5);   // max label + 1
    EXPECT_EQ(cache->size(), static_cast<std::int64_t>(kSamples.size()));
    EXPECT_EQ(cache->imageBytes(), kImageBytes);
    for (std::size_t i = 0; i < kSamples.size(); ++i) {
        const auto expected = pixelsFor(static_cast<int>(i));
        const std::int64_t index = static_cast<std::int64_t>(i);
        ASSERT_NE(cache->image(index), nullptr);
        EXPECT_EQ(std::memcmp(cache->image(index), expected.data(), kImageBytes), 0) << "image " << i;
        EXPECT_EQ(cache->label(index), kSamples[i].label) << "image " << i;
        EXPECT_EQ(cache->split(index), kSamples[i].split) << "image " << i;
    }
    EXPECT_EQ(cache->indices(Split::Train), (std::vector<std::int64_t>{0, 2, 3, 5}));
    EXPECT_EQ(cache->indices(Split::HeldOut), (std::vector<std::int64_t>{1, 4, 6}));
    EXPECT_EQ(cache->allIndices(), (std::vector<std::int64_t>{0, 1, 2, 3, 4, 5, 6}));
}

TEST(FaceCache, OutOfRangeAccessIsSafe)
{
    TempDir dir("fedpilot_face_cache");
    const std::string path = dir.file("faces.fpfc");
    writeCache(path);
    auto cache = FaceCache::open(path);
    ASSERT_TRUE(cache) << cache.message();
    EXPECT_EQ(cache->image(-1), nullptr);
    EXPECT_EQ(cache->image(cache->size()), nullptr);
    EXPECT_EQ(cache->label(cache->size()), -1);
    EXPECT_EQ(cache->split(-1), Split::HeldOut);

    FaceCache empty;   // default-constructed: behaves as an empty cache
    EXPECT_EQ(empty.size(), 0);
    EXPECT_EQ(empty.image(0), nullptr);
    EXPECT_TRUE(empty.allIndices().empty());
}

TEST(FaceCache, CopiesKeepTheMappingAlive)
{
    TempDir dir("fedpilot_face_cache");
    const std::string path = dir.file("faces.fpfc");
    writeCache(path);
    FaceCache copy;
    {
        auto cache = FaceCache::open(path);
        ASSERT_TRUE(cache) << cache.message();
        copy = cache.value();
    }
    const auto expected = pixelsFor(3);
    ASSERT_NE(copy.image(3), nullptr);
    EXPECT_EQ(std::memcmp(copy.image(3), expected.data(), kImageBytes), 0);
}

TEST(FaceCache, ZeroImageCacheIsValid)
{
    TempDir dir("fedpilot_face_cache");
    const std::string path = dir.file("empty.fpfc");
    writeCache(path, {});
    EXPECT_EQ(fs::file_size(path), kHeaderBytes);
    auto cache = FaceCache::open(path);
    ASSERT_TRUE(cache) << cache.message();
    EXPECT_EQ(cache->size(), 0);
    EXPECT_EQ(cache->info().numClasses, 0);
    EXPECT_EQ(cache->info().width, kWidth);
    EXPECT_TRUE(cache->indices(Split::Train).empty());
    EXPECT_TRUE(cache->allIndices().empty());
}

TEST(FaceCache, HeaderLayoutMatchesTheDocumentedFormat)
{
    TempDir dir("fedpilot_face_cache");
    const std::string path = dir.file("faces.fpfc");
    writeCache(path);
    const auto bytes = readFile(path);
    ASSERT_GE(bytes.size(), kHeaderBytes);
    EXPECT_EQ(std::memcmp(bytes.data(), "FPFC", 4), 0);
    auto u32 = [&](std::size_t o) {
        return std::uint32_t(bytes[o]) | std::uint32_t(bytes[o + 1]) << 8 | std::uint32_t(bytes[o + 2]) << 16
               | std::uint32_t(bytes[o + 3]) << 24;
    };
    EXPECT_EQ(u32(4), kFaceCacheVersion);
    EXPECT_EQ(u32(8), std::uint32_t(kWidth));
    EXPECT_EQ(u32(12), std::uint32_t(kHeight));
    EXPECT_EQ(u32(16), std::uint32_t(kChannels));
    EXPECT_EQ(u32(20), kSamples.size());   // low half of the u64 count
    EXPECT_EQ(u32(24), 0u);
    EXPECT_EQ(u32(28), 5u);   // numClasses
    const std::size_t metaOffset = kHeaderBytes + kSamples.size() * kImageBytes;
    // Labels as int32 LE, then one split byte per image.
    EXPECT_EQ(u32(metaOffset + 4), 2u);
    EXPECT_EQ(bytes[metaOffset + kSamples.size() * 4 + 1], 1u);
    // The digests really are the SHA-256 of the metadata and image sections.
    auto hexAt = [&](std::size_t offset) {
        static const char kHex[] = "0123456789abcdef";
        std::string hex;
        for (std::size_t i = offset; i < offset + 32; ++i) {
            hex.push_back(kHex[bytes[i] >> 4]);
            hex.push_back(kHex[bytes[i] & 15]);
        }
        return hex;
    };
    EXPECT_EQ(hexAt(36), sha256Hex(bytes.data() + metaOffset, kSamples.size() * 5));
    EXPECT_EQ(hexAt(68), sha256Hex(bytes.data() + kHeaderBytes, kSamples.size() * kImageBytes));
}

TEST(FaceCache, MissingAndEmptyFilesAreErrors)
{
    TempDir dir("fedpilot_face_cache");
    EXPECT_TRUE(contains(openError(dir.file("nope.fpfc")), "cannot open"));
    const std::string empty = dir.file("empty.fpfc");
    writeFile(empty, {});
    EXPECT_TRUE(contains(openError(empty), "header"));
}

TEST(FaceCache, TruncatedFilesAreRejected)
{
    TempDir dir("fedpilot_face_cache");
    const std::string path = dir.file("faces.fpfc");
    writeCache(path);
    const auto bytes = readFile(path);
    const std::string cut = dir.file("cut.fpfc");
    for (std::size_t length : {std::size_t(1), std::size_t(4), std::size_t(64), std::size_t(127), kHeaderBytes,
                               kHeaderBytes + 1, kHeaderBytes + kImageBytes, bytes.size() - 5, bytes.size() - 1}) {
        writeFile(cut, std::vector<std::uint8_t>(bytes.begin(), bytes.begin() + static_cast<long>(length)));
        const std::string error = openError(cut, false);
        EXPECT_FALSE(error.empty()) << "length " << length;
    }
    // One byte too many is as wrong as one too few: the size must match exactly.
    auto longer = bytes;
    longer.push_back(0);
    writeFile(cut, longer);
    EXPECT_TRUE(contains(openError(cut), "bytes but the header describes"));
}

TEST(FaceCache, FlippedImageByteFailsTheImageChecksumOnlyWhenVerifying)
{
    TempDir dir("fedpilot_face_cache");
    const std::string path = dir.file("faces.fpfc");
    writeCache(path);
    auto bytes = readFile(path);
    bytes[kHeaderBytes + 3 * kImageBytes + 7] ^= 0x40;
    writeFile(path, bytes);
    EXPECT_TRUE(contains(openError(path, true), "image checksum mismatch"));
    auto unverified = FaceCache::open(path, false);
    EXPECT_TRUE(unverified) << unverified.message();
}

TEST(FaceCache, FlippedMetadataByteIsAlwaysDetected)
{
    TempDir dir("fedpilot_face_cache");
    const std::string path = dir.file("faces.fpfc");
    writeCache(path);
    auto bytes = readFile(path);
    bytes[bytes.size() - 2] ^= 0x01;   // a split flag
    writeFile(path, bytes);
    EXPECT_TRUE(contains(openError(path, false), "metadata checksum mismatch"));
}

TEST(FaceCache, BadMagicAndWrongVersionAreRejected)
{
    TempDir dir("fedpilot_face_cache");
    const std::string path = dir.file("faces.fpfc");
    writeCache(path);
    const auto original = readFile(path);

    auto bytes = original;
    bytes[0] = 'X';
    writeFile(path, bytes);
    EXPECT_TRUE(contains(openError(path), "bad magic"));

    bytes = original;
    putU32(bytes, 4, kFaceCacheVersion + 1);
    writeFile(path, bytes);
    EXPECT_TRUE(contains(openError(path), "unsupported format version 2"));

    bytes = original;
    bytes[120] = 1;   // padding must stay zero
    writeFile(path, bytes);
    EXPECT_TRUE(contains(openError(path), "reserved"));
}

TEST(FaceCache, HugeOrInvalidDeclaredSizesAreRejected)
{
    TempDir dir("fedpilot_face_cache");
    const std::string path = dir.file("faces.fpfc");
    writeCache(path);
    const auto original = readFile(path);

    for (std::uint64_t count : {std::uint64_t(1) << 62, ~std::uint64_t(0), std::uint64_t(1) << 40,
                                std::uint64_t(kSamples.size() + 1)}) {
        auto bytes = original;
        putU64(bytes, 20, count);
        writeFile(path, bytes);
        EXPECT_FALSE(openError(path).empty()) << "count " << count;
    }
    for (std::size_t offset : {std::size_t(8), std::size_t(12), std::size_t(16)}) {
        for (std::uint32_t value : {0u, 0xffffffffu, 70000u}) {
            auto bytes = original;
            putU32(bytes, offset, value);
            writeFile(path, bytes);
            EXPECT_FALSE(openError(path).empty()) << "offset " << offset << " value " << value;
        }
    }
    auto bytes = original;
    putU32(bytes, 28, 0x80000000u);
    writeFile(path, bytes);
    EXPECT_TRUE(contains(openError(path), "class count"));
}

TEST(FaceCache, LabelsOutsideTheClassRangeAreRejected)
{
    TempDir dir("fedpilot_face_cache");
    const std::string path = dir.file("faces.fpfc");
    writeCache(path);
    const auto original = readFile(path);
    const std::size_t metaOffset = kHeaderBytes + kSamples.size() * kImageBytes;

    auto bytes = original;
    putU32(bytes, metaOffset + 4 * 2, 5);   // numClasses is 5
    resealMetadata(bytes, kSamples.size());
    writeFile(path, bytes);
    EXPECT_TRUE(contains(openError(path), "label 5"));

    bytes = original;
    putU32(bytes, metaOffset, 0xffffffffu);   // -1
    resealMetadata(bytes, kSamples.size());
    writeFile(path, bytes);
    EXPECT_TRUE(contains(openError(path), "label -1"));

    bytes = original;
    bytes[metaOffset + kSamples.size() * 4 + 3] = 2;   // split flags are 0 or 1
    resealMetadata(bytes, kSamples.size());
    writeFile(path, bytes);
    EXPECT_TRUE(contains(openError(path), "invalid split flag 2"));

    // Sanity: resealing alone does not break a valid file.
    bytes = original;
    resealMetadata(bytes, kSamples.size());
    writeFile(path, bytes);
    EXPECT_TRUE(FaceCache::open(path));
}

TEST(FaceCache, WriterRejectsInvalidInput)
{
    TempDir dir("fedpilot_face_cache");
    const std::string path = dir.file("faces.fpfc");
    EXPECT_FALSE(FaceCacheWriter::create(path, 0, kHeight, kChannels));
    EXPECT_FALSE(FaceCacheWriter::create(path, kWidth, -3, kChannels));
    EXPECT_FALSE(FaceCacheWriter::create(path, kWidth, kHeight, 0));
    EXPECT_FALSE(FaceCacheWriter::create(dir.file("no/such/dir/faces.fpfc"), kWidth, kHeight, kChannels));

    auto writer = FaceCacheWriter::create(path, kWidth, kHeight, kChannels);
    ASSERT_TRUE(writer) << writer.message();
    const auto pixels = pixelsFor(0);
    EXPECT_FALSE(writer->add(pixels.data(), -1, Split::Train));
    EXPECT_FALSE(writer->add(nullptr, 0, Split::Train));
    EXPECT_FALSE(writer->add(pixels.data(), 0, static_cast<Split>(7)));
    EXPECT_EQ(writer->count(), 0);
    // Rejected input does not poison the writer.
    EXPECT_TRUE(writer->add(pixels.data(), 0, Split::Train));
    EXPECT_TRUE(writer->finish());
    EXPECT_FALSE(writer->finish());
    EXPECT_FALSE(writer->add(pixels.data(), 0, Split::Train));
    auto cache = FaceCache::open(path);
    ASSERT_TRUE(cache) << cache.message();
    EXPECT_EQ(cache->size(), 1);
}

TEST(FaceCache, WriterDestroyedWithoutFinishLeavesNothing)
{
    TempDir dir("fedpilot_face_cache");
    const std::string path = dir.file("faces.fpfc");
    {
        auto writer = FaceCacheWriter::create(path, kWidth, kHeight, kChannels);
        ASSERT_TRUE(writer) << writer.message();
        const auto pixels = pixelsFor(1);
        ASSERT_TRUE(writer->add(pixels.data(), 0, Split::Train));
        EXPECT_TRUE(fs::exists(path + ".partial"));
        EXPECT_FALSE(fs::exists(path));
    }
    EXPECT_FALSE(fs::exists(path));
    EXPECT_FALSE(fs::exists(path + ".partial"));
    EXPECT_EQ(dir.entryCount(), 0u);
}

TEST(FaceCache, AbortDropsThePartialFileAndStopsTheWriter)
{
    TempDir dir("fedpilot_face_cache");
    const std::string path = dir.file("faces.fpfc");
    auto writer = FaceCacheWriter::create(path, kWidth, kHeight, kChannels);
    ASSERT_TRUE(writer) << writer.message();
    const auto pixels = pixelsFor(2);
    ASSERT_TRUE(writer->add(pixels.data(), 1, Split::HeldOut));
    writer->abort();
    EXPECT_FALSE(fs::exists(path + ".partial"));
    EXPECT_FALSE(writer->add(pixels.data(), 1, Split::HeldOut));
    EXPECT_FALSE(writer->finish());
    EXPECT_FALSE(fs::exists(path));
}

TEST(FaceCache, AbortedRewriteKeepsThePreviousCache)
{
    TempDir dir("fedpilot_face_cache");
    const std::string path = dir.file("faces.fpfc");
    writeCache(path);
    {
        auto writer = FaceCacheWriter::create(path, kWidth, kHeight, kChannels);
        ASSERT_TRUE(writer) << writer.message();
        const auto pixels = pixelsFor(9);
        ASSERT_TRUE(writer->add(pixels.data(), 0, Split::Train));
    }
    auto cache = FaceCache::open(path);
    ASSERT_TRUE(cache) << cache.message();
    EXPECT_EQ(cache->size(), static_cast<std::int64_t>(kSamples.size()));
    EXPECT_FALSE(fs::exists(path + ".partial"));
}

TEST(FaceCache, MovedWriterKeepsWritingAndMovedFromIsInert)
{
    TempDir dir("fedpilot_face_cache");
    const std::string path = dir.file("faces.fpfc");
    auto created = FaceCacheWriter::create(path, kWidth, kHeight, kChannels);
    ASSERT_TRUE(created) << created.message();
    FaceCacheWriter writer = std::move(created.value());
    const auto pixels = pixelsFor(4);
    EXPECT_FALSE(created->add(pixels.data(), 0, Split::Train));   // NOLINT: moved-from on purpose
    ASSERT_TRUE(writer.add(pixels.data(), 3, Split::HeldOut));
    ASSERT_TRUE(writer.finish());
    auto cache = FaceCache::open(path);
    ASSERT_TRUE(cache) << cache.message();
    EXPECT_EQ(cache->label(0), 3);
    EXPECT_EQ(cache->split(0), Split::HeldOut);
}

TEST(FaceCache, StalePartialFileIsReplaced)
{
    TempDir dir("fedpilot_face_cache");
    const std::string path = dir.file("faces.fpfc");
    writeFile(path + ".partial", std::vector<std::uint8_t>(1000, 0xab));
    writeCache(path);
    EXPECT_FALSE(fs::exists(path + ".partial"));
    auto cache = FaceCache::open(path);
    ASSERT_TRUE(cache) << cache.message();
    EXPECT_EQ(cache->size(), static_cast<std::int64_t>(kSamples.size()));
}
