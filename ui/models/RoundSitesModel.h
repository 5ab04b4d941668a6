#pragma once
// The live round view: one row per site of a pilot for one round, with the site's status, its
// update (accepted, late, rejected...), samples, training time, accuracy and bytes moved.

#include "report/PilotHistory.h"

#include <QAbstractTableModel>
#include <QVector>

namespace fedpilot::ui {

class RoundSitesModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Site, SiteStatus, Update, Samples, TrainSeconds, Personalized, Down, Up, ColumnCount };

    explicit RoundSitesModel(QObject* parent = nullptr);

    // Shows round `round` of history (rows keep their order when only numbers change).
    void setRound(const report::PilotHistory& history, int round);
    int round() const { return m_round; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct Row {
        QString site;
        QString status;
        QString update;
        qint64 samples = 0;
        double trainSeconds = report::kMissing;
        double personalized = report::kMissing;
        qint64 down = 0;
        qint64 up = 0;
    };
    QVector<Row> m_rows;
    int m_round = 0;
};

}  // namespace fedpilot::ui
