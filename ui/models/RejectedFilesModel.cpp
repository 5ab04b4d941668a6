#include "models/RejectedFilesModel.h"

#include "imports/ImportTypes.h"
#include "storage/Database.h"

#include <QSqlQuery>

namespace fedpilot::ui {
namespace {
// Internal ids: 0 marks a group row; files carry their group's index + 1.
constexpr quintptr kGroupId = 0;
}  // namespace

RejectedFilesModel::RejectedFilesModel(QObject* parent) : QAbstractItemModel(parent) {}

void RejectedFilesModel::reload(const Database* db, qint64 datasetId)
{
    beginResetModel();
    m_groups.clear();
    if (db && datasetId > 0) {
        QSqlQuery q(db->connection());
        q.prepare(QStringLiteral("SELECT reason, display_path, detail FROM files WHERE dataset_id = ? AND status = 'rejected' "
                                 "ORDER BY reason, display_path"));
        q.addBindValue(datasetId);
        if (q.exec()) {
            while (q.next()) {
                const QString reason = q.value(0).toString();
                if (m_groups.isEmpty() || m_groups.last().reason != reason)
                    m_groups.append({reason, {}});
                m_groups.last().files.append({q.value(1).toString(), q.value(2).toString()});
            }
        }
    }
    endResetModel();
}

qint64 RejectedFilesModel::fileCount() const
{
    qint64 n = 0;
    for (const auto& g : m_groups)
        n += g.files.size();
    return n;
}

QModelIndex RejectedFilesModel::index(int row, int column, const QModelIndex& parent) const
{
    if (!hasIndex(row, column, parent))
        return {};
    if (!parent.isValid())
        return createIndex(row, column, kGroupId);
    return createIndex(row, column, quintptr(parent.row()) + 1);
}

QModelIndex RejectedFilesModel::parent(const QModelIndex& child) const
{
    if (!child.isValid() || child.internalId() == kGroupId)
        return {};
    return createIndex(int(child.internalId() - 1), 0, kGroupId);
}

int RejectedFilesModel::rowCount(const QModelIndex& parent) const
{
    if (!parent.isValid())
        return m_groups.size();
    if (parent.internalId() == kGroupId && parent.column() == 0)
        return m_groups[parent.row()].files.size();
    return 0;
}

int RejectedFilesModel::columnCount(const QModelIndex&) const
{
    return 2;
}

QVariant RejectedFilesModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    if (index.internalId() == kGroupId) {
        const Group& g = m_groups[index.row()];
        if (role == Qt::DisplayRole) {
            if (index.column() == 0)
                return reasonText(reasonFromCode(g.reason));
            return tr("%n file(s)", nullptr, int(g.files.size()));
        }
        return {};
    }
    const File& f = m_groups[int(index.internalId() - 1)].files[index.row()];
    if (role == PathRole)
        return f.path;
    if (role == Qt::DisplayRole)
        return index.column() == 0 ? f.path : f.detail;
    if (role == Qt::ToolTipRole)
        return f.detail.isEmpty() ? f.path : f.path + QStringLiteral("\n") + f.detail;
    return {};
}

QVariant RejectedFilesModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    return section == 0 ? tr("Reason / file") : tr("Detail");
}

}  // namespace fedpilot::ui
