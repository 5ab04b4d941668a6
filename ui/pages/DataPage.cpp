#include "pages/DataPage.h"

#include "app/HistoryWatcher.h"
#include "app/Workspace.h"
#include "dialogs/ImportProgressPage.h"
#include "dialogs/ImportWizard.h"
#include "models/IdentityTableModel.h"
#include "models/RejectedFilesModel.h"

#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QPushButton>
#include <QSqlQuery>
#include <QTabWidget>
#include <QTableView>
#include <QTreeView>
#include <QVBoxLayout>

namespace fedpilot::ui {

DataPage::DataPage(PageContext context, QWidget* parent) : Page(parent), m_context(context)
{
    setObjectName(QStringLiteral("dataPage"));
    auto* layout = new QVBoxLayout(this);
    auto* header = new QLabel(tr("Data"), this);
    header->setObjectName(QStringLiteral("pageHeader"));
    layout->addWidget(header);
    auto* bar = new QHBoxLayout;
    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("dataSummary"));
    m_summary->setWordWrap(true);
    auto* import = new QPushButton(tr("Import folder…"), this);
    import->setObjectName(QStringLiteral("dataImport"));
    import->setProperty("primary", true);
    bar->addWidget(m_summary, 1);
    bar->addWidget(import, 0, Qt::AlignTop);
    layout->addLayout(bar);

    auto* tabs = new QTabWidget(this);
    tabs->setObjectName(QStringLiteral("dataTabs"));
    m_identities = new IdentityTableModel(this);
    m_identityView = new QTableView(tabs);
    m_identityView->setObjectName(QStringLiteral("identitiesTable"));
    m_identityView->setModel(m_identities);
    m_identityView->verticalHeader()->hide();
    m_identityView->setAlternatingRowColors(true);
    m_identityView->setShowGrid(false);
    m_identityView->horizontalHeader()->setStretchLastSection(true);
    m_identityView->setSortingEnabled(false);
    tabs->addTab(m_identityView, tr("Identities"));
    m_rejected = new RejectedFilesModel(this);
    m_rejectedView = new QTreeView(tabs);
    m_rejectedView->setObjectName(QStringLiteral("dataRejected"));
    m_rejectedView->setModel(m_rejected);
    m_rejectedView->setAlternatingRowColors(true);
    tabs->addTab(m_rejectedView, tr("Rejected files"));
    layout->addWidget(tabs, 1);

    connect(import, &QPushButton::clicked, this, &DataPage::openImportWizard);
    connect(&m_context.workspace, &Workspace::opened, this, &DataPage::reload);
    reload();
}

void DataPage::activate()
{
    reload();
}

ImportWizard* DataPage::openImportWizard()
{
    if (m_wizard) {
        m_wizard->raise();
        m_wizard->activateWindow();
        return m_wizard;
    }
    m_wizard = new ImportWizard(m_context.workspace, this);
    m_wizard->setAttribute(Qt::WA_DeleteOnClose);
    connect(m_wizard->progressPage(), &ImportProgressPage::progressText, this, [this](const QString& text) {
        m_busy = text;
        Q_EMIT busyChanged();
    });
    connect(m_wizard, &ImportWizard::imported, this, [this](const jobs::ImportTaskResult& r) {
        m_busy.clear();
        Q_EMIT busyChanged();
        if (!r.ok)
            error(tr("The import failed."), r.error);
        else if (r.summary.state == ImportState::Cancelled)
            warn(tr("Import cancelled after %1 files").arg(r.summary.processed));
        else
            info(tr("Imported %1 faces of %2 identities").arg(r.summary.imagesInCache).arg(r.summary.identities));
        reload();
        Q_EMIT m_context.workspace.historyChanged();
    });
    m_wizard->show();
    return m_wizard;
}

QString DataPage::latestCachePath() const
{
    return m_context.workspace.isOpen() ? latestCachePath(m_context.workspace.database()) : QString();
}

QString DataPage::latestCachePath(const Database& db)
{
    QSqlQuery q(db.connection());
    if (q.exec(QStringLiteral("SELECT cache_path FROM import_runs WHERE state = 'completed' AND cache_path != '' ORDER BY id DESC LIMIT 1"))
        && q.next()) {
        const QString path = q.value(0).toString();
        return QFileInfo::exists(path) ? path : QString();
    }
    return {};
}

void DataPage::reload()
{
    m_datasetId = 0;
    QString root;
    QJsonObject summary;
    QString finished;
    if (m_context.workspace.isOpen()) {
        QSqlQuery q(m_context.workspace.database().connection());
        if (q.exec(QStringLiteral("SELECT d.id, d.root_path, r.summary_json, r.finished_utc FROM datasets d "
                                  "LEFT JOIN import_runs r ON r.id = d.last_run_id ORDER BY COALESCE(d.last_run_id, 0) DESC, d.id DESC LIMIT 1"))
            && q.next()) {
            m_datasetId = q.value(0).toLongLong();
            root = q.value(1).toString();
            summary = QJsonDocument::fromJson(q.value(2).toString().toUtf8()).object();
            finished = q.value(3).toString();
        }
    }
    const Database* db = m_context.workspace.isOpen() ? &m_context.workspace.database() : nullptr;
    m_identities->reload(db, m_datasetId);
    m_rejected->reload(db, m_datasetId);
    m_rejectedView->expandAll();
    m_identityView->resizeColumnsToContents();
    if (m_datasetId == 0) {
        m_summary->setText(tr("No faces imported yet. Import a folder with one sub-folder per person; the faces are "
                              "aligned and checked here and never leave this machine."));
        return;
    }
    const QString cache = latestCachePath();
    m_summary->setText(tr("<b>%1</b><br>%2 identities · %3 usable images · %4 rejected files · last import %5<br>Face cache: %6")
                           .arg(root.toHtmlEscaped())
                           .arg(m_identities->rowCount())
                           .arg(summary.value(QStringLiteral("images_ok")).toVariant().toLongLong())
                           .arg(m_rejected->fileCount())
                           .arg(finished.isEmpty() ? tr("unfinished") : finished)
                           .arg(cache.isEmpty() ? tr("none yet") : cache.toHtmlEscaped()));
}

}  // namespace fedpilot::ui
