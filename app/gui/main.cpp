// fedpilot: the desktop application.

#include "Application.h"

#include <QApplication>

int main(int argc, char** argv)
{
    QApplication app(argc, argv);
    fedpilot::gui::Application::configure();
    const auto options = fedpilot::gui::Application::parse(QApplication::arguments());
    return fedpilot::gui::Application::run(options);
}
