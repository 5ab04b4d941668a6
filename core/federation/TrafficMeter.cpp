#include "federation/TrafficMeter.h"

namespace fedpilot::federation {

void TrafficMeter::add(int round, qint64 siteId, const char* direction, const char* channel, std::uint64_t bytesRaw,
                       std::uint64_t bytesWire, int messages)
{
    std::lock_guard<std::mutex> lock(m_mutex);
    Counts& c = m_pending[Key(round, siteId, direction, channel)];
    c.raw += bytesRaw;
    c.wire += bytesWire;
    c.messages += static_cast<std::uint64_t>(messages);
    Counts& t = m_totals[direction];
    t.raw += bytesRaw;
    t.wire += bytesWire;
    t.messages += static_cast<std::uint64_t>(messages);
}

engine::Status TrafficMeter::flush(const TrafficRepository& repository, qint64 pilotId)
{
    std::map<Key, Counts> pending;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        pending.swap(m_pending);
    }
    QVector<TrafficRecord> records;
    for (const auto& [key, counts] : pending) {
        TrafficRecord r;
        r.pilotId = pilotId;
        r.roundIndex = std::get<0>(key);
        r.siteId = std::get<1>(key);
        r.direction = QString::fromStdString(std::get<2>(key));
        r.channel = QString::fromStdString(std::get<3>(key));
        r.bytesRaw = static_cast<qint64>(counts.raw);
        r.bytesWire = static_cast<qint64>(counts.wire);
        r.messages = static_cast<qint64>(counts.messages);
        records.push_back(r);
    }
    auto status = repository.addAll(records);
    if (!status) {
        // Put the counts back so a later flush retries them.
        std::lock_guard<std::mutex> lock(m_mutex);
        for (const auto& [key, counts] : pending) {
            Counts& c = m_pending[key];
            c.raw += counts.raw;
            c.wire += counts.wire;
            c.messages += counts.messages;
        }
    }
    return status;
}

std::pair<std::uint64_t, std::uint64_t> TrafficMeter::totals(const char* direction) const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    const auto it = m_totals.find(direction);
    if (it == m_totals.end())
        return {0, 0};
    return {it->second.raw, it->second.wire};
}

}  // namespace fedpilot::federation
