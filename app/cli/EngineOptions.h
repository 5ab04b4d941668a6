#pragma once
// Command-line options shared by the commands that build or train models.

#include "fedpilot/engine/Config.h"

#include <QCommandLineParser>

namespace fedpilot::cli {

void addModelOptions(QCommandLineParser& parser);
// Reads --backbone --size --embedding; prints an error and returns false on bad values.
bool readModelOptions(const QCommandLineParser& parser, engine::ModelConfig& config);

void addTrainOptions(QCommandLineParser& parser);
// Reads --epochs --batch --lr --momentum --weight-decay --head --seed --device --threads
// --max-steps --no-flip --no-channels-last.
bool readTrainOptions(const QCommandLineParser& parser, engine::TrainConfig& config);

}  // namespace fedpilot::cli
