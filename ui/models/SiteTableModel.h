#pragma once
// The sites of a workspace's database as a table: name, organization, contact, status, last
// seen, hardware. Removed (revoked) sites are left out. reload() re-reads the database.

#include "storage/SiteRepository.h"

#include <QAbstractTableModel>
#include <QVector>

namespace fedpilot::ui {

class SiteTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Name, Organization, Contact, Status, LastSeen, Hardware, ColumnCount };
    static constexpr int SiteIdRole = Qt::UserRole + 1;

    explicit SiteTableModel(QObject* parent = nullptr);

    // Reads every site from db (nullptr empties the model).
    void reload(const Database* db);
    const SiteRecord* site(int row) const;
    int rowOf(const QString& name) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QVector<SiteRecord> m_sites;
};

}  // namespace fedpilot::ui
