#include "kernels/gemm_dtype.h"

#include <algorithm>

#include "core/enum_names.h"

namespace cb {
namespace {

constexpr EnumName<GemmDtype> kGemmDtypes[] = {{"fp64", GemmDtype::kFp64}, {"fp32", GemmDtype::kFp32},
                                               {"tf32", GemmDtype::kTf32}, {"bf16", GemmDtype::kBf16},
                                               {"fp16", GemmDtype::kFp16}, {"fp8", GemmDtype::kFp8}};
constexpr EnumName<PeakKernel> kPeakKernels[] = {
    {"fma", PeakKernel::kFma}, {"mma", PeakKernel::kMma}, {"wgmma", PeakKernel::kWgmma}};

}  // namespace

const char* GemmDtypeName(GemmDtype d) { return NameOf(kGemmDtypes, d); }

const std::vector<GemmDtype>& GpuGemmDtypes() {
  static const std::vector<GemmDtype> all = ValuesOf(kGemmDtypes);
  return all;
}

const std::vector<GemmDtype>& HostGemmDtypes() {
  static const std::vector<GemmDtype> host = {GemmDtype::kFp64, GemmDtype::kFp32};
  return host;
}

bool HostRunsGemm(GemmDtype d) {
  const auto& h = HostGemmDtypes();
  return std::find(h.begin(), h.end(), d) != h.end();
}

std::optional<GemmDtype> FindGemmDtype(std::string_view name) { return ValueOf(kGemmDtypes, name); }
std::string GemmDtypeNames() { return NameList(kGemmDtypes); }

const char* PeakKernelName(PeakKernel k) { return NameOf(kPeakKernels, k); }
std::optional<PeakKernel> FindPeakKernel(std::string_view name) { return ValueOf(kPeakKernels, name); }
std::string PeakKernelNames() { return NameList(kPeakKernels); }

}  // namespace cb
