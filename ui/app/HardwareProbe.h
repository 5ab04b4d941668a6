#pragma once
// What this machine offers for training, for the Sites page and the training device picker:
// CPU model and cores, memory, and the compute devices the engine can use (CUDA when present).

#include <QJsonObject>
#include <QString>
#include <QVector>

namespace fedpilot::ui {

struct ComputeDevice {
    QString id;    // "cpu", "cuda:0"
    QString name;
    bool cuda = false;
};

struct HardwareInfo {
    QString cpu;
    int cores = 0;
    double memoryGb = 0;
    QVector<ComputeDevice> devices;

    QString gpuSummary() const;  // "NVIDIA A100" or "" when none
    // {"cpu", "cores", "memory_gb", "gpu"}: the form stored in sites.hardware_json.
    QJsonObject toJson() const;
    QString summary() const;     // one line for tables
};

// Reads /proc and asks the engine for devices (fast; call once and keep the result).
HardwareInfo probeHardware();
QString hardwareSummary(const QJsonObject& json);

}  // namespace fedpilot::ui
