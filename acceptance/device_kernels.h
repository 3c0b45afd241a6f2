// How validate measures GPUs: a plain C++ interface a GPU kernels backend
// implements (no CUDA type here), registered in cb::Backends::factories under
// kDeviceKernelsKey as a DeviceKernelsFactory. The CUDA kernels backend
// (kernels/cuda, registered as "kernels:cuda") attaches through a small
// adapter that implements this interface; until one is registered, every
// GPU check is SKIPPED with the reason, and a run where nothing could be
// checked exits 3 (UNKNOWN).
#ifndef CLUSTERBENCH_ACCEPTANCE_DEVICE_KERNELS_H_
#define CLUSTERBENCH_ACCEPTANCE_DEVICE_KERNELS_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/backends.h"
#include "core/bench.h"
#include "kernels/gemm_dtype.h"
#include "kernels/harness.h"

namespace cb::acc {

struct DeviceIdentity {
  int index = 0;  // on its node
  std::string name, uuid, pci_bus_id, serial;
};

// What validate asks a device to do (the check's settings).
struct DeviceRequest {
  Bench benchmark = Bench::kGemm;      // gemm, peak, stream, copy
  GemmDtype dtype = GemmDtype::kBf16;  // gemm, peak
  int64_t size = 0;                    // gemm m = n = k
  int64_t bytes = 0;                   // stream, copy
};

struct DeviceResult {
  double value = 0;  // FLOP/s (gemm, peak) or B/s (stream, copy), from the median time
  Measurement measurement;
  int64_t checked = 0, wrong = 0;  // verification against a reference
  std::string skipped;             // non-empty: cannot run here (e.g. fp8 before Hopper), and why
};

class DeviceKernels {
 public:
  virtual ~DeviceKernels() = default;
  // The node's devices, in index order.
  virtual std::vector<DeviceIdentity> Devices() = 0;
  // Measures one device. MeasureOptions carries the time budget and the
  // self-test injections: an implementation measures through the harness
  // (kernels/harness.h), which applies `throttle` and says so in
  // Measurement::throttle, and perturbs one output element before its check
  // under `corrupt_output`. The runner FAILs a unit whose result shows
  // either injection missing (acceptance/inject.h IgnoredInjection), so an
  // implementation that forgets one is caught, never silently passed.
  virtual DeviceResult Run(int device_index, const DeviceRequest& request, const MeasureOptions& options) = 0;
};

using DeviceKernelsFactory = std::function<std::unique_ptr<DeviceKernels>()>;
inline const FactoryKey<DeviceKernelsFactory> kDeviceKernelsKey{"acceptance:device_kernels"};

}  // namespace cb::acc

#endif  // CLUSTERBENCH_ACCEPTANCE_DEVICE_KERNELS_H_
