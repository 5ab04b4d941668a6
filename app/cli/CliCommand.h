#pragma once
// The table of fedpilot-cli commands. Each command lives in commands/<Name>Command.cpp.

#include <QStringList>

#include <vector>

namespace fedpilot::cli {

struct CliCommand {
    const char* name;
    const char* summary;
    // args[0] is "fedpilot-cli <name>"; returns the process exit code.
    int (*run)(const QStringList& args);
};

const std::vector<CliCommand>& cliCommands();

int runSynth(const QStringList& args);
int runTrain(const QStringList& args);
int runEval(const QStringList& args);
int runBench(const QStringList& args);
int runSimulate(const QStringList& args);
int runImport(const QStringList& args);
int runCoordinator(const QStringList& args);
int runSite(const QStringList& args);
int runDemo(const QStringList& args);
int runReport(const QStringList& args);

}  // namespace fedpilot::cli
