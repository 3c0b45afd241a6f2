#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "core/error.h"
#include "core/units.h"
#include "kernels/cuda/cuda_benches.h"
#include "kernels/cuda/cuda_raii.h"
#include "kernels/cuda/device_check.h"
#include "kernels/cuda/launch.h"

namespace cb::cuda {
namespace {

// Σ_{i<n} (i mod 7), the read kernel's exact sum over Pattern::kA.
double SumMod7(int64_t n) {
  const int64_t r = n % 7;
  return static_cast<double>((n / 7) * 21 + r * (r - 1) / 2);
}

}  // namespace

std::vector<GpuMemoryResult> RunMemory(const GpuIdentity& id, DeviceTimer& timer, int64_t array_bytes,
                                       const MeasureOptions& options) {
  array_bytes -= array_bytes % 16;
  if (array_bytes < 16) throw UsageError(fmt::format("--bytes {}: too small for the GPU memory kernels", array_bytes));
  size_t free_b = 0, total_b = 0;
  CB_CUDA_CHECK(cudaMemGetInfo(&free_b, &total_b));
  const int64_t reserve = int64_t{256} << 20;
  if (3 * array_bytes > static_cast<int64_t>(free_b) - reserve) {
    throw UsageError(fmt::format(
        "--bytes {}: the memory kernels need three arrays ({}), and GPU {} has {} free ({} kept in reserve); "
        "use at most --bytes {}",
        FormatBytes(static_cast<double>(array_bytes)), FormatBytes(3.0 * static_cast<double>(array_bytes)), id.index,
        FormatBytes(static_cast<double>(free_b)), FormatBytes(static_cast<double>(reserve)),
        std::max<int64_t>(0, (static_cast<int64_t>(free_b) - reserve) / 3)));
  }
  int per_sm = 0;
  CB_CUDA_CHECK(cudaDeviceGetAttribute(&per_sm, cudaDevAttrMaxThreadsPerMultiProcessor, id.index));
  const int threads = 256;
  const int blocks = id.sm_count * std::max(1, per_sm / threads);
  const int64_t n = array_bytes / 8;
  cudaStream_t s = timer.stream();

  DeviceBuffer a(static_cast<size_t>(array_bytes)), b(static_cast<size_t>(array_bytes)),
      c(static_cast<size_t>(array_bytes));
  DeviceBuffer partial(static_cast<size_t>(blocks) * sizeof(double)), wrong(sizeof(unsigned long long));
  DeviceTimingOptions timing;
  timing.measure = options;

  // Self-test (validate --inject corrupt): element 0 of an output becomes 0x7f
  // bytes before its check, which must then see it.
  auto corrupt = [&](const DeviceBuffer& buf) {
    if (options.corrupt_output) CB_CUDA_CHECK(cudaMemsetAsync(buf.get(), 0x7f, sizeof(double), s));
  };
  auto count_wrong = [&](const DeviceBuffer& buf, Pattern p) -> int64_t {
    corrupt(buf);
    return CountOnDevice(wrong, s, [&](unsigned long long* count) {
      CB_CUDA_CHECK(LaunchCheckPattern(buf.as<double>(), n, p, count, s));
    });
  };
  auto result = [&](StreamKernel kernel, int64_t arrays, Measurement m) {
    GpuMemoryResult r;
    r.kernel = kernel;
    r.array_bytes = array_bytes;
    r.bytes_moved = arrays * array_bytes;
    r.threads = static_cast<int64_t>(blocks) * threads;
    r.measurement = std::move(m);
    if (!r.measurement.samples_s.empty()) {
      r.bandwidth_Bps = static_cast<double>(r.bytes_moved) / r.measurement.summary.median;
    }
    return r;
  };
  std::vector<GpuMemoryResult> out;

  // read: the sum of a = i mod 7, exact in doubles.
  CB_CUDA_CHECK(LaunchFillPattern(a.as<double>(), n, Pattern::kA, s));
  {
    GpuMemoryResult r =
        result(StreamKernel::kRead, 1,
               timer.Measure(
                   [&](cudaStream_t st, int64_t) {
                     CB_CUDA_CHECK(LaunchRead(a.as<double>(), n, partial.as<double>(), blocks, threads, st));
                   },
                   timing));
    corrupt(partial);
    std::vector<double> parts(static_cast<size_t>(blocks));
    CB_CUDA_CHECK(cudaMemcpyAsync(parts.data(), partial.get(), partial.bytes(), cudaMemcpyDeviceToHost, s));
    CB_CUDA_CHECK(cudaStreamSynchronize(s));
    double sum = 0;
    for (double p : parts) sum += p;
    r.checked = 1;
    r.wrong = sum != SumMod7(n);
    out.push_back(std::move(r));
  }
  // write: b = 3
  CB_CUDA_CHECK(LaunchFillPattern(b.as<double>(), n, Pattern::kB, s));
  {
    GpuMemoryResult r = result(
        StreamKernel::kWrite, 1,
        timer.Measure(
            [&](cudaStream_t st, int64_t) { CB_CUDA_CHECK(LaunchWrite(b.as<double>(), n, blocks, threads, st)); },
            timing));
    r.checked = n;
    r.wrong = count_wrong(b, Pattern::kWrite);
    out.push_back(std::move(r));
  }
  // copy: c = a (c poisoned first)
  CB_CUDA_CHECK(LaunchFillPattern(c.as<double>(), n, Pattern::kB, s));
  {
    GpuMemoryResult r = result(StreamKernel::kCopy, 2,
                               timer.Measure(
                                   [&](cudaStream_t st, int64_t) {
                                     CB_CUDA_CHECK(LaunchCopy(a.as<double>(), c.as<double>(), n, blocks, threads, st));
                                   },
                                   timing));
    r.checked = n;
    r.wrong = count_wrong(c, Pattern::kA);
    out.push_back(std::move(r));
  }
  // triad: a = b + 3c (a poisoned with its read pattern)
  CB_CUDA_CHECK(LaunchFillPattern(b.as<double>(), n, Pattern::kB, s));
  CB_CUDA_CHECK(LaunchFillPattern(c.as<double>(), n, Pattern::kC, s));
  {
    const double scalar = TriadScalar();
    GpuMemoryResult r = result(StreamKernel::kTriad, 3,
                               timer.Measure(
                                   [&](cudaStream_t st, int64_t) {
                                     CB_CUDA_CHECK(LaunchTriad(a.as<double>(), b.as<double>(), c.as<double>(), scalar,
                                                               n, blocks, threads, st));
                                   },
                                   timing));
    r.checked = n;
    r.wrong = count_wrong(a, Pattern::kTriad);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace cb::cuda
