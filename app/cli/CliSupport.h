#pragma once
// Shared plumbing for CLI commands: exit codes, option parsing, progress on a TTY, JSON output,
// Ctrl+C as a clean cancel.

#include <QCommandLineParser>
#include <QJsonObject>
#include <QString>

#include <atomic>
#include <optional>

namespace fedpilot::cli {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
constexpr int kExitCancelled = 130;

// SIGINT/SIGTERM set the cancel flag (second Ctrl+C kills as usual).
void installInterruptHandler();
const std::atomic<bool>* cancelFlag();
bool cancelled();

// Adds --help and --json, parses; returns an exit code when the command must stop here
// (help printed, or a usage error printed to stderr).
std::optional<int> parseArguments(QCommandLineParser& parser, const QStringList& args, const QString& description);

// Numeric options with range checks; on error prints "<command>: error: ..." and returns false.
bool readInt(const QCommandLineParser& parser, const QString& name, qint64 min, qint64 max, qint64& out);
bool readInt(const QCommandLineParser& parser, const QString& name, int min, int max, int& out);
bool readDouble(const QCommandLineParser& parser, const QString& name, double min, double max, double& out);

// Prints "fedpilot-cli: error: message" to stderr; returns kExitFailure (or the given code).
int fail(const QString& message, int code = kExitFailure);
void printJson(const QJsonObject& object);
void printLine(const QString& text);

// A one-line progress display on stderr, redrawn in place when stderr is a terminal and
// printed at most every few seconds otherwise. Silent when disabled (e.g. --json).
class ProgressLine {
public:
    explicit ProgressLine(bool enabled);
    ~ProgressLine();
    void update(double fraction, const QString& text);
    void finish();

private:
    bool m_enabled;
    bool m_tty;
    qint64 m_lastMs = -1;
    bool m_open = false;
};

QString formatSeconds(double seconds);

}  // namespace fedpilot::cli
