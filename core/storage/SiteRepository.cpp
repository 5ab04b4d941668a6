#include "storage/SiteRepository.h"

#include "storage/SqlSupport.h"

#include <QDateTime>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

namespace fedpilot {
namespace {

QString now()
{
    return sql::utcNow();
}

engine::Status exec(QSqlQuery& q, const char* what)
{
    return sql::exec(q, what);
}

const QString kColumns = QStringLiteral("id, name, organization, contact, hardware_json, status, last_seen_utc, "
                                        "certificate_serial, certificate_fingerprint, revoked");

SiteRecord read(const QSqlQuery& q)
{
    SiteRecord s;
    s.id = q.value(0).toLongLong();
    s.name = q.value(1).toString();
    s.organization = q.value(2).toString();
    s.contact = q.value(3).toString();
    s.hardwareJson = q.value(4).toString();
    s.status = q.value(5).toString();
    s.lastSeenUtc = q.value(6).toString();
    s.certificateSerial = q.value(7).toString();
    s.certificateFingerprint = q.value(8).toString();
    s.revoked = q.value(9).toInt() != 0;
    return s;
}

}  // namespace

engine::Result<qint64> SiteRepository::ensure(const QString& name, const QString& organization, const QString& contact) const
{
    if (auto existing = findByName(name)) {
        if (existing->revoked) {
            // A removed site registered again starts over: new code, new certificate.
            QSqlQuery q(m_db.connection());
            q.prepare(QStringLiteral("UPDATE sites SET revoked=0, revoked_utc=NULL, status='registered', certificate_serial=NULL, "
                                     "certificate_fingerprint=NULL WHERE id=?"));
            q.addBindValue(existing->id);
            if (auto s = exec(q, "cannot re-register site"); !s)
                return s;
        }
        return existing->id;
    }
    QSqlQuery q(m_db.connection());
    q.prepare(QStringLiteral("INSERT INTO sites(name, organization, contact, created_utc) VALUES(?,?,?,?)"));
    q.addBindValue(name);
    q.addBindValue(organization.isNull() ? QStringLiteral("") : organization);
    q.addBindValue(contact.isNull() ? QStringLiteral("") : contact);
    q.addBindValue(now());
    if (auto s = exec(q, "cannot register site"); !s)
        return s;
    return q.lastInsertId().toLongLong();
}

std::optional<SiteRecord> SiteRepository::findByName(const QString& name) const
{
    QSqlQuery q(m_db.connection());
    q.prepare(QStringLiteral("SELECT ") + kColumns + QStringLiteral(" FROM sites WHERE name=?"));
    q.addBindValue(name);
    if (!q.exec() || !q.next())
        return std::nullopt;
    return read(q);
}

std::optional<SiteRecord> SiteRepository::findById(qint64 id) const
{
    QSqlQuery q(m_db.connection());
    q.prepare(QStringLiteral("SELECT ") + kColumns + QStringLiteral(" FROM sites WHERE id=?"));
    q.addBindValue(id);
    if (!q.exec() || !q.next())
        return std::nullopt;
    return read(q);
}

std::optional<SiteRecord> SiteRepository::findBySerial(const QString& serialHex) const
{
    QSqlQuery q(m_db.connection());
    q.prepare(QStringLiteral("SELECT ") + kColumns + QStringLiteral(" FROM sites WHERE certificate_serial=?"));
    q.addBindValue(serialHex);
    if (!q.exec() || !q.next())
        return std::nullopt;
    return read(q);
}

QVector<SiteRecord> SiteRepository::all() const
{
    QVector<SiteRecord> out;
    QSqlQuery q(m_db.connection());
    if (q.exec(QStringLiteral("SELECT ") + kColumns + QStringLiteral(" FROM sites ORDER BY id"))) {
        while (q.next())
            out.push_back(read(q));
    }
    return out;
}

engine::Status SiteRepository::setCertificate(qint64 siteId, const QString& serialHex, const QString& fingerprint,
                                              const QString& notAfterUtc) const
{
    QSqlQuery q(m_db.connection());
    q.prepare(QStringLiteral("UPDATE sites SET certificate_serial=?, certificate_fingerprint=?, certificate_not_after_utc=?, "
                             "status='enrolled', revoked=0 WHERE id=?"));
    q.addBindValue(serialHex);
    q.addBindValue(fingerprint);
    q.addBindValue(notAfterUtc);
    q.addBindValue(siteId);
    return exec(q, "cannot store certificate");
}

engine::Status SiteRepository::setInfo(qint64 siteId, const QString& organization, const QString& contact,
                                       const QString& hardwareJson) const
{
    QSqlQuery q(m_db.connection());
    q.prepare(QStringLiteral("UPDATE sites SET organization=COALESCE(NULLIF(?, ''), organization), "
                             "contact=COALESCE(NULLIF(?, ''), contact), hardware_json=COALESCE(NULLIF(?, ''), hardware_json) WHERE id=?"));
    for (const QString* v : {&organization, &contact, &hardwareJson})
        q.addBindValue(v->isNull() ? QStringLiteral("") : *v);
    q.addBindValue(siteId);
    return exec(q, "cannot store site info");
}

engine::Status SiteRepository::setStatus(qint64 siteId, const QString& status) const
{
    QSqlQuery q(m_db.connection());
    q.prepare(QStringLiteral("UPDATE sites SET status=? WHERE id=? AND revoked=0"));
    q.addBindValue(status);
    q.addBindValue(siteId);
    return exec(q, "cannot set site status");
}

engine::Status SiteRepository::touch(qint64 siteId, const QString& status) const
{
    QSqlQuery q(m_db.connection());
    q.prepare(QStringLiteral("UPDATE sites SET status=?, last_seen_utc=? WHERE id=? AND revoked=0"));
    q.addBindValue(status);
    q.addBindValue(now());
    q.addBindValue(siteId);
    return exec(q, "cannot update last seen");
}

engine::Status SiteRepository::revoke(qint64 siteId) const
{
    QSqlQuery q(m_db.connection());
    q.prepare(QStringLiteral("UPDATE sites SET revoked=1, revoked_utc=?, status='removed' WHERE id=?"));
    q.addBindValue(now());
    q.addBindValue(siteId);
    return exec(q, "cannot revoke site");
}

engine::Status SiteRepository::addEnrollmentCode(qint64 siteId, const QString& codeHash, const QString& expiresUtc) const
{
    QSqlQuery q(m_db.connection());
    q.prepare(QStringLiteral("INSERT INTO enrollment_codes(site_id, code_hash, created_utc, expires_utc) VALUES(?,?,?,?)"));
    q.addBindValue(siteId);
    q.addBindValue(codeHash);
    q.addBindValue(now());
    q.addBindValue(expiresUtc);
    return exec(q, "cannot store enrollment code");
}

engine::Result<qint64> SiteRepository::consumeEnrollmentCode(const QString& codeHash, const QString& siteName) const
{
    using R = engine::Result<qint64>;
    const auto site = findByName(siteName);
    if (!site)
        return R::error("unknown site");
    QSqlQuery q(m_db.connection());
    q.prepare(QStringLiteral("UPDATE enrollment_codes SET used_utc=? WHERE code_hash=? AND site_id=? AND used_utc IS NULL AND expires_utc>?"));
    const QString t = now();
    q.addBindValue(t);
    q.addBindValue(codeHash);
    q.addBindValue(site->id);
    q.addBindValue(t);
    if (auto s = exec(q, "cannot check enrollment code"); !s)
        return s;
    if (q.numRowsAffected() != 1)
        return R::error("invalid, expired or already used enrollment code");
    return site->id;
}

}  // namespace fedpilot
