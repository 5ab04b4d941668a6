#pragma once
// The progress window of "Load demo pilots": runs DemoPilotJob (two real simulated pilots),
// shows the stage and a progress bar, cancels on request (Cancel or closing the window), and
// reports the outcome. Non-modal: the rest of the application stays usable meanwhile.

#include "app/DemoPilotJob.h"

#include <QDialog>

class QLabel;
class QProgressBar;
class QPushButton;

namespace fedpilot::ui {

class DemoPilotsDialog : public QDialog {
    Q_OBJECT
public:
    explicit DemoPilotsDialog(QWidget* parent = nullptr);

    bool start(const DemoPilotsParams& params);
    void cancel();
    bool isRunning() const { return m_job->isRunning(); }
    DemoPilotJob* job() const { return m_job; }
    int progressValue() const;

    // While the job runs, closing means cancelling; the window closes once it has stopped.
    void reject() override;

Q_SIGNALS:
    // Both pilots were written to the history.
    void loaded(const QStringList& pilots);
    // The run failed (not cancelled): a sentence and the details, for the banner.
    void failed(const QString& message, const QString& details);

private:
    void onProgress(const DemoPilotsProgress& progress);
    void onFinished(const DemoPilotsResult& result);

    DemoPilotJob* m_job = nullptr;
    QLabel* m_stage = nullptr;
    QProgressBar* m_bar = nullptr;
    QLabel* m_result = nullptr;
    QPushButton* m_button = nullptr;
    bool m_closeWhenDone = false;
};

}  // namespace fedpilot::ui
