// Runs only where a GPU is present (CTest label gpu): what a user of
// `clusterbench kernels --device cuda` relies on, on GPU 0 (copies: every GPU).
//
// - GEMM in every precision is verified against the host reference on sampled
//   elements (inputs are small integers: the exact result is known, and the
//   only error allowed is the rounding of the output type, GemmTolerance);
//   fp8 on a chip older than compute capability 8.9 is skipped with the reason.
// - Memory kernels' results are exact, and bytes are counted as STREAM does.
// - Copies arrive intact, with bandwidth > 0, in every direction and pair.
// - Peak kernels compute their closed-form results and stay within physical
//   bounds: < 105% of SMs x per-SM rate x the clock measured during the run;
//   on compute capability 9.0 the wgmma kernel runs, is exact and is at least
//   as fast as mma.sync (elsewhere it is skipped with the reason).
// - The exhaustive cuBLASLt search times the heuristic's candidates and the
//   enumerated configurations, so its best is at least the heuristic search's
//   best (within noise), and the GEMM it picks is verified like any other.
// - Too large is skipped or refused with the numbers, never a crash.
#include <gtest/gtest.h>

#include <cmath>
#include <iostream>
#include <map>
#include <memory>

#include "core/backends.h"
#include "core/error.h"
#include "kernels/gpu_bench.h"
#include "kernels/gpu_spec.h"

namespace cb {
void RegisterCudaBackend(Backends&);
namespace {

class KernelsGpu : public ::testing::Test {
 protected:
  void SetUp() override {
    Backends b;
    RegisterCudaBackend(b);
    const GpuBenchFactory* factory = b.factories.Find(kCudaKernelsFactory);
    ASSERT_NE(factory, nullptr) << "the CUDA backend registers no kernels factory";
    bench_ = (*factory)();
    std::string why;
    count_ = bench_->DeviceCount(&why);
    // Label gpu: CTest runs this only where a GPU is present, so none is a failure.
    ASSERT_GT(count_, 0) << "no GPU visible to CUDA: " << why;
    id_ = bench_->Identify(0);
    options_.time_budget_s = 0.2;
    options_.min_reps = 3;
  }

  std::unique_ptr<GpuBench> bench_;
  int count_ = 0;
  GpuIdentity id_;
  MeasureOptions options_;
};

TEST_F(KernelsGpu, IdentifiesTheDevice) {
  EXPECT_FALSE(id_.name.empty());
  EXPECT_EQ(id_.uuid.rfind("GPU-", 0), 0u) << id_.uuid;
  EXPECT_EQ(id_.pci_bus_id.size(), 16u) << id_.pci_bus_id;  // 00000000:18:00.0
  EXPECT_GT(id_.sm_count, 0);
  EXPECT_GT(id_.l2_cache_bytes, 0);
  GpuConditions c = bench_->Conditions(0);
  EXPECT_GT(c.free_memory_bytes, int64_t{1} << 30);
}

TEST_F(KernelsGpu, GemmIsVerifiedInEveryPrecision) {
  GpuGemmOptions o;
  o.measure = options_;
  o.algo_candidates = 4;
  // A square and a transformer-like rectangle (m tokens, n and k multiples of 16).
  const std::vector<GemmShape> shapes = {{"square", 512, 512, 512}, {"qkv", 256, 1280, 1024}};
  const double mma_rate = FlopsPerClockPerSm(PeakKernel::kMma, GemmDtype::kBf16, id_.cc_major, id_.cc_minor);
  for (const auto& dtype : GpuGemmDtypes()) {
    for (const auto& s : shapes) {
      SCOPED_TRACE(std::string(GemmDtypeName(dtype)) + " " + s.name);
      GpuGemmResult r = bench_->Gemm(0, dtype, s, o);
      const std::string unsupported = GemmDtypeUnsupportedReason(dtype, id_.cc_major, id_.cc_minor);
      if (!unsupported.empty()) {
        EXPECT_EQ(r.skipped, unsupported);
        continue;
      }
      ASSERT_EQ(r.skipped, "");
      EXPECT_GT(r.checked, 0);
      EXPECT_EQ(r.wrong, 0);
      EXPECT_LT(r.max_error_ratio, 1.0);
      EXPECT_GT(r.flop_rate, 0);
      EXPECT_GE(r.algos_tried, 1);
      EXPECT_LE(r.algos_tried, r.algos_returned);
      EXPECT_GE(r.measurement.samples_s.size(), 3u);
      EXPECT_NEAR(r.flop_rate, s.flops() / r.measurement.summary.median, 1e-9 * r.flop_rate);
      // Physical bound for the 16-bit tensor-core precisions: SMs x rate x max clock.
      if ((dtype == GemmDtype::kBf16 || dtype == GemmDtype::kFp16) && mma_rate > 0) {
        EXPECT_LT(r.flop_rate, 1.05 * id_.sm_count * mma_rate * id_.sm_clock_max_hz);
      }
    }
  }
}

// Heuristic and exhaustive search on one bf16 shape: the exhaustive search
// starts with the same heuristic candidates, so (noise aside: 3%) it finds at
// least what they do, it enumerates more, and its winner passes the check.
TEST_F(KernelsGpu, ExhaustiveSearchFindsAtLeastTheHeuristicsBestAndIsVerified) {
  if (!GemmDtypeUnsupportedReason(GemmDtype::kBf16, id_.cc_major, id_.cc_minor).empty())
    GTEST_SKIP() << "no bf16 tensor cores";
  const GemmShape shape{"square", 2048, 2048, 2048};
  GpuGemmOptions o;
  o.measure = options_;
  o.algo_candidates = 8;
  GpuGemmResult h = bench_->Gemm(0, GemmDtype::kBf16, shape, o);
  ASSERT_EQ(h.skipped, "");
  EXPECT_EQ(h.search, "heuristic");
  EXPECT_EQ(h.best_source, "heuristic");
  EXPECT_EQ(h.configs_enumerated, 0);
  EXPECT_FALSE(h.best_config.empty());

  o.search = GemmSearch::kExhaustive;
  o.exhaustive_max_configs = 1500;  // a test, not the target run: keep it within a minute
  o.exhaustive_time_cap_s = 60;
  GpuGemmResult e = bench_->Gemm(0, GemmDtype::kBf16, shape, o);
  ASSERT_EQ(e.skipped, "");
  EXPECT_EQ(e.search, "exhaustive");
  EXPECT_GT(e.configs_enumerated, 0);
  EXPECT_GE(e.configs_checked, e.configs_enumerated);
  EXPECT_GT(e.algos_tried, h.algos_tried) << "the enumeration added nothing to time";
  EXPECT_TRUE(e.best_source == "heuristic" || e.best_source == "enumerated") << e.best_source;
  EXPECT_FALSE(e.best_config.empty());
  EXPECT_GE(e.best_search_flop_rate, 0.97 * h.best_search_flop_rate)
      << "exhaustive " << e.best_config << " vs heuristic " << h.best_config << "; capped: " << e.search_capped;
  EXPECT_GT(e.checked, 0);
  EXPECT_EQ(e.wrong, 0) << e.best_config;
  EXPECT_LT(e.max_error_ratio, 1.0);
  EXPECT_GT(e.flop_rate, 0);
  std::cout << "heuristic: " << h.best_search_flop_rate / 1e12 << " TFLOP/s (" << h.best_config
            << "); exhaustive: " << e.best_search_flop_rate / 1e12 << " TFLOP/s (" << e.best_config << ", "
            << e.best_source << ", " << e.algos_tried << " timed of " << e.configs_enumerated << " enumerated"
            << (e.search_capped.empty() ? "" : "; " + e.search_capped) << ")\n";
}

TEST_F(KernelsGpu, Fp8ShapesThatAreNotMultiplesOf16AreSkippedWithTheReason) {
  GpuGemmOptions o;
  o.measure = options_;
  GpuGemmResult r = bench_->Gemm(0, GemmDtype::kFp8, {"odd", 100, 100, 100}, o);
  EXPECT_FALSE(r.skipped.empty());
  EXPECT_EQ(r.checked, 0);
}

TEST_F(KernelsGpu, GemmLargerThanMemoryIsSkippedWithTheNumbers) {
  // 3 x 200000² doubles = 960 GB: more than any GPU's memory.
  GpuGemmResult r = bench_->Gemm(0, GemmDtype::kFp64, {"square", 200000, 200000, 200000}, GpuGemmOptions{});
  EXPECT_NE(r.skipped.find("free on GPU 0"), std::string::npos) << r.skipped;
}

TEST_F(KernelsGpu, MemoryKernelsAreExactAndCountedAsStream) {
  const int64_t bytes = std::max<int64_t>(4 * id_.l2_cache_bytes, int64_t{64} << 20);
  auto results = bench_->Memory(0, bytes, options_);
  ASSERT_EQ(results.size(), 4u);
  const std::map<std::string, int64_t> arrays = {{"read", 1}, {"write", 1}, {"copy", 2}, {"triad", 3}};
  ConfigLoader loader;
  std::string note;
  auto spec = FindGpuDatasheet(id_.name, loader, &note);
  for (const auto& r : results) {
    const std::string kernel = StreamKernelName(r.kernel);
    SCOPED_TRACE(kernel);
    ASSERT_TRUE(arrays.count(kernel));
    EXPECT_EQ(r.bytes_moved, arrays.at(kernel) * r.array_bytes);
    EXPECT_GT(r.checked, 0);
    EXPECT_EQ(r.wrong, 0);
    EXPECT_GT(r.bandwidth_Bps, 0);
    if (spec) {
      EXPECT_LT(r.bandwidth_Bps, 1.05 * spec->memory_bandwidth) << "faster than the datasheet";
    }
  }
}

TEST_F(KernelsGpu, MemoryLargerThanFreeIsRefusedWithTheNumbers) {
  try {
    bench_->Memory(0, id_.memory_bytes, options_);
    FAIL() << "expected a UsageError";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("free"), std::string::npos) << e.what();
  }
}

TEST_F(KernelsGpu, PeakKernelsAreCheckedAndWithinPhysicalBounds) {
  auto results = bench_->Peak(0, options_);
  ASSERT_EQ(results.size(), 4u);  // fma fp32, fma fp64, mma bf16, wgmma bf16
  for (const auto& r : results) {
    SCOPED_TRACE(std::string(PeakKernelName(r.kernel)) + " " + GemmDtypeName(r.dtype));
    if (!r.skipped.empty()) {
      if (r.kernel == PeakKernel::kWgmma) {
        EXPECT_FALSE(id_.cc_major == 9 && id_.cc_minor == 0) << r.skipped;
      } else {
        EXPECT_LT(id_.cc_major, 8);
      }
      continue;
    }
    EXPECT_GT(r.checked, 0);
    EXPECT_EQ(r.wrong, 0);
    EXPECT_GT(r.flop_rate, 0);
    EXPECT_GT(r.clock_hz, 1e8);
    EXPECT_LT(r.clock_hz, 1.05 * id_.sm_clock_max_hz);
    if (r.clock_peak > 0) {
      EXPECT_LT(r.flop_rate, 1.05 * r.clock_peak);
    }
  }
}

// wgmma (sm_90a) is the instruction that reaches Hopper's datasheet rate:
// on 9.0 it must run, every accumulator must equal 16 per wgmma, and it must
// be at least as fast as mma.sync; elsewhere it is skipped saying why.
TEST_F(KernelsGpu, WgmmaPeakIsExactAndAtLeastMmaSyncOnHopper) {
  auto results = bench_->Peak(0, options_);
  const GpuPeakResult* mma = nullptr;
  const GpuPeakResult* wgmma = nullptr;
  for (const auto& r : results) {
    if (r.kernel == PeakKernel::kMma) mma = &r;
    if (r.kernel == PeakKernel::kWgmma) wgmma = &r;
  }
  ASSERT_NE(wgmma, nullptr);
  EXPECT_EQ(wgmma->dtype, GemmDtype::kBf16);
  if (!(id_.cc_major == 9 && id_.cc_minor == 0)) {
    EXPECT_NE(wgmma->skipped.find("9.0"), std::string::npos) << wgmma->skipped;
    return;
  }
  ASSERT_EQ(wgmma->skipped, "");
  ASSERT_NE(mma, nullptr);
  ASSERT_EQ(mma->skipped, "");
  EXPECT_GT(wgmma->checked, 0);
  EXPECT_EQ(wgmma->wrong, 0) << "accumulators differ from 16 per wgmma: see docs/kernels.md, wgmma";
  EXPECT_NEAR(wgmma->flops_per_clock_sm, 4096, 1e-9);
  EXPECT_GE(wgmma->flop_rate, mma->flop_rate);
  if (wgmma->clock_peak > 0) {
    EXPECT_LT(wgmma->flop_rate, 1.05 * wgmma->clock_peak);
  }
  std::cout << "wgmma " << wgmma->flop_rate / 1e12 << " TFLOP/s (" << 100 * wgmma->flop_rate / wgmma->clock_peak
            << "% of clock peak at " << wgmma->clock_hz / 1e6 << " MHz); mma.sync " << mma->flop_rate / 1e12
            << " TFLOP/s\n";
}

TEST_F(KernelsGpu, CopiesArriveIntactInEveryDirectionAndPair) {
  std::vector<int> all;
  for (int i = 0; i < count_; ++i) all.push_back(i);
  auto results = bench_->Copy(all, int64_t{64} << 20, options_);
  int peers = 0;
  std::map<std::string, int> kinds;
  for (const auto& r : results) {
    SCOPED_TRACE(std::string(CopyKindName(r.kind)) + " " + std::to_string(r.src) + "->" + std::to_string(r.dst));
    ++kinds[CopyKindName(r.kind)];
    EXPECT_TRUE(r.skipped.empty()) << r.skipped;
    EXPECT_EQ(r.checked, r.bytes / 4);
    EXPECT_EQ(r.wrong, 0);
    EXPECT_GT(r.bandwidth_Bps, 0);
    if (r.kind == CopyKind::kPeer) {
      ++peers;
      EXPECT_NE(r.src, r.dst);
      EXPECT_FALSE(r.link.empty());
    }
  }
  for (const char* k : {"h2d_pinned", "d2h_pinned", "h2d_pageable", "d2h_pageable", "d2d"}) {
    EXPECT_EQ(kinds[k], count_) << k;
  }
  EXPECT_EQ(peers, count_ * (count_ - 1));
}

// The self-test injections validate relies on (MeasureOptions): a corrupted
// output is seen by every check, and throttle 0.5 really halves the rate.
TEST_F(KernelsGpu, CorruptOutputIsSeenByEveryCheck) {
  MeasureOptions o = options_;
  o.corrupt_output = true;
  GpuGemmOptions g;
  g.measure = o;
  g.algo_candidates = 2;
  EXPECT_GE(bench_->Gemm(0, GemmDtype::kBf16, {"square", 512, 512, 512}, g).wrong, 1);
  for (const auto& r : bench_->Memory(0, int64_t{64} << 20, o)) EXPECT_GE(r.wrong, 1) << StreamKernelName(r.kernel);
  for (const auto& r : bench_->Peak(0, o)) {
    if (r.skipped.empty()) {
      EXPECT_GE(r.wrong, 1) << PeakKernelName(r.kernel) << " " << GemmDtypeName(r.dtype);
    }
  }
  for (const auto& r : bench_->Copy({0}, int64_t{16} << 20, o)) EXPECT_GE(r.wrong, 1) << CopyKindName(r.kind);
}

TEST_F(KernelsGpu, ThrottleHalvesTheMeasuredRate) {
  const int64_t bytes = std::max<int64_t>(4 * id_.l2_cache_bytes, int64_t{256} << 20);
  const double plain = bench_->Memory(0, bytes, options_)[2].bandwidth_Bps;  // copy
  MeasureOptions o = options_;
  o.throttle = 0.5;
  const double throttled = bench_->Memory(0, bytes, o)[2].bandwidth_Bps;
  EXPECT_NEAR(throttled / plain, 0.5, 0.1);
}

}  // namespace
}  // namespace cb
