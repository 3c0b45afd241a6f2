// Device code of the GPU harness: the blocking kernel.
#include <cuda_runtime.h>

#include "kernels/cuda/launch.h"

namespace cb::cuda {
namespace {

__device__ __forceinline__ uint64_t GlobalTimerNs() {
  uint64_t t;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
  return t;
}

// One thread polls the host-mapped flag. __nanosleep keeps the poll from
// flooding PCIe; the delay it adds is outside the timed region (the start
// event is recorded after this kernel ends).
__global__ void SpinKernel(const volatile int* flag, int* timed_out, uint64_t timeout_ns) {
  const uint64_t start = GlobalTimerNs();
  while (*flag == 0) {
    if (GlobalTimerNs() - start > timeout_ns) {
      *timed_out = 1;
      return;
    }
    __nanosleep(500);
  }
}

__global__ void SleepKernel(uint64_t ns) {
  const uint64_t start = GlobalTimerNs();
  while (GlobalTimerNs() - start < ns) __nanosleep(1000);
}

}  // namespace

cudaError_t LaunchSleep(uint64_t ns, cudaStream_t stream) {
  SleepKernel<<<1, 1, 0, stream>>>(ns);
  return cudaGetLastError();
}

cudaError_t LaunchSpin(const volatile int* flag, int* timed_out, uint64_t timeout_ns, cudaStream_t stream) {
  SpinKernel<<<1, 1, 0, stream>>>(flag, timed_out, timeout_ns);
  return cudaGetLastError();
}

}  // namespace cb::cuda
