#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

#include "core/stats.h"
#include "kernels/cuda/cuda_benches.h"
#include "kernels/cuda/cuda_raii.h"
#include "kernels/cuda/launch.h"

namespace cb::cuda {
namespace {

constexpr double kTargetCallSeconds = 0.01;

// The SM clock during the last call: median over blocks of cycles / ns.
double MeasuredClockHz(const DeviceBuffer& clocks, int blocks, cudaStream_t s) {
  std::vector<unsigned long long> c(2 * static_cast<size_t>(blocks));
  CB_CUDA_CHECK(cudaMemcpyAsync(c.data(), clocks.get(), clocks.bytes(), cudaMemcpyDeviceToHost, s));
  CB_CUDA_CHECK(cudaStreamSynchronize(s));
  std::vector<double> hz;
  for (int b = 0; b < blocks; ++b) {
    const double cycles = static_cast<double>(c[2 * static_cast<size_t>(b)]);
    const double ns = static_cast<double>(c[2 * static_cast<size_t>(b) + 1]);
    if (ns > 0) hz.push_back(cycles / ns * 1e9);
  }
  return hz.empty() ? 0 : Median(hz);
}

// Loop trips per thread for a call of about kTargetCallSeconds at the
// architecture's rate (or `fallback_rate` FLOP/clk/SM when unknown), a
// multiple of `multiple`, in [multiple, max_iters].
int64_t ItersFor(const GpuIdentity& id, double rate, double fallback_rate, double flops_per_iter_all, int64_t multiple,
                 int64_t max_iters) {
  const double r = rate > 0 ? rate : fallback_rate;
  const double clock = id.sm_clock_max_hz > 0 ? id.sm_clock_max_hz : 1.5e9;
  const double flops = kTargetCallSeconds * id.sm_count * r * clock;
  int64_t iters = static_cast<int64_t>(flops / flops_per_iter_all);
  iters -= iters % multiple;
  return std::clamp<int64_t>(iters, multiple, max_iters - max_iters % multiple);
}

// The tensor-core peaks' common part: time `launch` (which writes, per
// thread, how many of its accumulators are wrong into `bad`), derive the
// rates from r.flops_per_call and r.flops_per_clock_sm, and read the wrong
// counts back. False when interrupted before a sample.
bool MeasureTensorPeak(GpuPeakResult& r, const GpuIdentity& id, DeviceTimer& timer, const MeasureOptions& options,
                       int blocks, int64_t all_threads, int64_t accumulators_per_thread,
                       const std::function<cudaError_t(float*, unsigned long long*, cudaStream_t)>& launch) {
  cudaStream_t s = timer.stream();
  DeviceTimingOptions timing;
  timing.measure = options;
  DeviceBuffer bad(static_cast<size_t>(all_threads) * sizeof(float));
  DeviceBuffer clocks(2 * static_cast<size_t>(blocks) * sizeof(unsigned long long));
  r.measurement = timer.Measure(
      [&](cudaStream_t st, int64_t) { CB_CUDA_CHECK(launch(bad.as<float>(), clocks.as<unsigned long long>(), st)); },
      timing);
  if (r.measurement.samples_s.empty()) return false;
  r.flop_rate = r.flops_per_call / r.measurement.summary.median;
  r.clock_hz = MeasuredClockHz(clocks, blocks, s);
  r.clock_peak = r.flops_per_clock_sm * id.sm_count * r.clock_hz;
  if (options.corrupt_output) {  // self-test: thread 0 reports one wrong accumulator
    const float one = 1.0f;
    CB_CUDA_CHECK(cudaMemcpyAsync(bad.get(), &one, sizeof one, cudaMemcpyHostToDevice, s));
  }
  CB_CUDA_CHECK(cudaStreamSynchronize(s));
  std::vector<float> v(static_cast<size_t>(all_threads));
  CB_CUDA_CHECK(cudaMemcpy(v.data(), bad.get(), bad.bytes(), cudaMemcpyDeviceToHost));
  r.checked = all_threads * accumulators_per_thread;
  for (float x : v) r.wrong += static_cast<int64_t>(x);
  return true;
}

// Tensor cores through Hopper's warpgroup MMA: bf16 wgmma m64n256k16, one
// warpgroup per block, 2 blocks per SM (128 accumulators per thread leave
// room for two), so one block issues while the other waits for its group.
GpuPeakResult RunWgmma(const GpuIdentity& id, DeviceTimer& timer, const MeasureOptions& options) {
  GpuPeakResult r;
  r.kernel = PeakKernel::kWgmma;
  r.dtype = GemmDtype::kBf16;
  if (!WgmmaCompiled()) {
    r.skipped = "the wgmma kernel is not in this build: CB_CUDA_ARCHITECTURES has no 9.0 architecture (90)";
    return r;
  }
  if (id.cc_major != 9 || id.cc_minor != 0) {
    r.skipped = fmt::format("wgmma is sm_90a code, which runs on compute capability 9.0 only (this GPU: {}.{})",
                            id.cc_major, id.cc_minor);
    return r;
  }
  const int blocks = id.sm_count * 2;
  const int64_t all_threads = static_cast<int64_t>(blocks) * kWgmmaThreads;
  const double flops_per_wgmma = 2.0 * 64 * 256 * 16;
  const double flops_per_iter_all = flops_per_wgmma * kWgmmaPerIter * blocks;
  r.flops_per_clock_sm = FlopsPerClockPerSm(r.kernel, r.dtype, id.cc_major, id.cc_minor);
  // Accumulators reach 16 per wgmma: exact in fp32 while iters x kWgmmaPerIter < 2^20.
  const int64_t iters =
      ItersFor(id, r.flops_per_clock_sm, 4096, flops_per_iter_all, 1, ((int64_t{1} << 20) - 1) / kWgmmaPerIter);
  r.flops_per_call = flops_per_iter_all * static_cast<double>(iters);
  const bool measured = MeasureTensorPeak(r, id, timer, options, blocks, all_threads, kWgmmaAccumulators,
                                          [&](float* bad, unsigned long long* clocks, cudaStream_t st) {
                                            return LaunchWgmmaBf16(bad, iters, clocks, blocks, st);
                                          });
  if (!measured) r.skipped = "interrupted";  // as a GEMM interrupted in its search
  return r;
}

}  // namespace

std::vector<GpuPeakResult> RunPeak(const GpuIdentity& id, DeviceTimer& timer, const MeasureOptions& options) {
  int per_sm = 0;
  CB_CUDA_CHECK(cudaDeviceGetAttribute(&per_sm, cudaDevAttrMaxThreadsPerMultiProcessor, id.index));
  cudaStream_t s = timer.stream();
  DeviceTimingOptions timing;
  timing.measure = options;
  std::vector<GpuPeakResult> out;

  // FMA, fp32 and fp64: full occupancy, 256-thread blocks.
  for (const GemmDtype dtype : {GemmDtype::kFp32, GemmDtype::kFp64}) {
    const bool f32 = dtype == GemmDtype::kFp32;
    const int threads = 256;
    const int blocks = id.sm_count * std::max(1, per_sm / threads);
    const int64_t all_threads = static_cast<int64_t>(blocks) * threads;
    GpuPeakResult r;
    r.kernel = PeakKernel::kFma;
    r.dtype = dtype;
    r.flops_per_clock_sm = FlopsPerClockPerSm(r.kernel, dtype, id.cc_major, id.cc_minor);
    // fp32 chains stay exact below 2^24: 8 chains of c + iters, iters <= 2^20.
    const int64_t iters = ItersFor(id, r.flops_per_clock_sm, f32 ? 256 : 8,
                                   2.0 * kFmaChains * static_cast<double>(all_threads), 16, int64_t{1} << 20);
    r.flops_per_call = 2.0 * kFmaChains * static_cast<double>(all_threads) * static_cast<double>(iters);
    DeviceBuffer result(static_cast<size_t>(all_threads) * (f32 ? sizeof(float) : sizeof(double)));
    DeviceBuffer clocks(2 * static_cast<size_t>(blocks) * sizeof(unsigned long long));
    r.measurement = timer.Measure(
        [&](cudaStream_t st, int64_t) {
          if (f32) {
            CB_CUDA_CHECK(
                LaunchFmaF32(result.as<float>(), iters, clocks.as<unsigned long long>(), blocks, threads, st));
          } else {
            CB_CUDA_CHECK(
                LaunchFmaF64(result.as<double>(), iters, clocks.as<unsigned long long>(), blocks, threads, st));
          }
        },
        timing);
    if (r.measurement.samples_s.empty()) break;  // interrupted
    r.flop_rate = r.flops_per_call / r.measurement.summary.median;
    r.clock_hz = MeasuredClockHz(clocks, blocks, s);
    r.clock_peak = r.flops_per_clock_sm * id.sm_count * r.clock_hz;
    if (options.corrupt_output) CB_CUDA_CHECK(cudaMemsetAsync(result.get(), 0x7f, f32 ? 4 : 8, s));  // self-test
    CB_CUDA_CHECK(cudaStreamSynchronize(s));
    const double expect = kFmaChains * (kFmaChains - 1) / 2.0 + kFmaChains * static_cast<double>(iters);
    r.checked = all_threads;
    if (f32) {
      std::vector<float> v(static_cast<size_t>(all_threads));
      CB_CUDA_CHECK(cudaMemcpy(v.data(), result.get(), result.bytes(), cudaMemcpyDeviceToHost));
      for (float x : v) r.wrong += static_cast<double>(x) != expect;
    } else {
      std::vector<double> v(static_cast<size_t>(all_threads));
      CB_CUDA_CHECK(cudaMemcpy(v.data(), result.get(), result.bytes(), cudaMemcpyDeviceToHost));
      for (double x : v) r.wrong += x != expect;
    }
    out.push_back(std::move(r));
  }

  // Tensor cores: bf16 mma.sync, 128-thread blocks, 8 per SM.
  {
    GpuPeakResult r;
    r.kernel = PeakKernel::kMma;
    r.dtype = GemmDtype::kBf16;
    if (id.cc_major < 8) {
      r.skipped = fmt::format("bf16 mma.sync needs compute capability 8.0 or newer (this GPU: {}.{})", id.cc_major,
                              id.cc_minor);
      out.push_back(std::move(r));
      out.push_back(RunWgmma(id, timer, options));
      return out;
    }
    const int threads = 128;
    const int blocks = id.sm_count * 8;
    const int64_t all_threads = static_cast<int64_t>(blocks) * threads;
    const double warps = static_cast<double>(all_threads) / 32;
    const double flops_per_warp_iter = kMmaChains * 2.0 * 16 * 8 * 16;
    r.flops_per_clock_sm = FlopsPerClockPerSm(r.kernel, r.dtype, id.cc_major, id.cc_minor);
    // Accumulators reach 16·iters: exact in fp32 for iters < 2^20.
    const int64_t iters =
        ItersFor(id, r.flops_per_clock_sm, 1024, flops_per_warp_iter * warps, 1, (int64_t{1} << 20) - 1);
    r.flops_per_call = flops_per_warp_iter * warps * static_cast<double>(iters);
    const bool measured = MeasureTensorPeak(r, id, timer, options, blocks, all_threads, 4 * kMmaChains,
                                            [&](float* bad, unsigned long long* clocks, cudaStream_t st) {
                                              return LaunchMmaBf16(bad, iters, clocks, blocks, threads, st);
                                            });
    if (!measured) return out;  // interrupted
    out.push_back(std::move(r));
  }
  out.push_back(RunWgmma(id, timer, options));
  return out;
}

}  // namespace cb::cuda
