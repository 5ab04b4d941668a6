#include "widgets/ErrorBanner.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QStyle>
#include <QToolButton>
#include <QVBoxLayout>

namespace fedpilot::ui {

ErrorBanner::ErrorBanner(QWidget* parent) : QFrame(parent)
{
    setObjectName(QStringLiteral("errorBanner"));
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(12, 6, 6, 6);
    auto* row = new QHBoxLayout;
    m_text = new QLabel(this);
    m_text->setObjectName(QStringLiteral("errorBannerText"));
    m_text->setWordWrap(true);
    m_text->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_detailsButton = new QPushButton(tr("Details"), this);
    m_detailsButton->setObjectName(QStringLiteral("errorBannerDetails"));
    m_detailsButton->setFlat(true);
    auto* close = new QToolButton(this);
    close->setObjectName(QStringLiteral("errorBannerClose"));
    close->setText(QStringLiteral("✕"));
    close->setAutoRaise(true);
    close->setToolTip(tr("Dismiss"));
    row->addWidget(m_text, 1);
    row->addWidget(m_detailsButton);
    row->addWidget(close);
    outer->addLayout(row);
    m_detailText = new QLabel(this);
    m_detailText->setObjectName(QStringLiteral("errorBannerDetailText"));
    m_detailText->setWordWrap(true);
    m_detailText->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_detailText->hide();
    outer->addWidget(m_detailText);
    connect(m_detailsButton, &QPushButton::clicked, this, &ErrorBanner::toggleDetails);
    connect(close, &QToolButton::clicked, this, &ErrorBanner::hide);
    hide();
}

void ErrorBanner::showMessage(const QString& message, const QString& details, Kind kind)
{
    const char* kindName = kind == Kind::Error ? "error" : kind == Kind::Warning ? "warning" : "info";
    setProperty("kind", QString::fromLatin1(kindName));
    style()->unpolish(this);
    style()->polish(this);
    m_text->setText(message);
    m_details = details;
    m_detailText->setText(details);
    m_detailText->hide();
    m_detailsButton->setVisible(!details.isEmpty());
    show();
}

QString ErrorBanner::message() const
{
    return m_text->text();
}

void ErrorBanner::toggleDetails()
{
    m_detailText->setVisible(!m_detailText->isVisible());
}

}  // namespace fedpilot::ui
