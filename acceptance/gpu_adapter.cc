#include "acceptance/gpu_adapter.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/error.h"
#include "kernels/memory_kinds.h"

namespace cb::acc {
namespace {

class GpuBenchKernels : public DeviceKernels {
 public:
  explicit GpuBenchKernels(std::unique_ptr<GpuBench> bench) : bench_(std::move(bench)) {}

  std::vector<DeviceIdentity> Devices() override {
    std::string why;
    const int n = bench_->DeviceCount(&why);
    std::vector<DeviceIdentity> out;
    for (int i = 0; i < n; ++i) {
      GpuIdentity g = bench_->Identify(i);
      out.push_back({g.index, g.name, g.uuid, g.pci_bus_id, g.serial});
    }
    if (out.empty() && !why.empty()) throw RuntimeError(why);
    return out;
  }

  DeviceResult Run(int device, const DeviceRequest& req, const MeasureOptions& options) override {
    DeviceResult r;
    auto fill = [&r](const Measurement& m, double value, int64_t checked, int64_t wrong) {
      r.measurement = m;
      r.value = value;
      r.checked = checked;
      r.wrong = wrong;
    };
    if (req.benchmark == Bench::kGemm) {
      GpuGemmOptions go;
      go.measure = options;
      GemmShape shape{"square", req.size, req.size, req.size};
      GpuGemmResult g = bench_->Gemm(device, req.dtype, shape, go);
      r.skipped = g.skipped;
      fill(g.measurement, g.flop_rate, g.checked, g.wrong);
    } else if (req.benchmark == Bench::kPeak) {
      // bf16 tensor cores: Hopper's warpgroup MMA when it ran (mma.sync
      // cannot reach the datasheet there), else mma.sync.
      const std::vector<PeakKernel> kernels = req.dtype == GemmDtype::kBf16
                                                  ? std::vector<PeakKernel>{PeakKernel::kWgmma, PeakKernel::kMma}
                                                  : std::vector<PeakKernel>{PeakKernel::kFma};
      r.skipped = fmt::format("no {} peak kernel for {}", PeakKernelName(kernels.back()), GemmDtypeName(req.dtype));
      const std::vector<GpuPeakResult> peaks = bench_->Peak(device, options);
      bool found = false;
      for (const auto& kernel : kernels) {
        for (const auto& p : peaks) {
          if (found || p.kernel != kernel || p.dtype != req.dtype) continue;
          if (!p.skipped.empty() && kernel != kernels.back()) continue;  // try the next kernel
          r.skipped = p.skipped;
          fill(p.measurement, p.flop_rate, p.checked, p.wrong);
          found = true;
        }
      }
    } else if (req.benchmark == Bench::kStream) {
      r.skipped = "the memory benchmark returned no triad";
      for (const auto& m : bench_->Memory(device, req.bytes, options)) {
        if (m.kernel != StreamKernel::kTriad) continue;
        r.skipped.clear();
        fill(m.measurement, m.bandwidth_Bps, m.checked, m.wrong);
      }
    } else if (req.benchmark == Bench::kCopy) {
      r.skipped = "no pinned host copy measured";
      bool first = true;
      for (const auto& c : bench_->Copy({device}, req.bytes, options)) {
        if (c.kind != CopyKind::kH2dPinned && c.kind != CopyKind::kD2hPinned) continue;
        if (!c.skipped.empty()) continue;
        if (first || c.bandwidth_Bps < r.value)
          fill(c.measurement, c.bandwidth_Bps, r.checked + c.checked, r.wrong + c.wrong);
        first = false;
        r.skipped.clear();
      }
    } else {
      r.skipped = fmt::format("{} is not a device benchmark", BenchName(req.benchmark));
    }
    return r;
  }

 private:
  std::unique_ptr<GpuBench> bench_;
};

}  // namespace

DeviceKernelsFactory AdaptGpuBench(GpuBenchFactory factory) {
  return [factory]() -> std::unique_ptr<DeviceKernels> {
    std::unique_ptr<GpuBench> bench = factory();
    if (!bench) return nullptr;
    return std::make_unique<GpuBenchKernels>(std::move(bench));
  };
}

}  // namespace cb::acc
