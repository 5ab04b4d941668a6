#pragma once
// Options shared by the federation commands (coordinator init, demo).

#include "federation/PilotConfig.h"

#include <QCommandLineParser>

namespace fedpilot::cli {

// --name --strategy --rounds --min-sites --size --local-epochs --pretrain-epochs --wait-after-min
// --round-timeout --dp-epsilon: override values of the config file (or of the defaults).
void addPilotOverrideOptions(QCommandLineParser& parser);
// Loads --config (if given) and applies the overrides; errors name the option.
engine::Result<federation::PilotConfig> readPilotConfig(const QCommandLineParser& parser);

// coordinator bench-aggregate (FedBenchAggregate.cpp).
int runFedBenchAggregate(const QStringList& args);

}  // namespace fedpilot::cli
