#pragma once
// Charts of a pilot from the workspace's history database, updating live when it changes:
// accuracy and TAR@FAR per round (generic, personalized, per site, baseline), traffic per round
// and cumulative, loss per epoch, ROC per round, and a comparison with a second run.

#include "pages/Page.h"
#include "pages/PageContext.h"
#include "report/PilotHistory.h"

#include <optional>

class QComboBox;
class QCheckBox;
class QLabel;

namespace fedpilot::ui {

class SeriesChart;
class TrafficBarChart;
class ChartView;

class ChartsPage : public Page {
    Q_OBJECT
public:
    ChartsPage(PageContext context, QWidget* parent = nullptr);

    QString title() const override { return tr("Charts"); }
    QIcon icon() const override { return QIcon(QStringLiteral(":/icons/charts.svg")); }
    void activate() override;

    // Re-reads the pilot list and the selected pilot (keeps the selection).
    void reload();
    QList<ChartView*> charts() const;
    const std::optional<report::PilotHistory>& history() const { return m_history; }
    void selectPilot(const QString& name);
    void selectComparison(const QString& name);

private:
    void loadSelected();

    PageContext m_context;
    QComboBox* m_pilot = nullptr;
    QComboBox* m_compare = nullptr;
    QCheckBox* m_perSite = nullptr;
    QLabel* m_status = nullptr;
    SeriesChart* m_accuracy = nullptr;
    SeriesChart* m_tar = nullptr;
    TrafficBarChart* m_traffic = nullptr;
    SeriesChart* m_cumulative = nullptr;
    SeriesChart* m_loss = nullptr;
    SeriesChart* m_roc = nullptr;
    SeriesChart* m_comparison = nullptr;
    std::optional<report::PilotHistory> m_history;
    bool m_reloading = false;
};

}  // namespace fedpilot::ui
