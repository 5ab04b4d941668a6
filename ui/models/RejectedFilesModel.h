#pragma once
// Files an import rejected, grouped by reason: a two-level tree (reason with its count, then
// each file with the detail the import recorded), so an operator fixes one kind of problem at a time.

#include <QAbstractItemModel>
#include <QVector>

namespace fedpilot {
class Database;
}

namespace fedpilot::ui {

class RejectedFilesModel : public QAbstractItemModel {
    Q_OBJECT
public:
    static constexpr int PathRole = Qt::UserRole + 1;  // file path relative to the dataset root
    explicit RejectedFilesModel(QObject* parent = nullptr);

    void reload(const Database* db, qint64 datasetId);
    int groupCount() const { return m_groups.size(); }
    qint64 fileCount() const;

    QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct File {
        QString path;
        QString detail;
    };
    struct Group {
        QString reason;
        QVector<File> files;
    };
    QVector<Group> m_groups;
};

}  // namespace fedpilot::ui
