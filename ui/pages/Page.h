#pragma once
// Base of every page hosted by MainWindow: a title for the navigation, a hook when it becomes
// visible, and two ways to talk to the shell (log lines and error banners) so pages never open
// modal error dialogs of their own.

#include <QIcon>
#include <QString>
#include <QWidget>

namespace fedpilot::ui {

enum class LogLevel { Info, Warning, Error };

class Page : public QWidget {
    Q_OBJECT
public:
    using QWidget::QWidget;

    virtual QString title() const = 0;
    virtual QIcon icon() const { return {}; }
    // Called when the page is shown (reload what may have changed while hidden).
    virtual void activate() {}
    // A short state for the status bar while the page runs something ("Importing 42 %"), or "".
    virtual QString busyText() const { return {}; }

Q_SIGNALS:
    void logMessage(fedpilot::ui::LogLevel level, const QString& text);
    // Shown as a banner at the top of the window: a sentence, and details on demand.
    void errorRaised(const QString& message, const QString& details);
    void busyChanged();

protected:
    void info(const QString& text) { Q_EMIT logMessage(LogLevel::Info, text); }
    void warn(const QString& text) { Q_EMIT logMessage(LogLevel::Warning, text); }
    void error(const QString& message, const QString& details = {})
    {
        Q_EMIT logMessage(LogLevel::Error, details.isEmpty() ? message : message + QStringLiteral(": ") + details);
        Q_EMIT errorRaised(message, details);
    }
};

}  // namespace fedpilot::ui
