#include "services/CoordinatorService.h"

#include "federation/CertificateAuthority.h"
#include "federation/Coordinator.h"
#include "storage/PilotRepository.h"
#include "storage/RoundRepository.h"
#include "storage/SiteRepository.h"
#include "storage/TrafficRepository.h"

#include <QDateTime>
#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>

#include <openssl/rand.h>

#include <map>

namespace fedpilot {

using engine::Result;
using engine::Status;

CoordinatorService::CoordinatorService(QString dir)
    : m_dir(std::move(dir))
{
}

CoordinatorService::~CoordinatorService() = default;

QString CoordinatorService::caCertificatePath() const
{
    return QDir(m_dir).filePath(QStringLiteral("pki/ca.pem"));
}

Status CoordinatorService::init(const federation::PilotConfig& config)
{
    if (!QDir().mkpath(m_dir))
        return Status::error("cannot create " + m_dir.toStdString());
    const QString path = QDir(m_dir).filePath(QStringLiteral("pilot.json"));
    if (QFile::exists(path)) {
        auto existing = federation::loadPilotConfig(path);
        if (existing && existing->name != config.name)
            return Status::error("the folder already holds pilot '" + existing->name.toStdString() + "'");
    }
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(QJsonDocument(federation::toJson(config)).toJson()) < 0 || !file.commit())
        return Status::error("cannot write " + path.toStdString());
    m_config = config;
    return Status::ok();
}

Status CoordinatorService::open()
{
    auto config = federation::loadPilotConfig(QDir(m_dir).filePath(QStringLiteral("pilot.json")));
    if (!config)
        return Status::error(config.message() + " (run 'coordinator init' first)");
    m_config = config.value();
    m_db = std::make_unique<Database>(QDir(m_dir).filePath(QStringLiteral("coordinator.db")));
    if (auto s = m_db->open(); !s)
        return s;
    auto ca = federation::CertificateAuthority::loadOrCreate(QDir(m_dir).filePath(QStringLiteral("pki")).toStdString(),
                                                             "FedPilot CA for " + m_config.name.toStdString());
    return ca.status();
}

Result<QString> CoordinatorService::issueEnrollmentCode(const QString& siteName, const QString& organization,
                                                        const QString& contact, int validHours)
{
    using R = Result<QString>;
    if (siteName.isEmpty() || siteName.size() > 100)
        return R::error("a site name has 1 to 100 characters");
    SiteRepository sites(*m_db);
    auto id = sites.ensure(siteName, organization, contact);
    if (!id)
        return id.status();
    // 100 random bits in 20 base-32 characters, grouped for reading over the phone.
    static const char* alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    unsigned char random[20];
    if (RAND_bytes(random, sizeof(random)) != 1)
        return R::error("no randomness for the code");
    QString code;
    for (int i = 0; i < 20; ++i) {
        if (i > 0 && i % 5 == 0)
            code += QLatin1Char('-');
        code += QLatin1Char(alphabet[random[i] % 32]);
    }
    const QString expires = QDateTime::currentDateTimeUtc().addSecs(qint64(validHours) * 3600).toString(Qt::ISODateWithMs);
    if (auto s = sites.addEnrollmentCode(id.value(), federation::hashEnrollmentCode(code.toStdString()), expires); !s)
        return s;
    m_db->logEvent(QStringLiteral("info"), QStringLiteral("enrollment"), siteName,
                   QStringLiteral("enrollment code issued, valid until %1").arg(expires));
    return code;
}

Status CoordinatorService::removeSite(const QString& siteName)
{
    SiteRepository sites(*m_db);
    const auto site = sites.findByName(siteName);
    if (!site)
        return Status::error("no site named '" + siteName.toStdString() + "'");
    if (auto s = sites.revoke(site->id); !s)
        return s;
    m_db->logEvent(QStringLiteral("security"), QStringLiteral("enrollment"), siteName,
                   QStringLiteral("site removed; certificate %1 revoked").arg(site->certificateSerial));
    return Status::ok();
}

Status CoordinatorService::run(const QString& listen, const std::atomic<bool>* cancel, const std::function<void(int)>& onListening,
                               const ProgressFn& progress)
{
    auto ca = federation::CertificateAuthority::loadOrCreate(QDir(m_dir).filePath(QStringLiteral("pki")).toStdString());
    if (!ca)
        return ca.status();
    federation::Coordinator coordinator(*m_db, ca.value(), m_config, m_dir.toStdString());
    if (auto s = coordinator.prepare(progress, cancel); !s)
        return s;
    if (auto s = coordinator.start(listen.toStdString()); !s)
        return s;
    if (onListening)
        onListening(coordinator.port());
    auto status = coordinator.waitFinished(cancel);
    coordinator.stop();
    return status;
}

QJsonObject CoordinatorService::summary() const
{
    PilotRepository pilots(*m_db);
    RoundRepository rounds(*m_db);
    SiteRepository sites(*m_db);
    TrafficRepository traffic(*m_db);
    const auto pilot = pilots.findByName(m_config.name);
    if (!pilot)
        return {};
    std::map<qint64, QString> names;
    for (const auto& s : sites.all())
        names[s.id] = s.name;
    // bytes[round][site][direction] = (raw, wire)
    std::map<int, std::map<qint64, std::map<QString, QPair<qint64, qint64>>>> bytes;
    qint64 totalRaw[2] = {0, 0}, totalWire[2] = {0, 0};
    for (const auto& t : traffic.forPilot(pilot->id)) {
        auto& b = bytes[t.roundIndex][t.siteId][t.direction];
        b.first += t.bytesRaw;
        b.second += t.bytesWire;
        const int d = t.direction == QStringLiteral("up") ? 0 : 1;
        totalRaw[d] += t.bytesRaw;
        totalWire[d] += t.bytesWire;
    }
    auto bytesJson = [&](int round, qint64 site) {
        const auto& b = bytes[round][site];
        const auto up = b.count(QStringLiteral("up")) ? b.at(QStringLiteral("up")) : QPair<qint64, qint64>(0, 0);
        const auto down = b.count(QStringLiteral("down")) ? b.at(QStringLiteral("down")) : QPair<qint64, qint64>(0, 0);
        return QJsonObject{{QStringLiteral("bytes_up"), up.second}, {QStringLiteral("bytes_up_raw"), up.first},
                           {QStringLiteral("bytes_down"), down.second}, {QStringLiteral("bytes_down_raw"), down.first}};
    };
    QJsonArray roundsJson;
    for (const auto& r : rounds.all(pilot->id)) {
        QJsonArray sitesJson;
        qint64 up = 0, down = 0, upRaw = 0, downRaw = 0;
        for (const auto& m : rounds.siteMetrics(pilot->id, r.roundIndex)) {
            QJsonObject o = bytesJson(r.roundIndex, m.siteId);
            o.insert(QStringLiteral("site"), names[m.siteId]);
            o.insert(QStringLiteral("kind"), m.kind);
            o.insert(QStringLiteral("loss"), m.loss);
            o.insert(QStringLiteral("generic_accuracy"), m.genericAccuracy);
            o.insert(QStringLiteral("generic_auc"), m.genericAuc);
            o.insert(QStringLiteral("personalized_accuracy"), m.personalizedAccuracy);
            o.insert(QStringLiteral("personalized_auc"), m.personalizedAuc);
            o.insert(QStringLiteral("samples"), m.samples);
            o.insert(QStringLiteral("train_seconds"), m.trainSeconds);
            o.insert(QStringLiteral("device"), m.device);
            o.insert(QStringLiteral("update_norm"), m.updateNorm);
            sitesJson.append(o);
        }
        for (const auto& [site, dirs] : bytes[r.roundIndex]) {
            Q_UNUSED(site);
            for (const auto& [dir, b] : dirs) {
                (dir == QStringLiteral("up") ? up : down) += b.second;
                (dir == QStringLiteral("up") ? upRaw : downRaw) += b.first;
            }
        }
        const auto statuses = rounds.updateStatuses(pilot->id, r.roundIndex);
        for (int i = 0; i < sitesJson.size(); ++i) {
            QJsonObject o = sitesJson[i].toObject();
            for (const auto& [siteId, status] : statuses) {
                if (names[siteId] == o.value(QStringLiteral("site")).toString() && o.value(QStringLiteral("kind")).toString() == QStringLiteral("round"))
                    o.insert(QStringLiteral("update_status"), status);
            }
            sitesJson[i] = o;
        }
        roundsJson.append(QJsonObject{
            {QStringLiteral("round"), r.roundIndex},
            {QStringLiteral("state"), r.state},
            {QStringLiteral("accuracy"), r.accuracy},
            {QStringLiteral("auc"), r.auc},
            {QStringLiteral("eer"), r.eer},
            {QStringLiteral("tar_at_far_1e-2"), r.tarFar[1]},
            {QStringLiteral("tar_at_far_1e-3"), r.tarFar[2]},
            {QStringLiteral("sites_accepted"), r.sitesAccepted},
            {QStringLiteral("sites_rejected"), r.sitesRejected},
            {QStringLiteral("sites_dropped"), r.sitesDropped},
            {QStringLiteral("samples"), r.samples},
            {QStringLiteral("aggregation_ms"), r.aggregationMs},
            {QStringLiteral("update_norm_mean"), r.updateNormMean},
            {QStringLiteral("dp_epsilon_spent"), r.dpEpsilonSpent},
            {QStringLiteral("model_sha256"), r.modelSha256},
            {QStringLiteral("failure_reason"), r.failureReason},
            {QStringLiteral("bytes_up"), up},
            {QStringLiteral("bytes_up_raw"), upRaw},
            {QStringLiteral("bytes_down"), down},
            {QStringLiteral("bytes_down_raw"), downRaw},
            {QStringLiteral("sites"), sitesJson},
        });
    }
    return QJsonObject{
        {QStringLiteral("pilot"), pilot->name},
        {QStringLiteral("strategy"), pilot->strategy},
        {QStringLiteral("status"), pilot->status},
        {QStringLiteral("total_rounds"), pilot->totalRounds},
        {QStringLiteral("completed_rounds"), pilot->completedRounds},
        {QStringLiteral("config"), federation::toJson(m_config)},
        {QStringLiteral("rounds"), roundsJson},
        {QStringLiteral("traffic"), QJsonObject{{QStringLiteral("bytes_up"), totalWire[0]}, {QStringLiteral("bytes_up_raw"), totalRaw[0]},
                                                {QStringLiteral("bytes_down"), totalWire[1]}, {QStringLiteral("bytes_down_raw"), totalRaw[1]}}},
    };
}

}  // namespace fedpilot
