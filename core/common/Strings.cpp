#include "common/Strings.h"

#include <QFile>

namespace fedpilot {

std::string toEnginePath(const QString& path)
{
    return QFile::encodeName(path).toStdString();
}

QString fromEngine(const std::string& text)
{
    return QString::fromStdString(text);
}

}  // namespace fedpilot
