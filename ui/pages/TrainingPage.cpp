#include "pages/TrainingPage.h"

#include "app/AppSettings.h"
#include "app/HardwareProbe.h"
#include "app/Workspace.h"
#include "pages/DataPage.h"
#include "widgets/charts/SeriesChart.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFileInfo>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

#include <cmath>

namespace fedpilot::ui {
namespace {

QString formatEta(double seconds)
{
    if (!(seconds >= 0) || !std::isfinite(seconds))
        return QStringLiteral("–");
    const int s = qRound(seconds);
    return s < 60 ? QStringLiteral("%1 s").arg(s) : QStringLiteral("%1 min %2 s").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
}

}  // namespace

TrainingPage::TrainingPage(PageContext context, QWidget* parent) : Page(parent), m_context(context)
{
    setObjectName(QStringLiteral("trainingPage"));
    m_job = new jobs::TrainingJob(this);
    auto* layout = new QVBoxLayout(this);
    auto* header = new QLabel(tr("Training"), this);
    header->setObjectName(QStringLiteral("pageHeader"));
    layout->addWidget(header);

    auto* top = new QHBoxLayout;
    auto* configBox = new QGroupBox(tr("Local training"), this);
    auto* form = new QFormLayout(configBox);
    m_cache = new QLineEdit(configBox);
    m_cache->setObjectName(QStringLiteral("trainCache"));
    m_cache->setPlaceholderText(tr("the face cache of the last import"));
    m_device = new QComboBox(configBox);
    m_device->setObjectName(QStringLiteral("trainDevice"));
    m_device->addItem(tr("Automatic (CUDA when present)"), QStringLiteral("auto"));
    for (const auto& d : probeHardware().devices)
        m_device->addItem(QStringLiteral("%1 — %2").arg(d.id, d.name), d.id);
    const int preferred = m_device->findData(AppSettings().preferredDevice());
    m_device->setCurrentIndex(preferred >= 0 ? preferred : 0);
    m_backbone = new QComboBox(configBox);
    m_backbone->setObjectName(QStringLiteral("trainBackbone"));
    m_backbone->addItem(QStringLiteral("MobileFaceNet"), int(engine::Backbone::MobileFaceNet));
    m_backbone->addItem(QStringLiteral("IResNet-18"), int(engine::Backbone::IResNet18));
    m_backbone->addItem(QStringLiteral("IResNet-50"), int(engine::Backbone::IResNet50));
    m_inputSize = new QSpinBox(configBox);
    m_inputSize->setObjectName(QStringLiteral("trainInputSize"));
    m_inputSize->setRange(32, 224);
    m_inputSize->setSingleStep(16);
    m_inputSize->setValue(112);
    m_inputSize->setSuffix(tr(" px"));
    m_embedding = new QSpinBox(configBox);
    m_embedding->setObjectName(QStringLiteral("trainEmbedding"));
    m_embedding->setRange(32, 1024);
    m_embedding->setValue(512);
    m_epochs = new QSpinBox(configBox);
    m_epochs->setObjectName(QStringLiteral("trainEpochs"));
    m_epochs->setRange(1, 500);
    m_epochs->setValue(3);
    m_batch = new QSpinBox(configBox);
    m_batch->setObjectName(QStringLiteral("trainBatch"));
    m_batch->setRange(2, 1024);
    m_batch->setValue(64);
    m_learningRate = new QDoubleSpinBox(configBox);
    m_learningRate->setObjectName(QStringLiteral("trainLearningRate"));
    m_learningRate->setDecimals(4);
    m_learningRate->setRange(0.0001, 1.0);
    m_learningRate->setSingleStep(0.005);
    m_learningRate->setValue(0.05);
    m_baseline = new QCheckBox(tr("Evaluate the baseline on the held-out faces first"), configBox);
    m_baseline->setObjectName(QStringLiteral("trainBaseline"));
    m_baseline->setChecked(true);
    form->addRow(tr("Face cache"), m_cache);
    form->addRow(tr("Device"), m_device);
    form->addRow(tr("Backbone"), m_backbone);
    form->addRow(tr("Input size"), m_inputSize);
    form->addRow(tr("Embedding size"), m_embedding);
    form->addRow(tr("Epochs"), m_epochs);
    form->addRow(tr("Batch size"), m_batch);
    form->addRow(tr("Learning rate"), m_learningRate);
    form->addRow(QString(), m_baseline);
    top->addWidget(configBox, 2);

    auto* runBox = new QGroupBox(tr("Run"), this);
    auto* run = new QVBoxLayout(runBox);
    auto* buttons = new QHBoxLayout;
    m_start = new QPushButton(tr("Start training"), runBox);
    m_start->setObjectName(QStringLiteral("trainStart"));
    m_start->setProperty("primary", true);
    m_cancel = new QPushButton(tr("Cancel"), runBox);
    m_cancel->setObjectName(QStringLiteral("trainCancel"));
    m_cancel->setEnabled(false);
    m_cancel->setToolTip(tr("Stops after the current batch and saves a checkpoint to resume from"));
    m_resume = new QPushButton(tr("Resume"), runBox);
    m_resume->setObjectName(QStringLiteral("trainResume"));
    m_resume->setToolTip(tr("Continues the cancelled run from its checkpoint"));
    m_resume->setEnabled(false);
    buttons->addWidget(m_start);
    buttons->addWidget(m_cancel);
    buttons->addWidget(m_resume);
    buttons->addStretch();
    run->addLayout(buttons);
    m_progress = new QProgressBar(runBox);
    m_progress->setObjectName(QStringLiteral("trainProgress"));
    m_progress->setRange(0, 1000);
    m_progress->setTextVisible(false);
    m_phase = new QLabel(tr("Idle"), runBox);
    m_phase->setObjectName(QStringLiteral("trainPhase"));
    m_eta = new QLabel(runBox);
    m_eta->setObjectName(QStringLiteral("trainEta"));
    m_result = new QLabel(runBox);
    m_result->setObjectName(QStringLiteral("trainResult"));
    m_result->setWordWrap(true);
    run->addWidget(m_progress);
    run->addWidget(m_phase);
    run->addWidget(m_eta);
    run->addWidget(m_result);
    m_checkpoint = new QLabel(runBox);
    m_checkpoint->setObjectName(QStringLiteral("trainCheckpoint"));
    m_checkpoint->setWordWrap(true);
    run->addWidget(m_checkpoint);
    run->addStretch();
    top->addWidget(runBox, 3);
    layout->addLayout(top);

    auto* charts = new QHBoxLayout;
    m_lossChart = new SeriesChart(tr("Loss"), {tr("epoch"), tr("loss"), false, false}, this);
    m_lossChart->setObjectName(QStringLiteral("chartTrainLoss"));
    m_lossChart->setEmptyText(tr("The loss appears here while training runs."));
    SeriesChartOptions speed{tr("epoch"), tr("images/s"), false, false};
    speed.unit = tr("img/s");
    m_speedChart = new SeriesChart(tr("Throughput"), speed, this);
    m_speedChart->setObjectName(QStringLiteral("chartTrainSpeed"));
    m_speedChart->setEmptyText(tr("Images per second appear here while training runs."));
    charts->addWidget(m_lossChart);
    charts->addWidget(m_speedChart);
    layout->addLayout(charts, 1);

    connect(m_start, &QPushButton::clicked, this, &TrainingPage::start);
    connect(m_cancel, &QPushButton::clicked, this, &TrainingPage::cancel);
    connect(m_resume, &QPushButton::clicked, this, &TrainingPage::resume);
    connect(m_job, &jobs::TrainingJob::progress, this, &TrainingPage::onProgress);
    connect(m_job, &jobs::TrainingJob::finished, this, &TrainingPage::onFinished);
    connect(m_device, &QComboBox::currentIndexChanged, this, [this] { AppSettings().setPreferredDevice(m_device->currentData().toString()); });
    connect(&m_context.workspace, &Workspace::opened, this, &TrainingPage::activate);
    activate();
}

void TrainingPage::activate()
{
    if (!m_context.workspace.isOpen() || m_job->isRunning())
        return;
    const QString cache = DataPage::latestCachePath(m_context.workspace.database());
    if (!cache.isEmpty() && m_cache->text().isEmpty())
        m_cache->setText(cache);
    updateCheckpointControls();
}

QString TrainingPage::checkpointPath() const
{
    return m_context.workspace.isOpen() ? m_context.workspace.path(QStringLiteral("models/local.checkpoint.fpt")) : QString();
}

void TrainingPage::updateCheckpointControls()
{
    const auto info = jobs::TrainingJob::checkpointInfo(checkpointPath());
    m_resume->setEnabled(info.has_value() && !m_job->isRunning());
    m_checkpoint->setText(info ? tr("Checkpoint: %1 of %2 epochs done. Resume continues from epoch %3; Start training starts over.")
                                     .arg(info->epochsDone).arg(info->epochsTotal).arg(info->epochsDone + 1)
                               : QString());
}

QString TrainingPage::busyText() const
{
    return m_job->isRunning() ? tr("Training %1 %").arg(m_progress->value() / 10) : QString();
}

jobs::TrainingJobParams TrainingPage::params() const
{
    jobs::TrainingJobParams p;
    p.cachePath = m_cache->text().trimmed();
    p.model.backbone = static_cast<engine::Backbone>(m_backbone->currentData().toInt());
    p.model.inputSize = m_inputSize->value() / 16 * 16;
    p.model.embeddingSize = m_embedding->value();
    p.train.strategy = engine::Strategy::Local;
    p.train.epochs = m_epochs->value();
    p.train.batchSize = m_batch->value();
    p.train.optim.learningRate = m_learningRate->value();
    p.train.device = m_device->currentData().toString().toStdString();
    p.evaluateBaseline = m_baseline->isChecked();
    p.outModelPath = m_context.workspace.isOpen() ? m_context.workspace.path(QStringLiteral("models/local.fpt")) : QString();
    p.checkpointPath = checkpointPath();
    return p;
}

bool TrainingPage::start()
{
    auto p = params();
    if (p.cachePath.isEmpty()) {
        error(tr("There is no face cache to train on yet: import a folder on the Data page first."));
        return false;
    }
    if (auto s = engine::validate(p.train); !s) {
        error(tr("The training settings are not valid."), QString::fromStdString(s.message()));
        return false;
    }
    if (m_job->isRunning())
        return false;
    // Starting over: the previous run's checkpoint would only confuse a later Resume.
    jobs::TrainingJob::removeCheckpoint(p.checkpointPath);
    if (!launch(p))
        return false;
    info(tr("Local training started on %1 (%2 epochs)").arg(m_device->currentText()).arg(p.train.epochs));
    return true;
}

bool TrainingPage::resume()
{
    if (m_job->isRunning())
        return false;
    const auto saved = jobs::TrainingJob::checkpointInfo(checkpointPath());
    if (!saved) {
        error(tr("There is no checkpoint to resume from: cancel a training run first."));
        updateCheckpointControls();
        return false;
    }
    auto p = params();
    p.resume = true;
    if (p.cachePath.isEmpty())
        p.cachePath = saved->cachePath;
    if (!launch(p))
        return false;
    info(tr("Local training resumed at epoch %1 of %2").arg(saved->epochsDone + 1).arg(saved->epochsTotal));
    return true;
}

bool TrainingPage::launch(jobs::TrainingJobParams p)
{
    if (!p.outModelPath.isEmpty())
        QDir().mkpath(QFileInfo(p.outModelPath).absolutePath());
    if (!m_job->start(p))
        return false;
    m_loss.clear();
    m_speed.clear();
    m_chartClock.invalidate();
    m_result->clear();
    setRunning(true);
    return true;
}

void TrainingPage::cancel()
{
    if (!m_job->isRunning())
        return;
    m_job->cancel();
    m_cancel->setEnabled(false);
    m_phase->setText(tr("Cancelling after the current batch…"));
}

void TrainingPage::setRunning(bool running)
{
    m_start->setEnabled(!running);
    m_cancel->setEnabled(running);
    m_resume->setEnabled(false);
    for (QWidget* w : std::initializer_list<QWidget*>{m_cache, m_device, m_backbone, m_inputSize, m_embedding, m_epochs, m_batch,
                                                      m_learningRate, m_baseline})
        w->setEnabled(!running);
    Q_EMIT busyChanged();
}

void TrainingPage::onProgress(const jobs::TrainingProgress& p)
{
    m_progress->setValue(qRound(p.fraction * 1000));
    if (m_cancel->isEnabled())
        m_phase->setText(p.phase == jobs::TrainingPhase::Training
                             ? tr("Epoch %1 of %2 · loss %3").arg(p.train.epoch + 1).arg(p.train.epochs).arg(p.train.loss, 0, 'f', 3)
                             : jobs::phaseText(p.phase));
    if (p.phase == jobs::TrainingPhase::Training && p.train.totalSteps > 0) {
        const double x = double(p.train.step) / double(p.train.totalSteps) * p.train.epochs;
        m_loss << QPointF(x, p.train.loss);
        m_speed << QPointF(x, p.train.imagesPerSec);
        m_eta->setText(tr("%1 images/s · ETA %2").arg(p.train.imagesPerSec, 0, 'f', 0).arg(formatEta(p.train.etaSec)));
        // Redrawing two plots costs a few ms: at most 4 times a second keeps the GUI fluid.
        if (!m_chartClock.isValid() || m_chartClock.elapsed() > 250)
            updateCharts();
    }
    Q_EMIT busyChanged();
}

void TrainingPage::updateCharts()
{
    m_chartClock.start();
    m_lossChart->setSeries({report::SeriesData{tr("loss (running mean)"), m_loss, 0, false, true}});
    m_speedChart->setSeries({report::SeriesData{tr("images/s"), m_speed, 2, false, false}});
}

void TrainingPage::onFinished(const jobs::TrainingJobResult& r)
{
    setRunning(false);
    updateCharts();
    const auto acc = [](const std::optional<engine::VerificationMetrics>& m) {
        return m ? QStringLiteral("%1 %").arg(m->accuracy * 100, 0, 'f', 1) : QStringLiteral("n/a");
    };
    switch (r.state) {
    case jobs::JobState::Completed:
        m_progress->setValue(1000);
        m_phase->setText(tr("Done in %1 · %2 images/s on %3")
                             .arg(formatEta(r.outcome.seconds)).arg(r.outcome.imagesPerSec, 0, 'f', 0)
                             .arg(QString::fromStdString(r.outcome.device))
                         + (r.startEpoch > 0 ? tr(" · resumed at epoch %1 of %2").arg(r.startEpoch + 1).arg(r.epochsTotal) : QString()));
        m_result->setText(tr("Held-out verification accuracy (%1 images): baseline %2 → trained %3")
                              .arg(r.heldOutImages).arg(acc(r.baseline), acc(r.trained))
                          + (r.evaluationNote.isEmpty() ? QString() : tr("\nNot evaluated: %1.").arg(r.evaluationNote)));
        if (!r.evaluationNote.isEmpty())
            warn(tr("Evaluation skipped: %1").arg(r.evaluationNote));
        info(tr("Local training finished: final loss %1").arg(r.outcome.finalLoss, 0, 'f', 3));
        break;
    case jobs::JobState::Cancelled:
        if (r.checkpointSaved) {
            m_phase->setText(tr("Cancelled after %1 of %2 epochs; checkpoint saved.").arg(r.epochsDone).arg(r.epochsTotal));
            warn(tr("Local training cancelled after %1 of %2 epochs; Resume continues from the checkpoint").arg(r.epochsDone).arg(r.epochsTotal));
        } else {
            m_phase->setText(tr("Cancelled; no model was saved."));
            warn(tr("Local training cancelled"));
        }
        break;
    case jobs::JobState::Failed:
        m_phase->setText(tr("Failed."));
        error(tr("Local training failed."), r.error);
        break;
    }
    m_eta->clear();
    updateCheckpointControls();
    Q_EMIT trainingFinished(r);
}

}  // namespace fedpilot::ui
