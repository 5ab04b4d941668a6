#include "dialogs/StartDialog.h"

#include "app/AppSettings.h"

#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QRadioButton>
#include <QStandardPaths>
#include <QVBoxLayout>

namespace fedpilot::ui {

StartDialog::StartDialog(QWidget* parent) : QDialog(parent)
{
    setObjectName(QStringLiteral("startDialog"));
    setWindowTitle(tr("Open a workspace"));
    setMinimumWidth(560);
    auto* layout = new QVBoxLayout(this);
    auto* intro = new QLabel(tr("A workspace is a folder holding one role's history: a <b>site</b> imports its faces and "
                                "trains locally; a <b>coordinator</b> runs the pilot's rounds."), this);
    intro->setWordWrap(true);
    layout->addWidget(intro);
    m_site = new QRadioButton(tr("Site workspace: import, train, join rounds"), this);
    m_site->setObjectName(QStringLiteral("startRoleSite"));
    m_coordinator = new QRadioButton(tr("Coordinator workspace: run a pilot, review results"), this);
    m_coordinator->setObjectName(QStringLiteral("startRoleCoordinator"));
    m_site->setChecked(true);
    layout->addWidget(m_site);
    layout->addWidget(m_coordinator);
    layout->addWidget(new QLabel(tr("Recent workspaces"), this));
    m_recent = new QListWidget(this);
    m_recent->setObjectName(QStringLiteral("recentList"));
    for (const auto& w : AppSettings().recentWorkspaces()) {
        auto* item = new QListWidgetItem(QStringLiteral("%1  ·  %2").arg(QDir::toNativeSeparators(w.folder), roleTitle(w.role)), m_recent);
        item->setData(Qt::UserRole, w.folder);
        item->setData(Qt::UserRole + 1, roleName(w.role));
    }
    layout->addWidget(m_recent);
    auto* row = new QHBoxLayout;
    m_folder = new QLineEdit(this);
    m_folder->setObjectName(QStringLiteral("startFolder"));
    m_folder->setText(QDir(QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation)).filePath(QStringLiteral("FedPilot/site")));
    auto* browse = new QPushButton(tr("Browse…"), this);
    browse->setObjectName(QStringLiteral("startBrowse"));
    row->addWidget(new QLabel(tr("Folder"), this));
    row->addWidget(m_folder, 1);
    row->addWidget(browse);
    layout->addLayout(row);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Open | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Open)->setObjectName(QStringLiteral("startOpen"));
    layout->addWidget(buttons);

    connect(m_recent, &QListWidget::currentItemChanged, this, [this](QListWidgetItem* item) {
        if (!item)
            return;
        m_folder->setText(item->data(Qt::UserRole).toString());
        setRole(roleFromName(item->data(Qt::UserRole + 1).toString()));
    });
    connect(m_recent, &QListWidget::itemDoubleClicked, this, &StartDialog::accept);
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Workspace folder"), m_folder->text());
        if (!dir.isEmpty())
            m_folder->setText(dir);
    });
    connect(buttons, &QDialogButtonBox::accepted, this, &StartDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    if (m_recent->count() > 0)
        m_recent->setCurrentRow(0);
}

WorkspaceRole StartDialog::role() const
{
    return m_coordinator->isChecked() ? WorkspaceRole::Coordinator : WorkspaceRole::Site;
}

QString StartDialog::folder() const
{
    return m_folder->text().trimmed();
}

void StartDialog::setFolder(const QString& folder)
{
    m_folder->setText(folder);
}

void StartDialog::setRole(WorkspaceRole role)
{
    (role == WorkspaceRole::Coordinator ? m_coordinator : m_site)->setChecked(true);
}

void StartDialog::accept()
{
    if (folder().isEmpty())
        return;
    Q_EMIT workspaceChosen(folder(), role());
    QDialog::accept();
}

}  // namespace fedpilot::ui
