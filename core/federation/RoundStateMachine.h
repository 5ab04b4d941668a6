#pragma once
// The coordinator's round rules, free of I/O and clocks (time comes in as an argument), so they
// are tested exactly. A round collects updates until one of:
//   - every expected site has reported (accepted or rejected) and at least minSites were accepted;
//   - minSites were accepted and waitAfterMin has passed since then (stragglers are cut off);
//   - the round timeout has passed since it opened.
// Whether the closed round aggregates is the caller's decision (quorum).

#include <QtGlobal>

#include <chrono>
#include <set>

namespace fedpilot::federation {

enum class CloseReason { None, AllReported, WaitAfterMin, Timeout };
const char* toString(CloseReason reason);

struct RoundRules {
    int minSites = 1;
    std::chrono::milliseconds waitAfterMin{10000};
    std::chrono::milliseconds timeout{600000};
};

class RoundStateMachine {
public:
    using Clock = std::chrono::steady_clock;

    explicit RoundStateMachine(RoundRules rules = {}) : m_rules(rules) {}

    void open(int round, int attempt, Clock::time_point now);
    void close() { m_collecting = false; }
    bool collecting() const { return m_collecting; }
    int round() const { return m_round; }
    int attempt() const { return m_attempt; }
    Clock::time_point openedAt() const { return m_openedAt; }
    Clock::time_point deadline() const { return m_openedAt + m_rules.timeout; }

    // Sites the round waits for before closing early: the sites enrolled in the pilot.
    void setExpected(std::set<qint64> sites) { m_expected = std::move(sites); }
    void addExpected(qint64 site) { m_expected.insert(site); }
    void removeExpected(qint64 site) { m_expected.erase(site); }
    const std::set<qint64>& expected() const { return m_expected; }

    // True when the site should get a training task now (collecting, and it has not finished).
    // Records it as a participant.
    bool assign(qint64 site);
    bool isParticipant(qint64 site) const { return m_participants.count(site) > 0; }
    bool hasAccepted(qint64 site) const { return m_accepted.count(site) > 0; }
    bool hasFinished(qint64 site) const { return hasAccepted(site) || m_rejected.count(site) > 0; }
    void accept(qint64 site, Clock::time_point now);
    void reject(qint64 site);

    CloseReason closeReason(Clock::time_point now) const;
    // When closeReason may next change without any event (for bounded waits).
    Clock::time_point nextCheck(Clock::time_point now) const;

    int acceptedCount() const { return static_cast<int>(m_accepted.size()); }
    int rejectedCount() const { return static_cast<int>(m_rejected.size()); }
    int participantCount() const { return static_cast<int>(m_participants.size()); }
    // Participants that neither uploaded nor were rejected (dropped or cut off).
    std::set<qint64> unfinished() const;

private:
    RoundRules m_rules;
    bool m_collecting = false;
    int m_round = 0;
    int m_attempt = 0;
    Clock::time_point m_openedAt{};
    Clock::time_point m_minReachedAt{};
    std::set<qint64> m_expected;
    std::set<qint64> m_participants;
    std::set<qint64> m_accepted;
    std::set<qint64> m_rejected;
};

}  // namespace fedpilot::federation
