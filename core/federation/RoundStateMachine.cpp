#include "federation/RoundStateMachine.h"

#include <algorithm>

namespace fedpilot::federation {

const char* toString(CloseReason reason)
{
    switch (reason) {
    case CloseReason::None: return "open";
    case CloseReason::AllReported: return "all sites reported";
    case CloseReason::WaitAfterMin: return "wait after min sites elapsed";
    case CloseReason::Timeout: return "round timeout";
    }
    return "?";
}

void RoundStateMachine::open(int round, int attempt, Clock::time_point now)
{
    m_round = round;
    m_attempt = attempt;
    m_openedAt = now;
    m_minReachedAt = {};
    m_participants.clear();
    m_accepted.clear();
    m_rejected.clear();
    m_collecting = true;
}

bool RoundStateMachine::assign(qint64 site)
{
    if (!m_collecting || hasFinished(site))
        return false;
    m_participants.insert(site);
    return true;
}

void RoundStateMachine::accept(qint64 site, Clock::time_point now)
{
    m_participants.insert(site);
    if (!m_accepted.insert(site).second)
        return;
    if (static_cast<int>(m_accepted.size()) == m_rules.minSites)
        m_minReachedAt = now;
}

void RoundStateMachine::reject(qint64 site)
{
    m_participants.insert(site);
    if (!hasAccepted(site))
        m_rejected.insert(site);
}

CloseReason RoundStateMachine::closeReason(Clock::time_point now) const
{
    if (!m_collecting)
        return CloseReason::None;
    if (static_cast<int>(m_accepted.size()) >= m_rules.minSites) {
        const bool everyoneDone = std::all_of(m_expected.begin(), m_expected.end(), [&](qint64 s) { return hasFinished(s); })
            && std::all_of(m_participants.begin(), m_participants.end(), [&](qint64 s) { return hasFinished(s); });
        if (everyoneDone)
            return CloseReason::AllReported;
        if (now - m_minReachedAt >= m_rules.waitAfterMin)
            return CloseReason::WaitAfterMin;
    }
    if (now - m_openedAt >= m_rules.timeout)
        return CloseReason::Timeout;
    return CloseReason::None;
}

RoundStateMachine::Clock::time_point RoundStateMachine::nextCheck(Clock::time_point now) const
{
    Clock::time_point next = deadline();
    if (static_cast<int>(m_accepted.size()) >= m_rules.minSites)
        next = std::min(next, m_minReachedAt + m_rules.waitAfterMin);
    return std::max(next, now);
}

std::set<qint64> RoundStateMachine::unfinished() const
{
    std::set<qint64> out;
    for (qint64 s : m_participants) {
        if (!hasFinished(s))
            out.insert(s);
    }
    return out;
}

}  // namespace fedpilot::federation
