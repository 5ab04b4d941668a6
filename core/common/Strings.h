#pragma once
// Conversions between Qt strings/paths and the engine's std::string API.

#include <QString>

#include <string>

namespace fedpilot {

// File-system path for the engine (local 8-bit encoding, so non-UTF-8 names survive).
std::string toEnginePath(const QString& path);
QString fromEngine(const std::string& text);

}  // namespace fedpilot
