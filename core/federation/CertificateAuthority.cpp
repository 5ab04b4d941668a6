#include "federation/CertificateAuthority.h"

#include "federation/Protocol.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fedpilot::federation {
namespace {

using engine::Result;
using engine::Status;

template <typename T, void (*F)(T*)>
struct Deleter {
    void operator()(T* p) const { F(p); }
};
using PKey = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using Cert = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using Req = std::unique_ptr<X509_REQ, Deleter<X509_REQ, X509_REQ_free>>;
using Bio = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using Bn = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;

PKey newKey()
{
    return PKey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
}

std::string keyToPem(EVP_PKEY* key)
{
    Bio bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
        return {};
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}

std::string certToPem(X509* cert)
{
    Bio bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1)
        return {};
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}

PKey keyFromPem(const std::string& pem)
{
    Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    return PKey(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
}

Cert certFromPem(const std::string& pem)
{
    Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    return Cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
}

std::string hex(const unsigned char* data, std::size_t n)
{
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < n; ++i) {
        out += digits[data[i] >> 4];
        out += digits[data[i] & 15];
    }
    return out;
}

std::string serialOf(X509* cert)
{
    Bn bn(ASN1_INTEGER_to_BN(X509_get_serialNumber(cert), nullptr));
    if (!bn)
        return {};
    char* h = BN_bn2hex(bn.get());
    std::string out = h ? h : "";
    OPENSSL_free(h);
    for (auto& c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string fingerprintOf(X509* cert)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (X509_digest(cert, EVP_sha256(), md, &n) != 1)
        return {};
    return hex(md, n);
}

std::string commonNameOf(X509_NAME* name)
{
    char buffer[256] = {0};
    if (X509_NAME_get_text_by_NID(name, NID_commonName, buffer, sizeof(buffer)) < 0)
        return {};
    return buffer;
}

std::string notAfterOf(X509* cert)
{
    struct tm t {};
    if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &t) != 1)
        return {};
    char buffer[32];
    std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%SZ", &t);
    return buffer;
}

bool addExtension(X509* cert, X509* issuer, int nid, const char* value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    if (!ext)
        return false;
    const bool ok = X509_add_ext(cert, ext, -1) == 1;
    X509_EXTENSION_free(ext);
    return ok;
}

// A certificate for subject/publicKey signed by issuerKey (self-signed when issuer is null).
Cert makeCertificate(const std::string& commonName, EVP_PKEY* publicKey, X509* issuer, EVP_PKEY* issuerKey, int days, bool isCa,
                     const std::string& subjectAltNames)
{
    Cert cert(X509_new());
    if (!cert)
        return {};
    X509_set_version(cert.get(), 2);
    // 128-bit random serials: unique without a counter that would need its own persistence.
    unsigned char serial[16];
    RAND_bytes(serial, sizeof(serial));
    serial[0] &= 0x7f;  // positive
    Bn bn(BN_bin2bn(serial, sizeof(serial), nullptr));
    BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get()));
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);  // tolerate clocks an hour apart
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(days) * 86400);
    X509_set_pubkey(cert.get(), publicKey);
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("FedPilot"), -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(commonName.c_str()), -1, -1, 0);
    X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : name);
    X509* issuerCert = issuer ? issuer : cert.get();
    bool ok = addExtension(cert.get(), issuerCert, NID_basic_constraints, isCa ? "critical,CA:TRUE" : "critical,CA:FALSE")
        && addExtension(cert.get(), issuerCert, NID_key_usage, isCa ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature,keyAgreement")
        && addExtension(cert.get(), issuerCert, NID_subject_key_identifier, "hash");
    if (!isCa)
        ok = ok && addExtension(cert.get(), issuerCert, NID_ext_key_usage, "serverAuth,clientAuth");
    if (!subjectAltNames.empty())
        ok = ok && addExtension(cert.get(), issuerCert, NID_subject_alt_name, subjectAltNames.c_str());
    if (!ok || X509_sign(cert.get(), issuerKey, EVP_sha256()) <= 0)
        return {};
    return cert;
}

Result<std::string> readFile(const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return Result<std::string>::error("cannot read " + path.string());
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

Status writeFile(const std::filesystem::path& path, const std::string& data, bool secret)
{
    const auto partial = path.string() + ".partial";
    {
        std::ofstream out(partial, std::ios::binary | std::ios::trunc);
        if (!out)
            return Status::error("cannot write " + partial);
        if (secret)
            std::filesystem::permissions(partial, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
        out << data;
        if (!out.flush())
            return Status::error("cannot write " + partial);
    }
    std::error_code ec;
    std::filesystem::rename(partial, path, ec);
    if (ec)
        return Status::error("cannot rename " + partial + ": " + ec.message());
    return Status::ok();
}

}  // namespace

struct CertificateAuthority::Impl {
    PKey caKey;
    Cert caCert;
    std::string caPem;
    std::string serverKeyPem;
    std::string serverCertPem;
};

Result<CertificateAuthority> CertificateAuthority::loadOrCreate(const std::string& dir, const std::string& commonName)
{
    using R = Result<CertificateAuthority>;
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::create_directories(dir, ec);
    const fs::path base(dir);
    auto impl = std::make_shared<Impl>();
    if (fs::exists(base / "ca.key") && fs::exists(base / "ca.pem")) {
        auto key = readFile(base / "ca.key");
        auto pem = readFile(base / "ca.pem");
        if (!key || !pem)
            return R::error(!key ? key.message() : pem.message());
        impl->caKey = keyFromPem(key.value());
        impl->caCert = certFromPem(pem.value());
        if (!impl->caKey || !impl->caCert)
            return R::error("the CA files in " + dir + " are not a PEM key and certificate");
        impl->caPem = pem.value();
    } else {
        impl->caKey = newKey();
        if (!impl->caKey)
            return R::error("cannot generate the CA key");
        impl->caCert = makeCertificate(commonName, impl->caKey.get(), nullptr, impl->caKey.get(), 3650, true, {});
        if (!impl->caCert)
            return R::error("cannot create the CA certificate");
        impl->caPem = certToPem(impl->caCert.get());
        if (auto s = writeFile(base / "ca.key", keyToPem(impl->caKey.get()), true); !s)
            return s;
        if (auto s = writeFile(base / "ca.pem", impl->caPem, false); !s)
            return s;
        fs::remove(base / "server.pem", ec);  // a new CA invalidates the old server certificate
    }
    if (fs::exists(base / "server.key") && fs::exists(base / "server.pem")) {
        auto key = readFile(base / "server.key");
        auto pem = readFile(base / "server.pem");
        if (!key || !pem)
            return R::error(!key ? key.message() : pem.message());
        impl->serverKeyPem = key.value();
        impl->serverCertPem = pem.value();
    } else {
        PKey serverKey = newKey();
        const std::string san = std::string("DNS:") + kServerCertificateName + ",DNS:localhost,IP:127.0.0.1";
        Cert server = serverKey ? makeCertificate(kServerCertificateName, serverKey.get(), impl->caCert.get(), impl->caKey.get(), 825, false, san)
                                : Cert();
        if (!server)
            return R::error("cannot create the server certificate");
        impl->serverKeyPem = keyToPem(serverKey.get());
        impl->serverCertPem = certToPem(server.get());
        if (auto s = writeFile(base / "server.key", impl->serverKeyPem, true); !s)
            return s;
        if (auto s = writeFile(base / "server.pem", impl->serverCertPem, false); !s)
            return s;
    }
    return CertificateAuthority(impl);
}

const std::string& CertificateAuthority::caCertificatePem() const
{
    return d->caPem;
}

const std::string& CertificateAuthority::serverKeyPem() const
{
    return d->serverKeyPem;
}

const std::string& CertificateAuthority::serverCertificatePem() const
{
    return d->serverCertPem;
}

Result<IssuedCertificate> CertificateAuthority::signRequest(const std::string& csrPem, const std::string& expectedCommonName,
                                                            int validDays) const
{
    using R = Result<IssuedCertificate>;
    if (csrPem.size() > 16384)
        return R::error("certificate request too large");
    Bio bio(BIO_new_mem_buf(csrPem.data(), static_cast<int>(csrPem.size())));
    Req req(bio ? PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr) : nullptr);
    if (!req)
        return R::error("the certificate request is not a PEM PKCS#10 request");
    PKey publicKey(X509_REQ_get_pubkey(req.get()));
    if (!publicKey || X509_REQ_verify(req.get(), publicKey.get()) != 1)
        return R::error("the certificate request's signature does not verify");
    const std::string cn = commonNameOf(X509_REQ_get_subject_name(req.get()));
    if (cn != expectedCommonName)
        return R::error("the certificate request is for '" + cn + "', not '" + expectedCommonName + "'");
    // Only the public key and the name are taken from the request; everything else is ours.
    Cert cert = makeCertificate(cn, publicKey.get(), d->caCert.get(), d->caKey.get(), validDays, false, {});
    if (!cert)
        return R::error("cannot sign the certificate");
    IssuedCertificate out;
    out.pem = certToPem(cert.get());
    out.serialHex = serialOf(cert.get());
    out.fingerprintHex = fingerprintOf(cert.get());
    out.notAfterUtc = notAfterOf(cert.get());
    return out;
}

Result<PeerIdentity> CertificateAuthority::verifyPeer(const std::string& certPem) const
{
    using R = Result<PeerIdentity>;
    Cert cert = certFromPem(certPem);
    if (!cert)
        return R::error("the client certificate cannot be parsed");
    PKey caPublic(X509_get_pubkey(d->caCert.get()));
    if (X509_check_issued(d->caCert.get(), cert.get()) != X509_V_OK || X509_verify(cert.get(), caPublic.get()) != 1)
        return R::error("the client certificate was not issued by this pilot's CA");
    if (X509_cmp_current_time(X509_get0_notBefore(cert.get())) > 0 || X509_cmp_current_time(X509_get0_notAfter(cert.get())) < 0)
        return R::error("the client certificate is expired or not yet valid");
    PeerIdentity id;
    id.commonName = commonNameOf(X509_get_subject_name(cert.get()));
    id.serialHex = serialOf(cert.get());
    id.fingerprintHex = fingerprintOf(cert.get());
    return id;
}

Result<KeyAndRequest> createKeyAndRequest(const std::string& commonName)
{
    using R = Result<KeyAndRequest>;
    PKey key = newKey();
    Req req(X509_REQ_new());
    if (!key || !req)
        return R::error("cannot generate a key");
    X509_REQ_set_version(req.get(), 0);
    X509_NAME* name = X509_REQ_get_subject_name(req.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(commonName.c_str()), -1, -1, 0);
    X509_REQ_set_pubkey(req.get(), key.get());
    if (X509_REQ_sign(req.get(), key.get(), EVP_sha256()) <= 0)
        return R::error("cannot sign the certificate request");
    Bio bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_X509_REQ(bio.get(), req.get()) != 1)
        return R::error("cannot encode the certificate request");
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return KeyAndRequest{keyToPem(key.get()), std::string(data, static_cast<std::size_t>(n))};
}

Result<PeerIdentity> describeCertificate(const std::string& certPem)
{
    Cert cert = certFromPem(certPem);
    if (!cert)
        return Result<PeerIdentity>::error("not a PEM certificate");
    return PeerIdentity{commonNameOf(X509_get_subject_name(cert.get())), serialOf(cert.get()), fingerprintOf(cert.get())};
}

}  // namespace fedpilot::federation
