#include "io/Sha256.h"

#include <openssl/evp.h>

#include <utility>

namespace fedpilot::engine::detail {

Sha256::Sha256()
{
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    m_ctx = ctx;
    m_ok = ctx != nullptr && EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) == 1;
}

Sha256::~Sha256()
{
    EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(m_ctx));
}

Sha256::Sha256(Sha256&& other) noexcept
    : m_ctx(std::exchange(other.m_ctx, nullptr)), m_ok(std::exchange(other.m_ok, false))
{
}

Sha256& Sha256::operator=(Sha256&& other) noexcept
{
    if (this != &other) {
        EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(m_ctx));
        m_ctx = std::exchange(other.m_ctx, nullptr);
        m_ok = std::exchange(other.m_ok, false);
    }
    return *this;
}

void Sha256::update(const void* data, std::size_t size)
{
    // EVP_DigestUpdate with size 0 is fine, but a null pointer with size 0 is not guaranteed to be.
    if (!m_ok || size == 0)
        return;
    if (EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(m_ctx), data, size) != 1)
        m_ok = false;
}

Sha256Digest Sha256::finish()
{
    Sha256Digest digest{};
    if (!m_ok)
        return digest;
    unsigned int length = 0;
    if (EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(m_ctx), digest.data(), &length) != 1
        || length != digest.size()) {
        m_ok = false;
        digest.fill(0);
    }
    return digest;
}

Sha256Digest sha256(const void* data, std::size_t size, bool* ok)
{
    Sha256 hasher;
    hasher.update(data, size);
    Sha256Digest digest = hasher.finish();
    if (ok)
        *ok = hasher.ok();
    return digest;
}

}  // namespace fedpilot::engine::detail
