#pragma once
// The coordinator's own certificate authority (OpenSSL): a CA key and certificate, the server
// certificate used for TLS, signing of sites' certificate requests and verification of the
// certificates sites present. Keys are EC P-256; files are PEM in the coordinator's folder.

#include "fedpilot/engine/Result.h"

#include <memory>
#include <string>

namespace fedpilot::federation {

struct IssuedCertificate {
    std::string pem;
    std::string serialHex;
    std::string fingerprintHex;   // SHA-256 of the DER encoding
    std::string notAfterUtc;      // ISO 8601
};

struct PeerIdentity {
    std::string commonName;
    std::string serialHex;
    std::string fingerprintHex;
};

class CertificateAuthority {
public:
    // Loads ca.key/ca.pem/server.key/server.pem from dir, creating whatever is missing.
    // serverNames are extra DNS names or IP addresses for the server certificate.
    static engine::Result<CertificateAuthority> loadOrCreate(const std::string& dir,
                                                             const std::string& commonName = "FedPilot pilot CA");

    const std::string& caCertificatePem() const;
    const std::string& serverKeyPem() const;
    const std::string& serverCertificatePem() const;

    // Signs a PKCS#10 request whose subject CN must equal expectedCommonName.
    engine::Result<IssuedCertificate> signRequest(const std::string& csrPem, const std::string& expectedCommonName,
                                                  int validDays = 365) const;
    // Checks that certPem was issued by this CA and is within its validity period.
    engine::Result<PeerIdentity> verifyPeer(const std::string& certPem) const;

    struct Impl;

private:
    explicit CertificateAuthority(std::shared_ptr<Impl> impl) : d(std::move(impl)) {}
    std::shared_ptr<Impl> d;
};

// A fresh EC P-256 key and a certificate request for commonName (the site side of enrollment).
struct KeyAndRequest {
    std::string keyPem;
    std::string csrPem;
};
engine::Result<KeyAndRequest> createKeyAndRequest(const std::string& commonName);

// Identity fields of a PEM certificate without checking who signed it.
engine::Result<PeerIdentity> describeCertificate(const std::string& certPem);

}  // namespace fedpilot::federation
