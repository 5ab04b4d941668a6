#pragma once
// The identities of an imported dataset (site DB, names stay local): status, usable and total
// images, held-out flag, label in the cache.

#include <QAbstractTableModel>
#include <QVector>

namespace fedpilot {
class Database;
}

namespace fedpilot::ui {

class IdentityTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Name, Status, ImagesOk, ImagesTotal, HeldOut, Label, ColumnCount };

    explicit IdentityTableModel(QObject* parent = nullptr);

    // Loads the identities of datasetId (0 or nullptr db: empty).
    void reload(const Database* db, qint64 datasetId);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct Row {
        QString name;
        QString status;
        int imagesOk = 0;
        int imagesTotal = 0;
        bool heldOut = false;
        int label = -1;
    };
    QVector<Row> m_rows;
};

}  // namespace fedpilot::ui
