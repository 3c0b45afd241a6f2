// The precisions of the GEMM and peak-arithmetic benchmarks and the peak
// kernels, parsed once where `kernels --dtype` or a suite's `dtype:` is read;
// their names are what --dtype, suites, the results files (`dtype`,
// `benchmark` columns) and the gpu documents' `peak.*` keys spell.
#ifndef CLUSTERBENCH_KERNELS_GEMM_DTYPE_H_
#define CLUSTERBENCH_KERNELS_GEMM_DTYPE_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cb {

enum class GemmDtype { kFp64, kFp32, kTf32, kBf16, kFp16, kFp8 };

// "fp64", "fp32", "tf32", "bf16", "fp16", "fp8".
const char* GemmDtypeName(GemmDtype d);
// The GPU backend's precisions, in run order: fp64 fp32 tf32 bf16 fp16 fp8.
const std::vector<GemmDtype>& GpuGemmDtypes();
// The host backend's (OpenBLAS): fp64 fp32.
const std::vector<GemmDtype>& HostGemmDtypes();
bool HostRunsGemm(GemmDtype d);
// The precision named exactly `name`; nullopt for none.
std::optional<GemmDtype> FindGemmDtype(std::string_view name);
// "fp64, fp32, tf32, bf16, fp16, fp8": the valid names, for an error.
std::string GemmDtypeNames();

// The peak-arithmetic kernels (kernels/gpu_bench.h GpuPeakResult): "fma"
// (fp32, fp64), "mma" (bf16 mma.sync) and "wgmma" (bf16, Hopper).
enum class PeakKernel { kFma, kMma, kWgmma };
const char* PeakKernelName(PeakKernel k);
std::optional<PeakKernel> FindPeakKernel(std::string_view name);
std::string PeakKernelNames();

}  // namespace cb

#endif  // CLUSTERBENCH_KERNELS_GEMM_DTYPE_H_
