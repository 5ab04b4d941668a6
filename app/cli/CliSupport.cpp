#include "CliSupport.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QJsonDocument>
#include <QTextStream>

#include <csignal>
#include <cstdio>
#include <unistd.h>

namespace fedpilot::cli {
namespace {

std::atomic<bool> g_cancel{false};

extern "C" void onInterrupt(int)
{
    g_cancel.store(true);
    // Restore the default so a second Ctrl+C ends the process at once.
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
}

}  // namespace

void installInterruptHandler()
{
    std::signal(SIGINT, onInterrupt);
    std::signal(SIGTERM, onInterrupt);
}

const std::atomic<bool>* cancelFlag()
{
    return &g_cancel;
}

bool cancelled()
{
    return g_cancel.load();
}

std::optional<int> parseArguments(QCommandLineParser& parser, const QStringList& args, const QString& description)
{
    parser.setApplicationDescription(description);
    parser.addHelpOption();
    parser.addOption({QStringLiteral("json"), QStringLiteral("Print the result as JSON on stdout.")});
    if (!parser.parse(args)) {
        QTextStream(stderr) << args.value(0) << ": error: " << parser.errorText()
                            << "\nRun '" << args.value(0) << " --help' for the options.\n";
        return kExitUsage;
    }
    if (parser.isSet(QStringLiteral("help"))) {
        QString help = parser.helpText();
        // Qt prints the program's path; show the full command instead.
        const int firstLineEnd = help.indexOf(QLatin1Char('\n'));
        const int options = help.left(firstLineEnd).indexOf(QStringLiteral(" [options]"));
        if (options > 0)
            help = QStringLiteral("Usage: ") + args.value(0) + help.mid(options);
        QTextStream(stdout) << help;
        return kExitOk;
    }
    return std::nullopt;
}

static bool optionError(const QString& name, const QString& message)
{
    QTextStream(stderr) << "fedpilot-cli: error: --" << name << " " << message << "\n";
    return false;
}

bool readInt(const QCommandLineParser& parser, const QString& name, qint64 min, qint64 max, qint64& out)
{
    if (!parser.isSet(name))
        return true;
    bool ok = false;
    const qint64 v = parser.value(name).toLongLong(&ok);
    if (!ok)
        return optionError(name, QStringLiteral("expects an integer, got '%1'").arg(parser.value(name)));
    if (v < min || v > max)
        return optionError(name, QStringLiteral("must be between %1 and %2, got %3").arg(min).arg(max).arg(v));
    out = v;
    return true;
}

bool readInt(const QCommandLineParser& parser, const QString& name, int min, int max, int& out)
{
    qint64 v = out;
    if (!readInt(parser, name, qint64(min), qint64(max), v))
        return false;
    out = static_cast<int>(v);
    return true;
}

bool readDouble(const QCommandLineParser& parser, const QString& name, double min, double max, double& out)
{
    if (!parser.isSet(name))
        return true;
    bool ok = false;
    const double v = parser.value(name).toDouble(&ok);
    if (!ok)
        return optionError(name, QStringLiteral("expects a number, got '%1'").arg(parser.value(name)));
    if (v < min || v > max)
        return optionError(name, QStringLiteral("must be between %1 and %2, got %3").arg(min).arg(max).arg(v));
    out = v;
    return true;
}

int fail(const QString& message, int code)
{
    QTextStream(stderr) << "fedpilot-cli: error: " << message << "\n";
    return code;
}

void printJson(const QJsonObject& object)
{
    QTextStream(stdout) << QJsonDocument(object).toJson(QJsonDocument::Indented);
}

void printLine(const QString& text)
{
    QTextStream(stdout) << text << "\n";
}

ProgressLine::ProgressLine(bool enabled)
    : m_enabled(enabled)
    , m_tty(isatty(fileno(stderr)) != 0)
{
}

ProgressLine::~ProgressLine()
{
    finish();
}

void ProgressLine::update(double fraction, const QString& text)
{
    if (!m_enabled)
        return;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const qint64 interval = m_tty ? 100 : 5000;
    if (m_lastMs >= 0 && now - m_lastMs < interval && fraction < 1.0)
        return;
    m_lastMs = now;
    const int width = 24;
    const int filled = qBound(0, int(fraction * width + 0.5), width);
    const QString bar = QString(filled, QLatin1Char('#')) + QString(width - filled, QLatin1Char('.'));
    const QString line = QStringLiteral("[%1] %2% %3").arg(bar).arg(int(fraction * 100), 3).arg(text);
    if (m_tty) {
        QTextStream(stderr) << "\r\x1b[2K" << line << Qt::flush;
        m_open = true;
    } else {
        QTextStream(stderr) << line << "\n";
    }
}

void ProgressLine::finish()
{
    if (m_open)
        QTextStream(stderr) << "\n";
    m_open = false;
}

QString formatSeconds(double seconds)
{
    if (seconds < 0 || seconds != seconds)
        return QStringLiteral("?");
    const qint64 s = qint64(seconds + 0.5);
    if (s < 60)
        return QStringLiteral("%1s").arg(s);
    if (s < 3600)
        return QStringLiteral("%1m%2s").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
    return QStringLiteral("%1h%2m").arg(s / 3600).arg((s % 3600) / 60, 2, 10, QLatin1Char('0'));
}

}  // namespace fedpilot::cli
