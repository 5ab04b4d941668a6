#pragma once
// The composition root of the desktop application: Qt application settings and look, the main
// window, the start-up workspace (command line, last used, or the chooser), and the
// --render-pages mode used for documentation screenshots.

#include <QString>

namespace fedpilot::gui {

struct LaunchOptions {
    QString workspace;      // --workspace DIR
    QString role;           // --role site|coordinator
    QString renderPagesDir; // --render-pages DIR: render every page to PNG and exit
};

class Application {
public:
    // Applies names, style sheet and fonts to the running QApplication.
    static void configure();
    // Parses the command line (after QApplication consumed its own options).
    static LaunchOptions parse(const QStringList& arguments);
    // Runs the GUI (or the renderer); returns the process exit code.
    static int run(const LaunchOptions& options);
};

}  // namespace fedpilot::gui
