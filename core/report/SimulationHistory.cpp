#include "report/SimulationHistory.h"

#include <QDateTime>
#include <QJsonArray>

#include <cmath>

namespace fedpilot::report {
namespace {

// int8 + zstd updates and int8 model deltas: 0.245-0.25x of fp32 on the wire (docs/benchmarks.md).
constexpr double kWireRatio = 0.25;

double tarAt(const engine::VerificationMetrics& m, std::size_t i)
{
    return i < m.tarAtFar.size() && m.tarAtFar[i].available ? m.tarAtFar[i].tar : kMissing;
}

}  // namespace

PilotHistory historyFromSimulation(const QString& pilotName, const engine::SimulationOptions& o,
                                   const engine::SimulationResult& result)
{
    PilotHistory h;
    const QString now = QDateTime::currentDateTimeUtc().toString(Qt::ISODate);
    auto& p = h.pilot;
    p.name = pilotName;
    p.strategy = QString::fromLatin1(engine::toString(o.strategy));
    p.backbone = QString::fromLatin1(engine::toString(o.model.backbone));
    const int completed = static_cast<int>(result.rounds.size()) - 1;
    p.totalRounds = o.rounds;
    p.completedRounds = std::max(0, completed);
    p.status = completed >= o.rounds ? QStringLiteral("finished") : QStringLiteral("failed");
    p.config = QJsonObject{{QStringLiteral("name"), pilotName},
                           {QStringLiteral("strategy"), p.strategy},
                           {QStringLiteral("backbone"), p.backbone},
                           {QStringLiteral("input_size"), o.model.inputSize},
                           {QStringLiteral("embedding_size"), o.model.embeddingSize},
                           {QStringLiteral("rounds"), o.rounds},
                           {QStringLiteral("local_epochs"), QJsonArray{o.local.epochs}},
                           {QStringLiteral("batch_size"), o.local.batchSize},
                           {QStringLiteral("learning_rate"), o.local.optim.learningRate},
                           {QStringLiteral("sites"), o.sites},
                           {QStringLiteral("simulation"), true}};
    if (o.dpEpsilon > 0) {
        p.dpEpsilon = o.dpEpsilon;
        p.dpDelta = o.dpDelta;
        p.dpClip = o.dpClip;
        p.dpSigma = result.dpSigma;
    }
    p.createdUtc = now;
    p.updatedUtc = now;

    for (int s = 0; s < o.sites; ++s) {
        HistorySite site;
        site.id = s + 1;
        site.name = QStringLiteral("sim-site-%1").arg(s + 1);
        site.organization = QStringLiteral("Simulated site");
        site.status = QStringLiteral("enrolled");
        site.lastSeenUtc = now;
        h.sites << site;
    }
    const double modelRaw = static_cast<double>(result.modelParameters) * 4.0;
    for (const auto& rr : result.rounds) {
        HistoryRound r;
        r.index = rr.round;
        r.state = QStringLiteral("completed");
        r.startedUtc = now;
        r.closedUtc = now;
        r.accuracy = rr.generic.accuracy;
        r.auc = rr.generic.auc;
        r.eer = rr.generic.eer;
        for (std::size_t i = 0; i < 4; ++i)
            r.tarFar[i] = tarAt(rr.generic, i);
        for (const auto& pt : rr.generic.roc)
            r.roc << QPointF(pt.far, pt.tar);
        r.sitesInvited = rr.round > 0 ? o.sites : 0;
        r.sitesAccepted = rr.round > 0 ? static_cast<int>(rr.sites.size()) : 0;
        if (o.dpEpsilon > 0 && rr.round > 0)
            r.dpEpsilonSpent = o.dpEpsilon * rr.round / std::max(1, o.rounds);
        h.rounds << r;
        for (const auto& sr : rr.sites) {
            HistorySiteMetrics m;
            m.round = rr.round;
            m.siteId = sr.site + 1;
            m.kind = rr.round == 0 ? QStringLiteral("baseline") : QStringLiteral("round");
            m.updateStatus = rr.round == 0 ? QStringLiteral("none") : QStringLiteral("accepted");
            if (rr.round == 0) {
                m.genericAccuracy = sr.personalized.accuracy;
                m.genericTar1e3 = tarAt(sr.personalized, 2);
            } else {
                m.personalizedAccuracy = sr.personalized.accuracy;
                m.personalizedTar1e3 = tarAt(sr.personalized, 2);
                m.loss = sr.training.finalLoss;
                m.trainSeconds = sr.training.seconds;
                m.imagesPerSec = sr.training.imagesPerSec;
                m.device = QString::fromStdString(sr.training.device);
                m.updateNorm = sr.updateNorm;
                for (double v : sr.training.epochLoss)
                    m.epochLoss << v;
            }
            m.samples = sr.samples;
            h.siteMetrics << m;
            if (rr.round > 0) {
                const double up = sr.updateBytesFp32 > 0 ? double(sr.updateBytesFp32) : modelRaw;
                h.traffic << HistoryTraffic{rr.round, m.siteId, QStringLiteral("down"), QStringLiteral("model"), qint64(modelRaw),
                                            qint64(modelRaw * kWireRatio), 1};
                h.traffic << HistoryTraffic{rr.round, m.siteId, QStringLiteral("up"), QStringLiteral("update"), qint64(up),
                                            qint64(up * kWireRatio), 1};
            }
        }
    }
    return h;
}

}  // namespace fedpilot::report
