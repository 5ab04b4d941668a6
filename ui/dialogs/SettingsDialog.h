#pragma once
// Application settings: how often views check the history for changes, and the default device.

#include <QDialog>

class QSpinBox;
class QComboBox;

namespace fedpilot::ui {

class SettingsDialog : public QDialog {
    Q_OBJECT
public:
    explicit SettingsDialog(QWidget* parent = nullptr);
    void accept() override;

private:
    QSpinBox* m_poll = nullptr;
    QComboBox* m_device = nullptr;
};

}  // namespace fedpilot::ui
