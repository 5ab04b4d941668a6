#pragma once
// Training: local training of the site's model on its imported faces, on the device the operator
// picks (CUDA devices when present, else the CPU), with live loss and throughput, ETA, cancel,
// and the baseline evaluated on the held-out faces before and after. A cancelled run leaves a
// checkpoint in the workspace (models/local.checkpoint.fpt); Resume continues it from its last
// full epoch with the saved classifier and optimizer state.

#include "jobs/TrainingJob.h"
#include "pages/Page.h"
#include "pages/PageContext.h"

#include <QElapsedTimer>

class QComboBox;
class QSpinBox;
class QDoubleSpinBox;
class QCheckBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;

namespace fedpilot::ui {

class SeriesChart;

class TrainingPage : public Page {
    Q_OBJECT
public:
    TrainingPage(PageContext context, QWidget* parent = nullptr);

    QString title() const override { return tr("Training"); }
    QIcon icon() const override { return QIcon(QStringLiteral(":/icons/training.svg")); }
    void activate() override;
    QString busyText() const override;

    jobs::TrainingJobParams params() const;
    jobs::TrainingJob* job() const { return m_job; }
    bool start();
    // Continues the cancelled run saved in the workspace's checkpoint.
    bool resume();
    void cancel();
    QString checkpointPath() const;

Q_SIGNALS:
    void trainingFinished(const fedpilot::jobs::TrainingJobResult& result);

private:
    void onProgress(const jobs::TrainingProgress& progress);
    void onFinished(const jobs::TrainingJobResult& result);
    void setRunning(bool running);
    void updateCharts();
    bool launch(jobs::TrainingJobParams params);
    void updateCheckpointControls();

    PageContext m_context;
    jobs::TrainingJob* m_job = nullptr;
    QLineEdit* m_cache = nullptr;
    QComboBox* m_device = nullptr;
    QComboBox* m_backbone = nullptr;
    QSpinBox* m_inputSize = nullptr;
    QSpinBox* m_embedding = nullptr;
    QSpinBox* m_epochs = nullptr;
    QSpinBox* m_batch = nullptr;
    QDoubleSpinBox* m_learningRate = nullptr;
    QCheckBox* m_baseline = nullptr;
    QPushButton* m_start = nullptr;
    QPushButton* m_cancel = nullptr;
    QPushButton* m_resume = nullptr;
    QLabel* m_checkpoint = nullptr;
    QProgressBar* m_progress = nullptr;
    QLabel* m_phase = nullptr;
    QLabel* m_eta = nullptr;
    QLabel* m_result = nullptr;
    SeriesChart* m_lossChart = nullptr;
    SeriesChart* m_speedChart = nullptr;
    QVector<QPointF> m_loss;
    QVector<QPointF> m_speed;
    QElapsedTimer m_chartClock;
};

}  // namespace fedpilot::ui
