#pragma once
// Shared set-up for GUI tests: isolated settings, the application style sheet, a main window on
// a fresh workspace.

#include "MainWindow.h"

#include <QApplication>
#include <QFile>
#include <QStandardPaths>
#include <QTemporaryDir>

inline void initUiTestApplication()
{
    QStandardPaths::setTestModeEnabled(true);  // QSettings go to a test location, not the user's
    QApplication::setOrganizationName(QStringLiteral("FedPilotTests"));
    QApplication::setApplicationName(QStringLiteral("fedpilot-ui-tests"));
    QFile qss(QStringLiteral(":/style/fedpilot.qss"));
    if (qss.open(QIODevice::ReadOnly))
        qApp->setStyleSheet(QString::fromUtf8(qss.readAll()));
}

template <typename T>
T* findWidget(QWidget* root, const char* name)
{
    return root->findChild<T*>(QString::fromLatin1(name));
}
