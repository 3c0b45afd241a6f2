// Plain C++ interface to kernels/cuda/smoke.cu.
#ifndef CLUSTERBENCH_KERNELS_CUDA_SMOKE_H_
#define CLUSTERBENCH_KERNELS_CUDA_SMOKE_H_

#include <cstdint>

namespace cb {

// Fills n elements on `device` and checks them on the host; returns the number
// of wrong elements. Throws RuntimeError when CUDA fails (no device, ...).
int64_t RunCudaSmoke(int device, unsigned n);

}  // namespace cb

#endif  // CLUSTERBENCH_KERNELS_CUDA_SMOKE_H_
