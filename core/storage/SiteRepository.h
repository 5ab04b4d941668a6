#pragma once
// Sites, their certificates and their one-time enrollment codes.

#include "fedpilot/engine/Result.h"
#include "storage/Database.h"

#include <QString>
#include <QVector>

#include <optional>

namespace fedpilot {

struct SiteRecord {
    qint64 id = 0;
    QString name;
    QString organization;
    QString contact;
    QString hardwareJson;
    QString status;
    QString lastSeenUtc;
    QString certificateSerial;
    QString certificateFingerprint;
    bool revoked = false;
};

class SiteRepository {
public:
    explicit SiteRepository(const Database& db) : m_db(db) {}

    // Registers a site (or returns the existing one's id; a removed site is registered again).
    engine::Result<qint64> ensure(const QString& name, const QString& organization = {}, const QString& contact = {}) const;
    std::optional<SiteRecord> findByName(const QString& name) const;
    std::optional<SiteRecord> findById(qint64 id) const;
    std::optional<SiteRecord> findBySerial(const QString& serialHex) const;
    QVector<SiteRecord> all() const;

    engine::Status setCertificate(qint64 siteId, const QString& serialHex, const QString& fingerprint, const QString& notAfterUtc) const;
    engine::Status setInfo(qint64 siteId, const QString& organization, const QString& contact, const QString& hardwareJson) const;
    engine::Status setStatus(qint64 siteId, const QString& status) const;
    engine::Status touch(qint64 siteId, const QString& status) const;  // last_seen = now
    // Revokes the site's certificate (status 'removed'); its later calls are refused.
    engine::Status revoke(qint64 siteId) const;

    // Stores the hash of a new one-time code for the site.
    engine::Status addEnrollmentCode(qint64 siteId, const QString& codeHash, const QString& expiresUtc) const;
    // Marks the code used if it exists, belongs to siteName, is unused and not expired; returns
    // the site id. Done in one UPDATE so two concurrent uses cannot both succeed.
    engine::Result<qint64> consumeEnrollmentCode(const QString& codeHash, const QString& siteName) const;

private:
    const Database& m_db;
};

}  // namespace fedpilot
