// One check helper for the CUDA runtime: on failure it throws cb::RuntimeError
// naming the call's text, the error's name and message, and file:line.
#ifndef CLUSTERBENCH_KERNELS_CUDA_CUDA_CHECK_H_
#define CLUSTERBENCH_KERNELS_CUDA_CUDA_CHECK_H_

#include <cuda_runtime_api.h>

#include <fmt/format.h>

#include "core/error.h"

namespace cb {

inline void CudaCheck(cudaError_t err, const char* call, const char* file, int line) {
  if (err != cudaSuccess) {
    throw RuntimeError(
        fmt::format("{}:{}: {} failed: {} ({})", file, line, call, cudaGetErrorName(err), cudaGetErrorString(err)));
  }
}

}  // namespace cb

#define CB_CUDA_CHECK(call) ::cb::CudaCheck((call), #call, __FILE__, __LINE__)

#endif  // CLUSTERBENCH_KERNELS_CUDA_CUDA_CHECK_H_
