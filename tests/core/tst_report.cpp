// Report data model: a pilot history written to SQLite and read back unchanged, the go/no-go
// assessment against targets, and the CSV export parsed back.

#include "report/ChartData.h"
#include "report/CsvReport.h"
#include "report/DemoHistory.h"
#include "report/HistoryReader.h"
#include "report/HistoryWriter.h"
#include "report/PilotAssessment.h"
#include "storage/Database.h"

#include <QFile>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>

using namespace fedpilot;
using namespace fedpilot::report;

class TestReport : public QObject {
    Q_OBJECT

private:
    static PilotHistory roundTrip(const Database& db, const PilotHistory& in)
    {
        auto id = writeHistory(db, in);
        if (!id)
            qFatal("%s", id.message().c_str());
        auto out = HistoryReader(db).load(id.value());
        if (!out)
            qFatal("%s", out.message().c_str());
        return out.value();
    }

private Q_SLOTS:
    void historyRoundTripsThroughTheDatabase()
    {
        QTemporaryDir dir;
        Database db(dir.filePath(QStringLiteral("c.db")));
        QVERIFY(db.open().isOk());
        DemoHistoryOptions o;
        o.dpEpsilon = 8;
        const PilotHistory in = makeDemoHistory(o);
        const PilotHistory out = roundTrip(db, in);
        QCOMPARE(out.pilot.name, in.pilot.name);
        QCOMPARE(out.sites.size(), in.sites.size());
        QCOMPARE(out.rounds.size(), in.rounds.size());
        QCOMPARE(out.siteMetrics.size(), in.siteMetrics.size());
        QCOMPARE(out.traffic.size(), in.traffic.size());
        QCOMPARE(out.models.size(), in.models.size());
        QCOMPARE(out.totalWireBytes(), in.totalWireBytes());
        QVERIFY(qFuzzyCompare(out.meanBaselineAccuracy(), in.meanBaselineAccuracy()));
        QCOMPARE(out.rounds.last().roc.size(), in.rounds.last().roc.size());
        QVERIFY(!out.siteMetrics.last().epochLoss.isEmpty());
        QCOMPARE(out.pilot.dpEpsilon, 8.0);
        // Missing numbers stay missing (baseline rows carry no personalized accuracy).
        const auto* base = out.metrics(0, out.sites.first().id, QStringLiteral("baseline"));
        QVERIFY(base);
        QVERIFY(std::isnan(base->personalizedAccuracy));
        QVERIFY(std::isfinite(base->genericAccuracy));
    }

    void writingAgainReplacesThePilot()
    {
        QTemporaryDir dir;
        Database db(dir.filePath(QStringLiteral("c.db")));
        QVERIFY(db.open().isOk());
        QVERIFY(writeHistory(db, makeDemoHistory()).isOk());
        DemoHistoryOptions fedavg;
        fedavg.name = QStringLiteral("demo-fedavg");
        fedavg.strategy = QStringLiteral("fedavg");
        QVERIFY(writeHistory(db, makeDemoHistory(fedavg)).isOk());
        QVERIFY(writeHistory(db, makeDemoHistory()).isOk());
        auto pilots = HistoryReader(db).pilots();
        QVERIFY(pilots.isOk());
        QCOMPARE(pilots->size(), 2);
        QSqlQuery q(db.connection());
        QVERIFY(q.exec(QStringLiteral("SELECT COUNT(*) FROM sites")) && q.next());
        QCOMPARE(q.value(0).toInt(), 4);  // sites are shared by name, not duplicated
    }

    void assessmentFollowsTheTargets()
    {
        DemoHistoryOptions ada;
        const PilotHistory good = makeDemoHistory(ada);
        DemoHistoryOptions fed;
        fed.strategy = QStringLiteral("fedavg");
        fed.name = QStringLiteral("fedavg");
        const PilotHistory weak = makeDemoHistory(fed);
        ReportTargets t;
        t.minAccuracyGain = 0.045;
        const auto a = assess(good, t);
        QVERIFY2(a.go, qPrintable(a.checks.first().actual));
        QVERIFY(a.finalPersonalizedAccuracy > a.baselineAccuracy);
        const auto b = assess(weak, t);
        QVERIFY(!b.go);
        QVERIFY(!b.checks.first().passed);
        QVERIFY(b.headline.contains(QStringLiteral("missed")));
    }

    void aSiteBelowItsBaselineIsANoGo()
    {
        PilotHistory h = makeDemoHistory();
        for (auto& m : h.siteMetrics) {
            if (m.kind == QLatin1String("round") && m.siteId == 2)
                m.personalizedAccuracy = 0.5;
        }
        const auto a = assess(h, {});
        QVERIFY(!a.go);
        QVERIFY(!a.checks[1].passed);
        QVERIFY(a.checks[1].actual.contains(h.siteName(2)));
    }

    void aPilotWithoutRoundsIsUndecided()
    {
        DemoHistoryOptions o;
        o.completedRounds = 0;
        const auto a = assess(makeDemoHistory(o), {});
        QVERIFY(!a.go);
        QCOMPARE(a.finalRound, 0);
        QVERIFY(a.headline.contains(QStringLiteral("No federated round")));
    }

    void storedTargetsOverrideDefaults()
    {
        QTemporaryDir dir;
        Database db(dir.filePath(QStringLiteral("c.db")));
        QVERIFY(db.open().isOk());
        QCOMPARE(storedTargets(db).maxRounds, 3);
        QSqlQuery q(db.connection());
        QVERIFY(q.exec(QStringLiteral("INSERT INTO settings VALUES ('report_targets', '{\"max_rounds\": 5, \"min_accuracy_gain\": 0.2}')")));
        const auto t = storedTargets(db);
        QCOMPARE(t.maxRounds, 5);
        QCOMPARE(t.minAccuracyGain, 0.2);
        QCOMPARE(t.minParticipation, ReportTargets{}.minParticipation);
    }

    void csvIsParsedBackWithTheSameNumbers()
    {
        QTemporaryDir dir;
        const PilotHistory h = makeDemoHistory();
        const auto a = assess(h, {});
        const QString path = dir.filePath(QStringLiteral("r.csv"));
        QVERIFY(writeCsv(h, a, path).isOk());
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const auto rows = parseCsv(QString::fromUtf8(f.readAll()));
        QVERIFY(rows.size() > 50);
        QCOMPARE(rows.first(), (QStringList{QStringLiteral("section"), QStringLiteral("round"), QStringLiteral("site"),
                                            QStringLiteral("key"), QStringLiteral("value")}));
        int personalized = 0;
        qint64 wire = 0;
        for (const auto& row : rows) {
            QCOMPARE(row.size(), 5);
            if (row[0] == QLatin1String("site") && row[3] == QLatin1String("personalized_accuracy")) {
                const auto* m = h.metrics(row[1].toInt(), h.sites[0].name == row[2] ? h.sites[0].id : -1, QStringLiteral("round"));
                if (m)
                    QVERIFY(qAbs(row[4].toDouble() - m->personalizedAccuracy) < 1e-8);
                ++personalized;
            }
            if (row[0] == QLatin1String("traffic") && row[3].endsWith(QLatin1String("_bytes_wire")))
                wire += row[4].toLongLong();
            if (row[0] == QLatin1String("pilot") && row[3] == QLatin1String("name"))
                QCOMPARE(row[4], h.pilot.name);
        }
        QCOMPARE(personalized, h.sites.size() * h.pilot.completedRounds);
        QCOMPARE(wire, h.totalWireBytes());
    }

    void csvQuotingSurvivesCommasQuotesAndNewlines()
    {
        const auto rows = parseCsv(QStringLiteral("a,\"b,c\",\"say \"\"hi\"\"\"\r\n\"multi\nline\",x,\r\n"));
        QCOMPARE(rows.size(), 2);
        QCOMPARE(rows[0], (QStringList{QStringLiteral("a"), QStringLiteral("b,c"), QStringLiteral("say \"hi\"")}));
        QCOMPARE(rows[1], (QStringList{QStringLiteral("multi\nline"), QStringLiteral("x"), QString()}));
    }

    void chartSeriesCoverEveryRoundAndSite()
    {
        const PilotHistory h = makeDemoHistory();
        const auto acc = accuracySeries(h, SiteMetric::Accuracy, true);
        QCOMPARE(acc.size(), 4 + h.sites.size());
        QCOMPARE(acc.first().points.size(), h.pilot.totalRounds + 1);
        const auto bars = trafficPerRound(h);
        QCOMPARE(bars.rounds.size(), h.pilot.totalRounds);
        QCOMPARE(bars.stacks.size(), 2 * h.sites.size());
        const auto cumulative = cumulativeTraffic(h);
        QVERIFY(qFuzzyCompare(cumulative.first().points.last().y(), h.totalWireBytes() / 1e6));
        QCOMPARE(epochLoss(h).size(), h.sites.size());
        QCOMPARE(rocCurves(h).size(), h.pilot.totalRounds + 1);
    }
};

QTEST_GUILESS_MAIN(TestReport)
#include "tst_report.moc"
