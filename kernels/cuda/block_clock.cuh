// Device code shared by the peak kernels (peak_kernels.cu, wgmma_kernels.cu):
// thread 0 of every block records the block's elapsed clock64 cycles and
// globaltimer nanoseconds around the timed loop; their ratio is the SM clock
// during the kernel (cuda_peak.cc, MeasuredClockHz).
#ifndef CLUSTERBENCH_KERNELS_CUDA_BLOCK_CLOCK_CUH_
#define CLUSTERBENCH_KERNELS_CUDA_BLOCK_CLOCK_CUH_

#include <cstdint>

namespace cb::cuda {

__device__ __forceinline__ uint64_t GlobalTimerNs() {
  uint64_t t;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
  return t;
}

// Started after the block is in step, so every warp's work falls inside.
struct BlockClock {
  uint64_t t0;
  long long c0;
  __device__ __forceinline__ void Start() {
    __syncthreads();
    t0 = GlobalTimerNs();
    c0 = clock64();
  }
  // Every thread calls it; thread 0 writes clocks[2b] = cycles, clocks[2b+1] = ns.
  __device__ __forceinline__ void Stop(unsigned long long* clocks) const {
    __syncthreads();
    const long long c1 = clock64();
    const uint64_t t1 = GlobalTimerNs();
    if (threadIdx.x == 0) {
      clocks[2 * blockIdx.x] = static_cast<unsigned long long>(c1 - c0);
      clocks[2 * blockIdx.x + 1] = t1 - t0;
    }
  }
};

}  // namespace cb::cuda

#endif  // CLUSTERBENCH_KERNELS_CUDA_BLOCK_CLOCK_CUH_
