// Host GEMM through OpenBLAS (all cores): C = A·B for square or given shapes,
// fp64 and fp32, timed by the harness. FLOPs = 2mnk. Checked on one element
// of every 64x64 output tile (and at least 256, or all of a small C) against
// a long-double dot product: |c - ref| must stay within the
// forward error bound of a length-k dot product, 2·k·eps·Σ|a_ip||b_pj|
// (Higham, "Accuracy and Stability of Numerical Algorithms", 2nd ed., §3.1).
#ifndef CLUSTERBENCH_KERNELS_HOST_GEMM_H_
#define CLUSTERBENCH_KERNELS_HOST_GEMM_H_

#include <cstdint>
#include <string>
#include <vector>

#include "kernels/gemm_dtype.h"
#include "kernels/harness.h"

namespace cb {

struct GemmResult {
  GemmDtype dtype = GemmDtype::kFp64;  // fp64 | fp32
  int64_t m = 0, n = 0, k = 0;
  int threads = 0;
  Measurement measurement;
  double flop_rate = 0;        // 2mnk / median time
  int64_t checked = 0;         // sampled elements compared
  int64_t wrong = 0;           // beyond the error bound
  double max_error_ratio = 0;  // max |c - ref| / bound over the samples (< 1 passes)
};

// Runs one GEMM shape. dtype fp64 or fp32 (HostRunsGemm); throws UsageError otherwise.
GemmResult RunHostGemm(GemmDtype dtype, int64_t m, int64_t n, int64_t k, const MeasureOptions& options);
std::string BlasInfo();
// Sets the threads OpenBLAS uses from now on (<= 0: one per online CPU).
void SetHostGemmThreads(int threads);  // "OpenBLAS 0.3.21 ... (N threads)"

}  // namespace cb

#endif  // CLUSTERBENCH_KERNELS_HOST_GEMM_H_
