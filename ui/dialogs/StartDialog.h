#pragma once
// Chooses what to work on at start: the role (site or coordinator workspace), a recent
// workspace, or a folder. Emits workspaceChosen; the window opens it.

#include "app/Workspace.h"

#include <QDialog>

class QListWidget;
class QLineEdit;
class QRadioButton;

namespace fedpilot::ui {

class StartDialog : public QDialog {
    Q_OBJECT
public:
    explicit StartDialog(QWidget* parent = nullptr);

    WorkspaceRole role() const;
    QString folder() const;
    void setFolder(const QString& folder);
    void setRole(WorkspaceRole role);
    void accept() override;

Q_SIGNALS:
    void workspaceChosen(const QString& folder, fedpilot::ui::WorkspaceRole role);

private:
    QRadioButton* m_site = nullptr;
    QRadioButton* m_coordinator = nullptr;
    QListWidget* m_recent = nullptr;
    QLineEdit* m_folder = nullptr;
};

}  // namespace fedpilot::ui
