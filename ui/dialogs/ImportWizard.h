#pragma once
// Import a folder of <identity>/<images> into the site's face cache: options, progress with
// cancel, and the result (counts, rejected files grouped by reason with a thumbnail when the
// file decodes). Modeless: the rest of the application stays usable while it runs.

#include "imports/ImportTypes.h"
#include "jobs/ImportTask.h"

#include <QWizard>

class QLineEdit;
class QSpinBox;
class QDoubleSpinBox;
class QCheckBox;
class QLabel;
class QTreeView;

namespace fedpilot::ui {

class ImportProgressPage;
class RejectedFilesModel;
class Workspace;

class ImportWizard : public QWizard {
    Q_OBJECT
public:
    enum PageId { OptionsPageId, ProgressPageId, ResultPageId };

    explicit ImportWizard(Workspace& workspace, QWidget* parent = nullptr);

    ImportOptions options() const;
    void setFolder(const QString& folder);
    ImportProgressPage* progressPage() const { return m_progress; }
    RejectedFilesModel* rejectedModel() const { return m_rejected; }
    bool validateCurrentPage() override;
    void reject() override;  // closing while importing cancels the import first

Q_SIGNALS:
    void imported(const fedpilot::jobs::ImportTaskResult& result);

private:
    QWizardPage* createOptionsPage();
    QWizardPage* createResultPage();
    void showResult(const jobs::ImportTaskResult& result);
    void showThumbnail();

    Workspace& m_workspace;
    QLineEdit* m_folder = nullptr;
    QSpinBox* m_size = nullptr;
    QCheckBox* m_aligned = nullptr;
    QCheckBox* m_quality = nullptr;
    QDoubleSpinBox* m_heldOut = nullptr;
    QSpinBox* m_minImages = nullptr;
    ImportProgressPage* m_progress = nullptr;
    QLabel* m_summary = nullptr;
    QTreeView* m_rejectedView = nullptr;
    QLabel* m_thumbnail = nullptr;
    RejectedFilesModel* m_rejected = nullptr;
    QString m_root;
};

}  // namespace fedpilot::ui
