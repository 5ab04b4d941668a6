#include "dialogs/SiteDialog.h"

#include "app/HardwareProbe.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QVBoxLayout>

namespace fedpilot::ui {

SiteDialog::SiteDialog(const SiteForm& initial, bool editing, QWidget* parent) : QDialog(parent)
{
    setObjectName(QStringLiteral("siteDialog"));
    setWindowTitle(editing ? tr("Edit site") : tr("Register a site"));
    auto* layout = new QVBoxLayout(this);
    auto* form = new QFormLayout;
    m_name = new QLineEdit(initial.name, this);
    m_name->setObjectName(QStringLiteral("siteName"));
    m_name->setPlaceholderText(tr("lyon-hcl"));
    m_name->setReadOnly(editing);
    m_organization = new QLineEdit(initial.organization, this);
    m_organization->setObjectName(QStringLiteral("siteOrganization"));
    m_contact = new QLineEdit(initial.contact, this);
    m_contact->setObjectName(QStringLiteral("siteContact"));
    m_contact->setPlaceholderText(tr("name@example.org"));
    auto* hwRow = new QHBoxLayout;
    m_hardware = new QLabel(this);
    m_hardware->setObjectName(QStringLiteral("siteHardware"));
    m_hardware->setWordWrap(true);
    auto* detect = new QPushButton(tr("Detect on this machine"), this);
    detect->setObjectName(QStringLiteral("siteDetectHardware"));
    hwRow->addWidget(m_hardware, 1);
    hwRow->addWidget(detect);
    form->addRow(tr("Name"), m_name);
    form->addRow(tr("Organization"), m_organization);
    form->addRow(tr("Contact"), m_contact);
    form->addRow(tr("Hardware"), hwRow);
    layout->addLayout(form);
    m_problem = new QLabel(this);
    m_problem->setObjectName(QStringLiteral("siteProblem"));
    m_problem->setStyleSheet(QStringLiteral("color: #c0392b"));
    layout->addWidget(m_problem);
    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_buttons->button(QDialogButtonBox::Ok)->setObjectName(QStringLiteral("siteOk"));
    m_buttons->button(QDialogButtonBox::Ok)->setText(editing ? tr("Save") : tr("Register"));
    layout->addWidget(m_buttons);

    m_hardwareJson = initial.hardware;
    m_hardware->setText(hardwareSummary(m_hardwareJson));
    connect(detect, &QPushButton::clicked, this, &SiteDialog::detectHardware);
    connect(m_name, &QLineEdit::textChanged, this, &SiteDialog::validate);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    validate();
}

void SiteDialog::detectHardware()
{
    m_hardwareJson = probeHardware().toJson();
    m_hardware->setText(hardwareSummary(m_hardwareJson));
}

void SiteDialog::validate()
{
    // Names end up in certificates, file names and logs: keep them simple.
    static const QRegularExpression valid(QStringLiteral("^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$"));
    const QString name = m_name->text().trimmed();
    QString problem;
    if (name.isEmpty())
        problem = tr("A site needs a name.");
    else if (!valid.match(name).hasMatch())
        problem = tr("Use letters, digits, '.', '_' or '-' (at most 63), starting with a letter or digit.");
    m_problem->setText(problem);
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(problem.isEmpty());
}

SiteForm SiteDialog::form() const
{
    return {m_name->text().trimmed(), m_organization->text().trimmed(), m_contact->text().trimmed(), m_hardwareJson};
}

}  // namespace fedpilot::ui
