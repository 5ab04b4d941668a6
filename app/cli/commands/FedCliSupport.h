#pragma once
// Options shared by the federation commands (coordinator init, demo).

#include "federation/PilotConfig.h"

#include <QCommandLineParser>

#include <initializer_list>

namespace fedpilot::cli {

// --name --strategy --rounds --min-sites --size --local-epochs --pretrain-epochs --wait-after-min
// --round-timeout --dp-epsilon: override values of the config file (or of the defaults).
void addPilotOverrideOptions(QCommandLineParser& parser);
// Loads --config (if given) and applies the overrides; errors name the option.
engine::Result<federation::PilotConfig> readPilotConfig(const QCommandLineParser& parser);

// A command made of subcommands ("coordinator init", "site join"): runs the one named in
// args[1] with args[0] + " " + name as its program name, or prints the list of subcommands with
// their summaries (stdout and exit 0 for --help/-h, stderr and a usage error otherwise).
struct Subcommand {
    const char* name;
    int (*run)(const QStringList& args);
    const char* summary;
};
int dispatchSubcommand(const QStringList& args, std::initializer_list<Subcommand> subcommands);

// coordinator bench-aggregate (FedBenchAggregate.cpp).
int runFedBenchAggregate(const QStringList& args);

}  // namespace fedpilot::cli
