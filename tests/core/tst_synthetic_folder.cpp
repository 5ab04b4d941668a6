// The synthetic face folder writer: layout, PNG output, determinism, cancel.

#include "imports/SyntheticFolder.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace fedpilot;

namespace {

QByteArray digestOfTree(const QString& root)
{
    QCryptographicHash hash(QCryptographicHash::Sha256);
    const QDir dir(root);
    for (const QString& id : dir.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name)) {
        for (const QString& file : QDir(dir.filePath(id)).entryList(QDir::Files, QDir::Name)) {
            QFile f(dir.filePath(id + QLatin1Char('/') + file));
            if (f.open(QIODevice::ReadOnly))
                hash.addData(f.readAll());
        }
    }
    return hash.result();
}

}  // namespace

class TestSyntheticFolder : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void writesOneFolderPerIdentityOfPngFiles()
    {
        QTemporaryDir dir;
        SyntheticFolderOptions o;
        o.outDir = dir.path();
        o.identities = 3;
        o.imagesPerIdentity = 4;
        o.size = 48;
        qint64 lastDone = 0;
        auto r = writeSyntheticFolder(o, [&](qint64 done, qint64 total) {
            QCOMPARE(total, qint64(12));
            QVERIFY(done > lastDone);
            lastDone = done;
        });
        QVERIFY2(r.isOk(), r.message().c_str());
        QCOMPARE(r->images, qint64(12));
        QCOMPARE(lastDone, qint64(12));
        const QStringList ids = QDir(dir.path()).entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
        QCOMPARE(ids, (QStringList{QStringLiteral("person_0001"), QStringLiteral("person_0002"), QStringLiteral("person_0003")}));
        const QStringList files = QDir(dir.filePath(ids.first())).entryList(QDir::Files, QDir::Name);
        QCOMPARE(files.size(), 4);
        QFile png(dir.filePath(ids.first() + QLatin1Char('/') + files.first()));
        QVERIFY(png.open(QIODevice::ReadOnly));
        const QByteArray head = png.read(24);
        QVERIFY(head.startsWith(QByteArray("\x89PNG\r\n\x1a\n", 8)));
        // IHDR width and height, big-endian at offsets 16 and 20.
        auto be32 = [&](int at) { return (uchar(head[at]) << 24) | (uchar(head[at + 1]) << 16) | (uchar(head[at + 2]) << 8) | uchar(head[at + 3]); };
        QCOMPARE(be32(16), 48);
        QCOMPARE(be32(20), 48);
    }

    void sameSeedSameBytesOtherSeedOtherBytes()
    {
        QTemporaryDir a, b, c;
        SyntheticFolderOptions o;
        o.identities = 2;
        o.imagesPerIdentity = 2;
        o.size = 32;
        o.outDir = a.path();
        QVERIFY(writeSyntheticFolder(o).isOk());
        o.outDir = b.path();
        QVERIFY(writeSyntheticFolder(o).isOk());
        o.outDir = c.path();
        o.seed = 2;
        QVERIFY(writeSyntheticFolder(o).isOk());
        QCOMPARE(digestOfTree(a.path()), digestOfTree(b.path()));
        QVERIFY(digestOfTree(a.path()) != digestOfTree(c.path()));
    }

    void cancelStopsWithAnError()
    {
        QTemporaryDir dir;
        SyntheticFolderOptions o;
        o.outDir = dir.path();
        o.identities = 50;
        o.imagesPerIdentity = 10;
        o.size = 32;
        std::atomic<bool> cancel{false};
        auto r = writeSyntheticFolder(o, [&](qint64 done, qint64) {
            if (done == 5)
                cancel = true;
        }, &cancel);
        QVERIFY(!r.isOk());
        QCOMPARE(QString::fromStdString(r.message()), QStringLiteral("cancelled"));
    }

    void rejectsBadOptionsAndUnwritableFolders()
    {
        SyntheticFolderOptions o;
        o.outDir = QStringLiteral("/proc/fedpilot-cannot-write-here");
        QVERIFY(!writeSyntheticFolder(o).isOk());
        QTemporaryDir dir;
        o.outDir = dir.path();
        o.identities = 0;
        QVERIFY(!writeSyntheticFolder(o).isOk());
        o.identities = 1;
        o.size = 4;
        QVERIFY(!writeSyntheticFolder(o).isOk());
    }
};

QTEST_GUILESS_MAIN(TestSyntheticFolder)
#include "tst_synthetic_folder.moc"
