#pragma once
// A dismissable banner across the top of the window: errors and warnings as a sentence with the
// details behind a button, instead of modal dialogs that block work (and offscreen tests).

#include <QFrame>

class QLabel;
class QPushButton;

namespace fedpilot::ui {

class ErrorBanner : public QFrame {
    Q_OBJECT
public:
    enum class Kind { Error, Warning, Info };
    explicit ErrorBanner(QWidget* parent = nullptr);

    void showMessage(const QString& message, const QString& details = {}, Kind kind = Kind::Error);
    QString message() const;
    QString details() const { return m_details; }

private:
    void toggleDetails();

    QLabel* m_text = nullptr;
    QLabel* m_detailText = nullptr;
    QPushButton* m_detailsButton = nullptr;
    QString m_details;
};

}  // namespace fedpilot::ui
