#pragma once
// Reports: the pilot's go/no-go against its targets (editable, stored in the workspace), and
// export of the PDF report and the CSV of every number.

#include "pages/Page.h"
#include "pages/PageContext.h"
#include "report/PilotAssessment.h"
#include "report/PilotHistory.h"

#include <optional>

class QComboBox;
class QDoubleSpinBox;
class QSpinBox;
class QLabel;
class QTableWidget;

namespace fedpilot::ui {

class ReportsPage : public Page {
    Q_OBJECT
public:
    ReportsPage(PageContext context, QWidget* parent = nullptr);

    QString title() const override { return tr("Reports"); }
    QIcon icon() const override { return QIcon(QStringLiteral(":/icons/reports.svg")); }
    void activate() override;

    void reload();
    // Writes the selected pilot's report (.pdf or .csv); false with a banner on error.
    bool exportReport(const QString& path);
    report::ReportTargets targets() const;
    const std::optional<report::PilotAssessment>& assessment() const { return m_assessment; }

Q_SIGNALS:
    void reportWritten(const QString& path);

private:
    void loadSelected();
    void saveTargets();
    void chooseFile(const QString& suffix);
    void showAssessment();

    PageContext m_context;
    QComboBox* m_pilot = nullptr;
    QLabel* m_verdict = nullptr;
    QLabel* m_figures = nullptr;
    QTableWidget* m_checks = nullptr;
    QDoubleSpinBox* m_gain = nullptr;
    QDoubleSpinBox* m_regression = nullptr;
    QSpinBox* m_rounds = nullptr;
    QDoubleSpinBox* m_participation = nullptr;
    QDoubleSpinBox* m_traffic = nullptr;
    QDoubleSpinBox* m_epsilon = nullptr;
    std::optional<report::PilotHistory> m_history;
    std::optional<report::PilotAssessment> m_assessment;
};

}  // namespace fedpilot::ui
