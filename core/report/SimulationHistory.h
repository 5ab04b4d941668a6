#pragma once
// An in-process simulation (engine::simulatePilot) as a pilot history, so a demo pilot run in the
// GUI lands in the same tables, charts and reports as a networked one. There is no network in a
// simulation: traffic is what the wire would carry (fp32 sizes, int8 + zstd estimated at 25 %).

#include "fedpilot/engine/Simulation.h"
#include "report/PilotHistory.h"

#include <QString>

namespace fedpilot::report {

PilotHistory historyFromSimulation(const QString& pilotName, const engine::SimulationOptions& options,
                                   const engine::SimulationResult& result);

}  // namespace fedpilot::report
