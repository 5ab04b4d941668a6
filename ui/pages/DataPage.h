#pragma once
// Data: the site's imported faces (identities, usable images, held-out split, rejected files by
// reason) and the import wizard. Identity names never leave this machine.

#include "pages/Page.h"
#include "pages/PageContext.h"

#include <QPointer>

class QLabel;
class QTableView;
class QTreeView;

namespace fedpilot {
class Database;
}

namespace fedpilot::ui {

class IdentityTableModel;
class RejectedFilesModel;
class ImportWizard;

class DataPage : public Page {
    Q_OBJECT
public:
    DataPage(PageContext context, QWidget* parent = nullptr);

    QString title() const override { return tr("Data"); }
    QIcon icon() const override { return QIcon(QStringLiteral(":/icons/data.svg")); }
    void activate() override;
    QString busyText() const override { return m_busy; }

    // Opens (or raises) the import wizard.
    ImportWizard* openImportWizard();
    IdentityTableModel* identities() const { return m_identities; }
    RejectedFilesModel* rejected() const { return m_rejected; }
    qint64 datasetId() const { return m_datasetId; }
    // The face cache of the latest completed import ("" when none).
    QString latestCachePath() const;
    static QString latestCachePath(const Database& db);

private:
    void reload();

    PageContext m_context;
    QLabel* m_summary = nullptr;
    QTableView* m_identityView = nullptr;
    QTreeView* m_rejectedView = nullptr;
    IdentityTableModel* m_identities = nullptr;
    RejectedFilesModel* m_rejected = nullptr;
    QPointer<ImportWizard> m_wizard;
    qint64 m_datasetId = 0;
    QString m_busy;
};

}  // namespace fedpilot::ui
