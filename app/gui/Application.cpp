#include "Application.h"

#include "MainWindow.h"
#include "PageRenderer.h"
#include "app/AppSettings.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QFile>
#include <QStyleFactory>
#include <QTimer>

namespace fedpilot::gui {

void Application::configure()
{
    QApplication::setOrganizationName(QStringLiteral("FedPilot"));
    QApplication::setApplicationName(QStringLiteral("FedPilot"));
    QApplication::setApplicationVersion(QStringLiteral(FEDPILOT_VERSION));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/fedpilot.svg")));
    // Fusion looks the same on every desktop (and under Xvfb), which the style sheet builds on.
    QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
    QFont font(QStringLiteral("DejaVu Sans"), 10);
    QApplication::setFont(font);
    QFile qss(QStringLiteral(":/style/fedpilot.qss"));
    if (qss.open(QIODevice::ReadOnly))
        qApp->setStyleSheet(QString::fromUtf8(qss.readAll()));
}

LaunchOptions Application::parse(const QStringList& arguments)
{
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral("FedPilot: federated face recognition pilots"));
    p.addHelpOption();
    p.addVersionOption();
    p.addOption({QStringLiteral("workspace"), QStringLiteral("Open this workspace folder."), QStringLiteral("DIR")});
    p.addOption({QStringLiteral("role"), QStringLiteral("Role of the workspace: site (default) or coordinator."), QStringLiteral("ROLE"),
                 QStringLiteral("site")});
    p.addOption({QStringLiteral("render-pages"), QStringLiteral("Render every page with demo data to PNG files in DIR and exit."),
                 QStringLiteral("DIR")});
    p.process(arguments);
    return {p.value(QStringLiteral("workspace")), p.value(QStringLiteral("role")), p.value(QStringLiteral("render-pages"))};
}

int Application::run(const LaunchOptions& options)
{
    if (!options.renderPagesDir.isEmpty())
        return PageRenderer(options.renderPagesDir).run();

    ui::MainWindow window;
    window.show();
    if (!options.workspace.isEmpty()) {
        window.openWorkspace(options.workspace, ui::roleFromName(options.role));
    } else {
        const auto recent = ui::AppSettings().recentWorkspaces();
        if (!recent.isEmpty())
            window.openWorkspace(recent.first().folder, recent.first().role);
        else
            QTimer::singleShot(0, &window, &ui::MainWindow::chooseWorkspace);
    }
    return QApplication::exec();
}

}  // namespace fedpilot::gui
