#pragma once
// What every page gets from the shell: the open workspace and the history watcher that says
// when its database changed.

namespace fedpilot::ui {

class Workspace;
class HistoryWatcher;

struct PageContext {
    Workspace& workspace;
    HistoryWatcher& watcher;
};

}  // namespace fedpilot::ui
