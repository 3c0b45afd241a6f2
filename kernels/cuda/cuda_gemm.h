// cuBLASLt GEMM benchmark on one device: D = op(A)·B in the "TN" layout
// (A stored k x m and transposed, B k x n, D m x n, column-major), which every
// precision accepts and fp8 requires. For each shape and precision:
//   1. skip with a reason when the chip or memory cannot run it;
//   2. ask cuBLASLt's heuristic for up to N algorithms, time each briefly,
//      keep the fastest (the heuristic's first choice is reported beside it);
//   3. time the winner with the GPU harness, rotating through enough copies
//      of A, B and D to exceed twice the L2 (or flushing L2 when one copy
//      already does), so every call reads its operands from HBM;
//   4. check sampled output elements against a host reference.
// The inputs and tolerance: kernels/cuda/gemm_values.h, GemmTolerance.
#ifndef CLUSTERBENCH_KERNELS_CUDA_CUDA_GEMM_H_
#define CLUSTERBENCH_KERNELS_CUDA_CUDA_GEMM_H_

#include <cublasLt.h>

#include <string>

#include "kernels/cuda/cuda_raii.h"
#include "kernels/cuda/device_timer.h"
#include "kernels/gpu_bench.h"

namespace cb::cuda {

// The device of `id` must be current while a GemmBench is built, used and destroyed.
class GemmBench {
 public:
  explicit GemmBench(const GpuIdentity& id);
  ~GemmBench();
  GemmBench(const GemmBench&) = delete;
  GemmBench& operator=(const GemmBench&) = delete;

  GpuGemmResult Run(GemmDtype dtype, const GemmShape& shape, const GpuGemmOptions& options);

 private:
  GpuIdentity id_;
  cublasLtHandle_t handle_ = nullptr;
  DeviceTimer timer_;
  DeviceBuffer workspace_;
};

}  // namespace cb::cuda

#endif  // CLUSTERBENCH_KERNELS_CUDA_CUDA_GEMM_H_
