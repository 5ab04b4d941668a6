// Face import building blocks: content-based format detection with header-only dimensions, the
// GIF decoder, the crop store and the deterministic split planner.

#include "imports/CropStore.h"
#include "imports/GifDecoder.h"
#include "imports/ImageProbe.h"
#include "imports/ImportPlanner.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <vector>

using namespace fedpilot;

namespace {

// A 40x40 baseline JPEG (OpenCV, quality 50).
const QByteArray kJpeg40 = QByteArray::fromHex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300100b0c0e0c0a100e0d0e1211101318"
    "281a181616183123251d283a333d3c3933383740485c4e404457453738506d51575f626768673e4d"
    "71797064785c656763ffdb0043011112121815182f1a1a2f63423842636363636363636363636363"
    "6363636363636363636363636363636363636363636363636363636363636363636363636363ffc0"
    "0011080028002803012200021101031101ffc4001f00000105010101010101000000000000000001"
    "02030405060708090a0bffc400b5100002010303020403050504040000017d010203000411051221"
    "31410613516107227114328191a1082342b1c11552d1f02433627282090a161718191a2526272829"
    "2a3435363738393a434445464748494a535455565758595a636465666768696a737475767778797a"
    "838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6"
    "c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9faffc4001f010003"
    "0101010101010101010000000000000102030405060708090a0bffc400b511000201020404030407"
    "05040400010277000102031104052131061241510761711322328108144291a1b1c109233352f015"
    "6272d10a162434e125f11718191a262728292a35363738393a434445464748494a53545556575859"
    "5a636465666768696a737475767778797a82838485868788898a92939495969798999aa2a3a4a5a6"
    "a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae2e3e4e5e6e7e8e9ea"
    "f2f3f4f5f6f7f8f9faffda000c03010002110311003f00e64454f1155c11538455851a87a8ea9504"
    "54f1155b1153c455ebd1a866ea94c45455f11515e9c2a6847b51e22a708aae08a9e22af87a350e27"
    "54a622a788aad88a9e22af5a8d421d52a08a8abc22a2bd4854d08f6a3c454f1151457c45193399c9"
    "8e1153c454515eb5193337263c45451457a9093b11cccfffd9"
);

QByteArray pngHeader(quint32 width, quint32 height)
{
    QByteArray png("\x89PNG\r\n\x1a\n", 8);
    png += QByteArray::fromHex("0000000d") + "IHDR";
    for (quint32 v : {width, height})
        for (int shift = 24; shift >= 0; shift -= 8)
            png += char((v >> shift) & 0xFF);
    png += QByteArray::fromHex("0802000000") + QByteArray(4, '\0');  // 8-bit RGB, CRC not checked by the probe
    return png;
}

// A GIF that any decoder reads: 2-bit LZW with a clear code before every pair of pixels keeps
// the code width at 3 bits ("uncompressed GIF").
QByteArray makeGif(int w, int h, const std::vector<quint8>& indices, const QByteArray& palette12)
{
    QByteArray gif("GIF89a");
    gif += char(w & 0xFF); gif += char(w >> 8); gif += char(h & 0xFF); gif += char(h >> 8);
    gif += char(0x81);  // global palette of 4 entries
    gif += char(0); gif += char(0);
    gif += palette12;
    gif += char(0x2C);
    gif += QByteArray(4, '\0');
    gif += char(w & 0xFF); gif += char(w >> 8); gif += char(h & 0xFF); gif += char(h >> 8);
    gif += char(0);
    gif += char(2);  // minimum code size
    std::vector<int> codes;
    for (std::size_t i = 0; i < indices.size(); ++i) {
        if (i % 2 == 0)
            codes.push_back(4);  // clear
        codes.push_back(indices[i]);
    }
    codes.push_back(5);  // end
    QByteArray packed;
    quint32 bits = 0;
    int count = 0;
    for (int c : codes) {
        bits |= quint32(c) << count;
        count += 3;
        while (count >= 8) {
            packed += char(bits & 0xFF);
            bits >>= 8;
            count -= 8;
        }
    }
    if (count > 0)
        packed += char(bits & 0xFF);
    for (int at = 0; at < packed.size(); at += 255) {
        const QByteArray block = packed.mid(at, 255);
        gif += char(block.size());
        gif += block;
    }
    gif += char(0);
    gif += char(0x3B);
    return gif;
}

ImageHeader probe(const QByteArray& bytes)
{
    return probeImage(reinterpret_cast<const std::uint8_t*>(bytes.constData()), std::size_t(bytes.size()));
}

}  // namespace

class TestImportFormats : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void jpegHeaderAndTruncation()
    {
        const ImageHeader whole = probe(kJpeg40);
        QCOMPARE(whole.format, ImageFormat::Jpeg);
        QCOMPARE(whole.width, 40);
        QCOMPARE(whole.height, 40);
        QVERIFY(whole.complete);
        const ImageHeader cut = probe(kJpeg40.left(kJpeg40.size() * 2 / 3));
        QCOMPARE(cut.format, ImageFormat::Jpeg);
        QCOMPARE(cut.width, 40);
        QVERIFY2(!cut.complete, "a JPEG cut inside its scan data must be seen as truncated");
        // Trailing bytes after EOI (some cameras add them) are fine.
        QVERIFY(probe(kJpeg40 + QByteArray(100, 'x')).complete);
    }

    void pngHeaderGivesDimensionsWithoutDecoding()
    {
        const ImageHeader h = probe(pngHeader(30000, 30000));
        QCOMPARE(h.format, ImageFormat::Png);
        QCOMPARE(h.width, 30000);
        QCOMPARE(h.height, 30000);
        QCOMPARE(probe(pngHeader(30000, 30000).left(20)).width, 0);  // header cut short
    }

    void otherFormatsByContent_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<int>("format");
        QTest::addColumn<int>("width");
        QTest::addColumn<int>("height");
        QByteArray bmp("BM");
        bmp += QByteArray(12, '\0');
        bmp += QByteArray::fromHex("28000000") + QByteArray::fromHex("40010000") + QByteArray::fromHex("10ffffff");  // 320 x -240 (top-down)
        QTest::newRow("bmp") << bmp << int(ImageFormat::Bmp) << 320 << 240;
        QTest::newRow("pgm with comment") << QByteArray("P5\n# made by hand\n92 112\n255\n") << int(ImageFormat::Pnm) << 92 << 112;
        QTest::newRow("gif") << makeGif(3, 2, {0, 1, 2, 3, 0, 1}, QByteArray(12, '\x7f')) << int(ImageFormat::Gif) << 3 << 2;
        QByteArray tiff("II*\0", 4);
        tiff += QByteArray::fromHex("08000000") + QByteArray::fromHex("0200");
        tiff += QByteArray::fromHex("0001030001000000") + QByteArray::fromHex("80020000");  // width SHORT 640
        tiff += QByteArray::fromHex("0101040001000000") + QByteArray::fromHex("e0010000");  // height LONG 480
        QTest::newRow("tiff") << tiff << int(ImageFormat::Tiff) << 640 << 480;
        QByteArray webp("RIFF\0\0\0\0WEBPVP8X", 16);
        webp += QByteArray::fromHex("0a000000") + QByteArray::fromHex("00000000") + QByteArray::fromHex("ff0300") + QByteArray::fromHex("ff0200");
        webp += QByteArray(8, '\0');
        QTest::newRow("webp extended") << webp << int(ImageFormat::WebP) << 1024 << 768;
        QTest::newRow("text named .jpg") << QByteArray("hello, this is not a picture\n") << int(ImageFormat::Unknown) << 0 << 0;
        QTest::newRow("empty") << QByteArray() << int(ImageFormat::Unknown) << 0 << 0;
    }

    void otherFormatsByContent()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(int, format);
        QFETCH(int, width);
        QFETCH(int, height);
        const ImageHeader h = probe(bytes);
        QCOMPARE(int(h.format), format);
        QCOMPARE(h.width, width);
        QCOMPARE(h.height, height);
    }

    void gifDecodesFirstFrame()
    {
        const QByteArray palette = QByteArray::fromHex("000000ff000000ff000000ff");
        const QByteArray gif = makeGif(3, 2, {0, 1, 2, 3, 2, 1}, palette);
        DecodedImage image;
        std::string error;
        QVERIFY2(decodeGif(reinterpret_cast<const std::uint8_t*>(gif.constData()), std::size_t(gif.size()), image, error), error.c_str());
        QCOMPARE(image.width, 3);
        QCOMPARE(image.height, 2);
        const std::vector<std::uint8_t> expected = {0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255, 0, 255, 0, 255, 0, 0};
        QCOMPARE(image.rgb, expected);
        // Cut inside the image data: an error, not a crash or a half image.
        DecodedImage cut;
        QVERIFY(!decodeGif(reinterpret_cast<const std::uint8_t*>(gif.constData()), std::size_t(gif.size() - 8), cut, error));
        QVERIFY(!error.empty());
    }

    void cropStoreAppendsReadsAndDropsTornTail()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("c/crops.fpcrops"));
        std::vector<std::uint8_t> a(4 * 4 * 3, 7), b(4 * 4 * 3, 9), out(4 * 4 * 3);
        {
            auto store = CropStore::open(path, 4, 4, 3);
            QVERIFY2(store.isOk(), store.message().c_str());
            QCOMPARE(store->append(a.data()).value(), qint64(0));
            QCOMPARE(store->append(b.data()).value(), qint64(1));
            QVERIFY(store->sync().isOk());
        }
        {
            QFile f(path);  // a crash in the middle of a third record
            QVERIFY(f.open(QIODevice::Append));
            f.write(QByteArray(10, 'x'));
        }
        auto store = CropStore::open(path, 4, 4, 3);
        QVERIFY(store.isOk());
        QCOMPARE(store->count(), qint64(2));
        QVERIFY(store->read(1, out.data()).isOk());
        QCOMPARE(out, b);
        QVERIFY(!store->read(2, out.data()).isOk());
        QVERIFY2(!CropStore::open(path, 8, 8, 3).isOk(), "another geometry must not reuse the store");
    }

    void planIsDeterministicAndHoldsOutWholeIdentities()
    {
        std::vector<IdentityRecord> ids;
        std::vector<FileRecord> files;
        for (int i = 0; i < 6; ++i) {
            IdentityRecord id;
            id.id = i + 1;
            id.folder = QByteArray("person_") + QByteArray::number(i);
            ids.push_back(id);
            for (int k = 0; k < 10; ++k) {
                FileRecord f;
                f.id = i * 100 + k;
                f.identityId = id.id;
                f.relPath = id.folder + "/img_" + QByteArray::number(k) + ".png";
                f.sha256 = f.relPath.toHex();
                f.cropIndex = f.id;
                f.blur = 100;
                f.phash = QByteArray(32, char(i * 16 + k));  // far apart
                files.push_back(f);
            }
        }
        std::sort(files.begin(), files.end(), [](const FileRecord& a, const FileRecord& b) { return a.relPath < b.relPath; });
        PlanOptions options;
        options.heldOutFraction = 0.3;
        options.heldOutIdentities = 2;
        options.nearDuplicateBits = 0;
        auto filesA = files, filesB = files;
        auto idsA = ids, idsB = ids;
        auto planA = planImport(filesA, idsA, options);
        auto planB = planImport(filesB, idsB, options);
        QVERIFY(planA.isOk() && planB.isOk());
        QCOMPARE(planA->numClasses, 6);
        QCOMPARE(planA->heldOutIdentities, 2);
        int heldOutImages = 0;
        for (std::size_t i = 0; i < filesA.size(); ++i) {
            QCOMPARE(filesA[i].split, filesB[i].split);
            QCOMPARE(filesA[i].cacheIndex, filesB[i].cacheIndex);
            heldOutImages += filesA[i].split == QLatin1String("held_out") ? 1 : 0;
        }
        QCOMPARE(heldOutImages, 2 * 10 + 4 * 3);  // two whole identities + 30% of the other four
        for (const IdentityRecord& id : idsA)  // held-out identities get the last labels
            QCOMPARE(id.heldOut, id.label >= 4);
        options.seed = 99;
        auto filesC = files;
        auto idsC = ids;
        QVERIFY(planImport(filesC, idsC, options).isOk());
        bool differs = false;
        for (std::size_t i = 0; i < filesA.size(); ++i)
            differs = differs || filesA[i].split != filesC[i].split;
        QVERIFY2(differs, "another seed should give another split");
        options.heldOutIdentities = 6;
        QVERIFY2(!planImport(filesC, idsC, options).isOk(), "holding out every identity leaves nothing to train on");
    }
};

QTEST_GUILESS_MAIN(TestImportFormats)
#include "tst_import_formats.moc"
