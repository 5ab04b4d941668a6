#include "federation/ChunkedTransfer.h"

#include "fedpilot/engine/TensorBundle.h"

#include <openssl/sha.h>

namespace fedpilot::federation {

std::string chunkDigest(const char* data, std::size_t size)
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(data), size, md);
    return std::string(reinterpret_cast<const char*>(md), sizeof(md));
}

std::string chunkDigest(const std::string& data)
{
    return chunkDigest(data.data(), data.size());
}

std::uint64_t rawShare(std::uint64_t rawTotal, std::uint64_t wireTotal, std::uint64_t begin, std::uint64_t end)
{
    if (wireTotal == 0)
        return 0;
    // 128-bit intermediate: rawTotal * offset can exceed 64 bits for multi-GB models.
    auto at = [&](std::uint64_t offset) {
        return static_cast<std::uint64_t>(static_cast<unsigned __int128>(rawTotal) * offset / wireTotal);
    };
    return at(end) - at(begin);
}

UploadAssembler::UploadAssembler(std::string sha256Hex, std::uint64_t totalBytes, std::uint32_t attempt, std::uint64_t samples)
    : m_sha256(std::move(sha256Hex))
    , m_total(totalBytes)
    , m_attempt(attempt)
    , m_samples(samples)
{
}

bool UploadAssembler::matches(const std::string& sha256Hex, std::uint64_t totalBytes, std::uint32_t attempt) const
{
    return sha256Hex == m_sha256 && totalBytes == m_total && attempt == m_attempt;
}

UploadAssembler::Outcome UploadAssembler::append(std::uint64_t offset, const std::string& data, const std::string& digest)
{
    if (offset != m_data.size())
        return Outcome::OffsetMismatch;
    if (data.size() > m_total - m_data.size())
        return Outcome::TooLarge;
    if (digest != chunkDigest(data))
        return Outcome::BadChecksum;
    m_data += data;
    return Outcome::Appended;
}

bool UploadAssembler::verify() const
{
    return complete() && engine::sha256Hex(m_data) == m_sha256;
}

}  // namespace fedpilot::federation
