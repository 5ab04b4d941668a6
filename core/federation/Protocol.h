#pragma once
// Constants of the federation protocol shared by the coordinator and the site client.

#include <cstdint>

namespace fedpilot::federation {

// Version of the messages in proto/fedpilot/v1/federation.proto; bumped only for changes an
// older peer cannot ignore. A peer refuses a version outside [kMinProtocolVersion, kProtocolVersion].
constexpr std::uint32_t kProtocolVersion = 1;
constexpr std::uint32_t kMinProtocolVersion = 1;

// Transfers are cut into chunks well under gRPC's default 4 MiB message limit.
constexpr std::uint32_t kDefaultChunkBytes = 256 * 1024;
constexpr std::uint32_t kMaxChunkBytes = 1024 * 1024;
// gRPC-level cap on any one message (chunks plus headers); bigger messages fail at the transport.
constexpr int kMaxMessageBytes = 2 * 1024 * 1024;
// gRPC prefixes each message with a 5-byte frame header (compressed flag + length).
constexpr std::uint64_t kGrpcFrameBytes = 5;

// The certificate name the coordinator's server certificate carries; sites verify it (the
// CA is private to the pilot, so the address the site dials does not have to be in the cert).
constexpr const char* kServerCertificateName = "fedpilot-coordinator";

}  // namespace fedpilot::federation
