#include "models/IdentityTableModel.h"

#include "storage/Database.h"

#include <QBrush>
#include <QColor>
#include <QSqlQuery>

namespace fedpilot::ui {

IdentityTableModel::IdentityTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void IdentityTableModel::reload(const Database* db, qint64 datasetId)
{
    beginResetModel();
    m_rows.clear();
    if (db && datasetId > 0) {
        QSqlQuery q(db->connection());
        q.prepare(QStringLiteral("SELECT name, status, images_ok, images_total, held_out, label FROM identities "
                                 "WHERE dataset_id = ? ORDER BY name"));
        q.addBindValue(datasetId);
        if (q.exec()) {
            while (q.next()) {
                m_rows << Row{q.value(0).toString(), q.value(1).toString(), q.value(2).toInt(), q.value(3).toInt(),
                              q.value(4).toBool(), q.value(5).isNull() ? -1 : q.value(5).toInt()};
            }
        }
    }
    endResetModel();
}

int IdentityTableModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : m_rows.size();
}

int IdentityTableModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant IdentityTableModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row& r = m_rows[index.row()];
    if (role == Qt::TextAlignmentRole && index.column() >= ImagesOk)
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ForegroundRole && index.column() == Status && r.status != QLatin1String("ok"))
        return QBrush(QColor(0xb0, 0x6a, 0x00));
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case Name: return r.name;
    case Status: return r.status == QLatin1String("too_few_images") ? tr("too few images") : r.status;
    case ImagesOk: return r.imagesOk;
    case ImagesTotal: return r.imagesTotal;
    case HeldOut: return r.heldOut ? tr("held out") : QString();
    case Label: return r.label >= 0 ? QVariant(r.label) : QVariant(QStringLiteral("–"));
    default: return {};
    }
}

QVariant IdentityTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case Name: return tr("Identity");
    case Status: return tr("Status");
    case ImagesOk: return tr("Usable");
    case ImagesTotal: return tr("Files");
    case HeldOut: return tr("Split");
    case Label: return tr("Label");
    default: return {};
    }
}

}  // namespace fedpilot::ui
