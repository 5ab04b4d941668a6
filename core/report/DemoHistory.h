#pragma once
// Plausible, deterministic pilot histories without training anything: what the GUI shows before
// a real pilot ran, what `fedpilot --render-pages` draws, and fixtures for chart and report
// tests. Numbers follow the shape of real runs (AdaFedFR gains more than FedAvg at the sites,
// bytes match a MobileFaceNet in fp16 + zstd) so screenshots do not mislead about what to expect.

#include "report/PilotHistory.h"

#include <QString>

namespace fedpilot::report {

struct DemoHistoryOptions {
    QString name = QStringLiteral("demo-adafedfr");
    QString strategy = QStringLiteral("adafedfr");  // adafedfr | fedavg | local
    int sites = 4;           // 1..6
    int rounds = 3;
    int completedRounds = -1;  // < 0: all; fewer leaves the pilot "running" (a live view)
    int epochsPerRound = 3;
    double dpEpsilon = 0;    // > 0: DP on, the budget split evenly over the rounds
    quint64 seed = 1;
};

PilotHistory makeDemoHistory(const DemoHistoryOptions& options = {});

}  // namespace fedpilot::report
