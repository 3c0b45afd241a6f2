// The count a check kernel (launch.h LaunchCheckWords, LaunchCheckPattern)
// leaves on the device, read back: one owner for the copies' and the memory
// benchmarks' exact checks.
#ifndef CLUSTERBENCH_KERNELS_CUDA_DEVICE_CHECK_H_
#define CLUSTERBENCH_KERNELS_CUDA_DEVICE_CHECK_H_

#include <cuda_runtime_api.h>

#include <cstdint>

#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/cuda_raii.h"

namespace cb::cuda {

// Zeroes `counter` (one unsigned long long on the current device), calls
// `launch(counter_pointer)`, which enqueues the check kernel on `s` and checks
// the launch (CB_CUDA_CHECK), and returns the count once `s` is done
// (synchronous for the caller).
template <typename Launch>
int64_t CountOnDevice(const DeviceBuffer& counter, cudaStream_t s, Launch launch) {
  CB_CUDA_CHECK(cudaMemsetAsync(counter.get(), 0, sizeof(unsigned long long), s));
  launch(counter.as<unsigned long long>());
  unsigned long long n = 0;
  CB_CUDA_CHECK(cudaMemcpyAsync(&n, counter.get(), sizeof n, cudaMemcpyDeviceToHost, s));
  CB_CUDA_CHECK(cudaStreamSynchronize(s));
  return static_cast<int64_t>(n);
}

}  // namespace cb::cuda

#endif  // CLUSTERBENCH_KERNELS_CUDA_DEVICE_CHECK_H_
