#pragma once
// SHA-256 for the engine's file formats, backed by OpenSSL's libcrypto (already a dependency).

#include <array>
#include <cstddef>
#include <cstdint>

namespace fedpilot::engine::detail {

using Sha256Digest = std::array<std::uint8_t, 32>;

// Incremental hashing for data that arrives in pieces (the face cache writer streams images).
// A failure inside OpenSSL (allocation) leaves ok() false; callers turn that into a Status.
class Sha256 {
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;
    Sha256(Sha256&& other) noexcept;
    Sha256& operator=(Sha256&& other) noexcept;

    void update(const void* data, std::size_t size);
    // Returns the digest; the object must not be updated afterwards.
    Sha256Digest finish();
    bool ok() const { return m_ok; }

private:
    void* m_ctx = nullptr;   // EVP_MD_CTX*, kept opaque so this header needs no OpenSSL include
    bool m_ok = false;
};

// One-shot SHA-256; ok is set false if OpenSSL fails (the digest is then all zero).
Sha256Digest sha256(const void* data, std::size_t size, bool* ok = nullptr);

}  // namespace fedpilot::engine::detail
