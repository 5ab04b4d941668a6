#include "models/RoundSitesModel.h"

#include "report/PilotAssessment.h"

#include <QBrush>
#include <QColor>

#include <cmath>

namespace fedpilot::ui {

RoundSitesModel::RoundSitesModel(QObject* parent) : QAbstractTableModel(parent) {}

void RoundSitesModel::setRound(const report::PilotHistory& h, int round)
{
    QVector<Row> rows;
    for (const auto& s : h.sites) {
        Row r;
        r.site = s.name;
        r.status = s.status;
        const auto* m = h.metrics(round, s.id, round == 0 ? QStringLiteral("baseline") : QStringLiteral("round"));
        r.update = m ? (round == 0 ? QStringLiteral("baseline") : m->updateStatus) : QStringLiteral("waiting");
        if (m) {
            r.samples = m->samples;
            r.trainSeconds = m->trainSeconds;
            r.personalized = round == 0 ? m->genericAccuracy : m->personalizedAccuracy;
        }
        r.down = h.wireBytes(round, s.id, QStringLiteral("down"));
        r.up = h.wireBytes(round, s.id, QStringLiteral("up"));
        rows << r;
    }
    m_round = round;
    if (rows.size() == m_rows.size()) {
        // Same sites: update in place so selection and scroll position survive live refreshes.
        m_rows = rows;
        if (!m_rows.isEmpty())
            Q_EMIT dataChanged(index(0, 0), index(m_rows.size() - 1, ColumnCount - 1));
        return;
    }
    beginResetModel();
    m_rows = rows;
    endResetModel();
}

int RoundSitesModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : m_rows.size();
}

int RoundSitesModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RoundSitesModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row& r = m_rows[index.row()];
    if (role == Qt::TextAlignmentRole && index.column() >= Samples)
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ForegroundRole && index.column() == Update) {
        if (r.update == QLatin1String("accepted"))
            return QBrush(QColor(0x1e, 0x84, 0x49));
        if (r.update == QLatin1String("rejected") || r.update == QLatin1String("dropped") || r.update == QLatin1String("late"))
            return QBrush(QColor(0xc0, 0x39, 0x2b));
        return {};
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case Site: return r.site;
    case SiteStatus: return r.status;
    case Update: return r.update;
    case Samples: return r.samples > 0 ? QVariant(r.samples) : QVariant(QStringLiteral("–"));
    case TrainSeconds: return std::isfinite(r.trainSeconds) ? QStringLiteral("%1 s").arg(r.trainSeconds, 0, 'f', 0) : QStringLiteral("–");
    case Personalized: return report::formatPercent(r.personalized);
    case Down: return r.down > 0 ? report::formatBytes(r.down) : QStringLiteral("–");
    case Up: return r.up > 0 ? report::formatBytes(r.up) : QStringLiteral("–");
    default: return {};
    }
}

QVariant RoundSitesModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case Site: return tr("Site");
    case SiteStatus: return tr("Status");
    case Update: return tr("Update");
    case Samples: return tr("Samples");
    case TrainSeconds: return tr("Training");
    case Personalized: return tr("Accuracy");
    case Down: return tr("Down");
    case Up: return tr("Up");
    default: return {};
    }
}

}  // namespace fedpilot::ui
