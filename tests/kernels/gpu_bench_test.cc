#include "kernels/gpu_bench.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "kernels/cuda/gemm_values.h"
#include "tests/enum_names_check.h"

namespace cb {
namespace {

TEST(GpuGemmDtypes, AreTheSixPrecisionsInRunOrder) {
  std::vector<std::string> names;
  for (GemmDtype d : GpuGemmDtypes()) names.push_back(GemmDtypeName(d));
  EXPECT_EQ(names, (std::vector<std::string>{"fp64", "fp32", "tf32", "bf16", "fp16", "fp8"}));
  EXPECT_EQ(GemmDtypeNames(), "fp64, fp32, tf32, bf16, fp16, fp8");
  for (GemmDtype d : GpuGemmDtypes()) EXPECT_EQ(FindGemmDtype(GemmDtypeName(d)), d);
  EXPECT_EQ(FindGemmDtype("bf16"), GemmDtype::kBf16);
  EXPECT_FALSE(FindGemmDtype("fp4"));
  EXPECT_FALSE(FindGemmDtype("BF16"));
  EXPECT_TRUE(HostRunsGemm(GemmDtype::kFp32));
  EXPECT_FALSE(HostRunsGemm(GemmDtype::kBf16));
}

TEST(PeakKernel, NamesMapToKindsAndBack) {
  for (PeakKernel k : {PeakKernel::kFma, PeakKernel::kMma, PeakKernel::kWgmma}) {
    EXPECT_EQ(FindPeakKernel(PeakKernelName(k)), k);
  }
  EXPECT_EQ(PeakKernelNames(), "fma, mma, wgmma");
  EXPECT_FALSE(FindPeakKernel("hmma"));
}

// The memory benchmarks' closed sets: each name maps to its value and back,
// and the list an error gives holds every valid name.
TEST(MemoryKinds, NamesMapToKindsAndBack) {
  testing::ExpectNamesRoundTrip(kStreamKernelNames, StreamKernelName, FindStreamKernel,
                                "copy, scale, add, triad, read, write", "Triad");
  EXPECT_EQ(StreamKernelNames(), "copy, scale, add, triad, read, write");
  testing::ExpectNamesRoundTrip(kCopyKindNames, CopyKindName, FindCopyKind,
                                "h2d_pinned, d2h_pinned, h2d_pageable, d2h_pageable, d2d, peer", "p2p");
  EXPECT_EQ(CopyKindNames(), "h2d_pinned, d2h_pinned, h2d_pageable, d2h_pageable, d2d, peer");
}

TEST(GemmDtypeUnsupportedReason, Fp8NeedsAda89AndBf16NeedsAmpere) {
  // fp8 e4m3 tensor cores arrived with compute capability 8.9 (Ada) and 9.0 (Hopper).
  EXPECT_EQ(GemmDtypeUnsupportedReason(GemmDtype::kFp8, 9, 0), "");
  EXPECT_EQ(GemmDtypeUnsupportedReason(GemmDtype::kFp8, 8, 9), "");
  const std::string a100 = GemmDtypeUnsupportedReason(GemmDtype::kFp8, 8, 0);
  EXPECT_NE(a100.find("8.9"), std::string::npos) << a100;
  EXPECT_NE(a100.find("this GPU: 8.0"), std::string::npos) << a100;
  EXPECT_EQ(GemmDtypeUnsupportedReason(GemmDtype::kBf16, 8, 0), "");
  EXPECT_NE(GemmDtypeUnsupportedReason(GemmDtype::kBf16, 7, 0), "");
  EXPECT_NE(GemmDtypeUnsupportedReason(GemmDtype::kTf32, 7, 5), "");
  EXPECT_EQ(GemmDtypeUnsupportedReason(GemmDtype::kFp64, 6, 0), "");
}

TEST(PeakKeyForGemm, Fp64GemmsCompareWithTheFp64TensorPeak) {
  EXPECT_EQ(PeakKeyForGemm(GemmDtype::kFp64), "fp64_tensor");
  EXPECT_EQ(PeakKeyForGemm(GemmDtype::kBf16), "bf16");
  EXPECT_EQ(PeakKeyForGemm(GemmDtype::kFp8), "fp8");
}

TEST(FlopsPerClockPerSm, ReproducesTheDatasheetPeaks) {
  // H100 SXM: 132 SMs. FP32 67 TFLOPS at 1.98 GHz; BF16 989.4 TFLOPS at 1.83 GHz;
  // FP64 34 TFLOPS at 1.98 GHz. A100: 108 SMs at 1.41 GHz, BF16 312 TFLOPS, FP32 19.5.
  EXPECT_NEAR(132 * FlopsPerClockPerSm(PeakKernel::kFma, GemmDtype::kFp32, 9, 0) * 1.98e9, 66.9e12, 0.1e12);
  EXPECT_NEAR(132 * FlopsPerClockPerSm(PeakKernel::kMma, GemmDtype::kBf16, 9, 0) * 1.83e9, 989.4e12, 0.5e12);
  EXPECT_NEAR(132 * FlopsPerClockPerSm(PeakKernel::kWgmma, GemmDtype::kBf16, 9, 0) * 1.83e9, 989.4e12, 0.5e12);
  EXPECT_NEAR(132 * FlopsPerClockPerSm(PeakKernel::kFma, GemmDtype::kFp64, 9, 0) * 1.98e9, 33.5e12, 0.1e12);
  EXPECT_NEAR(108 * FlopsPerClockPerSm(PeakKernel::kMma, GemmDtype::kBf16, 8, 0) * 1.41e9, 312e12, 0.5e12);
  EXPECT_NEAR(108 * FlopsPerClockPerSm(PeakKernel::kFma, GemmDtype::kFp32, 8, 0) * 1.41e9, 19.5e12, 0.1e12);
  // Unknown architectures and kinds say 0, never a guess.
  EXPECT_EQ(FlopsPerClockPerSm(PeakKernel::kMma, GemmDtype::kBf16, 12, 0), 0);
  EXPECT_EQ(FlopsPerClockPerSm(PeakKernel::kFma, GemmDtype::kFp16, 9, 0), 0);
  // wgmma is sm_90a only: no rate on Ampere or Blackwell.
  EXPECT_EQ(FlopsPerClockPerSm(PeakKernel::kWgmma, GemmDtype::kBf16, 8, 0), 0);
  EXPECT_EQ(FlopsPerClockPerSm(PeakKernel::kWgmma, GemmDtype::kBf16, 10, 0), 0);
}

TEST(PeerLinkLabel, NvlinkOnlyWhenNvmlSaysSo) {
  EXPECT_EQ(PeerLinkLabel(true, 0), "NVLink");
  EXPECT_EQ(PeerLinkLabel(true, 5), "PCIe");  // NVML_P2P_STATUS_NOT_SUPPORTED
  EXPECT_EQ(PeerLinkLabel(true, -1), "unknown");
  EXPECT_EQ(PeerLinkLabel(false, 0), "host-staged");
}

TEST(GemmTolerance, IsTheOutputRoundingOfTheExactIntegerResult) {
  // An fp32 or fp64 result of integer inputs is the exact integer: the bound
  // (0.25 + tiny) lets no neighbouring integer pass.
  EXPECT_LT(GemmTolerance(GemmDtype::kFp32, 1000, 4000), 0.5);
  EXPECT_LT(GemmTolerance(GemmDtype::kFp64, 65536, 65536), 0.5);
  // bf16 keeps 8 significant bits: 1000 is stored within 1000·2^-8 ≈ 3.9.
  EXPECT_NEAR(GemmTolerance(GemmDtype::kBf16, 1000, 4000), 1000.0 / 256 + 0.25, 1e-12);
  EXPECT_NEAR(GemmTolerance(GemmDtype::kFp16, -1000, 4000), 1000.0 / 2048 + 0.25, 1e-12);
  // fp8 adds 2^-11 of the products' magnitude for short accumulators.
  EXPECT_NEAR(GemmTolerance(GemmDtype::kFp8, 1000, 4096), 1000.0 / 256 + 0.25 + 2.0, 1e-12);
}

TEST(GemmInputValue, IsADeterministicSpreadOfSmallIntegers) {
  std::set<int> seen;
  int64_t sum = 0;
  const int n = 100000;
  for (int i = 0; i < n; ++i) {
    const int v = GemmInputValue(kGemmSeedA, static_cast<uint64_t>(i));
    ASSERT_GE(v, -2);
    ASSERT_LE(v, 2);
    EXPECT_EQ(v, GemmInputValue(kGemmSeedA, static_cast<uint64_t>(i)));
    seen.insert(v);
    sum += v;
  }
  EXPECT_EQ(seen.size(), 5u);
  // Mean 0 (uniform on -2..2): |mean| well under 4 standard errors (sd √2).
  EXPECT_LT(std::fabs(static_cast<double>(sum) / n), 4 * std::sqrt(2.0 / n));
  // The two seeds give different matrices.
  int same = 0;
  for (int i = 0; i < 1000; ++i) same += GemmInputValue(kGemmSeedA, i) == GemmInputValue(kGemmSeedB, i);
  EXPECT_LT(same, 400);
}

}  // namespace
}  // namespace cb
