#include "pages/SitesPage.h"

#include "app/HistoryWatcher.h"
#include "app/Workspace.h"
#include "dialogs/SiteDialog.h"
#include "models/SiteTableModel.h"
#include "services/CoordinatorService.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QJsonDocument>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

namespace fedpilot::ui {

SitesPage::SitesPage(PageContext context, QWidget* parent) : Page(parent), m_context(context)
{
    setObjectName(QStringLiteral("sitesPage"));
    auto* layout = new QVBoxLayout(this);
    auto* header = new QLabel(tr("Sites"), this);
    header->setObjectName(QStringLiteral("pageHeader"));
    layout->addWidget(header);
    m_count = new QLabel(this);
    m_count->setObjectName(QStringLiteral("pageSubtitle"));
    layout->addWidget(m_count);

    auto* bar = new QHBoxLayout;
    auto* add = new QPushButton(tr("Register site…"), this);
    add->setObjectName(QStringLiteral("siteRegister"));
    add->setProperty("primary", true);
    m_edit = new QPushButton(tr("Edit…"), this);
    m_edit->setObjectName(QStringLiteral("siteEdit"));
    m_remove = new QPushButton(tr("Remove"), this);
    m_remove->setObjectName(QStringLiteral("siteRemove"));
    m_enroll = new QPushButton(tr("Enrollment code…"), this);
    m_enroll->setObjectName(QStringLiteral("siteEnroll"));
    m_enroll->setToolTip(tr("Issue a one-time code the site uses to obtain its certificate"));
    bar->addWidget(add);
    bar->addWidget(m_edit);
    bar->addWidget(m_remove);
    bar->addWidget(m_enroll);
    bar->addStretch();
    layout->addLayout(bar);

    m_model = new SiteTableModel(this);
    m_table = new QTableView(this);
    m_table->setObjectName(QStringLiteral("sitesTable"));
    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setAlternatingRowColors(true);
    m_table->setShowGrid(false);
    layout->addWidget(m_table, 1);

    auto* machineTitle = new QLabel(tr("This machine"), this);
    machineTitle->setObjectName(QStringLiteral("sectionHeader"));
    layout->addWidget(machineTitle);
    m_machine = new QLabel(this);
    m_machine->setObjectName(QStringLiteral("machineHardware"));
    m_machine->setWordWrap(true);
    layout->addWidget(m_machine);

    connect(add, &QPushButton::clicked, this, &SitesPage::registerSite);
    connect(m_edit, &QPushButton::clicked, this, &SitesPage::editSite);
    connect(m_remove, &QPushButton::clicked, this, &SitesPage::confirmRemove);
    connect(m_enroll, &QPushButton::clicked, this, &SitesPage::issueEnrollmentCode);
    connect(m_table, &QTableView::doubleClicked, this, &SitesPage::editSite);
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, &SitesPage::updateButtons);
    connect(&m_context.watcher, &HistoryWatcher::changed, this, &SitesPage::reload);
    connect(&m_context.workspace, &Workspace::opened, this, &SitesPage::reload);
    // "Last seen 3 min ago" ages even when nothing is written.
    auto* ageTimer = new QTimer(this);
    ageTimer->setInterval(30000);
    connect(ageTimer, &QTimer::timeout, this, [this] { m_table->viewport()->update(); });
    ageTimer->start();

    m_hardware = probeHardware();
    QStringList devices;
    for (const auto& d : m_hardware.devices)
        devices << QStringLiteral("%1 (%2)").arg(d.name, d.id);
    m_machine->setText(tr("%1\nCompute devices: %2").arg(m_hardware.summary(), devices.join(QStringLiteral(", "))));
    reload();
}

void SitesPage::activate()
{
    reload();
}

void SitesPage::reload()
{
    const QString selected = m_table->currentIndex().isValid() ? m_model->site(m_table->currentIndex().row())->name : QString();
    m_model->reload(m_context.workspace.isOpen() ? &m_context.workspace.database() : nullptr);
    const int row = m_model->rowOf(selected);
    if (row >= 0)
        m_table->selectRow(row);
    m_table->resizeColumnsToContents();
    m_count->setText(m_model->rowCount() == 0 ? tr("No site registered yet. Register the sites taking part in the pilot.")
                                              : tr("%n site(s) registered", nullptr, m_model->rowCount()));
    m_enroll->setVisible(m_context.workspace.role() == WorkspaceRole::Coordinator);
    updateButtons();
}

void SitesPage::updateButtons()
{
    const bool has = m_table->selectionModel()->hasSelection();
    m_edit->setEnabled(has);
    m_remove->setEnabled(has);
    m_enroll->setEnabled(has);
}

bool SitesPage::saveSite(const SiteForm& form, bool editing)
{
    if (!m_context.workspace.isOpen())
        return false;
    SiteRepository repo(m_context.workspace.database());
    if (!editing && repo.findByName(form.name) && !repo.findByName(form.name)->revoked) {
        error(tr("A site named %1 is already registered.").arg(form.name));
        return false;
    }
    auto id = repo.ensure(form.name, form.organization, form.contact);
    if (!id) {
        error(tr("Could not register the site %1.").arg(form.name), QString::fromStdString(id.message()));
        return false;
    }
    const QString hw = QString::fromUtf8(QJsonDocument(form.hardware).toJson(QJsonDocument::Compact));
    if (auto s = repo.setInfo(id.value(), form.organization, form.contact, hw); !s) {
        error(tr("Could not save the site %1.").arg(form.name), QString::fromStdString(s.message()));
        return false;
    }
    m_context.workspace.database().logEvent(QStringLiteral("info"), QStringLiteral("sites"), form.name,
                                            editing ? QStringLiteral("site edited") : QStringLiteral("site registered"));
    info(editing ? tr("Site %1 updated").arg(form.name) : tr("Site %1 registered").arg(form.name));
    reload();
    Q_EMIT m_context.workspace.historyChanged();
    return true;
}

bool SitesPage::removeSite(const QString& name)
{
    SiteRepository repo(m_context.workspace.database());
    const auto site = repo.findByName(name);
    if (!site)
        return false;
    if (auto s = repo.revoke(site->id); !s) {
        error(tr("Could not remove the site %1.").arg(name), QString::fromStdString(s.message()));
        return false;
    }
    m_context.workspace.database().logEvent(QStringLiteral("warning"), QStringLiteral("sites"), name, QStringLiteral("site removed"));
    info(tr("Site %1 removed; its certificate is revoked").arg(name));
    reload();
    Q_EMIT m_context.workspace.historyChanged();
    return true;
}

void SitesPage::registerSite()
{
    SiteForm initial;
    initial.hardware = m_hardware.toJson();
    auto* dialog = new SiteDialog(initial, false, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] { saveSite(dialog->form(), false); });
    dialog->open();
}

void SitesPage::editSite()
{
    const SiteRecord* s = m_model->site(m_table->currentIndex().row());
    if (!s)
        return;
    SiteForm initial{s->name, s->organization, s->contact, QJsonDocument::fromJson(s->hardwareJson.toUtf8()).object()};
    auto* dialog = new SiteDialog(initial, true, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] { saveSite(dialog->form(), true); });
    dialog->open();
}

void SitesPage::confirmRemove()
{
    const SiteRecord* s = m_model->site(m_table->currentIndex().row());
    if (!s)
        return;
    const QString name = s->name;
    auto* box = new QMessageBox(QMessageBox::Warning, tr("Remove site"),
                                tr("Remove %1? Its certificate is revoked and its next call is refused. "
                                   "Its history stays in the reports.").arg(name),
                                QMessageBox::Yes | QMessageBox::Cancel, this);
    box->setObjectName(QStringLiteral("siteRemoveConfirm"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box, &QMessageBox::accepted, this, [this, name] { removeSite(name); });
    box->open();
}

void SitesPage::issueEnrollmentCode()
{
    const SiteRecord* s = m_model->site(m_table->currentIndex().row());
    if (!s)
        return;
    CoordinatorService service(m_context.workspace.folder());
    if (auto st = service.open(); !st) {
        error(tr("Enrollment codes need a configured coordinator (pilot.json in the workspace)."), QString::fromStdString(st.message()));
        return;
    }
    auto code = service.issueEnrollmentCode(s->name, s->organization, s->contact);
    if (!code) {
        error(tr("Could not issue an enrollment code for %1.").arg(s->name), QString::fromStdString(code.message()));
        return;
    }
    info(tr("Enrollment code issued for %1 (valid 72 h)").arg(s->name));
    auto* box = new QMessageBox(QMessageBox::Information, tr("Enrollment code"),
                                tr("Give this one-time code to %1's operator (valid 72 hours):\n\n%2").arg(s->name, code.value()),
                                QMessageBox::Ok, this);
    box->setObjectName(QStringLiteral("enrollmentCodeBox"));
    box->setTextInteractionFlags(Qt::TextSelectableByMouse);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

}  // namespace fedpilot::ui
