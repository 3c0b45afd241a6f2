#include "kernels/cuda/cuda_gemm.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <random>
#include <vector>

#include <fmt/format.h>

#include "core/error.h"
#include "core/units.h"
#include "kernels/cuda/cublaslt_check.h"
#include "kernels/cuda/gemm_values.h"
#include "kernels/cuda/launch.h"

namespace cb::cuda {
namespace {

// Owner of one cuBLASLt descriptor.
template <typename T, cublasStatus_t (*Destroy)(T)>
class LtOwner {
 public:
  LtOwner() = default;
  ~LtOwner() {
    if (h_) Destroy(h_);
  }
  LtOwner(const LtOwner&) = delete;
  LtOwner& operator=(const LtOwner&) = delete;
  T get() const { return h_; }
  T* out() { return &h_; }

 private:
  T h_ = nullptr;
};
using MatmulDesc = LtOwner<cublasLtMatmulDesc_t, cublasLtMatmulDescDestroy>;
using Layout = LtOwner<cublasLtMatrixLayout_t, cublasLtMatrixLayoutDestroy>;
using Preference = LtOwner<cublasLtMatmulPreference_t, cublasLtMatmulPreferenceDestroy>;

struct Traits {
  cudaDataType_t ab_type, cd_type;
  cublasComputeType_t compute;
  cudaDataType_t scale_type;
  ElemType ab_elem, cd_elem;
  size_t ab_size, cd_size;
};

Traits TraitsFor(const std::string& dtype) {
  if (dtype == "fp64") {
    return {CUDA_R_64F, CUDA_R_64F, CUBLAS_COMPUTE_64F, CUDA_R_64F, ElemType::kF64, ElemType::kF64, 8, 8};
  }
  if (dtype == "fp32") {
    return {CUDA_R_32F, CUDA_R_32F, CUBLAS_COMPUTE_32F, CUDA_R_32F, ElemType::kF32, ElemType::kF32, 4, 4};
  }
  if (dtype == "tf32") {
    return {CUDA_R_32F, CUDA_R_32F, CUBLAS_COMPUTE_32F_FAST_TF32, CUDA_R_32F, ElemType::kF32, ElemType::kF32, 4, 4};
  }
  if (dtype == "bf16") {
    return {CUDA_R_16BF, CUDA_R_16BF, CUBLAS_COMPUTE_32F, CUDA_R_32F, ElemType::kBf16, ElemType::kBf16, 2, 2};
  }
  if (dtype == "fp16") {
    return {CUDA_R_16F, CUDA_R_16F, CUBLAS_COMPUTE_32F, CUDA_R_32F, ElemType::kF16, ElemType::kF16, 2, 2};
  }
  if (dtype == "fp8") {
    // e4m3 inputs, bf16 output (C must match D), fp32 accumulation.
    return {CUDA_R_8F_E4M3, CUDA_R_16BF, CUBLAS_COMPUTE_32F, CUDA_R_32F, ElemType::kFp8E4M3, ElemType::kBf16, 1, 2};
  }
  throw UsageError(fmt::format("--dtype {}: unknown GEMM precision (known: fp64, fp32, tf32, bf16, fp16, fp8)", dtype));
}

// One sampled element per tile (tiles sized so that there are about 4096),
// plus the two corners; every element of a small D.
std::vector<int64_t> PickSamples(int64_t m, int64_t n) {
  std::vector<int64_t> picks;  // column-major index i + j·m
  if (m * n <= 4096) {
    for (int64_t idx = 0; idx < m * n; ++idx) picks.push_back(idx);
    return picks;
  }
  const int64_t tile = std::max<int64_t>(
      64, static_cast<int64_t>(std::ceil(std::sqrt(static_cast<double>(m) * static_cast<double>(n) / 4096.0))));
  std::mt19937_64 rng(20261125);
  for (int64_t ti = 0; ti < m; ti += tile) {
    for (int64_t tj = 0; tj < n; tj += tile) {
      std::uniform_int_distribution<int64_t> di(ti, std::min(m, ti + tile) - 1), dj(tj, std::min(n, tj + tile) - 1);
      picks.push_back(di(rng) + dj(rng) * m);
    }
  }
  picks.push_back(0);
  picks.push_back(m * n - 1);
  return picks;
}

}  // namespace

GemmBench::GemmBench(const GpuIdentity& id) : id_(id) { CB_CUBLAS_CHECK(cublasLtCreate(&handle_)); }

GemmBench::~GemmBench() {
  if (handle_) cublasLtDestroy(handle_);
}

GpuGemmResult GemmBench::Run(const std::string& dtype, const GemmShape& shape, const GpuGemmOptions& options) {
  const Traits t = TraitsFor(dtype);
  GpuGemmResult r;
  r.dtype = dtype;
  r.shape = shape;
  const int64_t m = shape.m, n = shape.n, k = shape.k;
  if (m < 1 || n < 1 || k < 1) throw UsageError(fmt::format("GEMM shape {}x{}x{}: sizes must be positive", m, n, k));
  r.skipped = GemmDtypeUnsupportedReason(dtype, id_.cc_major, id_.cc_minor);
  if (!r.skipped.empty()) return r;
  if (dtype == "fp8" && (m % 16 || n % 16 || k % 16)) {
    r.skipped = fmt::format(
        "fp8 needs m, n and k to be multiples of 16 (16-byte aligned leading dimensions); got {}x{}x{}", m, n, k);
    return r;
  }
  if (k >= (int64_t{1} << 22)) {
    r.skipped = fmt::format("k = {} is too long for the exact-integer check (k < 2^22)", k);
    return r;
  }

  // Memory: one set of A, B, D; as many sets as rotate through 2x L2.
  const int64_t set_bytes =
      static_cast<int64_t>((m * k + k * n) * static_cast<int64_t>(t.ab_size) + m * n * static_cast<int64_t>(t.cd_size));
  size_t free_b = 0, total_b = 0;
  CB_CUDA_CHECK(cudaMemGetInfo(&free_b, &total_b));
  const int64_t reserve = int64_t{256} << 20;
  if (static_cast<int64_t>(workspace_.bytes()) < options.workspace_bytes) {
    workspace_ = DeviceBuffer();
    workspace_ = DeviceBuffer(static_cast<size_t>(options.workspace_bytes));
    CB_CUDA_CHECK(cudaMemGetInfo(&free_b, &total_b));
  }
  const int64_t usable = static_cast<int64_t>(free_b) - reserve - 2 * id_.l2_cache_bytes;
  if (set_bytes > usable) {
    r.skipped = fmt::format("needs {} for A, B and D; {} free on GPU {} ({} kept in reserve)",
                            FormatBytes(static_cast<double>(set_bytes)), FormatBytes(static_cast<double>(free_b)),
                            id_.index, FormatBytes(static_cast<double>(reserve + 2 * id_.l2_cache_bytes)));
    return r;
  }
  int64_t sets = std::clamp<int64_t>((2 * id_.l2_cache_bytes + set_bytes - 1) / set_bytes, 1, 64);
  sets = std::max<int64_t>(1, std::min(sets, usable / set_bytes));
  const bool flush = sets == 1;

  cudaStream_t s = timer_.stream();
  std::vector<DeviceBuffer> a, b, d;
  for (int64_t i = 0; i < sets; ++i) {
    a.emplace_back(static_cast<size_t>(m * k) * t.ab_size);
    b.emplace_back(static_cast<size_t>(k * n) * t.ab_size);
    d.emplace_back(static_cast<size_t>(m * n) * t.cd_size);
    CB_CUDA_CHECK(LaunchFillGemmInput(a.back().get(), t.ab_elem, m * k, kGemmSeedA, s));
    CB_CUDA_CHECK(LaunchFillGemmInput(b.back().get(), t.ab_elem, k * n, kGemmSeedB, s));
    CB_CUDA_CHECK(cudaMemsetAsync(d.back().get(), 0, d.back().bytes(), s));
  }
  DeviceBuffer scales(2 * sizeof(float));
  CB_CUDA_CHECK(LaunchFillFloat(scales.as<float>(), 2, 1.0f, s));
  CB_CUDA_CHECK(cudaStreamSynchronize(s));

  MatmulDesc op;
  CB_CUBLAS_CHECK(cublasLtMatmulDescCreate(op.out(), t.compute, t.scale_type));
  const cublasOperation_t transa = CUBLAS_OP_T, transb = CUBLAS_OP_N;
  CB_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(op.get(), CUBLASLT_MATMUL_DESC_TRANSA, &transa, sizeof transa));
  CB_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(op.get(), CUBLASLT_MATMUL_DESC_TRANSB, &transb, sizeof transb));
  if (dtype == "fp8") {
    // Per-tensor scales (1.0): the form cuBLASLt's fp8 kernels expect.
    const float* a_scale = scales.as<float>();
    const float* b_scale = scales.as<float>() + 1;
    CB_CUBLAS_CHECK(
        cublasLtMatmulDescSetAttribute(op.get(), CUBLASLT_MATMUL_DESC_A_SCALE_POINTER, &a_scale, sizeof a_scale));
    CB_CUBLAS_CHECK(
        cublasLtMatmulDescSetAttribute(op.get(), CUBLASLT_MATMUL_DESC_B_SCALE_POINTER, &b_scale, sizeof b_scale));
  }
  Layout la, lb, lc, ld;
  CB_CUBLAS_CHECK(
      cublasLtMatrixLayoutCreate(la.out(), t.ab_type, static_cast<uint64_t>(k), static_cast<uint64_t>(m), k));
  CB_CUBLAS_CHECK(
      cublasLtMatrixLayoutCreate(lb.out(), t.ab_type, static_cast<uint64_t>(k), static_cast<uint64_t>(n), k));
  CB_CUBLAS_CHECK(
      cublasLtMatrixLayoutCreate(lc.out(), t.cd_type, static_cast<uint64_t>(m), static_cast<uint64_t>(n), m));
  CB_CUBLAS_CHECK(
      cublasLtMatrixLayoutCreate(ld.out(), t.cd_type, static_cast<uint64_t>(m), static_cast<uint64_t>(n), m));
  Preference pref;
  CB_CUBLAS_CHECK(cublasLtMatmulPreferenceCreate(pref.out()));
  const uint64_t ws = workspace_.bytes();
  CB_CUBLAS_CHECK(
      cublasLtMatmulPreferenceSetAttribute(pref.get(), CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws, sizeof ws));

  std::vector<cublasLtMatmulHeuristicResult_t> heuristics(static_cast<size_t>(std::max(1, options.algo_candidates)));
  int returned = 0;
  cublasStatus_t hs =
      cublasLtMatmulAlgoGetHeuristic(handle_, op.get(), la.get(), lb.get(), lc.get(), ld.get(), pref.get(),
                                     static_cast<int>(heuristics.size()), heuristics.data(), &returned);
  if (hs == CUBLAS_STATUS_NOT_SUPPORTED || (hs == CUBLAS_STATUS_SUCCESS && returned == 0)) {
    r.skipped = fmt::format("cuBLASLt offers no algorithm for {} {}x{}x{} on this GPU", dtype, m, n, k);
    return r;
  }
  CB_CUBLAS_CHECK(hs);
  r.algos_returned = returned;

  const double alpha64 = 1.0, beta64 = 0.0;
  const float alpha32 = 1.0f, beta32 = 0.0f;
  const void* alpha = t.scale_type == CUDA_R_64F ? static_cast<const void*>(&alpha64) : &alpha32;
  const void* beta = t.scale_type == CUDA_R_64F ? static_cast<const void*>(&beta64) : &beta32;
  auto matmul = [&](const cublasLtMatmulAlgo_t* algo, cudaStream_t stream, int64_t call) {
    const size_t i = static_cast<size_t>(call % sets);
    CB_CUBLAS_CHECK(cublasLtMatmul(handle_, op.get(), alpha, a[i].get(), la.get(), b[i].get(), lb.get(), beta,
                                   d[i].get(), lc.get(), d[i].get(), ld.get(), algo, workspace_.get(), ws, stream));
  };
  DeviceTimingOptions timing;
  timing.flush_bytes = flush ? static_cast<size_t>(2 * id_.l2_cache_bytes) : 0;
  // With a flush per sample, batching would time warm-L2 repeats: one call per sample.
  if (flush) timing.max_batch = 1;

  // Search: a short measurement of each candidate.
  DeviceTimingOptions brief = timing;
  brief.measure.time_budget_s = options.candidate_budget_s;
  brief.measure.warmup = 1;
  brief.measure.min_reps = 3;
  brief.measure.max_reps = 50;
  brief.measure.target_spread = 0.01;
  double best_time = std::numeric_limits<double>::infinity();
  int best = -1;
  for (int c = 0; c < returned; ++c) {
    if (heuristics[static_cast<size_t>(c)].state != CUBLAS_STATUS_SUCCESS) continue;
    const cublasLtMatmulAlgo_t* algo = &heuristics[static_cast<size_t>(c)].algo;
    Measurement mc;
    try {
      mc = timer_.Measure([&](cudaStream_t stream, int64_t call) { matmul(algo, stream, call); }, brief);
    } catch (const RuntimeError&) {
      continue;  // a candidate the heuristic offered but that does not run: not counted as tried
    }
    if (mc.samples_s.empty()) break;  // interrupted
    ++r.algos_tried;
    const double tm = mc.summary.median;
    if (c == 0) r.heuristic_flop_rate = shape.flops() / tm;
    if (tm < best_time) {
      best_time = tm;
      best = c;
    }
  }
  if (best < 0) {
    r.skipped =
        r.algos_tried == 0 && returned > 0
            ? fmt::format("none of the {} cuBLASLt algorithm(s) offered for {} {}x{}x{} ran", returned, dtype, m, n, k)
            : "interrupted";
    return r;
  }
  r.best_algo = best;
  r.best_search_flop_rate = shape.flops() / best_time;

  const cublasLtMatmulAlgo_t* algo = &heuristics[static_cast<size_t>(best)].algo;
  timing.measure = options.measure;
  r.measurement = timer_.Measure([&](cudaStream_t stream, int64_t call) { matmul(algo, stream, call); }, timing);
  if (!r.measurement.samples_s.empty()) r.flop_rate = shape.flops() / r.measurement.summary.median;

  // Check set 0 after one more call on it.
  CB_CUDA_CHECK(cudaMemsetAsync(d[0].get(), 0, d[0].bytes(), s));
  matmul(algo, s, 0);
  if (options.measure.corrupt_output) {
    // Self-test (validate --inject): element 0, always sampled, becomes 0x7f
    // bytes, far from any exact result (or NaN): the check must see it.
    CB_CUDA_CHECK(cudaMemsetAsync(d[0].get(), 0x7f, t.cd_size, s));
  }
  const std::vector<int64_t> picks = PickSamples(m, n);
  DeviceBuffer idx(picks.size() * sizeof(int64_t)), vals(picks.size() * sizeof(double));
  CB_CUDA_CHECK(cudaMemcpyAsync(idx.get(), picks.data(), idx.bytes(), cudaMemcpyHostToDevice, s));
  CB_CUDA_CHECK(
      LaunchGather(d[0].get(), t.cd_elem, idx.as<int64_t>(), vals.as<double>(), static_cast<int64_t>(picks.size()), s));
  std::vector<double> got(picks.size());
  CB_CUDA_CHECK(cudaMemcpyAsync(got.data(), vals.get(), vals.bytes(), cudaMemcpyDeviceToHost, s));
  CB_CUDA_CHECK(cudaStreamSynchronize(s));
  for (size_t q = 0; q < picks.size(); ++q) {
    const int64_t i = picks[q] % m, j = picks[q] / m;
    int64_t ref = 0, mag = 0;
    for (int64_t p = 0; p < k; ++p) {
      const int64_t x = GemmInputValue(kGemmSeedA, static_cast<uint64_t>(p + i * k));
      const int64_t y = GemmInputValue(kGemmSeedB, static_cast<uint64_t>(p + j * k));
      ref += x * y;
      mag += std::llabs(x * y);
    }
    const double bound = GemmTolerance(dtype, static_cast<double>(ref), static_cast<double>(mag));
    const double err = std::fabs(got[q] - static_cast<double>(ref));
    const double ratio = std::isfinite(err) ? err / bound : std::numeric_limits<double>::infinity();
    r.max_error_ratio = std::max(r.max_error_ratio, ratio);
    r.wrong += !(err <= bound);
    ++r.checked;
  }
  return r;
}

}  // namespace cb::cuda
