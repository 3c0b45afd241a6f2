// The check helpers of the NCCL backend, one per foreign API: a failed NCCL
// or CUDA call becomes a cb::RuntimeError naming where it was made, the
// call's text, the library's error name and message (for NCCL also
// ncclGetLastError's detail) and which rank saw it ("rank 3 of 8 on host n7,
// GPU 3"). `who` is evaluated only on failure, so hot paths pay nothing.
#ifndef CLUSTERBENCH_COLLECTIVES_NCCL_NCCL_CHECK_H_
#define CLUSTERBENCH_COLLECTIVES_NCCL_NCCL_CHECK_H_

#include <cuda_runtime_api.h>
#include <nccl.h>

#include <string>

// ncclGetLastError (2.13), ncclAvg and ncclBfloat16 (2.10).
#if NCCL_VERSION_CODE < 21300
#error "the NCCL backend needs NCCL 2.13 or newer; set NCCL_HOME or configure with CB_ENABLE_NCCL=OFF"
#endif

namespace cb::coll::nccl_detail {

[[noreturn]] void ThrowNcclError(ncclResult_t result, const char* call, const std::string& who, const char* file,
                                 int line);
[[noreturn]] void ThrowCudaError(cudaError_t error, const char* call, const std::string& who, const char* file,
                                 int line);

}  // namespace cb::coll::nccl_detail

#define CB_NCCL_CHECK(call, who)                                                                 \
  do {                                                                                           \
    const ncclResult_t cb_nccl_result = (call);                                                  \
    if (cb_nccl_result != ncclSuccess)                                                           \
      ::cb::coll::nccl_detail::ThrowNcclError(cb_nccl_result, #call, (who), __FILE__, __LINE__); \
  } while (0)

#define CB_NCCL_CUDA_CHECK(call, who)                                                           \
  do {                                                                                          \
    const cudaError_t cb_cuda_error = (call);                                                   \
    if (cb_cuda_error != cudaSuccess)                                                           \
      ::cb::coll::nccl_detail::ThrowCudaError(cb_cuda_error, #call, (who), __FILE__, __LINE__); \
  } while (0)

#endif  // CLUSTERBENCH_COLLECTIVES_NCCL_NCCL_CHECK_H_
