// The peak, memory and copy benchmarks of the CUDA backend (GEMM is
// cuda_gemm.h). What each measures, counts and checks: docs/kernels.md.
#ifndef CLUSTERBENCH_KERNELS_CUDA_CUDA_BENCHES_H_
#define CLUSTERBENCH_KERNELS_CUDA_CUDA_BENCHES_H_

#include <vector>

#include "kernels/cuda/device_timer.h"
#include "kernels/gpu_bench.h"

namespace cb::cuda {

// fp32 and fp64 FMA chains, bf16 mma.sync, bf16 wgmma (a skipped row except on
// compute capability 9.0), in that order; the device of `id` must be current.
std::vector<GpuPeakResult> RunPeak(const GpuIdentity& id, DeviceTimer& timer, const MeasureOptions& options);

// read, write, copy, triad over three arrays of `array_bytes` (rounded down to
// 16 bytes); the device of `id` must be current. Throws UsageError naming the
// numbers when three arrays do not fit in free memory.
std::vector<GpuMemoryResult> RunMemory(const GpuIdentity& id, DeviceTimer& timer, int64_t array_bytes,
                                       const MeasureOptions& options);

// Host<->device (pinned, pageable), device<->device on every GPU in `gpus`,
// and peer copies between every ordered pair of them. Selects devices itself.
std::vector<GpuCopyResult> RunCopy(const std::vector<GpuIdentity>& gpus, int64_t bytes, const MeasureOptions& options);

}  // namespace cb::cuda

#endif  // CLUSTERBENCH_KERNELS_CUDA_CUDA_BENCHES_H_
