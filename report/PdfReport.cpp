#include "report/PdfReport.h"

#include "report/ChartData.h"
#include "report/PainterChart.h"
#include "report/PdfLayout.h"

#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>

#include <cmath>

namespace fedpilot::report {
namespace {

QString pct(double v)
{
    return formatPercent(v, 1);
}

QString num(double v, int decimals = 3)
{
    return std::isfinite(v) ? QString::number(v, 'f', decimals) : QStringLiteral("n/a");
}

QString mb(qint64 bytes)
{
    return QString::number(bytes / 1e6, 'f', 2);
}

QString jsonValueText(const QJsonValue& v)
{
    if (v.isArray() || v.isObject())
        return QString::fromUtf8(v.isArray() ? QJsonDocument(v.toArray()).toJson(QJsonDocument::Compact)
                                             : QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact));
    if (v.isBool())
        return v.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    if (v.isDouble())
        return QString::number(v.toDouble(), 'g', 6);
    return v.toString();
}

LineChartSpec lineSpec(const QString& title, const QString& xLabel, const QString& yLabel, const QVector<SeriesData>& data,
                       bool percent)
{
    LineChartSpec spec;
    spec.title = title;
    spec.xLabel = xLabel;
    spec.yLabel = yLabel;
    spec.yPercent = percent;
    for (const auto& d : data) {
        LineSeries s;
        s.name = d.name;
        s.color = seriesColor(d.colorIndex);
        s.points = d.points;
        s.dashed = d.dashed;
        s.markers = !d.dashed && d.points.size() < 40;
        s.width = d.emphasized ? 2.2 : 1.3;
        spec.series << s;
    }
    return spec;
}

void summaryPage(PdfLayout& doc, const PilotHistory& h, const PilotAssessment& a)
{
    doc.heading(QStringLiteral("Pilot report: %1").arg(h.pilot.name));
    doc.paragraph(QStringLiteral("Strategy %1 · backbone %2 · %3 of %4 rounds · %5 sites · status %6 · generated %7")
                      .arg(h.pilot.strategy, h.pilot.backbone.isEmpty() ? QStringLiteral("n/a") : h.pilot.backbone)
                      .arg(std::max(0, a.finalRound))
                      .arg(h.pilot.totalRounds)
                      .arg(h.sites.size())
                      .arg(h.pilot.status, QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyy-MM-dd HH:mm 'UTC'"))),
                  8.5, QColor(0x6b, 0x76, 0x82));
    if (a.finalRound < 1)
        doc.callout(QStringLiteral("UNDECIDED"), a.headline, QColor(0xf1, 0xf3, 0xf5), QColor(0x6b, 0x76, 0x82));
    else if (a.go)
        doc.callout(QStringLiteral("GO"), a.headline, QColor(0xe8, 0xf5, 0xee), QColor(0x1e, 0x84, 0x49));
    else
        doc.callout(QStringLiteral("NO-GO"), a.headline, QColor(0xfd, 0xec, 0xea), QColor(0xc0, 0x39, 0x2b));
    doc.tiles({{QStringLiteral("Baseline accuracy"), pct(a.baselineAccuracy)},
               {QStringLiteral("Final accuracy"), pct(a.finalPersonalizedAccuracy)},
               {QStringLiteral("Gain"), formatPoints(a.finalPersonalizedAccuracy - a.baselineAccuracy)},
               {QStringLiteral("Traffic on the wire"), formatBytes(h.totalWireBytes())}});
    doc.heading(QStringLiteral("Targets"), 2);
    QVector<QStringList> rows;
    for (const auto& c : a.checks)
        rows << QStringList{c.name, c.target, c.actual, !c.applicable ? QStringLiteral("info") : c.passed ? QStringLiteral("pass") : QStringLiteral("FAIL")};
    TableStyle style;
    style.columnWeights = {3.2, 2.6, 2.6, 0.9};
    doc.table({QStringLiteral("Check"), QStringLiteral("Target"), QStringLiteral("Result"), QStringLiteral("")}, rows, style);
}

void chartsSection(PdfLayout& doc, const PilotHistory& h)
{
    doc.heading(QStringLiteral("Accuracy and traffic"), 2);
    const auto acc = accuracySeries(h, SiteMetric::Accuracy, true);
    doc.figure(230, [&](QPainter& p, const QRectF& r) {
        drawLineChart(p, r, lineSpec(QStringLiteral("Verification accuracy per round"), QStringLiteral("round"), QStringLiteral("accuracy"), acc, true));
    });
    const auto tar = accuracySeries(h, SiteMetric::TarAt1e3, false);
    doc.figure(200, [&](QPainter& p, const QRectF& r) {
        drawLineChart(p, r, lineSpec(QStringLiteral("TAR at FAR = 1e-3 per round"), QStringLiteral("round"), QStringLiteral("TAR"), tar, true));
    });
    const auto bars = trafficPerRound(h);
    doc.figure(210, [&](QPainter& p, const QRectF& r) {
        BarChartSpec spec;
        spec.title = QStringLiteral("Traffic per round on the wire (MB), per site: down ↓ and up ↑");
        spec.yLabel = QStringLiteral("MB");
        spec.categories = bars.rounds;
        for (const auto& s : bars.stacks) {
            QColor c = seriesColor(s.colorIndex);
            if (s.up)
                c = c.lighter(135);
            spec.stacks << BarStack{s.name, c, s.megabytes};
        }
        drawStackedBarChart(p, r, spec);
    });
    const auto loss = epochLoss(h);
    if (!loss.isEmpty()) {
        doc.figure(190, [&](QPainter& p, const QRectF& r) {
            drawLineChart(p, r, lineSpec(QStringLiteral("Local training loss per epoch"), QStringLiteral("epoch"), QStringLiteral("loss"), loss, false));
        });
    }
    const auto roc = rocCurves(h);
    if (!roc.isEmpty()) {
        doc.figure(210, [&](QPainter& p, const QRectF& r) {
            auto spec = lineSpec(QStringLiteral("ROC of the global model per round"), QStringLiteral("false accept rate"),
                                 QStringLiteral("true accept rate"), roc, true);
            spec.logX = true;
            spec.integerX = false;
            drawLineChart(p, r, spec);
        });
    }
}

void evidenceSection(PdfLayout& doc, const PilotHistory& h, const ReportTargets& t)
{
    doc.newPage();
    doc.heading(QStringLiteral("Configuration"));
    QVector<QStringList> config;
    for (auto it = h.pilot.config.begin(); it != h.pilot.config.end(); ++it)
        config << QStringList{it.key(), jsonValueText(it.value())};
    if (config.isEmpty())
        config << QStringList{QStringLiteral("(none stored)"), QString()};
    TableStyle kv;
    kv.columnWeights = {1.3, 3};
    doc.table({QStringLiteral("Key"), QStringLiteral("Value")}, config, kv);

    doc.heading(QStringLiteral("Sites"), 2);
    QVector<QStringList> sites;
    for (const auto& s : h.sites) {
        const auto hw = s.hardware;
        const QString hardware = hw.isEmpty() ? QStringLiteral("n/a")
                                              : QStringLiteral("%1, %2 GB%3").arg(hw.value(QStringLiteral("cpu")).toString())
                                                    .arg(hw.value(QStringLiteral("memory_gb")).toDouble())
                                                    .arg(hw.value(QStringLiteral("gpu")).toString().isEmpty()
                                                             ? QStringLiteral(", no GPU")
                                                             : QStringLiteral(", ") + hw.value(QStringLiteral("gpu")).toString());
        sites << QStringList{s.name, s.organization, s.status, hardware};
    }
    TableStyle siteStyle;
    siteStyle.columnWeights = {1.2, 1.8, 0.8, 2.6};
    doc.table({QStringLiteral("Site"), QStringLiteral("Organization"), QStringLiteral("Status"), QStringLiteral("Hardware")}, sites, siteStyle);

    doc.heading(QStringLiteral("Participation"), 2);
    QVector<QStringList> rounds;
    for (const auto& r : h.rounds) {
        rounds << QStringList{QString::number(r.index), r.state, QString::number(r.sitesInvited), QString::number(r.sitesAccepted),
                              QString::number(r.sitesRejected), QString::number(r.sitesDropped), pct(r.accuracy), pct(r.tarFar[2]),
                              num(r.auc)};
    }
    TableStyle roundStyle;
    roundStyle.align = {Qt::AlignRight, Qt::AlignLeft, Qt::AlignRight, Qt::AlignRight, Qt::AlignRight, Qt::AlignRight,
                        Qt::AlignRight, Qt::AlignRight, Qt::AlignRight};
    doc.table({QStringLiteral("Round"), QStringLiteral("State"), QStringLiteral("Invited"), QStringLiteral("Accepted"),
               QStringLiteral("Rejected"), QStringLiteral("Dropped"), QStringLiteral("Global acc."), QStringLiteral("TAR@1e-3"),
               QStringLiteral("AUC")},
              rounds, roundStyle);

    doc.heading(QStringLiteral("Metrics per site and round"));
    QVector<QStringList> metrics;
    for (const auto& m : h.siteMetrics) {
        metrics << QStringList{QString::number(m.round), h.siteName(m.siteId), m.kind == QLatin1String("baseline") ? QStringLiteral("baseline") : m.updateStatus,
                               pct(m.genericAccuracy), pct(m.personalizedAccuracy), pct(m.kind == QLatin1String("baseline") ? m.genericTar1e3 : m.personalizedTar1e3),
                               num(m.loss), std::isfinite(m.trainSeconds) ? QString::number(m.trainSeconds, 'f', 0) : QStringLiteral("n/a"),
                               m.device.isEmpty() ? QStringLiteral("–") : m.device};
    }
    TableStyle metricStyle;
    metricStyle.columnWeights = {0.6, 1.6, 1.0, 1.0, 1.1, 1.0, 0.8, 0.8, 0.9};
    metricStyle.align = {Qt::AlignRight, Qt::AlignLeft, Qt::AlignLeft, Qt::AlignRight, Qt::AlignRight, Qt::AlignRight,
                         Qt::AlignRight, Qt::AlignRight, Qt::AlignLeft};
    doc.table({QStringLiteral("Round"), QStringLiteral("Site"), QStringLiteral("Update"), QStringLiteral("Generic"),
               QStringLiteral("Personal."), QStringLiteral("TAR@1e-3"), QStringLiteral("Loss"), QStringLiteral("Train s"),
               QStringLiteral("Device")},
              metrics, metricStyle);

    doc.heading(QStringLiteral("Traffic"));
    QVector<QStringList> traffic;
    for (int r : h.roundIndices()) {
        for (const auto& s : h.sites) {
            qint64 down = 0, up = 0, raw = 0;
            for (const auto& t : h.traffic) {
                if (t.round != r || t.siteId != s.id)
                    continue;
                (t.direction == QLatin1String("up") ? up : down) += t.bytesWire;
                raw += t.bytesRaw;
            }
            if (down + up == 0)
                continue;
            traffic << QStringList{QString::number(r), s.name, mb(down), mb(up), mb(raw),
                                   raw > 0 ? QStringLiteral("%1 %").arg(100.0 * (down + up) / raw, 0, 'f', 0) : QStringLiteral("n/a")};
        }
    }
    traffic << QStringList{QStringLiteral("all"), QStringLiteral("total"), QString(), QString(), mb(h.totalRawBytes()), mb(h.totalWireBytes()) + QStringLiteral(" MB")};
    TableStyle trafficStyle;
    trafficStyle.align = {Qt::AlignRight, Qt::AlignLeft, Qt::AlignRight, Qt::AlignRight, Qt::AlignRight, Qt::AlignRight};
    doc.table({QStringLiteral("Round"), QStringLiteral("Site"), QStringLiteral("Down MB"), QStringLiteral("Up MB"),
               QStringLiteral("Raw fp32 MB"), QStringLiteral("Wire / raw")},
              traffic, trafficStyle);

    doc.heading(QStringLiteral("Differential privacy budget"), 2);
    if (std::isfinite(h.pilot.dpEpsilon)) {
        doc.paragraph(QStringLiteral("Central DP on the aggregated update: ε = %1, δ = %2, clip norm %3, noise multiplier σ = %4.%5")
                          .arg(h.pilot.dpEpsilon, 0, 'g', 3).arg(h.pilot.dpDelta, 0, 'g', 3).arg(num(h.pilot.dpClip, 2), num(h.pilot.dpSigma, 3))
                          .arg(t.maxDpEpsilon > 0 ? QStringLiteral(" Target: ε ≤ %1.").arg(t.maxDpEpsilon, 0, 'g', 3) : QString()));
        QVector<QStringList> dp;
        for (const auto& r : h.rounds) {
            if (r.index > 0)
                dp << QStringList{QString::number(r.index), std::isfinite(r.dpEpsilonSpent) ? QString::number(r.dpEpsilonSpent, 'g', 4) : QStringLiteral("n/a")};
        }
        doc.table({QStringLiteral("Round"), QStringLiteral("ε spent (composed)")}, dp);
    } else {
        doc.paragraph(QStringLiteral("Differential privacy was off for this pilot: updates were clipped by norm bounds only."));
    }

    doc.heading(QStringLiteral("Model hashes"), 2);
    QVector<QStringList> models;
    for (const auto& m : h.models)
        models << QStringList{QString::number(m.round), m.kind, formatBytes(m.bytes), m.sha256};
    if (models.isEmpty()) {
        for (const auto& r : h.rounds) {
            if (!r.modelSha256.isEmpty())
                models << QStringList{QString::number(r.index), QStringLiteral("global"), QString(), r.modelSha256};
        }
    }
    TableStyle hashStyle;
    hashStyle.columnWeights = {0.5, 0.9, 0.8, 5.0};
    hashStyle.fontPx = 7.5;
    hashStyle.monospaceLastColumn = true;
    doc.table({QStringLiteral("Round"), QStringLiteral("Kind"), QStringLiteral("Size"), QStringLiteral("SHA-256")}, models, hashStyle);
}

}  // namespace

engine::Result<int> writePdfReport(const PilotHistory& h, const PilotAssessment& a, const ReportTargets& targets, const QString& path)
{
    const QString partial = path + QStringLiteral(".partial");
    int pages = 0;
    {
        PdfLayout doc(partial, QStringLiteral("FedPilot · %1").arg(h.pilot.name));
        if (!doc.isOpen())
            return engine::Result<int>::error("cannot write " + path.toStdString());
        summaryPage(doc, h, a);
        chartsSection(doc, h);
        evidenceSection(doc, h, targets);
        pages = doc.pageCount();
        if (!doc.finish()) {
            QFile::remove(partial);
            return engine::Result<int>::error("cannot finish " + path.toStdString());
        }
    }
    QFile::remove(path);
    if (!QFile::rename(partial, path)) {
        QFile::remove(partial);
        return engine::Result<int>::error("cannot move the report into place at " + path.toStdString());
    }
    return pages;
}

}  // namespace fedpilot::report
