// fedpilot-cli: the headless front end. Dispatches to one command per first argument.

#include "CliCommand.h"
#include "CliSupport.h"

#include <QCoreApplication>
#include <QGuiApplication>
#include <QTextStream>

#include <cstring>
#include <memory>

using namespace fedpilot::cli;

namespace {

void printUsage(QTextStream& out)
{
    out << "Usage: fedpilot-cli <command> [options]\n\n"
           "FedPilot runs federated face recognition pilots with AdaFedFR.\n\nCommands:\n";
    for (const auto& c : cliCommands())
        out << "  " << QString::fromLatin1(c.name).leftJustified(10) << QString::fromLatin1(c.summary) << "\n";
    out << "\nRun 'fedpilot-cli <command> --help' for the options of a command.\n";
}

}  // namespace

int main(int argc, char** argv)
{
    // `report` draws its PDF with QPainter, whose fonts need a QGuiApplication; headless, offscreen.
    std::unique_ptr<QCoreApplication> application;
    if (argc > 1 && std::strcmp(argv[1], "report") == 0) {
        if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
            qputenv("QT_QPA_PLATFORM", "offscreen");
        application = std::make_unique<QGuiApplication>(argc, argv);
    } else {
        application = std::make_unique<QCoreApplication>(argc, argv);
    }
    QCoreApplication::setApplicationName(QStringLiteral("fedpilot-cli"));
    QCoreApplication::setApplicationVersion(QStringLiteral(FEDPILOT_VERSION));
    QTextStream out(stdout);
    QTextStream err(stderr);
    const QStringList args = QCoreApplication::arguments();
    if (args.size() < 2 || args[1] == QStringLiteral("--help") || args[1] == QStringLiteral("-h")
        || args[1] == QStringLiteral("help")) {
        printUsage(out);
        return args.size() < 2 ? kExitUsage : kExitOk;
    }
    if (args[1] == QStringLiteral("--version")) {
        out << "fedpilot-cli " << QCoreApplication::applicationVersion() << "\n";
        return kExitOk;
    }
    for (const auto& c : cliCommands()) {
        if (args[1] == QLatin1String(c.name)) {
            installInterruptHandler();
            QStringList rest = args.mid(2);
            rest.prepend(QStringLiteral("fedpilot-cli ") + args[1]);
            return c.run(rest);
        }
    }
    err << "fedpilot-cli: unknown command '" << args[1] << "'\n\n";
    printUsage(err);
    return kExitUsage;
}
