#pragma once
// Sites: register, edit and remove sites (name, organization, contact, hardware), their live
// status (online, training, last seen), and this machine's hardware. In a coordinator workspace,
// one-time enrollment codes are issued here.

#include "app/HardwareProbe.h"
#include "pages/Page.h"
#include "pages/PageContext.h"

class QTableView;
class QPushButton;
class QLabel;

namespace fedpilot::ui {

class SiteTableModel;
struct SiteForm;

class SitesPage : public Page {
    Q_OBJECT
public:
    SitesPage(PageContext context, QWidget* parent = nullptr);

    QString title() const override { return tr("Sites"); }
    QIcon icon() const override { return QIcon(QStringLiteral(":/icons/sites.svg")); }
    void activate() override;

    SiteTableModel* model() const { return m_model; }
    // Registers or updates a site (what the dialog's OK does); false with a banner on error.
    bool saveSite(const SiteForm& form, bool editing);
    bool removeSite(const QString& name);

private:
    void reload();
    void registerSite();
    void editSite();
    void confirmRemove();
    void issueEnrollmentCode();
    void updateButtons();

    PageContext m_context;
    SiteTableModel* m_model = nullptr;
    QTableView* m_table = nullptr;
    QPushButton* m_edit = nullptr;
    QPushButton* m_remove = nullptr;
    QPushButton* m_enroll = nullptr;
    QLabel* m_machine = nullptr;
    QLabel* m_count = nullptr;
    HardwareInfo m_hardware;
};

}  // namespace fedpilot::ui
