#include "app/HardwareProbe.h"

#include "fedpilot/engine/Device.h"

#include <QFile>
#include <QRegularExpression>
#include <QSysInfo>
#include <QThread>

namespace fedpilot::ui {

QString HardwareInfo::gpuSummary() const
{
    QStringList names;
    for (const auto& d : devices) {
        if (d.cuda)
            names << d.name;
    }
    return names.join(QStringLiteral(", "));
}

QJsonObject HardwareInfo::toJson() const
{
    return QJsonObject{{QStringLiteral("cpu"), cpu},
                       {QStringLiteral("cores"), cores},
                       {QStringLiteral("memory_gb"), qRound(memoryGb * 10) / 10.0},
                       {QStringLiteral("gpu"), gpuSummary()}};
}

QString HardwareInfo::summary() const
{
    return hardwareSummary(toJson());
}

QString hardwareSummary(const QJsonObject& hw)
{
    if (hw.isEmpty())
        return QStringLiteral("not reported");
    QStringList parts;
    const QString cpu = hw.value(QStringLiteral("cpu")).toString();
    const int cores = hw.value(QStringLiteral("cores")).toInt();
    if (!cpu.isEmpty())
        parts << (cores > 0 ? QStringLiteral("%1 (%2 cores)").arg(cpu).arg(cores) : cpu);
    const double mem = hw.value(QStringLiteral("memory_gb")).toDouble();
    if (mem > 0)
        parts << QStringLiteral("%1 GB RAM").arg(mem, 0, 'f', 0);
    const QString gpu = hw.value(QStringLiteral("gpu")).toString();
    parts << (gpu.isEmpty() ? QStringLiteral("no GPU") : gpu);
    return parts.join(QStringLiteral(" · "));
}

HardwareInfo probeHardware()
{
    HardwareInfo info;
    info.cores = QThread::idealThreadCount();
    QFile cpuinfo(QStringLiteral("/proc/cpuinfo"));
    if (cpuinfo.open(QIODevice::ReadOnly)) {
        const QString text = QString::fromLatin1(cpuinfo.readAll());
        const auto m = QRegularExpression(QStringLiteral("model name\\s*:\\s*(.+)")).match(text);
        if (m.hasMatch())
            info.cpu = m.captured(1).trimmed().simplified();
    }
    if (info.cpu.isEmpty())
        info.cpu = QSysInfo::currentCpuArchitecture();
    QFile meminfo(QStringLiteral("/proc/meminfo"));
    if (meminfo.open(QIODevice::ReadOnly)) {
        const auto m = QRegularExpression(QStringLiteral("MemTotal:\\s*(\\d+)\\s*kB")).match(QString::fromLatin1(meminfo.readAll()));
        if (m.hasMatch())
            info.memoryGb = m.captured(1).toDouble() / 1024.0 / 1024.0;
    }
    for (const auto& d : engine::availableDevices())
        info.devices << ComputeDevice{QString::fromStdString(d.id), QString::fromStdString(d.name), d.cuda};
    if (info.devices.isEmpty())
        info.devices << ComputeDevice{QStringLiteral("cpu"), QStringLiteral("CPU"), false};
    return info;
}

}  // namespace fedpilot::ui
