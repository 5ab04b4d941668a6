#pragma once
// Register or edit a site: name (fixed once registered: certificates are issued to it),
// organization, contact, and the hardware, detected on this machine or typed for a remote site.

#include <QDialog>
#include <QJsonObject>

class QLineEdit;
class QLabel;
class QDialogButtonBox;

namespace fedpilot::ui {

struct SiteForm {
    QString name;
    QString organization;
    QString contact;
    QJsonObject hardware;
};

class SiteDialog : public QDialog {
    Q_OBJECT
public:
    // editing: the name is shown but cannot change.
    SiteDialog(const SiteForm& initial, bool editing, QWidget* parent = nullptr);

    SiteForm form() const;

private:
    void detectHardware();
    void validate();

    QLineEdit* m_name = nullptr;
    QLineEdit* m_organization = nullptr;
    QLineEdit* m_contact = nullptr;
    QLabel* m_hardware = nullptr;
    QLabel* m_problem = nullptr;
    QDialogButtonBox* m_buttons = nullptr;
    QJsonObject m_hardwareJson;
};

}  // namespace fedpilot::ui
