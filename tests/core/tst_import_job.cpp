// ImportJob end to end on generated folders: every kind of bad input gets its reason and the
// rest still imports; the cache holds labels, never names; re-import is incremental; cancel
// never leaves a cache; the split is deterministic.

#include "imports/ImportJob.h"
#include "imports/SyntheticFolder.h"
#include "storage/Database.h"
#include "fedpilot/engine/FaceCache.h"
#include "fedpilot/engine/FaceSynth.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

using namespace fedpilot;

namespace {

// Uncompressed 24-bit BMP: a format the tests can write without an image library.
bool writeBmp(const QByteArray& rawPath, int w, int h, const std::vector<std::uint8_t>& rgb, int brightness = 0)
{
    const int rowBytes = (w * 3 + 3) & ~3;
    QByteArray bmp("BM");
    auto u32 = [&](quint32 v) { for (int i = 0; i < 4; ++i) bmp += char((v >> (8 * i)) & 0xFF); };
    auto u16 = [&](quint16 v) { bmp += char(v & 0xFF); bmp += char(v >> 8); };
    u32(quint32(54 + rowBytes * h)); u32(0); u32(54);
    u32(40); u32(quint32(w)); u32(quint32(h)); u16(1); u16(24); u32(0); u32(quint32(rowBytes * h)); u32(2835); u32(2835); u32(0); u32(0);
    for (int y = h - 1; y >= 0; --y) {
        for (int x = 0; x < w; ++x)
            for (int c = 2; c >= 0; --c)
                bmp += char(std::clamp(int(rgb[std::size_t((y * w + x) * 3 + c)]) + brightness, 0, 255));
        bmp += QByteArray(rowBytes - w * 3, '\0');
    }
    const int fd = ::open(rawPath.constData(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return false;
    const bool ok = ::write(fd, bmp.constData(), std::size_t(bmp.size())) == bmp.size();
    ::close(fd);
    return ok;
}

std::vector<std::uint8_t> synthFace(int identity, int image, int size = 112)
{
    std::vector<std::uint8_t> rgb(std::size_t(size * size * 3));
    engine::FaceSynth(7).render(identity, image, size, rgb.data());
    return rgb;
}

bool writeFile(const QString& path, const QByteArray& bytes)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(bytes) == bytes.size();
}

QByteArray sha(const QString& path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256) : QByteArray();
}

ImportOptions alignedOptions(const QString& folder, const QString& cache)
{
    ImportOptions o;
    o.folder = folder;
    o.cachePath = cache;
    o.mode = AlignMode::PreAligned;
    o.size = 64;
    o.threads = 2;
    o.blurThreshold = 0;        // synthetic faces include deliberately blurred ones
    o.nearDuplicateBits = 0;
    o.minFaceSide = 24;
    return o;
}

QMap<QString, QString> reasonsByPath(Database& db)
{
    QMap<QString, QString> out;
    QSqlQuery q(db.connection());
    q.exec(QStringLiteral("SELECT display_path, reason FROM files"));
    while (q.next())
        out.insert(q.value(0).toString(), q.value(1).toString());
    return out;
}

}  // namespace

class TestImportJob : public QObject {
    Q_OBJECT

private:
    // <root>/person_000N/img_000K.png, 4 identities x 6 images of 96 px synthetic faces.
    static void makeSynthetic(const QString& root, int identities = 4, int images = 6)
    {
        SyntheticFolderOptions s;
        s.outDir = root;
        s.identities = identities;
        s.imagesPerIdentity = images;
        s.size = 96;
        QVERIFY(writeSyntheticFolder(s).isOk());
    }

private Q_SLOTS:
    void badInputsGetReasonsAndTheRestImports()
    {
        QTemporaryDir dir;
        const QString root = dir.filePath(QStringLiteral("faces"));
        makeSynthetic(root);
        const QString p1 = root + QStringLiteral("/person_0001/");
        QVERIFY(writeFile(p1 + QStringLiteral("zero.jpg"), QByteArray()));
        QVERIFY(writeFile(p1 + QStringLiteral("notes.jpg"), QByteArray("just some text, not a photo\n")));
        // A PNG whose header claims 30000x30000: refused from the header, never decoded.
        QByteArray huge("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\x75\x30\0\0\x75\x30\x08\x02\0\0\0", 29);
        QVERIFY(writeFile(p1 + QStringLiteral("huge.png"), huge + QByteArray(64, '\0')));
        // A real image cut in half.
        QFile png(p1 + QStringLiteral("img_0001.png"));
        QVERIFY(png.open(QIODevice::ReadOnly));
        const QByteArray whole = png.readAll();
        QVERIFY(writeFile(p1 + QStringLiteral("truncated.png"), whole.left(whole.size() / 2)));
        // Symlink loops: two links pointing at each other, and a folder link back to the root.
        QVERIFY(::symlink("loop_b.jpg", QFile::encodeName(p1 + QStringLiteral("loop_a.jpg")).constData()) == 0);
        QVERIFY(::symlink("loop_a.jpg", QFile::encodeName(p1 + QStringLiteral("loop_b.jpg")).constData()) == 0);
        QVERIFY(::symlink("..", QFile::encodeName(p1 + QStringLiteral("up")).constData()) == 0);
        // Unreadable for every user, root included: a dangling link and a FIFO (opening it would block).
        QVERIFY(::symlink("gone.png", QFile::encodeName(p1 + QStringLiteral("dangling.png")).constData()) == 0);
        QVERIFY(::mkfifo(QFile::encodeName(p1 + QStringLiteral("pipe.png")).constData(), 0644) == 0);
        // An empty identity folder and a non-UTF-8 file name holding a valid image.
        QVERIFY(QDir(root).mkdir(QStringLiteral("person_empty")));
        const QByteArray rawName = QFile::encodeName(root) + "/person_0002/caf\xe9-\xff.bmp";
        QVERIFY(writeBmp(rawName, 96, 96, synthFace(1, 9, 96)));
        QVERIFY(writeFile(root + QStringLiteral("/README.txt"), QByteArray("protocol file\n")));

        Database db(dir.filePath(QStringLiteral("site.db")));
        QVERIFY(db.open().isOk());
        ImportOptions o = alignedOptions(root, dir.filePath(QStringLiteral("out.fpcache")));
        o.minFaceSide = 64;  // the truncated PNG is full size in its header
        auto result = ImportJob(db, o).run();
        QVERIFY2(result.isOk(), result.message().c_str());
        const ImportSummary& s = result.value();
        QCOMPARE(s.state, ImportState::Completed);
        const auto reasons = reasonsByPath(db);
        const QString d = QStringLiteral("person_0001/");
        QCOMPARE(reasons.value(d + QStringLiteral("zero.jpg")), QStringLiteral("not_image"));
        QCOMPARE(reasons.value(d + QStringLiteral("notes.jpg")), QStringLiteral("not_image"));
        QCOMPARE(reasons.value(d + QStringLiteral("huge.png")), QStringLiteral("too_large"));
        QCOMPARE(reasons.value(d + QStringLiteral("truncated.png")), QStringLiteral("corrupt"));
        QCOMPARE(reasons.value(d + QStringLiteral("loop_a.jpg")), QStringLiteral("unreadable"));
        QCOMPARE(reasons.value(d + QStringLiteral("loop_b.jpg")), QStringLiteral("unreadable"));
        QCOMPARE(reasons.value(d + QStringLiteral("up")), QStringLiteral("unreadable"));
        QCOMPARE(reasons.value(d + QStringLiteral("dangling.png")), QStringLiteral("unreadable"));
        QCOMPARE(reasons.value(d + QStringLiteral("pipe.png")), QStringLiteral("unreadable"));
        QCOMPARE(reasons.value(QStringLiteral("README.txt")), QStringLiteral("not_image"));
        QCOMPARE(s.identitiesFound, 5);
        QCOMPARE(s.identitiesEmpty, 1);
        QCOMPARE(s.identities, 4);
        QCOMPARE(s.imagesOk, qint64(4 * 6 + 1));  // the synthetic faces + the non-UTF-8 one
        QCOMPARE(s.imagesInCache, s.imagesOk);
        QVERIFY(s.cacheWritten);
        // The non-UTF-8 name is stored byte for byte, so it can be found again.
        QSqlQuery q(db.connection());
        q.prepare(QStringLiteral("SELECT status FROM files WHERE rel_path = ?"));
        q.addBindValue(QByteArray("person_0002/caf\xe9-\xff.bmp"));
        QVERIFY(q.exec() && q.next());
        QCOMPARE(q.value(0).toString(), QStringLiteral("ok"));
        QVERIFY(q.exec(QStringLiteral("SELECT status FROM identities WHERE name = 'person_empty'")) && q.next());
        QCOMPARE(q.value(0).toString(), QStringLiteral("empty"));
    }

    void fileWithoutReadPermission()
    {
        if (::geteuid() == 0)
            QSKIP("running as root: chmod 000 does not stop root from reading; unreadable files are covered by "
                  "the dangling link and FIFO cases of badInputsGetReasonsAndTheRestImports");
        QTemporaryDir dir;
        const QString root = dir.filePath(QStringLiteral("faces"));
        makeSynthetic(root, 2, 3);
        const QString secret = root + QStringLiteral("/person_0001/img_0001.png");
        QVERIFY(QFile::setPermissions(secret, QFileDevice::Permissions()));
        Database db(dir.filePath(QStringLiteral("site.db")));
        QVERIFY(db.open().isOk());
        QVERIFY(ImportJob(db, alignedOptions(root, dir.filePath(QStringLiteral("out.fpcache")))).run().isOk());
        QCOMPARE(reasonsByPath(db).value(QStringLiteral("person_0001/img_0001.png")), QStringLiteral("unreadable"));
    }

    void cacheHoldsLabelsNotNamesAndSplitIsRecorded()
    {
        QTemporaryDir dir;
        const QString root = dir.filePath(QStringLiteral("faces"));
        makeSynthetic(root, 5, 6);
        Database db(dir.filePath(QStringLiteral("site.db")));
        QVERIFY(db.open().isOk());
        ImportOptions o = alignedOptions(root, dir.filePath(QStringLiteral("out.fpcache")));
        o.heldOutIdentities = 1;
        auto result = ImportJob(db, o).run();
        QVERIFY2(result.isOk(), result.message().c_str());
        auto cache = engine::FaceCache::open(QFile::encodeName(o.cachePath).toStdString());
        QVERIFY2(cache.isOk(), cache.message().c_str());
        QCOMPARE(cache->info().width, 64);
        QCOMPARE(cache->size(), qint64(30));
        QCOMPARE(cache->info().numClasses, 5);
        QCOMPARE(qint64(cache->indices(engine::Split::HeldOut).size()), result->imagesHeldOut);
        QCOMPARE(result->imagesHeldOut, qint64(6 + 4 * 1));  // one whole identity + round(0.2*6) of the others
        QFile raw(o.cachePath);
        QVERIFY(raw.open(QIODevice::ReadOnly));
        QVERIFY2(!raw.readAll().contains("person_"), "identity names must never enter the cache");
        QSqlQuery q(db.connection());
        QVERIFY(q.exec(QStringLiteral("SELECT COUNT(*) FROM files WHERE split IS NOT NULL AND cache_index IS NOT NULL")) && q.next());
        QCOMPARE(q.value(0).toInt(), 30);
        QVERIFY(q.exec(QStringLiteral("SELECT label FROM identities WHERE held_out = 1")) && q.next());
        QCOMPARE(q.value(0).toInt(), 4);  // held-out identities come after the training ones
    }

    void splitIsDeterministicAcrossRunsAndThreads()
    {
        QTemporaryDir dir;
        const QString root = dir.filePath(QStringLiteral("faces"));
        makeSynthetic(root, 4, 8);
        QByteArray first;
        for (int threads : {1, 3}) {
            Database db(dir.filePath(QStringLiteral("site%1.db").arg(threads)));
            QVERIFY(db.open().isOk());
            ImportOptions o = alignedOptions(root, dir.filePath(QStringLiteral("out%1.fpcache").arg(threads)));
            o.threads = threads;
            QVERIFY(ImportJob(db, o).run().isOk());
            const QByteArray digest = sha(o.cachePath);
            QVERIFY(!digest.isEmpty());
            if (first.isEmpty())
                first = digest;
            else
                QCOMPARE(digest, first);
        }
    }

    void reimportIsIncremental()
    {
        QTemporaryDir dir;
        const QString root = dir.filePath(QStringLiteral("faces"));
        makeSynthetic(root, 3, 5);
        Database db(dir.filePath(QStringLiteral("site.db")));
        QVERIFY(db.open().isOk());
        ImportOptions o = alignedOptions(root, dir.filePath(QStringLiteral("out.fpcache")));
        auto first = ImportJob(db, o).run();
        QVERIFY(first.isOk());
        QCOMPARE(first->processed, qint64(15));
        const QByteArray cacheBefore = sha(o.cachePath);

        auto again = ImportJob(db, o).run();
        QVERIFY(again.isOk());
        QCOMPARE(again->processed, qint64(0));
        QCOMPARE(again->reused, qint64(15));
        QCOMPARE(sha(o.cachePath), cacheBefore);  // rebuilt from stored crops, identical

        // Touched (new mtime, same bytes): hashed, not decoded. Changed: analysed again. Deleted: dropped.
        const QByteArray touched = QFile::encodeName(root + QStringLiteral("/person_0001/img_0001.png"));
        struct timeval times[2] = {{1000000000, 0}, {1000000000, 0}};
        QVERIFY(::utimes(touched.constData(), times) == 0);
        QVERIFY(QFile::remove(root + QStringLiteral("/person_0002/img_0002.png")));
        QVERIFY(writeBmp(QFile::encodeName(root + QStringLiteral("/person_0003/img_0003.png")), 96, 96, synthFace(2, 42, 96)));
        QVERIFY(writeBmp(QFile::encodeName(root + QStringLiteral("/person_0003/new.bmp")), 96, 96, synthFace(2, 43, 96)));
        auto third = ImportJob(db, o).run();
        QVERIFY(third.isOk());
        QCOMPARE(third->processed, qint64(2));  // the changed file and the new one
        QCOMPARE(third->reused, qint64(13));    // 12 untouched + 1 touched
        QCOMPARE(third->imagesTotal, qint64(15));
        QSqlQuery q(db.connection());
        QVERIFY(q.exec(QStringLiteral("SELECT COUNT(*) FROM files")) && q.next());
        QCOMPARE(q.value(0).toInt(), 15);
        QVERIFY(q.exec(QStringLiteral("SELECT format FROM files WHERE display_path = 'person_0003/img_0003.png'")) && q.next());
        QCOMPARE(q.value(0).toString(), QStringLiteral("bmp"));  // content decides, not the extension
        auto cache = engine::FaceCache::open(QFile::encodeName(o.cachePath).toStdString());
        QVERIFY(cache.isOk());
        QCOMPARE(cache->size(), qint64(15));
    }

    void cancelLeavesNoCacheAndTheNextRunResumes()
    {
        QTemporaryDir dir;
        const QString root = dir.filePath(QStringLiteral("faces"));
        makeSynthetic(root, 3, 5);
        Database db(dir.filePath(QStringLiteral("site.db")));
        QVERIFY(db.open().isOk());
        ImportOptions o = alignedOptions(root, dir.filePath(QStringLiteral("out.fpcache")));

        // Cancelled as the first file is about to be analysed: nothing written.
        ImportJob early(db, o);
        early.setProgressCallback([&](const ImportProgress& p) {
            if (p.phase == ImportPhase::Processing)
                early.cancel();
        });
        auto r1 = early.run();
        QVERIFY(r1.isOk());
        QCOMPARE(r1->state, ImportState::Cancelled);
        QVERIFY(!QFile::exists(o.cachePath));
        QVERIFY(!QFile::exists(o.cachePath + QStringLiteral(".partial")));

        // Cancelled while the cache is written: the analyses are committed, the cache is not.
        ImportJob late(db, o);
        late.setProgressCallback([&](const ImportProgress& p) {
            if (p.phase == ImportPhase::WritingCache)
                late.cancel();
        });
        auto r2 = late.run();
        QVERIFY(r2.isOk());
        QCOMPARE(r2->state, ImportState::Cancelled);
        QVERIFY(!QFile::exists(o.cachePath));
        QVERIFY(!QFile::exists(o.cachePath + QStringLiteral(".partial")));
        QSqlQuery q(db.connection());
        QVERIFY(q.exec(QStringLiteral("SELECT state FROM import_runs ORDER BY id")));
        QStringList states;
        while (q.next())
            states << q.value(0).toString();
        QCOMPARE(states, QStringList({QStringLiteral("cancelled"), QStringLiteral("cancelled")}));

        // The next run resumes: nothing analysed again, and the cache appears whole.
        auto r3 = ImportJob(db, o).run();
        QVERIFY(r3.isOk());
        QCOMPARE(r3->state, ImportState::Completed);
        QCOMPARE(r3->processed, qint64(0));
        QCOMPARE(r3->reused, qint64(15));
        const QByteArray good = sha(o.cachePath);
        QVERIFY(engine::FaceCache::open(QFile::encodeName(o.cachePath).toStdString()).isOk());

        // A later cancelled import leaves the previous cache untouched.
        QVERIFY(writeBmp(QFile::encodeName(root + QStringLiteral("/person_0001/extra.bmp")), 96, 96, synthFace(0, 77, 96)));
        ImportJob again(db, o);
        again.setProgressCallback([&](const ImportProgress& p) {
            if (p.phase == ImportPhase::WritingCache)
                again.cancel();
        });
        QCOMPARE(again.run()->state, ImportState::Cancelled);
        QCOMPARE(sha(o.cachePath), good);
    }

    void nearDuplicateAndBlurAreRejected()
    {
        QTemporaryDir dir;
        const QString root = dir.filePath(QStringLiteral("faces"));
        QVERIFY(QDir().mkpath(root + QStringLiteral("/alice")));
        const QByteArray base = QFile::encodeName(root + QStringLiteral("/alice/"));
        QVERIFY(writeBmp(base + "a.bmp", 112, 112, synthFace(3, 0)));
        QVERIFY(writeBmp(base + "a_brighter.bmp", 112, 112, synthFace(3, 0), 4));  // other bytes, same picture
        QVERIFY(writeBmp(base + "b.bmp", 112, 112, synthFace(3, 1)));
        std::vector<std::uint8_t> flat(112 * 112 * 3, 128);
        QVERIFY(writeBmp(base + "flat.bmp", 112, 112, flat));
        Database db(dir.filePath(QStringLiteral("site.db")));
        QVERIFY(db.open().isOk());
        ImportOptions o = alignedOptions(root, dir.filePath(QStringLiteral("out.fpcache")));
        o.blurThreshold = 5;
        o.nearDuplicateBits = 12;
        o.minImages = 1;
        QVERIFY(ImportJob(db, o).run().isOk());
        const auto reasons = reasonsByPath(db);
        QCOMPARE(reasons.value(QStringLiteral("alice/a.bmp")), QString());
        QCOMPARE(reasons.value(QStringLiteral("alice/a_brighter.bmp")), QStringLiteral("near_duplicate"));
        QCOMPARE(reasons.value(QStringLiteral("alice/b.bmp")), QString());
        QCOMPARE(reasons.value(QStringLiteral("alice/flat.bmp")), QStringLiteral("blurry"));
    }

    void tooFewImagesAreReportedNotDropped()
    {
        QTemporaryDir dir;
        const QString root = dir.filePath(QStringLiteral("faces"));
        makeSynthetic(root, 3, 4);
        QVERIFY(QFile::remove(root + QStringLiteral("/person_0003/img_0001.png")));
        QVERIFY(QFile::remove(root + QStringLiteral("/person_0003/img_0002.png")));
        Database db(dir.filePath(QStringLiteral("site.db")));
        QVERIFY(db.open().isOk());
        ImportOptions o = alignedOptions(root, dir.filePath(QStringLiteral("out.fpcache")));
        o.minImages = 3;
        auto r = ImportJob(db, o).run();
        QVERIFY(r.isOk());
        QCOMPARE(r->identities, 2);
        QCOMPARE(r->identitiesTooFew, 1);
        QCOMPARE(r->imagesOk, qint64(10));
        QCOMPARE(r->imagesInCache, qint64(8));
        QSqlQuery q(db.connection());
        QVERIFY(q.exec(QStringLiteral("SELECT status, images_ok FROM identities WHERE name = 'person_0003'")) && q.next());
        QCOMPARE(q.value(0).toString(), QStringLiteral("too_few_images"));
        QCOMPARE(q.value(1).toInt(), 2);
    }
};

QTEST_GUILESS_MAIN(TestImportJob)
#include "tst_import_job.moc"
