#include "dialogs/DemoPilotsDialog.h"

#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QVBoxLayout>

namespace fedpilot::ui {

DemoPilotsDialog::DemoPilotsDialog(QWidget* parent) : QDialog(parent)
{
    setObjectName(QStringLiteral("demoPilotsDialog"));
    setWindowTitle(tr("Demo pilots"));
    setModal(false);
    m_job = new DemoPilotJob(this);
    auto* layout = new QVBoxLayout(this);
    auto* intro = new QLabel(tr("Running two small pilots on synthetic faces, AdaFedFR and FedAvg: pretraining, local rounds at "
                                "simulated sites, FedAvg and evaluation, all on this machine. The charts show the measured numbers."),
                             this);
    intro->setWordWrap(true);
    m_stage = new QLabel(tr("Starting…"), this);
    m_stage->setObjectName(QStringLiteral("demoStage"));
    m_bar = new QProgressBar(this);
    m_bar->setObjectName(QStringLiteral("demoProgress"));
    m_bar->setRange(0, 1000);
    m_bar->setTextVisible(false);
    m_result = new QLabel(this);
    m_result->setObjectName(QStringLiteral("demoResult"));
    m_result->setWordWrap(true);
    m_button = new QPushButton(tr("Cancel"), this);
    m_button->setObjectName(QStringLiteral("demoCancel"));
    layout->addWidget(intro);
    layout->addWidget(m_stage);
    layout->addWidget(m_bar);
    layout->addWidget(m_result);
    layout->addWidget(m_button, 0, Qt::AlignRight);
    resize(520, 200);

    connect(m_button, &QPushButton::clicked, this, [this] {
        if (m_job->isRunning())
            cancel();
        else
            accept();
    });
    connect(m_job, &DemoPilotJob::progress, this, &DemoPilotsDialog::onProgress);
    connect(m_job, &DemoPilotJob::finished, this, &DemoPilotsDialog::onFinished);
}

bool DemoPilotsDialog::start(const DemoPilotsParams& params)
{
    if (!m_job->start(params))
        return false;
    m_bar->setValue(0);
    m_result->clear();
    m_button->setText(tr("Cancel"));
    m_button->setEnabled(true);
    return true;
}

void DemoPilotsDialog::cancel()
{
    if (!m_job->isRunning())
        return;
    m_job->cancel();
    m_button->setEnabled(false);
    m_stage->setText(tr("Cancelling after the current batch…"));
}

int DemoPilotsDialog::progressValue() const
{
    return m_bar->value();
}

void DemoPilotsDialog::reject()
{
    if (m_job->isRunning()) {
        m_closeWhenDone = true;
        cancel();
        return;
    }
    QDialog::reject();
}

void DemoPilotsDialog::onProgress(const DemoPilotsProgress& p)
{
    m_bar->setValue(qRound(p.fraction * 1000));
    if (m_button->isEnabled())
        m_stage->setText(p.stage);
}

void DemoPilotsDialog::onFinished(const DemoPilotsResult& r)
{
    m_button->setText(tr("Close"));
    m_button->setEnabled(true);
    switch (r.state) {
    case DemoPilotsResult::State::Completed:
        m_bar->setValue(1000);
        m_stage->setText(tr("Done in %1 s").arg(r.seconds, 0, 'f', 1));
        m_result->setText(tr("%1 written to the history, %2 rounds each. Open the Charts page to compare them.")
                              .arg(r.pilots.join(tr(" and "))).arg(r.rounds));
        Q_EMIT loaded(r.pilots);
        break;
    case DemoPilotsResult::State::Cancelled:
        m_stage->setText(tr("Cancelled; nothing was written."));
        break;
    case DemoPilotsResult::State::Failed:
        m_stage->setText(tr("Failed."));
        m_result->setText(r.error);
        Q_EMIT failed(tr("The demo pilots could not be run."), r.error);
        break;
    }
    if (m_closeWhenDone)
        QDialog::reject();
}

}  // namespace fedpilot::ui
