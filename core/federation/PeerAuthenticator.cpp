#include "federation/PeerAuthenticator.h"

namespace fedpilot::federation {

grpc::Status PeerAuthenticator::refuse(grpc::StatusCode code, const std::string& subject, const std::string& method,
                                       const std::string& peer, const std::string& why) const
{
    m_db.logEvent(QStringLiteral("security"), QStringLiteral("authentication"), QString::fromStdString(subject),
                  QStringLiteral("%1 refused for %2: %3").arg(QString::fromStdString(method), QString::fromStdString(peer),
                                                              QString::fromStdString(why)));
    return grpc::Status(code, why);
}

grpc::Status PeerAuthenticator::authenticate(const grpc::ServerContext& context, const char* method, qint64& siteId) const
{
    const std::string peer = context.peer();
    const auto auth = context.auth_context();
    const auto pems = auth ? auth->FindPropertyValues("x509_pem_cert") : std::vector<grpc::string_ref>{};
    if (pems.empty())
        return refuse(grpc::StatusCode::UNAUTHENTICATED, peer, method, peer,
                      "a client certificate issued by this pilot's CA is required (enroll first)");
    const std::string pem(pems.front().data(), pems.front().size());
    auto identity = m_ca.verifyPeer(pem);
    if (!identity)
        return refuse(grpc::StatusCode::UNAUTHENTICATED, peer, method, peer, identity.message());
    const auto site = m_sites.findBySerial(QString::fromStdString(identity->serialHex));
    if (!site || site->name.toStdString() != identity->commonName)
        return refuse(grpc::StatusCode::UNAUTHENTICATED, identity->commonName, method, peer,
                      "certificate " + identity->serialHex + " is not the current certificate of a registered site");
    if (site->revoked)
        return refuse(grpc::StatusCode::PERMISSION_DENIED, identity->commonName, method, peer,
                      "site '" + identity->commonName + "' was removed from the pilot; its certificate is revoked");
    siteId = site->id;
    return grpc::Status::OK;
}

}  // namespace fedpilot::federation
