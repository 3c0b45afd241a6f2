// The check helper for cuBLASLt: on failure it throws cb::RuntimeError naming
// the call's text, the status's name and message, and file:line.
#ifndef CLUSTERBENCH_KERNELS_CUDA_CUBLASLT_CHECK_H_
#define CLUSTERBENCH_KERNELS_CUDA_CUBLASLT_CHECK_H_

#include <cublasLt.h>

#include <fmt/format.h>

#include "core/error.h"

namespace cb {

inline void CublasCheck(cublasStatus_t status, const char* call, const char* file, int line) {
  if (status != CUBLAS_STATUS_SUCCESS) {
    throw RuntimeError(fmt::format("{}:{}: {} failed: {} ({})", file, line, call, cublasLtGetStatusName(status),
                                   cublasLtGetStatusString(status)));
  }
}

}  // namespace cb

#define CB_CUBLAS_CHECK(call) ::cb::CublasCheck((call), #call, __FILE__, __LINE__)

#endif  // CLUSTERBENCH_KERNELS_CUDA_CUBLASLT_CHECK_H_
