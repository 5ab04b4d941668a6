#pragma once
// `fedpilot --render-pages DIR`: builds realistic state in temporary workspaces (demo pilots in
// the history, a synthetic face folder imported, a short local training) and saves every page
// as DIR/NN-page.png. Documentation screenshots come from here, so they always show the
// current GUI.

#include <QString>

namespace fedpilot::gui {

class PageRenderer {
public:
    explicit PageRenderer(QString outDir);
    // 0 when every page was written.
    int run();

private:
    QString m_outDir;
};

}  // namespace fedpilot::gui
