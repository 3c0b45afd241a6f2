#include <fmt/format.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <vector>

#include "core/error.h"
#include "core/units.h"
#include "kernels/cuda/cuda_benches.h"
#include "kernels/cuda/cuda_raii.h"
#include "kernels/cuda/device_check.h"
#include "kernels/cuda/device_info.h"
#include "kernels/cuda/launch.h"
#include "kernels/sample_loop.h"

namespace cb::cuda {
namespace {

constexpr uint32_t kSeedH2d = 11, kSeedD2h = 22, kSeedD2d = 33, kSeedPeer = 44;

void FillHost(uint32_t* data, int64_t words, uint32_t seed) {
  for (int64_t i = 0; i < words; ++i) data[i] = static_cast<uint32_t>(i) * 2654435761u + seed;
}

int64_t CountWrongHost(uint32_t* data, int64_t words, uint32_t seed, bool corrupt) {
  if (corrupt) data[0] ^= 1u;  // self-test (validate --inject)
  int64_t bad = 0;
  for (int64_t i = 0; i < words; ++i) bad += data[i] != static_cast<uint32_t>(i) * 2654435761u + seed;
  return bad;
}

// Wrong words in a device buffer (the buffer's device must be current).
// `corrupt`: the self-test (validate --inject) overwrites word 0 first.
int64_t CountWrongDevice(const DeviceBuffer& buf, int64_t words, uint32_t seed, cudaStream_t s, bool corrupt) {
  if (corrupt) CB_CUDA_CHECK(cudaMemsetAsync(buf.get(), 0x7f, sizeof(uint32_t), s));
  const DeviceBuffer wrong(sizeof(unsigned long long));
  return CountOnDevice(wrong, s, [&](unsigned long long* count) {
    CB_CUDA_CHECK(LaunchCheckWords(buf.as<uint32_t>(), words, seed, count, s));
  });
}

// A synchronous copy from pageable memory, timed by the host clock: the
// runtime stages it through pinned buffers and returns when it is done, so it
// cannot sit behind the blocking kernel. MeasureSampled applies the throttle
// self-test (kernels/sample_loop.h).
Measurement MeasureSync(const std::function<void()>& copy, const MeasureOptions& options) {
  return MeasureSampled(
      [&] {
        const auto t0 = std::chrono::steady_clock::now();
        copy();
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      },
      options);
}

GpuCopyResult Make(CopyKind kind, int src, int dst, std::string link, int64_t bytes, Measurement m) {
  GpuCopyResult r;
  r.kind = kind;
  r.src = src;
  r.dst = dst;
  r.link = std::move(link);
  r.bytes = bytes;
  r.measurement = std::move(m);
  if (!r.measurement.samples_s.empty()) r.bandwidth_Bps = static_cast<double>(bytes) / r.measurement.summary.median;
  return r;
}

void RequireFree(int device, int64_t need, int64_t bytes) {
  size_t free_b = 0, total_b = 0;
  CB_CUDA_CHECK(cudaMemGetInfo(&free_b, &total_b));
  const int64_t reserve = int64_t{256} << 20;
  if (need > static_cast<int64_t>(free_b) - reserve) {
    throw UsageError(
        fmt::format("--bytes {}: the copy benchmark needs {} on GPU {}, which has {} free ({} kept in reserve)",
                    FormatBytes(static_cast<double>(bytes)), FormatBytes(static_cast<double>(need)), device,
                    FormatBytes(static_cast<double>(free_b)), FormatBytes(static_cast<double>(reserve))));
  }
}

// The copies of one GPU with the host (pinned and pageable, both ways) and
// within itself, appended to `out`. `pinned` and `pageable` hold `bytes`.
void LocalCopies(const GpuIdentity& g, int64_t bytes, PinnedBuffer& pinned, uint32_t* pageable,
                 const DeviceTimingOptions& timing, const MeasureOptions& options, std::vector<GpuCopyResult>* out_p) {
  std::vector<GpuCopyResult>& out = *out_p;
  const int64_t words = bytes / 4;
  DeviceGuard guard(g.index);
  RequireFree(g.index, 2 * bytes, bytes);
  DeviceTimer timer;
  cudaStream_t s = timer.stream();
  DeviceBuffer d1(static_cast<size_t>(bytes)), d2(static_cast<size_t>(bytes));

  // Host to device, pinned: a copy engine DMA from page-locked memory.
  FillHost(pinned.as<uint32_t>(), words, kSeedH2d);
  CB_CUDA_CHECK(cudaMemsetAsync(d1.get(), 0, d1.bytes(), s));
  {
    GpuCopyResult r =
        Make(CopyKind::kH2dPinned, -1, g.index, "PCIe", bytes,
             timer.Measure(
                 [&](cudaStream_t st, int64_t) {
                   CB_CUDA_CHECK(cudaMemcpyAsync(d1.get(), pinned.get(), bytes, cudaMemcpyHostToDevice, st));
                 },
                 timing));
    r.checked = words;
    r.wrong = CountWrongDevice(d1, words, kSeedH2d, s, options.corrupt_output);
    out.push_back(std::move(r));
  }
  // Device to host, pinned.
  CB_CUDA_CHECK(LaunchFillWords(d1.as<uint32_t>(), words, kSeedD2h, s));
  CB_CUDA_CHECK(cudaStreamSynchronize(s));
  std::memset(pinned.get(), 0, static_cast<size_t>(bytes));
  {
    GpuCopyResult r =
        Make(CopyKind::kD2hPinned, g.index, -1, "PCIe", bytes,
             timer.Measure(
                 [&](cudaStream_t st, int64_t) {
                   CB_CUDA_CHECK(cudaMemcpyAsync(pinned.get(), d1.get(), bytes, cudaMemcpyDeviceToHost, st));
                 },
                 timing));
    r.checked = words;
    r.wrong = CountWrongHost(pinned.as<uint32_t>(), words, kSeedD2h, options.corrupt_output);
    out.push_back(std::move(r));
  }
  // Pageable: what an application that never pins memory gets.
  FillHost(pageable, words, kSeedH2d);
  CB_CUDA_CHECK(cudaMemsetAsync(d1.get(), 0, d1.bytes(), s));
  CB_CUDA_CHECK(cudaStreamSynchronize(s));
  {
    GpuCopyResult r = Make(
        CopyKind::kH2dPageable, -1, g.index, "PCIe", bytes,
        MeasureSync([&] { CB_CUDA_CHECK(cudaMemcpy(d1.get(), pageable, bytes, cudaMemcpyHostToDevice)); }, options));
    r.checked = words;
    r.wrong = CountWrongDevice(d1, words, kSeedH2d, s, options.corrupt_output);
    out.push_back(std::move(r));
  }
  CB_CUDA_CHECK(LaunchFillWords(d1.as<uint32_t>(), words, kSeedD2h, s));
  CB_CUDA_CHECK(cudaStreamSynchronize(s));
  std::memset(pageable, 0, static_cast<size_t>(bytes));
  {
    GpuCopyResult r = Make(
        CopyKind::kD2hPageable, g.index, -1, "PCIe", bytes,
        MeasureSync([&] { CB_CUDA_CHECK(cudaMemcpy(pageable, d1.get(), bytes, cudaMemcpyDeviceToHost)); }, options));
    r.checked = words;
    r.wrong = CountWrongHost(pageable, words, kSeedD2h, options.corrupt_output);
    out.push_back(std::move(r));
  }
  // Device to device on one GPU (each byte read once and written once).
  CB_CUDA_CHECK(LaunchFillWords(d1.as<uint32_t>(), words, kSeedD2d, s));
  CB_CUDA_CHECK(cudaMemsetAsync(d2.get(), 0, d2.bytes(), s));
  {
    GpuCopyResult r =
        Make(CopyKind::kD2d, g.index, g.index, "local", bytes,
             timer.Measure(
                 [&](cudaStream_t st, int64_t) {
                   CB_CUDA_CHECK(cudaMemcpyAsync(d2.get(), d1.get(), bytes, cudaMemcpyDeviceToDevice, st));
                 },
                 timing));
    r.checked = words;
    r.wrong = CountWrongDevice(d2, words, kSeedD2d, s, options.corrupt_output);
    out.push_back(std::move(r));
  }
}

// A copy from GPU `src` to GPU `dst`: over NVLink or PCIe peer access where
// the pair has it, else staged by the runtime through host memory.
GpuCopyResult PeerCopy(const GpuIdentity& src, const GpuIdentity& dst, int64_t bytes, const DeviceTimingOptions& timing,
                       const MeasureOptions& options) {
  const int64_t words = bytes / 4;
  int can = 0;
  CB_CUDA_CHECK(cudaDeviceCanAccessPeer(&can, src.index, dst.index));
  const std::string link = PeerLinkLabel(can != 0, NvlinkP2pStatus(src.index, dst.index));
  DeviceBuffer dst_buf;
  {
    DeviceGuard guard(dst.index);
    RequireFree(dst.index, bytes, bytes);
    dst_buf = DeviceBuffer(static_cast<size_t>(bytes));
    CB_CUDA_CHECK(cudaMemset(dst_buf.get(), 0, dst_buf.bytes()));
  }
  DeviceGuard guard(src.index);
  if (can) {
    cudaError_t e = cudaDeviceEnablePeerAccess(dst.index, 0);
    if (e == cudaErrorPeerAccessAlreadyEnabled) {
      cudaGetLastError();  // clear it: already enabled is what we want
    } else {
      CB_CUDA_CHECK(e);
    }
  }
  RequireFree(src.index, bytes, bytes);
  DeviceTimer timer;
  cudaStream_t s = timer.stream();
  DeviceBuffer src_buf(static_cast<size_t>(bytes));
  CB_CUDA_CHECK(LaunchFillWords(src_buf.as<uint32_t>(), words, kSeedPeer, s));
  CB_CUDA_CHECK(cudaStreamSynchronize(s));
  DeviceTimingOptions peer_timing = timing;
  // Without peer access the runtime stages through host memory, which may
  // wait for the host: not timed behind the blocking kernel.
  peer_timing.block = can != 0;
  GpuCopyResult r =
      Make(CopyKind::kPeer, src.index, dst.index, link, bytes,
           timer.Measure(
               [&](cudaStream_t st, int64_t) {
                 CB_CUDA_CHECK(cudaMemcpyPeerAsync(dst_buf.get(), dst.index, src_buf.get(), src.index, bytes, st));
               },
               peer_timing));
  CB_CUDA_CHECK(cudaStreamSynchronize(s));
  {
    DeviceGuard dst_guard(dst.index);
    Stream check_stream;
    r.checked = words;
    r.wrong = CountWrongDevice(dst_buf, words, kSeedPeer, check_stream.get(), options.corrupt_output);
    // Free on its own device before leaving the guard.
    dst_buf = DeviceBuffer();
  }
  return r;
}

}  // namespace

std::vector<GpuCopyResult> RunCopy(const std::vector<GpuIdentity>& gpus, int64_t bytes, const MeasureOptions& options) {
  bytes -= bytes % 4;
  if (bytes < 4) throw UsageError(fmt::format("--bytes {}: too small for the copy benchmark", bytes));
  const int64_t words = bytes / 4;
  std::vector<GpuCopyResult> out;
  DeviceTimingOptions timing;
  timing.measure = options;

  PinnedBuffer pinned(static_cast<size_t>(bytes), cudaHostAllocPortable);
  std::unique_ptr<uint32_t[]> pageable(new uint32_t[static_cast<size_t>(words)]);
  for (const GpuIdentity& g : gpus) LocalCopies(g, bytes, pinned, pageable.get(), timing, options, &out);
  // Peer copies, every ordered pair.
  for (const GpuIdentity& src : gpus) {
    for (const GpuIdentity& dst : gpus) {
      if (src.index != dst.index) out.push_back(PeerCopy(src, dst, bytes, timing, options));
    }
  }
  return out;
}

}  // namespace cb::cuda
