#pragma once
// Compute device selection and thread configuration.

#include "fedpilot/engine/Result.h"

#include <cstdint>
#include <string>
#include <vector>

namespace fedpilot::engine {

struct DeviceInfo {
    std::string id;     // "cpu", "cuda:0", ...
    std::string name;   // human-readable
    bool cuda = false;
};

bool cudaAvailable();
std::vector<DeviceInfo> availableDevices();
// "auto" -> cuda:0 when available, else cpu; "cuda"/"cuda:N" must exist; "cpu" always works.
Result<std::string> resolveDevice(const std::string& requested);
// Intra-op threads for this machine: cores - 1, at least 1.
int defaultThreadCount();
// Sets LibTorch's intra-op thread count (0 = default). Returns the count in force.
int configureThreads(int threads);
std::string torchVersion();

}  // namespace fedpilot::engine
