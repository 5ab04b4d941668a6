// fedpilot-cli's engine commands as a user runs them: exit codes, --help, --json, files written,
// clear errors on bad input.

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

namespace {

struct Run {
    int code = -1;
    QByteArray out;
    QByteArray err;
    QJsonObject json() const { return QJsonDocument::fromJson(out).object(); }
};

Run cli(const QStringList& args, int timeoutMs = 300000)
{
    QProcess p;
    p.start(QStringLiteral(FEDPILOT_CLI), args);
    Run r;
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
        r.err = "timed out";
        return r;
    }
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

}  // namespace

class TestCliEngine : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString path(const QString& name) const { return m_dir.filePath(name); }

private Q_SLOTS:
    void helpAndUsageErrors()
    {
        const Run help = cli({QStringLiteral("--help")});
        QCOMPARE(help.code, 0);
        for (const char* command : {"synth", "train", "eval", "bench", "simulate"})
            QVERIFY2(help.out.contains(command), command);
        QCOMPARE(cli({QStringLiteral("no-such-command")}).code, 2);
        const Run trainHelp = cli({QStringLiteral("train"), QStringLiteral("--help")});
        QCOMPARE(trainHelp.code, 0);
        QVERIFY(trainHelp.out.contains("--cache"));
        QVERIFY(trainHelp.out.contains("Usage: fedpilot-cli train"));
        QCOMPARE(cli({QStringLiteral("train")}).code, 2);
        const Run badNumber = cli({QStringLiteral("synth"), QStringLiteral("--cache"), path(QStringLiteral("x")),
                                   QStringLiteral("--identities"), QStringLiteral("many")});
        QCOMPARE(badNumber.code, 2);
        QVERIFY(badNumber.err.contains("--identities"));
        // Commands made of subcommands list them; an unknown one is a usage error naming it.
        const Run coordinatorHelp = cli({QStringLiteral("coordinator"), QStringLiteral("--help")});
        QCOMPARE(coordinatorHelp.code, 0);
        for (const char* sub : {"init", "enroll-code", "remove-site", "run", "status", "bench-aggregate"})
            QVERIFY2(coordinatorHelp.out.contains(sub), sub);
        const Run unknown = cli({QStringLiteral("site"), QStringLiteral("leave")});
        QCOMPARE(unknown.code, 2);
        QVERIFY(unknown.err.contains("unknown subcommand 'leave'"));
        QVERIFY(unknown.err.contains("join"));
        const Run joinHelp = cli({QStringLiteral("site"), QStringLiteral("join"), QStringLiteral("--help")});
        QCOMPARE(joinHelp.code, 0);
        QVERIFY(joinHelp.out.contains("Usage: fedpilot-cli site join"));
    }

    void synthTrainEvalPipeline()
    {
        const QString cache = path(QStringLiteral("faces.fpcache"));
        const Run synth = cli({QStringLiteral("synth"), QStringLiteral("--cache"), cache, QStringLiteral("--identities"), QStringLiteral("16"),
                               QStringLiteral("--images"), QStringLiteral("6"), QStringLiteral("--size"), QStringLiteral("32"),
                               QStringLiteral("--held-out-identities"), QStringLiteral("6"), QStringLiteral("--json")});
        QVERIFY2(synth.code == 0, synth.err.constData());
        QCOMPARE(synth.json().value(QStringLiteral("images")).toInt(), 96);
        QVERIFY(QFile::exists(cache));

        const QString model = path(QStringLiteral("m.fpmodel"));
        const Run train = cli({QStringLiteral("train"), QStringLiteral("--cache"), cache, QStringLiteral("--out"), model,
                               QStringLiteral("--size"), QStringLiteral("32"), QStringLiteral("--embedding"), QStringLiteral("64"),
                               QStringLiteral("--epochs"), QStringLiteral("2"), QStringLiteral("--batch"), QStringLiteral("16"),
                               QStringLiteral("--lr"), QStringLiteral("0.05"), QStringLiteral("--threads"), QStringLiteral("1"),
                               QStringLiteral("--device"), QStringLiteral("cpu"), QStringLiteral("--json")});
        QVERIFY2(train.code == 0, train.err.constData());
        const QJsonObject t = train.json();
        QCOMPARE(t.value(QStringLiteral("state")).toString(), QStringLiteral("completed"));
        QCOMPARE(t.value(QStringLiteral("epoch_loss")).toArray().size(), 2);
        QVERIFY(t.value(QStringLiteral("images_per_s")).toDouble() > 0);
        QVERIFY(QFile::exists(model));

        const QString scores = path(QStringLiteral("scores.csv"));
        const Run eval = cli({QStringLiteral("eval"), QStringLiteral("--model"), model, QStringLiteral("--cache"), cache,
                              QStringLiteral("--folds"), QStringLiteral("5"), QStringLiteral("--pairs"), QStringLiteral("10"),
                              QStringLiteral("--scores-out"), scores, QStringLiteral("--roc"), QStringLiteral("--json")});
        QVERIFY2(eval.code == 0, eval.err.constData());
        const QJsonObject v = eval.json().value(QStringLiteral("verification")).toObject();
        const double accuracy = v.value(QStringLiteral("accuracy")).toDouble(-1);
        QVERIFY(accuracy >= 0.0 && accuracy <= 1.0);
        QVERIFY(v.value(QStringLiteral("auc")).toDouble(-1) >= 0.0);
        QVERIFY(v.value(QStringLiteral("tar_at_far")).toObject().contains(QStringLiteral("0.1")));
        // 1e-4 needs 10,000 impostor pairs: reported as unavailable, not as a number.
        QVERIFY(v.value(QStringLiteral("tar_at_far")).toObject().value(QStringLiteral("0.0001")).isNull());
        QVERIFY(!v.value(QStringLiteral("roc")).toArray().isEmpty());
        const int pairs = v.value(QStringLiteral("genuine_pairs")).toInt() + v.value(QStringLiteral("impostor_pairs")).toInt();
        QVERIFY(pairs > 0);
        QFile f(scores);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = f.readAll().trimmed().split('\n');
        QCOMPARE(lines.size(), pairs);
        for (const QByteArray& line : lines) {
            const QList<QByteArray> parts = line.split(',');
            QCOMPARE(parts.size(), 2);
            QVERIFY(parts[0] == "0" || parts[0] == "1");
            bool ok = false;
            parts[1].toDouble(&ok);
            QVERIFY(ok);
        }
        QVERIFY(eval.json().value(QStringLiteral("identification")).toObject().contains(QStringLiteral("top1")));
    }

    void evalOnPairsFile()
    {
        const QString cache = path(QStringLiteral("faces.fpcache"));  // 96 images, from synthTrainEvalPipeline
        const QString model = path(QStringLiteral("m.fpmodel"));
        const auto writePairs = [this](const QString& name, const QByteArray& text) {
            QFile f(path(name));
            if (!f.open(QIODevice::WriteOnly) || f.write(text) != text.size())
                return QString();
            return f.fileName();
        };
        // 12 genuine + 8 impostor pairs, no fold column: 2 folds by line order.
        QByteArray text = "# indexA indexB label\n";
        for (int i = 0; i < 12; ++i)
            text += QByteArray::number(i * 6) + ' ' + QByteArray::number(i * 6 + 1) + " 1\n";
        for (int i = 0; i < 8; ++i)
            text += QByteArray::number(i) + ' ' + QByteArray::number(95 - i) + " 0\n";
        const QString pairsFile = writePairs(QStringLiteral("pairs.txt"), text);
        QVERIFY(!pairsFile.isEmpty());
        const QString scores = path(QStringLiteral("pair_scores.csv"));
        const Run eval = cli({QStringLiteral("eval"), QStringLiteral("--model"), model, QStringLiteral("--cache"), cache,
                              QStringLiteral("--pairs-file"), pairsFile, QStringLiteral("--folds"), QStringLiteral("2"),
                              QStringLiteral("--scores-out"), scores, QStringLiteral("--json")});
        QVERIFY2(eval.code == 0, eval.err.constData());
        const QJsonObject v = eval.json().value(QStringLiteral("verification")).toObject();
        QCOMPARE(v.value(QStringLiteral("genuine_pairs")).toInt(), 12);
        QCOMPARE(v.value(QStringLiteral("impostor_pairs")).toInt(), 8);
        QCOMPARE(v.value(QStringLiteral("folds")).toInt(), 2);
        const double accuracy = v.value(QStringLiteral("accuracy")).toDouble(-1);
        QVERIFY(accuracy >= 0.0 && accuracy <= 1.0);
        QCOMPARE(eval.json().value(QStringLiteral("images")).toInt(), 36);  // distinct indices embedded
        QFile f(scores);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = f.readAll().trimmed().split('\n');
        QCOMPARE(lines.size(), 20);
        QVERIFY(lines.first().startsWith("1,"));
        QVERIFY(lines.last().startsWith("0,"));

        // Explicit folds (any values, renumbered): 3 folds.
        const QString folded = writePairs(QStringLiteral("folded.txt"), "0 1 1 5\n2 3 0 5\n6 7 1 7\n8 9 0 7\n12 13 1 9\n14 15 0 9\n");
        const Run evalFolded = cli({QStringLiteral("eval"), QStringLiteral("--model"), model, QStringLiteral("--cache"), cache,
                                    QStringLiteral("--pairs-file"), folded, QStringLiteral("--json")});
        QVERIFY2(evalFolded.code == 0, evalFolded.err.constData());
        QCOMPARE(evalFolded.json().value(QStringLiteral("verification")).toObject().value(QStringLiteral("folds")).toInt(), 3);

        // Out-of-range index, malformed line, missing file: exit 1 with a clear message.
        const Run outOfRange = cli({QStringLiteral("eval"), QStringLiteral("--model"), model, QStringLiteral("--cache"), cache,
                                    QStringLiteral("--pairs-file"), writePairs(QStringLiteral("bad_index.txt"), "0 1 1\n3 96 0\n")});
        QCOMPARE(outOfRange.code, 1);
        QVERIFY2(outOfRange.err.contains("out of range") && outOfRange.err.contains(":2:"), outOfRange.err.constData());
        const Run malformed = cli({QStringLiteral("eval"), QStringLiteral("--model"), model, QStringLiteral("--cache"), cache,
                                   QStringLiteral("--pairs-file"), writePairs(QStringLiteral("bad_line.txt"), "0 1 1\n3 x 0\n")});
        QCOMPARE(malformed.code, 1);
        QVERIFY2(malformed.err.contains("not an integer"), malformed.err.constData());
        const Run badLabel = cli({QStringLiteral("eval"), QStringLiteral("--model"), model, QStringLiteral("--cache"), cache,
                                  QStringLiteral("--pairs-file"), writePairs(QStringLiteral("bad_label.txt"), "0 1 2\n3 4 0\n")});
        QCOMPARE(badLabel.code, 1);
        QVERIFY(badLabel.err.contains("label"));
        QCOMPARE(cli({QStringLiteral("eval"), QStringLiteral("--model"), model, QStringLiteral("--cache"), cache,
                      QStringLiteral("--pairs-file"), path(QStringLiteral("no_such_pairs.txt"))}).code, 1);
    }

    void badInputGivesClearErrors()
    {
        const QString cache = path(QStringLiteral("faces.fpcache"));
        const QString broken = path(QStringLiteral("broken.fpcache"));
        QVERIFY(QFile::copy(cache, broken));
        QFile f(broken);
        QVERIFY(f.resize(f.size() / 2));
        const Run eval = cli({QStringLiteral("eval"), QStringLiteral("--untrained"), QStringLiteral("--size"), QStringLiteral("32"),
                              QStringLiteral("--cache"), broken});
        QCOMPARE(eval.code, 1);
        QVERIFY(eval.err.contains("error"));
        const Run missing = cli({QStringLiteral("eval"), QStringLiteral("--model"), path(QStringLiteral("nope.fpmodel")),
                                 QStringLiteral("--cache"), cache});
        QCOMPARE(missing.code, 1);
        const Run wrongSize = cli({QStringLiteral("eval"), QStringLiteral("--untrained"), QStringLiteral("--size"), QStringLiteral("64"),
                                   QStringLiteral("--cache"), cache});
        QCOMPARE(wrongSize.code, 1);
        QVERIFY(wrongSize.err.contains("px"));
    }

    void benchTrainReportsThroughput()
    {
        const Run bench = cli({QStringLiteral("bench"), QStringLiteral("train"), QStringLiteral("--size"), QStringLiteral("32"),
                               QStringLiteral("--batch"), QStringLiteral("8"), QStringLiteral("--steps"), QStringLiteral("2"),
                               QStringLiteral("--warmup"), QStringLiteral("1"), QStringLiteral("--threads"), QStringLiteral("1"),
                               QStringLiteral("--json")});
        QVERIFY2(bench.code == 0, bench.err.constData());
        const QJsonObject b = bench.json();
        QVERIFY(b.value(QStringLiteral("images_per_s")).toDouble() > 0);
        QVERIFY(b.value(QStringLiteral("params")).toInteger() > 100000);
        QCOMPARE(b.value(QStringLiteral("device")).toString(), QStringLiteral("cpu"));
        QCOMPARE(b.value(QStringLiteral("threads")).toInt(), 1);
        QCOMPARE(cli({QStringLiteral("bench"), QStringLiteral("nothing")}).code, 2);
    }
};

QTEST_GUILESS_MAIN(TestCliEngine)
#include "tst_cli_engine.moc"
