#include "collectives/nccl/nccl_check.h"

#include <fmt/format.h>

#include "core/error.h"

namespace cb::coll::nccl_detail {

void ThrowNcclError(ncclResult_t result, const char* call, const std::string& who, const char* file, int line) {
  // ncclGetLastError ignores its argument and returns this thread's last
  // warning, often the only text that says what went wrong.
  const char* detail = ncclGetLastError(nullptr);
  throw RuntimeError(fmt::format("{}:{}: {} failed: {}{}{} ({})", file, line, call, ncclGetErrorString(result),
                                 detail && *detail ? ": " : "", detail ? detail : "", who));
}

void ThrowCudaError(cudaError_t error, const char* call, const std::string& who, const char* file, int line) {
  throw RuntimeError(fmt::format("{}:{}: {} failed: {} ({}) ({})", file, line, call, cudaGetErrorName(error),
                                 cudaGetErrorString(error), who));
}

}  // namespace cb::coll::nccl_detail
