#include "report/DemoHistory.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QJsonArray>
#include <QRandomGenerator>

#include <algorithm>
#include <cmath>

namespace fedpilot::report {
namespace {

struct DemoSite {
    const char* name;
    const char* organization;
    const char* contact;
    const char* cpu;
    int cores;
    int memoryGb;
    const char* gpu;
};

constexpr DemoSite kSites[] = {
    {"lyon-hcl", "Hospices Civils de Lyon", "it-research@chu-lyon.example", "AMD EPYC 7313", 16, 128, "NVIDIA A100 40GB"},
    {"porto-cuf", "CUF Porto Clinic", "dpo@cuf-porto.example", "Intel Xeon Silver 4314", 16, 64, "NVIDIA RTX A4000"},
    {"aachen-lab", "RWTH Aachen Vision Lab", "fl-pilot@rwth.example", "Intel Core i9-13900K", 24, 64, "NVIDIA RTX 4090"},
    {"uppsala-mc", "Uppsala Medical Center", "pilot@uu-med.example", "AMD Ryzen 9 7950X", 16, 32, ""},
    {"gent-uz", "UZ Gent", "research-it@uzgent.example", "Intel Xeon W-2245", 8, 64, "NVIDIA T4"},
    {"bologna-irccs", "IRCCS Bologna", "ict@irccs-bo.example", "Intel Core i7-12700", 12, 32, ""},
};

// Power-law ROC with the given AUC: TAR = FAR^a, AUC = 1 / (1 + a).
QVector<QPointF> rocForAuc(double auc)
{
    const double a = 1.0 / std::clamp(auc, 0.55, 0.9995) - 1.0;
    QVector<QPointF> out;
    out << QPointF(0, 0);
    for (int i = 0; i <= 48; ++i) {
        const double far = std::pow(10.0, -4.0 + 4.0 * i / 48.0);
        out << QPointF(far, std::pow(far, a));
    }
    return out;
}

double tarAt(double auc, double far)
{
    const double a = 1.0 / std::clamp(auc, 0.55, 0.9995) - 1.0;
    return std::pow(far, a);
}

QString fakeSha(const QString& seed)
{
    return QString::fromLatin1(QCryptographicHash::hash(seed.toUtf8(), QCryptographicHash::Sha256).toHex());
}

}  // namespace

PilotHistory makeDemoHistory(const DemoHistoryOptions& o)
{
    QRandomGenerator rng(static_cast<quint32>(o.seed * 2654435761u + 17));
    const auto uniform = [&](double lo, double hi) { return lo + (hi - lo) * rng.generateDouble(); };
    const bool ada = o.strategy == QLatin1String("adafedfr");
    const bool local = o.strategy == QLatin1String("local");
    const int siteCount = std::clamp(o.sites, 1, 6);
    const int completed = o.completedRounds < 0 ? o.rounds : std::min(o.completedRounds, o.rounds);
    const QDateTime start = QDateTime(QDate(2025, 3, 4), QTime(9, 0), Qt::UTC);

    PilotHistory h;
    auto& p = h.pilot;
    p.id = 1;
    p.name = o.name;
    p.strategy = o.strategy;
    p.backbone = QStringLiteral("mobilefacenet");
    p.status = completed >= o.rounds ? QStringLiteral("finished") : QStringLiteral("running");
    p.totalRounds = o.rounds;
    p.completedRounds = completed;
    p.config = QJsonObject{{QStringLiteral("name"), o.name},
                           {QStringLiteral("strategy"), o.strategy},
                           {QStringLiteral("backbone"), QStringLiteral("mobilefacenet")},
                           {QStringLiteral("input_size"), 112},
                           {QStringLiteral("embedding_size"), 512},
                           {QStringLiteral("rounds"), o.rounds},
                           {QStringLiteral("local_epochs"), QJsonArray{o.epochsPerRound}},
                           {QStringLiteral("batch_size"), 64},
                           {QStringLiteral("learning_rate"), 0.01},
                           {QStringLiteral("k"), 30},
                           {QStringLiteral("min_sites"), std::max(1, siteCount - 1)},
                           {QStringLiteral("round_timeout_s"), 900},
                           {QStringLiteral("compression"), QStringLiteral("fp16+zstd")}};
    if (o.dpEpsilon > 0) {
        p.dpEpsilon = o.dpEpsilon;
        p.dpDelta = 1e-5;
        p.dpClip = 1.0;
        p.dpSigma = 0.9;
        p.config.insert(QStringLiteral("dp_epsilon"), o.dpEpsilon);
    }
    p.createdUtc = start.toString(Qt::ISODate);
    p.updatedUtc = start.addSecs(3600L * (completed + 1)).toString(Qt::ISODate);

    QVector<double> baseline(siteCount), gain(siteCount), tarBase(siteCount);
    for (int s = 0; s < siteCount; ++s) {
        const auto& d = kSites[s];
        HistorySite site;
        site.id = s + 1;
        site.name = QString::fromLatin1(d.name);
        site.organization = QString::fromLatin1(d.organization);
        site.contact = QString::fromLatin1(d.contact);
        site.status = p.status == QLatin1String("running") ? (s == 0 ? QStringLiteral("training") : QStringLiteral("online"))
                                                          : QStringLiteral("enrolled");
        site.lastSeenUtc = p.updatedUtc;
        site.hardware = QJsonObject{{QStringLiteral("cpu"), QString::fromLatin1(d.cpu)},
                                    {QStringLiteral("cores"), d.cores},
                                    {QStringLiteral("memory_gb"), d.memoryGb},
                                    {QStringLiteral("gpu"), QString::fromLatin1(d.gpu)}};
        h.sites << site;
        baseline[s] = uniform(0.78, 0.87);
        tarBase[s] = uniform(0.38, 0.55);
        gain[s] = ada ? uniform(0.06, 0.10) : local ? uniform(0.01, 0.04) : uniform(0.015, 0.035);
    }

    const double modelRaw = 4.2e6;  // MobileFaceNet fp32 bytes
    const double repsRaw = ada ? 60 * 512 * 4.0 : 0;
    for (int r = 0; r <= completed; ++r) {
        HistoryRound round;
        round.index = r;
        round.state = QStringLiteral("completed");
        round.startedUtc = start.addSecs(3600L * r).toString(Qt::ISODate);
        round.closedUtc = start.addSecs(3600L * r + 2400).toString(Qt::ISODate);
        const double progress = 1.0 - std::exp(-r / 1.1);
        const double globalAuc = 0.955 + (ada ? 0.02 : 0.012) * progress + uniform(-0.002, 0.002);
        round.accuracy = 0.872 + (ada ? 0.035 : 0.02) * progress + uniform(-0.003, 0.003);
        round.auc = globalAuc;
        round.eer = 1.0 - round.accuracy + 0.01;
        const double fars[4] = {1e-1, 1e-2, 1e-3, 1e-4};
        for (int i = 0; i < 4; ++i)
            round.tarFar[i] = tarAt(globalAuc, fars[i]);
        round.roc = rocForAuc(globalAuc);
        round.modelSha256 = fakeSha(o.name + QString::number(r));
        if (r >= 1) {
            round.sitesInvited = siteCount;
            round.sitesAccepted = siteCount - ((r == 2 && siteCount > 3) ? 1 : 0);
            round.sitesDropped = siteCount - round.sitesAccepted;
            round.aggregationMs = uniform(180, 420);
            round.updateNormMean = uniform(2.0, 4.0) / r;
            if (o.dpEpsilon > 0)
                round.dpEpsilonSpent = o.dpEpsilon * r / o.rounds;
        }
        h.models << HistoryModelVersion{r, QStringLiteral("global"), round.modelSha256,
                                        QStringLiteral("models/global_r%1.fptb").arg(r), qint64(modelRaw / 2)};
        h.rounds << round;

        for (int s = 0; s < siteCount; ++s) {
            const qint64 siteKey = s + 1;
            const qint64 samples = 900 + 150 * s;
            HistorySiteMetrics m;
            m.round = r;
            m.siteId = siteKey;
            m.samples = samples;
            if (r == 0) {
                m.kind = QStringLiteral("baseline");
                m.genericAccuracy = baseline[s];
                m.genericTar1e3 = tarBase[s];
                m.updateStatus = QStringLiteral("none");
                h.siteMetrics << m;
                continue;
            }
            const bool late = r == 2 && siteCount > 3 && s == siteCount - 1;
            m.kind = QStringLiteral("round");
            m.updateStatus = late ? QStringLiteral("late") : QStringLiteral("accepted");
            m.personalizedAccuracy = std::min(0.995, baseline[s] + gain[s] * progress + uniform(-0.004, 0.004));
            m.genericAccuracy = std::min(0.99, baseline[s] + 0.35 * gain[s] * progress + uniform(-0.004, 0.004));
            m.personalizedTar1e3 = std::min(0.99, tarBase[s] + 2.2 * gain[s] * progress);
            m.genericTar1e3 = std::min(0.99, tarBase[s] + 0.8 * gain[s] * progress);
            m.identificationTop1 = m.personalizedAccuracy - 0.05;
            const bool gpu = kSites[s].gpu[0] != '\0';
            m.device = gpu ? QStringLiteral("cuda:0") : QStringLiteral("cpu");
            m.imagesPerSec = gpu ? uniform(850, 1400) : uniform(55, 90);
            m.trainSeconds = samples * o.epochsPerRound / m.imagesPerSec;
            m.updateNorm = round.updateNormMean * uniform(0.8, 1.2);
            for (int e = 0; e < o.epochsPerRound; ++e) {
                const double t = (r - 1) * o.epochsPerRound + e;
                m.epochLoss << (ada ? 9.5 : 8.0) * std::exp(-0.22 * t) + 1.2 + uniform(-0.08, 0.08) + 0.1 * s;
            }
            m.loss = m.epochLoss.last();
            h.siteMetrics << m;

            const double downRaw = modelRaw + repsRaw;
            h.traffic << HistoryTraffic{r, siteKey, QStringLiteral("down"), QStringLiteral("model"), qint64(downRaw),
                                        qint64(downRaw * uniform(0.44, 0.47)), 33};
            h.traffic << HistoryTraffic{r, siteKey, QStringLiteral("up"), QStringLiteral("update"), qint64(modelRaw),
                                        qint64(modelRaw * uniform(0.45, 0.49)), 33};
            h.traffic << HistoryTraffic{r, siteKey, QStringLiteral("up"), QStringLiteral("control"), 0,
                                        qint64(uniform(9e3, 14e3)), 40};
        }
    }
    if (completed < o.rounds) {
        // The round in progress: open, no metrics yet (the live view shows it as collecting).
        HistoryRound open;
        open.index = completed + 1;
        open.state = QStringLiteral("collecting");
        open.startedUtc = start.addSecs(3600L * (completed + 1)).toString(Qt::ISODate);
        open.sitesInvited = siteCount;
        h.rounds << open;
    }
    return h;
}

}  // namespace fedpilot::report
