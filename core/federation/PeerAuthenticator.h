#pragma once
// Who is calling: checks the client certificate of a gRPC call against the pilot's CA and the
// sites table (known serial, not revoked). Every call but Enroll goes through here; refusals are
// audited with the reason.

#include "federation/CertificateAuthority.h"
#include "storage/Database.h"
#include "storage/SiteRepository.h"

#include <grpcpp/grpcpp.h>

namespace fedpilot::federation {

class PeerAuthenticator {
public:
    PeerAuthenticator(const CertificateAuthority& ca, const Database& db) : m_ca(ca), m_db(db), m_sites(db) {}

    // OK with siteId set, or UNAUTHENTICATED / PERMISSION_DENIED with a clear message.
    grpc::Status authenticate(const grpc::ServerContext& context, const char* method, qint64& siteId) const;

private:
    grpc::Status refuse(grpc::StatusCode code, const std::string& subject, const std::string& method, const std::string& peer,
                        const std::string& why) const;

    const CertificateAuthority& m_ca;
    const Database& m_db;
    SiteRepository m_sites;
};

}  // namespace fedpilot::federation
