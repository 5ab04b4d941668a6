#pragma once
// The wizard page that runs the import: progress bar, phase, counts, throughput and ETA, and a
// cancel button. Complete (Next enabled) when the job has finished, however it ended.

#include "imports/ImportTypes.h"
#include "jobs/ImportTask.h"

#include <QWizardPage>

#include <functional>
#include <optional>

class QLabel;
class QProgressBar;
class QPushButton;

namespace fedpilot::ui {

class ImportProgressPage : public QWizardPage {
    Q_OBJECT
public:
    // options() is asked when the page is entered (the options page fills it).
    ImportProgressPage(Database& db, std::function<ImportOptions()> options, QWidget* parent = nullptr);

    void initializePage() override;
    bool isComplete() const override;
    void cancel();
    bool isRunning() const;
    const std::optional<jobs::ImportTaskResult>& result() const { return m_result; }
    int progressValue() const;

Q_SIGNALS:
    void importFinished(const fedpilot::jobs::ImportTaskResult& result);
    void progressText(const QString& text);

private:
    void onProgress(const ImportProgress& progress);
    void onFinished(const jobs::ImportTaskResult& result);

    jobs::ImportTask* m_task = nullptr;
    std::function<ImportOptions()> m_options;
    QProgressBar* m_bar = nullptr;
    QLabel* m_phase = nullptr;
    QLabel* m_counts = nullptr;
    QPushButton* m_cancel = nullptr;
    std::optional<jobs::ImportTaskResult> m_result;
};

}  // namespace fedpilot::ui
