#pragma once
// Measures how long the GUI event loop stalls: a 5 ms heartbeat timer records the longest gap
// between its ticks. A gap well over the interval means the GUI thread was blocked that long.

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

class StallMeter : public QObject {
public:
    StallMeter()
    {
        m_timer.setInterval(5);
        m_timer.setTimerType(Qt::PreciseTimer);
        QObject::connect(&m_timer, &QTimer::timeout, this, [this] {
            if (m_clock.isValid())
                m_maxGapMs = std::max(m_maxGapMs, m_clock.elapsed());
            m_clock.restart();
            ++m_ticks;
        });
    }
    void start()
    {
        m_maxGapMs = 0;
        m_ticks = 0;
        m_clock.invalidate();
        m_timer.start();
    }
    void stop() { m_timer.stop(); }
    qint64 maxGapMs() const { return m_maxGapMs; }
    qint64 ticks() const { return m_ticks; }

private:
    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_maxGapMs = 0;
    qint64 m_ticks = 0;
};
