#include "CliCommand.h"

namespace fedpilot::cli {

const std::vector<CliCommand>& cliCommands()
{
    static const std::vector<CliCommand> commands = {
        {"synth", "Generate synthetic faces as a folder of PNGs (and/or a packed cache)", &runSynth},
        {"train", "Train the generic model on a face cache (centralized pretraining)", &runTrain},
        {"eval", "Evaluate a model: verification (10-fold accuracy, AUC, EER, TAR@FAR) and 1:N", &runEval},
        {"bench", "Benchmarks (bench train: training throughput)", &runBench},
        {"demo", "Headless demo: synthetic faces, pretraining, evaluation", &runDemo},
    };
    return commands;
}

}  // namespace fedpilot::cli
