#include "dialogs/SettingsDialog.h"

#include "app/AppSettings.h"
#include "app/HardwareProbe.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QSpinBox>
#include <QVBoxLayout>

namespace fedpilot::ui {

SettingsDialog::SettingsDialog(QWidget* parent) : QDialog(parent)
{
    setObjectName(QStringLiteral("settingsDialog"));
    setWindowTitle(tr("Settings"));
    auto* layout = new QVBoxLayout(this);
    auto* form = new QFormLayout;
    AppSettings settings;
    m_poll = new QSpinBox(this);
    m_poll->setObjectName(QStringLiteral("settingsPoll"));
    m_poll->setRange(200, 60000);
    m_poll->setSingleStep(250);
    m_poll->setSuffix(tr(" ms"));
    m_poll->setValue(settings.historyPollMs());
    m_device = new QComboBox(this);
    m_device->setObjectName(QStringLiteral("settingsDevice"));
    m_device->addItem(tr("Automatic"), QStringLiteral("auto"));
    for (const auto& d : probeHardware().devices)
        m_device->addItem(QStringLiteral("%1 — %2").arg(d.id, d.name), d.id);
    const int i = m_device->findData(settings.preferredDevice());
    m_device->setCurrentIndex(i >= 0 ? i : 0);
    form->addRow(tr("Check the history for changes every"), m_poll);
    form->addRow(tr("Training device"), m_device);
    layout->addLayout(form);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, &SettingsDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
}

void SettingsDialog::accept()
{
    AppSettings settings;
    settings.setHistoryPollMs(m_poll->value());
    settings.setPreferredDevice(m_device->currentData().toString());
    QDialog::accept();
}

}  // namespace fedpilot::ui
