// A minimal kernel that proves the CUDA toolchain, the driver and the device
// work end to end: each thread writes a value derived from its index, and the
// host checks every element. Used by the `gpu` test label.
#include <cuda_runtime.h>

#include <vector>

#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/smoke.h"

namespace cb {
namespace {

__global__ void FillKernel(unsigned* out, unsigned n, unsigned seed) {
  unsigned i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) out[i] = i * 2654435761u + seed;
}

}  // namespace

int64_t RunCudaSmoke(int device, unsigned n) {
  CB_CUDA_CHECK(cudaSetDevice(device));
  unsigned* d = nullptr;
  CB_CUDA_CHECK(cudaMalloc(&d, n * sizeof(unsigned)));
  FillKernel<<<(n + 255) / 256, 256>>>(d, n, 12345u);
  cudaError_t launch = cudaGetLastError();
  std::vector<unsigned> h(n);
  cudaError_t copy = cudaMemcpy(h.data(), d, n * sizeof(unsigned), cudaMemcpyDeviceToHost);
  cudaFree(d);
  CB_CUDA_CHECK(launch);
  CB_CUDA_CHECK(copy);
  int64_t wrong = 0;
  for (unsigned i = 0; i < n; ++i) wrong += (h[i] != i * 2654435761u + 12345u);
  return wrong;
}

}  // namespace cb
