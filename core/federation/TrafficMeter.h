#pragma once
// Counts bytes per (round, site, direction, channel) in memory, from any thread; the owner
// flushes the counts to the history database now and then (one transaction per flush).

#include "storage/TrafficRepository.h"

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

namespace fedpilot::federation {

class TrafficMeter {
public:
    void add(int round, qint64 siteId, const char* direction, const char* channel, std::uint64_t bytesRaw,
             std::uint64_t bytesWire, int messages = 1);
    // Writes the pending counts to the repository and clears them (kept on failure).
    engine::Status flush(const TrafficRepository& repository, qint64 pilotId);
    // Totals counted since construction (flushed or not): raw and wire bytes for a direction.
    std::pair<std::uint64_t, std::uint64_t> totals(const char* direction) const;

private:
    using Key = std::tuple<int, qint64, std::string, std::string>;
    struct Counts {
        std::uint64_t raw = 0;
        std::uint64_t wire = 0;
        std::uint64_t messages = 0;
    };
    mutable std::mutex m_mutex;
    std::map<Key, Counts> m_pending;
    std::map<std::string, Counts> m_totals;
};

}  // namespace fedpilot::federation
