// Face import on the real sets in ${FEDPILOT_FACE_DATA:-<source>/../shared/data/faces}, skipped
// with a message when absent (a user's machine has no shared data): an LFW subset (JPEG, with the
// protocol .txt files beside it), AT&T (PGM) and Yale A (GIF without extensions).

#include "imports/ImportJob.h"
#include "storage/Database.h"
#include "fedpilot/engine/FaceCache.h"

#include <QDir>
#include <QFile>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace fedpilot;

namespace {

QString faceData()
{
    const QByteArray env = qgetenv("FEDPILOT_FACE_DATA");
    if (!env.isEmpty())
        return QFile::decodeName(env);
    return QDir::cleanPath(QStringLiteral(FEDPILOT_SOURCE_DIR) + QStringLiteral("/../shared/data/faces"));
}

int countWhere(Database& db, const QString& where)
{
    QSqlQuery q(db.connection());
    if (!q.exec(QStringLiteral("SELECT COUNT(*) FROM files WHERE ") + where) || !q.next())
        return -1;
    return q.value(0).toInt();
}

engine::Result<ImportSummary> importFolder(Database& db, const QString& folder, const QString& cache)
{
    ImportOptions o;
    o.folder = folder;
    o.cachePath = cache;
    o.threads = 2;
    return ImportJob(db, o).run();
}

}  // namespace

class TestImportRealData : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void lfwSubsetDetectsFacesAndSkipsProtocolFiles()
    {
        const QDir lfw(faceData() + QStringLiteral("/lfw-deepfunneled"));
        if (!lfw.exists())
            QSKIP(qPrintable(QStringLiteral("no LFW at %1 (set FEDPILOT_FACE_DATA)").arg(lfw.path())));
        // The first 100 identity folders (~200 images) and the protocol files, linked into a temp root.
        QTemporaryDir dir;
        const QString root = dir.filePath(QStringLiteral("lfw"));
        QVERIFY(QDir().mkpath(root));
        const QStringList people = lfw.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name).mid(0, 100);
        QCOMPARE(people.size(), 100);
        for (const QString& p : people)
            QVERIFY(QFile::link(lfw.filePath(p), root + QLatin1Char('/') + p));
        const QStringList texts = lfw.entryList({QStringLiteral("*.txt")}, QDir::Files, QDir::Name);
        QVERIFY(!texts.isEmpty());
        for (const QString& t : texts)
            QVERIFY(QFile::link(lfw.filePath(t), root + QLatin1Char('/') + t));

        Database db(dir.filePath(QStringLiteral("site.db")));
        QVERIFY(db.open().isOk());
        auto r = importFolder(db, root, dir.filePath(QStringLiteral("lfw.fpcache")));
        QVERIFY2(r.isOk(), r.message().c_str());
        QCOMPARE(r->rejected.value(QStringLiteral("not_image")), qint64(texts.size()));
        QCOMPARE(countWhere(db, QStringLiteral("display_path LIKE '%.txt' AND reason = 'not_image'")), int(texts.size()));
        QCOMPARE(countWhere(db, QStringLiteral("format = 'jpeg'")), int(r->decoded));
        QCOMPARE(r->imagesTotal - qint64(texts.size()), r->decoded);  // every JPEG decodes
        const double rate = double(r->facesDetected) / double(r->decoded);
        qInfo("LFW subset: %lld images, faces detected in %.2f%%", qlonglong(r->decoded), 100 * rate);
        QVERIFY2(rate >= 0.97, qPrintable(QStringLiteral("detection rate %1").arg(rate)));
        QVERIFY(r->cacheWritten);
        auto cache = engine::FaceCache::open(QFile::encodeName(r->cachePath).toStdString());
        QVERIFY(cache.isOk());
        QCOMPARE(cache->info().width, 112);
        QCOMPARE(cache->size(), r->imagesInCache);
    }

    void attFacesArePgm()
    {
        const QString att = faceData() + QStringLiteral("/att_faces");
        if (!QDir(att).exists())
            QSKIP(qPrintable(QStringLiteral("no AT&T faces at %1 (set FEDPILOT_FACE_DATA)").arg(att)));
        QTemporaryDir dir;
        Database db(dir.filePath(QStringLiteral("site.db")));
        QVERIFY(db.open().isOk());
        auto r = importFolder(db, att, dir.filePath(QStringLiteral("att.fpcache")));
        QVERIFY2(r.isOk(), r.message().c_str());
        QCOMPARE(r->identitiesFound, 40);
        QCOMPARE(countWhere(db, QStringLiteral("format = 'pnm' AND decoded = 1")), 400);
        QCOMPARE(r->decoded, qint64(400));
        QCOMPARE(countWhere(db, QStringLiteral("display_path = 'README' AND reason = 'not_image'")), 1);
        const double rate = double(r->facesDetected) / double(r->decoded);
        qInfo("AT&T: faces detected in %.2f%% (92x112 tight crops: the face fills the frame)", 100 * rate);
        QVERIFY2(rate >= 0.85, qPrintable(QStringLiteral("detection rate %1").arg(rate)));
        QCOMPARE(r->identities, 40);
    }

    void yaleGifsWithoutExtension()
    {
        const QString yale = faceData() + QStringLiteral("/yalefaces");
        if (!QDir(yale).exists())
            QSKIP(qPrintable(QStringLiteral("no Yale A faces at %1 (set FEDPILOT_FACE_DATA)").arg(yale)));
        QTemporaryDir dir;
        Database db(dir.filePath(QStringLiteral("site.db")));
        QVERIFY(db.open().isOk());
        auto r = importFolder(db, yale, dir.filePath(QStringLiteral("yale.fpcache")));
        QVERIFY2(r.isOk(), r.message().c_str());
        QCOMPARE(r->identitiesFound, 15);
        QCOMPARE(countWhere(db, QStringLiteral("format = 'gif' AND decoded = 1")), 164);
        // Yale A ships byte-identical copies (e.g. subject02.normal = subject02.noglasses).
        QCOMPARE(r->rejected.value(QStringLiteral("duplicate")), qint64(9));
        const double rate = double(r->facesDetected) / double(r->decoded);
        qInfo("Yale A: faces detected in %.2f%%", 100 * rate);
        QVERIFY2(rate >= 0.95, qPrintable(QStringLiteral("detection rate %1").arg(rate)));
        QCOMPARE(r->identities, 15);
    }
};

QTEST_GUILESS_MAIN(TestImportRealData)
#include "tst_import_realdata.moc"
