#include "kernels/gpu_bench.h"

#include <cmath>

#include <fmt/format.h>

#include "core/enum_names.h"

namespace cb {
namespace {

constexpr EnumName<GemmSearch> kGemmSearches[] = {{"heuristic", GemmSearch::kHeuristic},
                                                  {"exhaustive", GemmSearch::kExhaustive}};

}  // namespace

const char* GemmSearchName(GemmSearch s) { return NameOf(kGemmSearches, s); }
std::optional<GemmSearch> FindGemmSearch(std::string_view name) { return ValueOf(kGemmSearches, name); }
std::string GemmSearchNames() { return NameList(kGemmSearches); }

std::string GemmDtypeUnsupportedReason(GemmDtype dtype, int cc_major, int cc_minor) {
  const int cc = cc_major * 10 + cc_minor;
  if ((dtype == GemmDtype::kTf32 || dtype == GemmDtype::kBf16) && cc < 80) {
    return fmt::format("{} tensor cores need compute capability 8.0 or newer (this GPU: {}.{})", GemmDtypeName(dtype),
                       cc_major, cc_minor);
  }
  if (dtype == GemmDtype::kFp8 && cc < 89) {
    return fmt::format("fp8 (e4m3) tensor cores need compute capability 8.9 or newer (this GPU: {}.{})", cc_major,
                       cc_minor);
  }
  return "";
}

std::string PeakKeyForGemm(GemmDtype dtype) { return dtype == GemmDtype::kFp64 ? "fp64_tensor" : GemmDtypeName(dtype); }

// Per-SM rates, FMA per clock x 2:
//  - FP32: 64 FMA/clk/SM on 7.0 and 8.0 (V100, A100), 128 from 8.6 on (GA10x,
//    AD10x, H100, B200): NVIDIA architecture whitepapers (Volta, A100, Ampere
//    GA102, Ada, H100); H100 SXM 67 TFLOPS = 132 SMs x 128 x 2 x 1.98 GHz.
//  - FP64: 32 FMA/clk/SM on 7.0 and 8.0, 64 on 9.0 (H100 34 TFLOPS =
//    132 x 64 x 2 x 1.98 GHz); 2 on 8.6/8.9 consumer parts.
//  - BF16/FP16 tensor cores, dense, FP32 accumulate: 1024 FMA/clk/SM on 8.0
//    (A100 312 TFLOPS = 108 x 2048 x 1.41 GHz), 2048 on 9.0 (H100 SXM 989 TFLOPS
//    = 132 x 4096 x 1.83 GHz). On 9.0 that rate needs wgmma; the mma.sync
//    kernel here reaches a fraction of it (docs/kernels.md).
//  - "wgmma" (Hopper warpgroup MMA, bf16, dense): the same 4096 FLOP/clk/SM,
//    on 9.0 only (sm_90a code runs on no other architecture).
double FlopsPerClockPerSm(PeakKernel kind, GemmDtype dtype, int cc_major, int cc_minor) {
  const int cc = cc_major * 10 + cc_minor;
  if (kind == PeakKernel::kFma && dtype == GemmDtype::kFp32) {
    if (cc == 70 || cc == 72 || cc == 75 || cc == 80) return 2 * 64;
    if (cc >= 86) return 2 * 128;
    return 0;
  }
  if (kind == PeakKernel::kFma && dtype == GemmDtype::kFp64) {
    if (cc == 70 || cc == 80) return 2 * 32;
    if (cc == 90) return 2 * 64;
    if (cc == 86 || cc == 89) return 2 * 2;
    return 0;
  }
  if (kind == PeakKernel::kMma && (dtype == GemmDtype::kBf16 || dtype == GemmDtype::kFp16)) {
    if (cc == 80) return 2 * 1024;
    if (cc == 90) return 2 * 2048;
    return 0;
  }
  if (kind == PeakKernel::kWgmma && dtype == GemmDtype::kBf16) return cc == 90 ? 2 * 2048 : 0;
  return 0;
}

std::string PeerLinkLabel(bool can_access_peer, int nvml_nvlink) {
  if (!can_access_peer) return "host-staged";
  if (nvml_nvlink == 0) return "NVLink";
  if (nvml_nvlink > 0) return "PCIe";
  return "unknown";
}

double GemmTolerance(GemmDtype dtype, double ref, double sum_abs) {
  // Unit roundoff of the output type (D is bf16 for fp8 inputs).
  double u = 0;
  switch (dtype) {
    case GemmDtype::kFp64:
      u = std::ldexp(1.0, -53);
      break;
    case GemmDtype::kFp32:
    case GemmDtype::kTf32:
      u = std::ldexp(1.0, -24);
      break;
    case GemmDtype::kFp16:
      u = std::ldexp(1.0, -11);
      break;
    case GemmDtype::kBf16:
    case GemmDtype::kFp8:  // bf16 output
      u = std::ldexp(1.0, -8);
      break;
  }
  // 0.25: exact results are integers, so a slack below half their spacing
  // can never let a wrong integer pass.
  double bound = u * std::fabs(ref) + 0.25;
  // fp8: Hopper's fp8 tensor cores may accumulate with fewer bits than fp32
  // (DeepSeek-AI, "DeepSeek-V3 Technical Report", 2024, §3.3.2: about 14);
  // allow 2^-11 of the magnitude of the products.
  if (dtype == GemmDtype::kFp8) bound += std::ldexp(1.0, -11) * sum_abs;
  return bound;
}

}  // namespace cb
