#include "models/SiteTableModel.h"

#include "app/HardwareProbe.h"

#include <QBrush>
#include <QColor>
#include <QDateTime>
#include <QJsonDocument>

namespace fedpilot::ui {
namespace {

QString lastSeenText(const QString& utc)
{
    if (utc.isEmpty())
        return QStringLiteral("never");
    const QDateTime t = QDateTime::fromString(utc, Qt::ISODate);
    if (!t.isValid())
        return utc;
    const qint64 s = t.secsTo(QDateTime::currentDateTimeUtc());
    if (s < 0)
        return t.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm"));
    if (s < 90)
        return QStringLiteral("just now");
    if (s < 3600)
        return QStringLiteral("%1 min ago").arg(s / 60);
    if (s < 86400)
        return QStringLiteral("%1 h ago").arg(s / 3600);
    return t.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm"));
}

QColor statusColor(const QString& status)
{
    if (status == QLatin1String("online"))
        return QColor(0x1e, 0x84, 0x49);
    if (status == QLatin1String("training"))
        return QColor(0x1f, 0x5f, 0x8b);
    if (status == QLatin1String("offline"))
        return QColor(0xb0, 0x6a, 0x00);
    return QColor(0x55, 0x5f, 0x6a);
}

}  // namespace

SiteTableModel::SiteTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void SiteTableModel::reload(const Database* db)
{
    beginResetModel();
    m_sites.clear();
    if (db) {
        for (const auto& s : SiteRepository(*db).all()) {
            if (!s.revoked && s.status != QLatin1String("removed"))
                m_sites << s;
        }
    }
    endResetModel();
}

const SiteRecord* SiteTableModel::site(int row) const
{
    return row >= 0 && row < m_sites.size() ? &m_sites[row] : nullptr;
}

int SiteTableModel::rowOf(const QString& name) const
{
    for (int i = 0; i < m_sites.size(); ++i) {
        if (m_sites[i].name == name)
            return i;
    }
    return -1;
}

int SiteTableModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : m_sites.size();
}

int SiteTableModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant SiteTableModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const SiteRecord& s = m_sites[index.row()];
    if (role == SiteIdRole)
        return s.id;
    if (role == Qt::ForegroundRole && index.column() == Status)
        return QBrush(statusColor(s.status));
    if (role == Qt::ToolTipRole && index.column() == Hardware)
        return s.hardwareJson;
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case Name: return s.name;
    case Organization: return s.organization;
    case Contact: return s.contact;
    case Status: return s.status;
    case LastSeen: return lastSeenText(s.lastSeenUtc);
    case Hardware: return hardwareSummary(QJsonDocument::fromJson(s.hardwareJson.toUtf8()).object());
    default: return {};
    }
}

QVariant SiteTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case Name: return tr("Site");
    case Organization: return tr("Organization");
    case Contact: return tr("Contact");
    case Status: return tr("Status");
    case LastSeen: return tr("Last seen");
    case Hardware: return tr("Hardware");
    default: return {};
    }
}

}  // namespace fedpilot::ui
