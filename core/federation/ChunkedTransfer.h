#pragma once
// Chunked, checksummed, resumable transfers: the pieces the coordinator and the site share.

#include "fedpilot/engine/Result.h"

#include <cstdint>
#include <string>

namespace fedpilot::federation {

// Raw 32-byte SHA-256 of a chunk (what travels in Chunk.sha256 / UploadChunk.sha256).
std::string chunkDigest(const std::string& data);
std::string chunkDigest(const char* data, std::size_t size);

// The share of rawTotal attributed to bytes [begin, end) of a wireTotal-byte artifact, such that
// the shares of consecutive chunks add up to rawTotal exactly.
std::uint64_t rawShare(std::uint64_t rawTotal, std::uint64_t wireTotal, std::uint64_t begin, std::uint64_t end);

// Receives one upload: bytes must arrive in order, each chunk with its digest; the total size and
// SHA-256 were announced in the header. Survives a broken stream (the next stream resumes).
class UploadAssembler {
public:
    enum class Outcome { Appended, OffsetMismatch, BadChecksum, TooLarge };

    UploadAssembler() = default;
    UploadAssembler(std::string sha256Hex, std::uint64_t totalBytes, std::uint32_t attempt, std::uint64_t samples = 0);

    bool matches(const std::string& sha256Hex, std::uint64_t totalBytes, std::uint32_t attempt) const;
    Outcome append(std::uint64_t offset, const std::string& data, const std::string& digest);
    std::uint64_t received() const { return m_data.size(); }
    std::uint64_t total() const { return m_total; }
    std::uint64_t samples() const { return m_samples; }
    const std::string& sha256() const { return m_sha256; }
    bool complete() const { return m_data.size() == m_total; }
    // When complete: the whole content's hash equals the announced one.
    bool verify() const;
    const std::string& data() const { return m_data; }
    std::string take() { return std::move(m_data); }

private:
    std::string m_sha256;
    std::uint64_t m_total = 0;
    std::uint32_t m_attempt = 0;
    std::uint64_t m_samples = 0;
    std::string m_data;
};

}  // namespace fedpilot::federation
