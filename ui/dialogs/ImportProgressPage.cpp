#include "dialogs/ImportProgressPage.h"

#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QVBoxLayout>

#include <cmath>

namespace fedpilot::ui {
namespace {

QString eta(double seconds)
{
    if (!(seconds >= 0) || !std::isfinite(seconds))
        return QStringLiteral("–");
    if (seconds < 60)
        return QStringLiteral("%1 s").arg(qRound(seconds));
    return QStringLiteral("%1 min %2 s").arg(int(seconds) / 60).arg(int(seconds) % 60);
}

}  // namespace

ImportProgressPage::ImportProgressPage(Database& db, std::function<ImportOptions()> options, QWidget* parent)
    : QWizardPage(parent), m_options(std::move(options))
{
    setObjectName(QStringLiteral("importProgressPage"));
    setTitle(tr("Importing"));
    setSubTitle(tr("Faces are detected, aligned and checked on this machine; nothing leaves it."));
    m_task = new jobs::ImportTask(db, this);
    auto* layout = new QVBoxLayout(this);
    m_phase = new QLabel(this);
    m_phase->setObjectName(QStringLiteral("importPhase"));
    m_bar = new QProgressBar(this);
    m_bar->setObjectName(QStringLiteral("importProgress"));
    m_bar->setRange(0, 100);
    m_counts = new QLabel(this);
    m_counts->setObjectName(QStringLiteral("importCounts"));
    m_cancel = new QPushButton(tr("Cancel import"), this);
    m_cancel->setObjectName(QStringLiteral("importCancel"));
    layout->addWidget(m_phase);
    layout->addWidget(m_bar);
    layout->addWidget(m_counts);
    layout->addStretch();
    layout->addWidget(m_cancel, 0, Qt::AlignRight);
    connect(m_cancel, &QPushButton::clicked, this, &ImportProgressPage::cancel);
    connect(m_task, &jobs::ImportTask::progress, this, &ImportProgressPage::onProgress);
    connect(m_task, &jobs::ImportTask::finished, this, &ImportProgressPage::onFinished);
}

void ImportProgressPage::initializePage()
{
    if (m_task->isRunning())
        return;
    m_result.reset();
    m_bar->setValue(0);
    m_phase->setText(tr("Starting…"));
    m_counts->clear();
    m_cancel->setEnabled(true);
    if (!m_task->start(m_options()))
        m_phase->setText(tr("An import is already running."));
    Q_EMIT completeChanged();
}

bool ImportProgressPage::isComplete() const
{
    return m_result.has_value();
}

bool ImportProgressPage::isRunning() const
{
    return m_task->isRunning();
}

int ImportProgressPage::progressValue() const
{
    return m_bar->value();
}

void ImportProgressPage::cancel()
{
    if (!m_task->isRunning())
        return;
    m_task->cancel();
    m_cancel->setEnabled(false);
    m_phase->setText(tr("Cancelling… (the files analysed so far are kept for the next import)"));
}

void ImportProgressPage::onProgress(const ImportProgress& p)
{
    // Scanning has no known total: show it as the first 5 %; writing the cache as the last 10 %.
    double fraction = 0;
    switch (p.phase) {
    case ImportPhase::Scanning: fraction = 0.02; break;
    case ImportPhase::Processing: fraction = 0.05 + 0.85 * (p.total > 0 ? double(p.done) / p.total : 1.0); break;
    case ImportPhase::WritingCache: fraction = 0.9 + 0.1 * (p.total > 0 ? double(p.done) / p.total : 1.0); break;
    case ImportPhase::Done: fraction = 1.0; break;
    }
    m_bar->setValue(qRound(fraction * 100));
    if (m_cancel->isEnabled())
        m_phase->setText(jobs::importPhaseText(p.phase));
    m_counts->setText(tr("%1 of %2 files · %3 usable · %4 rejected · %5 unchanged · %6 img/s · ETA %7")
                          .arg(p.done).arg(p.total).arg(p.ok).arg(p.rejected).arg(p.reused)
                          .arg(p.imagesPerSec, 0, 'f', 0).arg(eta(p.etaSec)));
    Q_EMIT progressText(tr("Import %1 %").arg(m_bar->value()));
}

void ImportProgressPage::onFinished(const jobs::ImportTaskResult& result)
{
    m_result = result;
    m_cancel->setEnabled(false);
    if (!result.ok)
        m_phase->setText(tr("The import failed: %1").arg(result.error));
    else if (result.summary.state == ImportState::Cancelled)
        m_phase->setText(tr("Import cancelled."));
    else {
        m_bar->setValue(100);
        m_phase->setText(tr("Import complete."));
    }
    Q_EMIT completeChanged();
    Q_EMIT importFinished(result);
}

}  // namespace fedpilot::ui
