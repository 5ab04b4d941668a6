#include "CliCommand.h"

namespace fedpilot::cli {

const std::vector<CliCommand>& cliCommands()
{
    static const std::vector<CliCommand> commands = {
        {"synth", "Generate synthetic faces as a folder of PNGs (and/or a packed cache)", &runSynth},
        {"train", "Train the generic model on a face cache (centralized pretraining)", &runTrain},
        {"eval", "Evaluate a model: verification (10-fold accuracy, AUC, EER, TAR@FAR) and 1:N", &runEval},
        {"bench", "Benchmarks (bench train: training throughput)", &runBench},
        {"import", "Import a folder of face images into a checked, aligned face cache", &runImport},
        {"coordinator", "Run or administer a pilot's coordinator", &runCoordinator},
        {"site", "Enroll a site and join a pilot's rounds", &runSite},
        {"demo", "A whole pilot on loopback: coordinator + site processes over gRPC/TLS", &runDemo},
        {"report", "Write a pilot report (PDF with go/no-go, charts and tables, or CSV) from a history database", &runReport},
        {"simulate", "A pilot in one process (no network): pretraining, rounds, FedAvg, metrics", &runSimulate},
    };
    return commands;
}

}  // namespace fedpilot::cli
