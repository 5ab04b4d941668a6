#include "widgets/LogPanel.h"

#include <QComboBox>
#include <QDateTime>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace fedpilot::ui {
namespace {

QString levelTag(LogLevel level)
{
    switch (level) {
    case LogLevel::Info: return QStringLiteral("info ");
    case LogLevel::Warning: return QStringLiteral("warn ");
    case LogLevel::Error: return QStringLiteral("error");
    }
    return {};
}

}  // namespace

LogPanel::LogPanel(QWidget* parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("logPanel"));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 4, 6, 6);
    auto* bar = new QHBoxLayout;
    m_filter = new QComboBox(this);
    m_filter->setObjectName(QStringLiteral("logFilter"));
    m_filter->addItems({tr("All messages"), tr("Warnings and errors"), tr("Errors only")});
    auto* clear = new QPushButton(tr("Clear"), this);
    clear->setObjectName(QStringLiteral("logClear"));
    bar->addWidget(m_filter);
    bar->addStretch();
    bar->addWidget(clear);
    layout->addLayout(bar);
    m_view = new QPlainTextEdit(this);
    m_view->setObjectName(QStringLiteral("logView"));
    m_view->setReadOnly(true);
    m_view->setMaximumBlockCount(kMaxLines);
    m_view->setFont(QFont(QStringLiteral("DejaVu Sans Mono"), 9));
    layout->addWidget(m_view);
    connect(m_filter, &QComboBox::currentIndexChanged, this, &LogPanel::refilter);
    connect(clear, &QPushButton::clicked, this, [this] {
        m_lines.clear();
        m_view->clear();
    });
}

void LogPanel::append(LogLevel level, const QString& text)
{
    const QString line = QStringLiteral("%1  %2  %3").arg(QDateTime::currentDateTime().toString(QStringLiteral("HH:mm:ss")), levelTag(level), text);
    m_lines.append({level, line});
    if (m_lines.size() > kMaxLines)
        m_lines.remove(0, m_lines.size() - kMaxLines);
    if (static_cast<int>(level) >= m_filter->currentIndex())
        m_view->appendPlainText(line);
}

int LogPanel::lineCount() const
{
    return m_lines.size();
}

QString LogPanel::text() const
{
    return m_view->toPlainText();
}

void LogPanel::refilter()
{
    m_view->clear();
    const int min = m_filter->currentIndex();
    for (const auto& l : m_lines) {
        if (static_cast<int>(l.level) >= min)
            m_view->appendPlainText(l.text);
    }
}

}  // namespace fedpilot::ui
