#include "fedpilot/engine/Device.h"

#include <torch/torch.h>

#include <algorithm>
#include <climits>
#include <mutex>
#include <thread>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace fedpilot::engine {

bool cudaAvailable()
{
    try {
        return torch::cuda::is_available();
    } catch (...) {
        return false;
    }
}

std::vector<DeviceInfo> availableDevices()
{
    std::vector<DeviceInfo> devices;
    devices.push_back({"cpu", "CPU (" + std::to_string(std::thread::hardware_concurrency()) + " cores)", false});
    if (cudaAvailable()) {
        const auto count = static_cast<int>(torch::cuda::device_count());
        for (int i = 0; i < count; ++i)
            devices.push_back({"cuda:" + std::to_string(i), "CUDA device " + std::to_string(i), true});
    }
    return devices;
}

Result<std::string> resolveDevice(const std::string& requested)
{
    if (requested.empty() || requested == "auto")
        return std::string(cudaAvailable() ? "cuda:0" : "cpu");
    if (requested == "cpu")
        return std::string("cpu");
    if (requested.rfind("cuda", 0) == 0) {
        if (!cudaAvailable())
            return Result<std::string>::error("CUDA was requested but is not available in this build or machine");
        int index = 0;
        if (requested.size() > 4) {
            if (requested[4] != ':')
                return Result<std::string>::error("bad device '" + requested + "'");
            try {
                index = std::stoi(requested.substr(5));
            } catch (...) {
                return Result<std::string>::error("bad device '" + requested + "'");
            }
        }
        if (index < 0 || index >= static_cast<int>(torch::cuda::device_count()))
            return Result<std::string>::error("no CUDA device " + std::to_string(index));
        return "cuda:" + std::to_string(index);
    }
    return Result<std::string>::error("unknown device '" + requested + "' (auto, cpu, cuda, cuda:N)");
}

int defaultThreadCount()
{
    const int cores = static_cast<int>(std::thread::hardware_concurrency());
    return std::max(1, cores - 1);
}

namespace {

// LibTorch's CPU allocator hands each step's large activation buffers back to the kernel (glibc
// serves blocks over the mmap threshold with mmap/munmap), so every training step page-faults its
// working set in again: measured here as ~30% of a MobileFaceNet step spent in the kernel. Keeping
// freed memory in the heap removes that cost; the heap then stays at the training peak.
void tuneAllocator()
{
#if defined(__GLIBC__)
    static std::once_flag once;
    std::call_once(once, [] {
        mallopt(M_MMAP_MAX, 0);
        mallopt(M_TRIM_THRESHOLD, INT_MAX);
        mallopt(M_TOP_PAD, 64 << 20);
    });
#endif
    // Denormal floats (tiny activations and gradients late in training) are 10-100x slower on x86.
    at::globalContext().setFlushDenormal(true);
}

}  // namespace

int configureThreads(int threads)
{
    tuneAllocator();
    // set_num_threads is process-wide; serialise callers from different jobs.
    static std::mutex mutex;
    std::lock_guard<std::mutex> lock(mutex);
    const int wanted = threads > 0 ? threads : defaultThreadCount();
    if (torch::get_num_threads() != wanted)
        torch::set_num_threads(wanted);
    return torch::get_num_threads();
}

std::string torchVersion()
{
#ifdef TORCH_VERSION
    return TORCH_VERSION;
#else
    return std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) + "."
        + std::to_string(TORCH_VERSION_PATCH);
#endif
}

}  // namespace fedpilot::engine
