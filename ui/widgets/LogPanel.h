#pragma once
// The log panel: every page's log lines with time and level, filterable, bounded in size so a
// long pilot never grows memory without end.

#include "pages/Page.h"

#include <QWidget>

class QPlainTextEdit;
class QComboBox;

namespace fedpilot::ui {

class LogPanel : public QWidget {
    Q_OBJECT
public:
    static constexpr int kMaxLines = 5000;
    explicit LogPanel(QWidget* parent = nullptr);

    void append(LogLevel level, const QString& text);
    int lineCount() const;
    QString text() const;

private:
    void refilter();

    QPlainTextEdit* m_view = nullptr;
    QComboBox* m_filter = nullptr;
    struct Line {
        LogLevel level;
        QString text;
    };
    QVector<Line> m_lines;
};

}  // namespace fedpilot::ui
