// The CUDA backend of the GPU benchmark interface (kernels/gpu_bench.h),
// registered as the "kernels:cuda" factory. It keeps per-device state (the
// cuBLASLt handle and workspace, a timer with its stream) between calls.
#include <fmt/format.h>

#include <map>
#include <memory>

#include "core/backends.h"
#include "core/error.h"
#include "kernels/cuda/cuda_benches.h"
#include "kernels/cuda/cuda_gemm.h"
#include "kernels/cuda/cuda_raii.h"
#include "kernels/cuda/device_info.h"
#include "kernels/gpu_bench.h"

namespace cb {
namespace cuda {
namespace {

class CudaBench : public GpuBench {
 public:
  ~CudaBench() override {
    for (auto& [index, state] : devices_) {
      if (cudaSetDevice(index) != cudaSuccess) continue;
      state.gemm.reset();
      state.timer.reset();
    }
  }

  int DeviceCount(std::string* why) override {
    int n = 0;
    cudaError_t e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess) {
      cudaGetLastError();  // leave no error behind for later calls
      if (why) *why = fmt::format("no usable GPU: {}: {}", cudaGetErrorName(e), cudaGetErrorString(e));
      return 0;
    }
    if (n == 0 && why) *why = "no GPU: the CUDA runtime sees no device";
    return n;
  }

  GpuIdentity Identify(int device) override {
    CheckIndex(device);
    const GpuInfo g = ReadGpuInfo(device);
    GpuIdentity id;
    id.index = device;
    id.name = g.name;
    id.uuid = g.uuid;
    id.pci_bus_id = g.pci_bus_id;
    id.serial = g.serial;
    id.cc_major = g.compute_capability_major;
    id.cc_minor = g.compute_capability_minor;
    id.sm_count = g.sm_count;
    id.memory_bytes = g.memory_bytes;
    id.l2_cache_bytes = g.l2_cache_bytes;
    id.sm_clock_max_hz = g.sm_clock_max_hz;
    return id;
  }

  GpuConditions Conditions(int device) override {
    CheckIndex(device);
    const GpuInfo g = ReadGpuInfo(device);
    GpuConditions c;
    c.sm_clock_hz = g.sm_clock_hz;
    c.temperature_c = g.temperature_c;
    c.power_w = g.power_w;
    c.power_limit_w = g.power_limit_w;
    DeviceGuard guard(device);
    size_t free_b = 0, total_b = 0;
    CB_CUDA_CHECK(cudaMemGetInfo(&free_b, &total_b));
    c.free_memory_bytes = static_cast<int64_t>(free_b);
    return c;
  }

  GpuGemmResult Gemm(int device, GemmDtype dtype, const GemmShape& shape, const GpuGemmOptions& options) override {
    DeviceGuard guard(device);
    State& st = StateOf(device);
    if (!st.gemm) st.gemm = std::make_unique<GemmBench>(st.id);
    return st.gemm->Run(dtype, shape, options);
  }

  std::vector<GpuPeakResult> Peak(int device, const MeasureOptions& options) override {
    DeviceGuard guard(device);
    State& st = StateOf(device);
    return RunPeak(st.id, Timer(st), options);
  }

  std::vector<GpuMemoryResult> Memory(int device, int64_t array_bytes, const MeasureOptions& options) override {
    DeviceGuard guard(device);
    State& st = StateOf(device);
    return RunMemory(st.id, Timer(st), array_bytes, options);
  }

  std::vector<GpuCopyResult> Copy(const std::vector<int>& devices, int64_t bytes,
                                  const MeasureOptions& options) override {
    std::vector<GpuIdentity> ids;
    for (int d : devices) ids.push_back(StateOf(d).id);
    return RunCopy(ids, bytes, options);
  }

 private:
  struct State {
    GpuIdentity id;
    std::unique_ptr<GemmBench> gemm;
    std::unique_ptr<DeviceTimer> timer;
  };

  void CheckIndex(int device) {
    std::string why;
    const int n = DeviceCount(&why);
    if (device < 0 || device >= n) {
      throw UsageError(n == 0 ? fmt::format("--gpu {}: no GPU ({})", device, why)
                              : fmt::format("--gpu {}: this machine has {} GPU(s), 0..{}", device, n, n - 1));
    }
  }

  State& StateOf(int device) {
    auto it = devices_.find(device);
    if (it != devices_.end()) return it->second;
    State st;
    st.id = Identify(device);
    return devices_.emplace(device, std::move(st)).first->second;
  }

  // The device must be current.
  DeviceTimer& Timer(State& st) {
    if (!st.timer) st.timer = std::make_unique<DeviceTimer>();
    return *st.timer;
  }

  std::map<int, State> devices_;
};

}  // namespace
}  // namespace cuda

void RegisterCudaKernels(Backends& backends) {
  backends.factories.Add(kCudaKernelsFactory, GpuBenchFactory([]() -> std::unique_ptr<GpuBench> {
                           return std::make_unique<cuda::CudaBench>();
                         }));
}

}  // namespace cb
