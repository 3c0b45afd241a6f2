#include "kernels/cuda/cuda_gemm.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <functional>
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

Traits TraitsFor(GemmDtype dtype) {
  switch (dtype) {
    case GemmDtype::kFp64:
      return {CUDA_R_64F, CUDA_R_64F, CUBLAS_COMPUTE_64F, CUDA_R_64F, ElemType::kF64, ElemType::kF64, 8, 8};
    case GemmDtype::kFp32:
      return {CUDA_R_32F, CUDA_R_32F, CUBLAS_COMPUTE_32F, CUDA_R_32F, ElemType::kF32, ElemType::kF32, 4, 4};
    case GemmDtype::kTf32:
      return {CUDA_R_32F, CUDA_R_32F, CUBLAS_COMPUTE_32F_FAST_TF32, CUDA_R_32F, ElemType::kF32, ElemType::kF32, 4, 4};
    case GemmDtype::kBf16:
      return {CUDA_R_16BF, CUDA_R_16BF, CUBLAS_COMPUTE_32F, CUDA_R_32F, ElemType::kBf16, ElemType::kBf16, 2, 2};
    case GemmDtype::kFp16:
      return {CUDA_R_16F, CUDA_R_16F, CUBLAS_COMPUTE_32F, CUDA_R_32F, ElemType::kF16, ElemType::kF16, 2, 2};
    case GemmDtype::kFp8:
      // e4m3 inputs, bf16 output (C must match D), fp32 accumulation.
      return {CUDA_R_8F_E4M3, CUDA_R_16BF, CUBLAS_COMPUTE_32F, CUDA_R_32F, ElemType::kFp8E4M3, ElemType::kBf16, 1, 2};
  }
  throw UsageError(fmt::format("GEMM precision {}: unknown", static_cast<int>(dtype)));
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

// The descriptors of one matmul, what cublasLtMatmulAlgoCheck needs.
struct MatmulDescs {
  cublasLtHandle_t handle;
  cublasLtMatmulDesc_t op;
  cublasLtMatrixLayout_t a, b, c, d;
};

using SteadyClock = std::chrono::steady_clock;

double SecondsSince(SteadyClock::time_point t0) {
  return std::chrono::duration<double>(SteadyClock::now() - t0).count();
}

// Split-K reductions whose result keeps the precision contract of
// GemmTolerance: partial sums held in the compute type. "In place" and
// "output type" reductions round each partial sum to the output type, which
// for 16-bit and fp8 (bf16 output) GEMMs adds errors beyond the output's own
// rounding, so a configuration using them could win on speed and then fail
// the check; for fp32 and fp64 outputs every scheme is exact on our inputs.
uint32_t PreciseReductionMask(const Traits& t) {
  const bool narrow_output = t.cd_size < 4;
  return narrow_output ? static_cast<uint32_t>(CUBLASLT_REDUCTION_SCHEME_COMPUTE_TYPE)
                       : static_cast<uint32_t>(CUBLASLT_REDUCTION_SCHEME_MASK);
}

// An array-valued capability (tile ids, stages ids): `fallback` when the
// algorithm reports none, as cuBLASLt's documentation asks.
std::vector<uint32_t> CapIds(const cublasLtMatmulAlgo_t& algo, cublasLtMatmulAlgoCapAttributes_t attr,
                             uint32_t fallback) {
  size_t bytes = 0;
  std::vector<uint32_t> ids;
  if (cublasLtMatmulAlgoCapGetAttribute(&algo, attr, nullptr, 0, &bytes) == CUBLAS_STATUS_SUCCESS && bytes > 0) {
    ids.resize(bytes / sizeof(uint32_t));
    size_t written = 0;
    if (cublasLtMatmulAlgoCapGetAttribute(&algo, attr, ids.data(), ids.size() * sizeof(uint32_t), &written) !=
        CUBLAS_STATUS_SUCCESS) {
      ids.clear();
    } else {
      ids.resize(written / sizeof(uint32_t));
    }
  }
  if (ids.empty()) ids.push_back(fallback);
  return ids;
}

// A 32-bit scalar capability (split-K support, reduction mask, swizzle
// support, custom option maximum); `fallback` when the query fails.
template <typename T>
T CapScalar(const cublasLtMatmulAlgo_t& algo, cublasLtMatmulAlgoCapAttributes_t attr, T fallback) {
  T v{};
  size_t written = 0;
  if (cublasLtMatmulAlgoCapGetAttribute(&algo, attr, &v, sizeof v, &written) != CUBLAS_STATUS_SUCCESS) return fallback;
  return v;
}

template <typename T>
bool SetConfig(cublasLtMatmulAlgo_t* algo, cublasLtMatmulAlgoConfigAttributes_t attr, T value) {
  return cublasLtMatmulAlgoConfigSetAttribute(algo, attr, &value, sizeof value) == CUBLAS_STATUS_SUCCESS;
}

template <typename T>
T GetConfig(const cublasLtMatmulAlgo_t& algo, cublasLtMatmulAlgoConfigAttributes_t attr) {
  T v{};
  size_t written = 0;
  cublasLtMatmulAlgoConfigGetAttribute(&algo, attr, &v, sizeof v, &written);
  return v;
}

// A configuration in words, for the result and the logs. The numbers are
// cuBLASLt's enum values (cublasLtMatmulTile_t, cublasLtMatmulStages_t,
// cublasLtReductionScheme_t, cublasLtClusterShape_t; cublasLt.h names them).
std::string DescribeAlgo(const cublasLtMatmulAlgo_t& algo) {
  return fmt::format("algo {} tile {} stages {} splitk {} reduction {} swizzle {} custom {} cluster {}",
                     GetConfig<int32_t>(algo, CUBLASLT_ALGO_CONFIG_ID),
                     GetConfig<uint32_t>(algo, CUBLASLT_ALGO_CONFIG_TILE_ID),
                     GetConfig<uint32_t>(algo, CUBLASLT_ALGO_CONFIG_STAGES_ID),
                     GetConfig<int32_t>(algo, CUBLASLT_ALGO_CONFIG_SPLITK_NUM),
                     GetConfig<uint32_t>(algo, CUBLASLT_ALGO_CONFIG_REDUCTION_SCHEME),
                     GetConfig<uint32_t>(algo, CUBLASLT_ALGO_CONFIG_CTA_SWIZZLING),
                     GetConfig<uint32_t>(algo, CUBLASLT_ALGO_CONFIG_CUSTOM_OPTION),
                     GetConfig<uint16_t>(algo, CUBLASLT_ALGO_CONFIG_CLUSTER_SHAPE_ID));
}

struct Enumeration {
  std::vector<cublasLtMatmulAlgo_t> configs;  // accepted, in timing order
  int64_t checked = 0;                        // offered to cublasLtMatmulAlgoCheck
  std::string capped;                         // why enumeration stopped early; empty when complete
};

// What one algorithm id can vary, from cuBLASLt's capability queries.
struct AlgoCaps {
  cublasLtMatmulAlgo_t base;
  std::vector<uint32_t> tiles, stages;
  int32_t splitk = 0;
  uint32_t reductions = 0;
  uint32_t swizzle_max = 0;
  int32_t custom_max = 0;
};

// Every algorithm id cuBLASLt has for these types, with its capabilities
// (reductions limited to `reduction_mask`).
std::vector<AlgoCaps> QueryAlgoCaps(cublasLtHandle_t handle, const Traits& t, uint32_t reduction_mask) {
  std::vector<int> ids(4096);
  int n_ids = 0;
  CB_CUBLAS_CHECK(cublasLtMatmulAlgoGetIds(handle, t.compute, t.scale_type, t.ab_type, t.ab_type, t.cd_type, t.cd_type,
                                           static_cast<int>(ids.size()), ids.data(), &n_ids));
  ids.resize(static_cast<size_t>(std::max(0, n_ids)));
  std::vector<AlgoCaps> algos;
  for (int id : ids) {
    AlgoCaps a;
    if (cublasLtMatmulAlgoInit(handle, t.compute, t.scale_type, t.ab_type, t.ab_type, t.cd_type, t.cd_type, id,
                               &a.base) != CUBLAS_STATUS_SUCCESS) {
      continue;  // not supported for these types after all
    }
    a.tiles = CapIds(a.base, CUBLASLT_ALGO_CAP_TILE_IDS, CUBLASLT_MATMUL_TILE_UNDEFINED);
    a.stages = CapIds(a.base, CUBLASLT_ALGO_CAP_STAGES_IDS, CUBLASLT_MATMUL_STAGES_UNDEFINED);
    a.splitk = CapScalar<int32_t>(a.base, CUBLASLT_ALGO_CAP_SPLITK_SUPPORT, 0);
    a.reductions = CapScalar<uint32_t>(a.base, CUBLASLT_ALGO_CAP_REDUCTION_SCHEME_MASK, 0) & reduction_mask;
    a.swizzle_max = std::min<uint32_t>(CapScalar<uint32_t>(a.base, CUBLASLT_ALGO_CAP_CTA_SWIZZLING_SUPPORT, 0), 1);
    a.custom_max = std::max<int32_t>(0, CapScalar<int32_t>(a.base, CUBLASLT_ALGO_CAP_CUSTOM_OPTION_MAX, 0));
    algos.push_back(std::move(a));
  }
  return algos;
}

// One point of the space; `splitk` 1 means none (reduction NONE).
struct ConfigPoint {
  uint32_t tile, stages, swizzle, custom;
  uint16_t cluster;
  int32_t splitk;
  uint32_t reduction;
};

// Offers configurations to cublasLtMatmulAlgoCheck, in tiers, until a deadline.
class ConfigOffer {
 public:
  ConfigOffer(const MatmulDescs& m, const std::vector<AlgoCaps>& algos, uint64_t workspace, SteadyClock::time_point t0,
              double deadline, Enumeration* e)
      : m_(m), algos_(algos), workspace_(workspace), t0_(t0), deadline_(deadline), e_(e) {}

  bool out_of_time() const { return out_of_time_; }

  // Offers `p` of algorithm `a`; appends it to `bucket` when accepted.
  void Offer(const AlgoCaps& a, const ConfigPoint& p, std::vector<cublasLtMatmulAlgo_t>& bucket) {
    if (out_of_time_) return;
    if ((e_->checked & 255) == 0 && SecondsSince(t0_) > deadline_) {
      out_of_time_ = true;
      return;
    }
    cublasLtMatmulAlgo_t algo = a.base;
    const bool set = SetConfig<uint32_t>(&algo, CUBLASLT_ALGO_CONFIG_TILE_ID, p.tile) &&
                     SetConfig<uint32_t>(&algo, CUBLASLT_ALGO_CONFIG_STAGES_ID, p.stages) &&
                     SetConfig<int32_t>(&algo, CUBLASLT_ALGO_CONFIG_SPLITK_NUM, p.splitk) &&
                     SetConfig<uint32_t>(&algo, CUBLASLT_ALGO_CONFIG_REDUCTION_SCHEME, p.reduction) &&
                     SetConfig<uint32_t>(&algo, CUBLASLT_ALGO_CONFIG_CTA_SWIZZLING, p.swizzle) &&
                     SetConfig<uint32_t>(&algo, CUBLASLT_ALGO_CONFIG_CUSTOM_OPTION, p.custom) &&
                     (p.cluster == CUBLASLT_CLUSTER_SHAPE_AUTO ||
                      SetConfig<uint16_t>(&algo, CUBLASLT_ALGO_CONFIG_CLUSTER_SHAPE_ID, p.cluster));
    if (!set) return;
    ++e_->checked;
    cublasLtMatmulHeuristicResult_t check{};
    if (cublasLtMatmulAlgoCheck(m_.handle, m_.op, m_.a, m_.b, m_.c, m_.d, &algo, &check) != CUBLAS_STATUS_SUCCESS) {
      return;
    }
    if (check.workspaceSize > workspace_) return;
    bucket.push_back(algo);
  }

  // Runs `fill(a, bucket)` for every algorithm, then appends the accepted
  // configurations to the enumeration taking one from each algorithm in turn,
  // so that a cap on the number timed cuts every id alike.
  template <typename Fill>
  void Tier(const Fill& fill) {
    std::vector<std::vector<cublasLtMatmulAlgo_t>> per_algo(algos_.size());
    for (size_t i = 0; i < algos_.size() && !out_of_time_; ++i) fill(algos_[i], per_algo[i]);
    for (size_t round = 0;; ++round) {
      bool any = false;
      for (const auto& bucket : per_algo) {
        if (round < bucket.size()) {
          e_->configs.push_back(bucket[round]);
          any = true;
        }
      }
      if (!any) break;
    }
  }

 private:
  const MatmulDescs& m_;
  const std::vector<AlgoCaps>& algos_;
  uint64_t workspace_;
  SteadyClock::time_point t0_;
  double deadline_;
  Enumeration* e_;
  bool out_of_time_ = false;
};

// Every configuration of every algorithm id that cublasLtMatmulAlgoCheck
// accepts for this matmul with `workspace` bytes, in tiers so that a cap on
// the number timed (or on time) keeps the likeliest first:
//   0. each tile x stages with no split-K, default swizzle, option and cluster;
//   1. the same with the other CTA swizzles and custom options;
//   2. (compute capability 9.0 and newer) explicit thread-block cluster
//      shapes: cuBLASLt has no capability query for them, so a fixed set of
//      small clusters is offered and AlgoCheck rejects what the algorithm lacks;
//   3. split-K (2 to 32 parts) with each allowed reduction scheme.
// Within a tier, algorithm ids take turns, so a cap cuts every id alike.
// Enumeration stops at `deadline` seconds after `t0`, saying so.
Enumeration EnumerateConfigs(const MatmulDescs& m, const Traits& t, uint64_t workspace, int cc_major,
                             uint32_t reduction_mask, SteadyClock::time_point t0, double deadline) {
  Enumeration e;
  const std::vector<AlgoCaps> algos = QueryAlgoCaps(m.handle, t, reduction_mask);
  ConfigOffer offer(m, algos, workspace, t0, deadline, &e);
  using Bucket = std::vector<cublasLtMatmulAlgo_t>;
  const uint16_t kAuto = CUBLASLT_CLUSTER_SHAPE_AUTO;
  const uint32_t kNone = CUBLASLT_REDUCTION_SCHEME_NONE;
  offer.Tier([&](const AlgoCaps& a, Bucket& bucket) {
    for (uint32_t tile : a.tiles) {
      for (uint32_t st : a.stages) offer.Offer(a, {tile, st, 0, 0, kAuto, 1, kNone}, bucket);
    }
  });
  offer.Tier([&](const AlgoCaps& a, Bucket& bucket) {
    for (uint32_t tile : a.tiles) {
      for (uint32_t st : a.stages) {
        for (uint32_t sw = 0; sw <= a.swizzle_max; ++sw) {
          for (int32_t c = 0; c <= a.custom_max; ++c) {
            if (sw == 0 && c == 0) continue;  // tier 0
            offer.Offer(a, {tile, st, sw, static_cast<uint32_t>(c), kAuto, 1, kNone}, bucket);
          }
        }
      }
    }
  });
  if (cc_major >= 9) {
    const uint16_t clusters[] = {CUBLASLT_CLUSTER_SHAPE_1x1x1, CUBLASLT_CLUSTER_SHAPE_2x1x1,
                                 CUBLASLT_CLUSTER_SHAPE_1x2x1, CUBLASLT_CLUSTER_SHAPE_2x2x1,
                                 CUBLASLT_CLUSTER_SHAPE_4x1x1, CUBLASLT_CLUSTER_SHAPE_1x4x1};
    offer.Tier([&](const AlgoCaps& a, Bucket& bucket) {
      for (uint16_t cl : clusters) {
        for (uint32_t tile : a.tiles) {
          for (uint32_t st : a.stages) {
            for (uint32_t sw = 0; sw <= a.swizzle_max; ++sw) offer.Offer(a, {tile, st, sw, 0, cl, 1, kNone}, bucket);
          }
        }
      }
    });
  }
  offer.Tier([&](const AlgoCaps& a, Bucket& bucket) {
    if (a.splitk == 0) return;
    // The split counts of NVIDIA's cuBLASLt auto-tuning sample.
    for (int32_t parts : {2, 3, 4, 5, 6, 8, 12, 16, 32}) {
      for (uint32_t red = 1; red <= CUBLASLT_REDUCTION_SCHEME_MASK; red <<= 1) {
        if (!(a.reductions & red)) continue;
        for (uint32_t tile : a.tiles) {
          for (uint32_t st : a.stages) {
            for (uint32_t sw = 0; sw <= a.swizzle_max; ++sw) {
              offer.Offer(a, {tile, st, sw, 0, kAuto, parts, red}, bucket);
            }
          }
        }
      }
    }
  });
  if (offer.out_of_time()) {
    e.capped = fmt::format(
        "enumeration stopped after {:.0f} s (a quarter of the time cap) with {} configurations checked and {} "
        "accepted; the rest of the space was not offered",
        SecondsSince(t0), e.checked, e.configs.size());
  }
  return e;
}

// Why a GEMM cannot run on this GPU before anything is allocated; empty when it can.
std::string ShapeSkipReason(GemmDtype dtype, const GemmShape& shape, const GpuIdentity& id) {
  const int64_t m = shape.m, n = shape.n, k = shape.k;
  std::string why = GemmDtypeUnsupportedReason(dtype, id.cc_major, id.cc_minor);
  if (!why.empty()) return why;
  if (dtype == GemmDtype::kFp8 && (m % 16 || n % 16 || k % 16)) {
    return fmt::format("fp8 needs m, n and k to be multiples of 16 (16-byte aligned leading dimensions); got {}x{}x{}",
                       m, n, k);
  }
  if (k >= (int64_t{1} << 22)) return fmt::format("k = {} is too long for the exact-integer check (k < 2^22)", k);
  return "";
}

// The operands: as many sets of A, B and D as rotate through 2x L2 (so the
// timed calls do not find their inputs in L2), filled with the check's
// exact-integer inputs, and the fp8 scales.
struct Operands {
  std::vector<DeviceBuffer> a, b, d;
  DeviceBuffer scales;
  int64_t sets = 1;
  bool flush = false;  // one set only: the timer flushes L2 before each sample instead
};

// Allocates and fills the operands; the reason when they do not fit, else "".
std::string AllocateOperands(const Traits& t, const GemmShape& shape, const GpuIdentity& id, cudaStream_t s,
                             Operands* ops) {
  const int64_t m = shape.m, n = shape.n, k = shape.k;
  const int64_t set_bytes =
      static_cast<int64_t>((m * k + k * n) * static_cast<int64_t>(t.ab_size) + m * n * static_cast<int64_t>(t.cd_size));
  size_t free_b = 0, total_b = 0;
  CB_CUDA_CHECK(cudaMemGetInfo(&free_b, &total_b));
  const int64_t reserve = int64_t{256} << 20;
  const int64_t usable = static_cast<int64_t>(free_b) - reserve - 2 * id.l2_cache_bytes;
  if (set_bytes > usable) {
    return fmt::format("needs {} for A, B and D; {} free on GPU {} ({} kept in reserve)",
                       FormatBytes(static_cast<double>(set_bytes)), FormatBytes(static_cast<double>(free_b)), id.index,
                       FormatBytes(static_cast<double>(reserve + 2 * id.l2_cache_bytes)));
  }
  int64_t sets = std::clamp<int64_t>((2 * id.l2_cache_bytes + set_bytes - 1) / set_bytes, 1, 64);
  ops->sets = std::max<int64_t>(1, std::min(sets, usable / set_bytes));
  ops->flush = ops->sets == 1;
  for (int64_t i = 0; i < ops->sets; ++i) {
    ops->a.emplace_back(static_cast<size_t>(m * k) * t.ab_size);
    ops->b.emplace_back(static_cast<size_t>(k * n) * t.ab_size);
    ops->d.emplace_back(static_cast<size_t>(m * n) * t.cd_size);
    CB_CUDA_CHECK(LaunchFillGemmInput(ops->a.back().get(), t.ab_elem, m * k, kGemmSeedA, s));
    CB_CUDA_CHECK(LaunchFillGemmInput(ops->b.back().get(), t.ab_elem, k * n, kGemmSeedB, s));
    CB_CUDA_CHECK(cudaMemsetAsync(ops->d.back().get(), 0, ops->d.back().bytes(), s));
  }
  ops->scales = DeviceBuffer(2 * sizeof(float));
  CB_CUDA_CHECK(LaunchFillFloat(ops->scales.as<float>(), 2, 1.0f, s));
  CB_CUDA_CHECK(cudaStreamSynchronize(s));
  return "";
}

// The matmul's descriptors: D = A^T B (A stored k x m, B k x n, column-major),
// per-tensor fp8 scales, the workspace and the split-K reductions allowed.
struct MatmulSetup {
  MatmulDesc op;
  Layout la, lb, lc, ld;
  Preference pref;
  uint64_t workspace = 0;
  uint32_t reduction_mask = 0;
  MatmulDescs Descs(cublasLtHandle_t handle) const {
    return {handle, op.get(), la.get(), lb.get(), lc.get(), ld.get()};
  }
};

void DescribeMatmul(const Traits& t, GemmDtype dtype, const GemmShape& shape, const float* scales, uint64_t workspace,
                    MatmulSetup* ms) {
  const auto m = static_cast<uint64_t>(shape.m), n = static_cast<uint64_t>(shape.n), k = static_cast<uint64_t>(shape.k);
  CB_CUBLAS_CHECK(cublasLtMatmulDescCreate(ms->op.out(), t.compute, t.scale_type));
  const cublasOperation_t transa = CUBLAS_OP_T, transb = CUBLAS_OP_N;
  CB_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(ms->op.get(), CUBLASLT_MATMUL_DESC_TRANSA, &transa, sizeof transa));
  CB_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(ms->op.get(), CUBLASLT_MATMUL_DESC_TRANSB, &transb, sizeof transb));
  if (dtype == GemmDtype::kFp8) {
    // Per-tensor scales (1.0): the form cuBLASLt's fp8 kernels expect.
    const float* a_scale = scales;
    const float* b_scale = scales + 1;
    CB_CUBLAS_CHECK(
        cublasLtMatmulDescSetAttribute(ms->op.get(), CUBLASLT_MATMUL_DESC_A_SCALE_POINTER, &a_scale, sizeof a_scale));
    CB_CUBLAS_CHECK(
        cublasLtMatmulDescSetAttribute(ms->op.get(), CUBLASLT_MATMUL_DESC_B_SCALE_POINTER, &b_scale, sizeof b_scale));
  }
  CB_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(ms->la.out(), t.ab_type, k, m, static_cast<int64_t>(k)));
  CB_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(ms->lb.out(), t.ab_type, k, n, static_cast<int64_t>(k)));
  CB_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(ms->lc.out(), t.cd_type, m, n, static_cast<int64_t>(m)));
  CB_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(ms->ld.out(), t.cd_type, m, n, static_cast<int64_t>(m)));
  CB_CUBLAS_CHECK(cublasLtMatmulPreferenceCreate(ms->pref.out()));
  ms->workspace = workspace;
  CB_CUBLAS_CHECK(cublasLtMatmulPreferenceSetAttribute(ms->pref.get(), CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
                                                       &ms->workspace, sizeof ms->workspace));
  // Only split-K reductions that keep the precision the check expects, in
  // both searches (PreciseReductionMask says why).
  ms->reduction_mask = PreciseReductionMask(t);
  CB_CUBLAS_CHECK(cublasLtMatmulPreferenceSetAttribute(ms->pref.get(), CUBLASLT_MATMUL_PREF_REDUCTION_SCHEME_MASK,
                                                       &ms->reduction_mask, sizeof ms->reduction_mask));
}

// The candidates, in timing order: the heuristic's (usable ones), then in an
// exhaustive search every configuration cuBLASLt accepts that the heuristic
// did not already offer.
struct Candidates {
  std::vector<cublasLtMatmulAlgo_t> algos;
  std::vector<int> heuristic_rank;  // heuristic index of algos[c], -1 for enumerated
};

// The heuristic's candidates (r->algos_returned); the reason when cuBLASLt
// offers none, else "". An exhaustive search adds the enumerated ones and
// records the enumeration in `r`.
std::string CollectCandidates(cublasLtHandle_t handle, const MatmulSetup& ms, const Traits& t, const GpuIdentity& id,
                              const GpuGemmOptions& options, bool exhaustive, SteadyClock::time_point search_start,
                              Candidates* c, GpuGemmResult* r) {
  std::vector<cublasLtMatmulHeuristicResult_t> heuristics(static_cast<size_t>(std::max(1, options.algo_candidates)));
  int returned = 0;
  const cublasStatus_t hs =
      cublasLtMatmulAlgoGetHeuristic(handle, ms.op.get(), ms.la.get(), ms.lb.get(), ms.lc.get(), ms.ld.get(),
                                     ms.pref.get(), static_cast<int>(heuristics.size()), heuristics.data(), &returned);
  if (hs == CUBLAS_STATUS_NOT_SUPPORTED || (hs == CUBLAS_STATUS_SUCCESS && returned == 0)) {
    return fmt::format("cuBLASLt offers no algorithm for {} {}x{}x{} on this GPU", GemmDtypeName(r->dtype), r->shape.m,
                       r->shape.n, r->shape.k);
  }
  CB_CUBLAS_CHECK(hs);
  r->algos_returned = returned;
  for (int i = 0; i < returned; ++i) {
    if (heuristics[static_cast<size_t>(i)].state != CUBLAS_STATUS_SUCCESS) continue;
    c->algos.push_back(heuristics[static_cast<size_t>(i)].algo);
    c->heuristic_rank.push_back(i);
  }
  if (!exhaustive) return "";
  const size_t from_heuristic = c->algos.size();
  Enumeration e = EnumerateConfigs(ms.Descs(handle), t, ms.workspace, id.cc_major, ms.reduction_mask, search_start,
                                   options.exhaustive_time_cap_s / 4);
  r->configs_checked = e.checked;
  r->configs_enumerated = static_cast<int64_t>(e.configs.size());
  r->search_capped = e.capped;
  for (const auto& algo : e.configs) {
    const bool seen = std::any_of(c->algos.begin(), c->algos.begin() + static_cast<std::ptrdiff_t>(from_heuristic),
                                  [&](const cublasLtMatmulAlgo_t& h) { return std::memcmp(&h, &algo, sizeof h) == 0; });
    if (seen) continue;
    c->algos.push_back(algo);
    c->heuristic_rank.push_back(-1);
  }
  return "";
}

// Measures candidate c with the given timing; false when it does not run.
using MeasureCandidate = std::function<bool(size_t c, const DeviceTimingOptions& how, Measurement* out)>;

// What the search found: the fastest candidate's index (-1: none ran), its
// median, and whether SIGINT cut the search.
struct SearchOutcome {
  int best = -1;
  double best_time = std::numeric_limits<double>::infinity();
  bool interrupted = false;
};

// Search: a short measurement of each candidate. An exhaustive search first
// screens each with one sample and measures it like this only when that
// sample is within 5% of the best so far, which keeps thousands of
// configurations affordable: most are far slower than the best. Counts the
// candidates timed and the heuristic's first choice's rate into `r`.
SearchOutcome SearchCandidates(const Candidates& cands, const DeviceTimingOptions& timing,
                               const GpuGemmOptions& options, bool exhaustive, SteadyClock::time_point search_start,
                               const GemmShape& shape, const MeasureCandidate& measure, GpuGemmResult* r) {
  DeviceTimingOptions brief = timing;
  brief.measure.time_budget_s = options.candidate_budget_s;
  brief.measure.warmup = 1;
  brief.measure.min_reps = 3;
  brief.measure.max_reps = 50;
  brief.measure.target_spread = 0.01;
  DeviceTimingOptions screen = timing;
  screen.measure.time_budget_s = options.candidate_budget_s;
  screen.measure.warmup = 0;
  screen.measure.min_reps = 1;
  screen.measure.max_reps = 1;
  const size_t n = cands.algos.size();
  const size_t max_timed = exhaustive ? static_cast<size_t>(std::max(1, options.exhaustive_max_configs)) : n;
  SearchOutcome o;
  for (size_t c = 0; c < n; ++c) {
    if (exhaustive && c >= max_timed) {
      r->search_capped =
          fmt::format("timed {} of {} candidates (exhaustive_max_configs {}){}", max_timed, n,
                      options.exhaustive_max_configs, r->search_capped.empty() ? "" : "; " + r->search_capped);
      break;
    }
    if (exhaustive && SecondsSince(search_start) > options.exhaustive_time_cap_s) {
      r->search_capped =
          fmt::format("stopped after {:.0f} s (exhaustive_time_cap_s {:g}) with {} of {} candidates timed{}",
                      SecondsSince(search_start), options.exhaustive_time_cap_s, c, n,
                      r->search_capped.empty() ? "" : "; " + r->search_capped);
      break;
    }
    Measurement mc;
    if (exhaustive && o.best >= 0) {
      if (!measure(c, screen, &mc)) continue;
      if (mc.samples_s.empty()) {
        o.interrupted = true;
        break;
      }
      ++r->algos_tried;
      if (mc.summary.median > 1.05 * o.best_time) continue;
      if (!measure(c, brief, &mc)) continue;
    } else {
      if (!measure(c, brief, &mc)) continue;
      if (!mc.samples_s.empty()) ++r->algos_tried;
    }
    if (mc.samples_s.empty()) {
      o.interrupted = true;
      break;
    }
    const double tm = mc.summary.median;
    if (cands.heuristic_rank[c] == 0) r->heuristic_flop_rate = shape.flops() / tm;
    if (tm < o.best_time) {
      o.best_time = tm;
      o.best = static_cast<int>(c);
    }
  }
  return o;
}

// Checks sampled elements of D (set 0, just written by `algo`) against the
// exact integer products of the generated inputs, within GemmTolerance.
void CheckOutput(const Traits& t, GemmDtype dtype, const GemmShape& shape, const DeviceBuffer& d0, cudaStream_t s,
                 GpuGemmResult* r) {
  const int64_t m = shape.m, n = shape.n, k = shape.k;
  const std::vector<int64_t> picks = PickSamples(m, n);
  DeviceBuffer idx(picks.size() * sizeof(int64_t)), vals(picks.size() * sizeof(double));
  CB_CUDA_CHECK(cudaMemcpyAsync(idx.get(), picks.data(), idx.bytes(), cudaMemcpyHostToDevice, s));
  CB_CUDA_CHECK(
      LaunchGather(d0.get(), t.cd_elem, idx.as<int64_t>(), vals.as<double>(), static_cast<int64_t>(picks.size()), s));
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
    r->max_error_ratio = std::max(r->max_error_ratio, ratio);
    r->wrong += !(err <= bound);
    ++r->checked;
  }
}

}  // namespace

GemmBench::GemmBench(const GpuIdentity& id) : id_(id) { CB_CUBLAS_CHECK(cublasLtCreate(&handle_)); }

GemmBench::~GemmBench() {
  if (handle_) cublasLtDestroy(handle_);
}

// The steps: refuse what cannot run; allocate and fill the operands; describe
// the matmul; collect candidates; search them; measure the winner under the
// caller's harness options; check its output.
GpuGemmResult GemmBench::Run(GemmDtype dtype, const GemmShape& shape, const GpuGemmOptions& options) {
  const Traits t = TraitsFor(dtype);
  const bool exhaustive = options.search == GemmSearch::kExhaustive;
  GpuGemmResult r;
  r.dtype = dtype;
  r.shape = shape;
  r.search = GemmSearchName(options.search);
  if (shape.m < 1 || shape.n < 1 || shape.k < 1) {
    throw UsageError(fmt::format("GEMM shape {}x{}x{}: sizes must be positive", shape.m, shape.n, shape.k));
  }
  r.skipped = ShapeSkipReason(dtype, shape, id_);
  if (!r.skipped.empty()) return r;

  if (static_cast<int64_t>(workspace_.bytes()) < options.workspace_bytes) {
    workspace_ = DeviceBuffer();
    workspace_ = DeviceBuffer(static_cast<size_t>(options.workspace_bytes));
  }
  cudaStream_t s = timer_.stream();
  Operands ops;
  r.skipped = AllocateOperands(t, shape, id_, s, &ops);
  if (!r.skipped.empty()) return r;
  MatmulSetup ms;
  DescribeMatmul(t, dtype, shape, ops.scales.as<float>(), workspace_.bytes(), &ms);

  const auto search_start = SteadyClock::now();
  Candidates cands;
  r.skipped = CollectCandidates(handle_, ms, t, id_, options, exhaustive, search_start, &cands, &r);
  if (!r.skipped.empty()) return r;

  const double alpha64 = 1.0, beta64 = 0.0;
  const float alpha32 = 1.0f, beta32 = 0.0f;
  const void* alpha = t.scale_type == CUDA_R_64F ? static_cast<const void*>(&alpha64) : &alpha32;
  const void* beta = t.scale_type == CUDA_R_64F ? static_cast<const void*>(&beta64) : &beta32;
  auto matmul = [&](const cublasLtMatmulAlgo_t* algo, cudaStream_t stream, int64_t call) {
    const size_t i = static_cast<size_t>(call % ops.sets);
    CB_CUBLAS_CHECK(cublasLtMatmul(handle_, ms.op.get(), alpha, ops.a[i].get(), ms.la.get(), ops.b[i].get(),
                                   ms.lb.get(), beta, ops.d[i].get(), ms.lc.get(), ops.d[i].get(), ms.ld.get(), algo,
                                   workspace_.get(), ms.workspace, stream));
  };
  DeviceTimingOptions timing;
  timing.flush_bytes = ops.flush ? static_cast<size_t>(2 * id_.l2_cache_bytes) : 0;
  // With a flush per sample, batching would time warm-L2 repeats: one call per sample.
  if (ops.flush) timing.max_batch = 1;

  // A candidate offered but that fails is not counted as tried.
  auto measure = [&](size_t c, const DeviceTimingOptions& how, Measurement* out) {
    const cublasLtMatmulAlgo_t* algo = &cands.algos[c];
    try {
      *out = timer_.Measure([&](cudaStream_t stream, int64_t call) { matmul(algo, stream, call); }, how);
    } catch (const RuntimeError& e) {
      (void)cudaGetLastError();  // clear a launch error the failed configuration left behind
      // A fault (illegal address, ...) is sticky: the context is dead and
      // every later candidate would fail too. Stop, naming the culprit.
      const cudaError_t sticky = cudaDeviceSynchronize();
      if (sticky != cudaSuccess) {
        throw RuntimeError(fmt::format(
            "GPU {}: cuBLASLt candidate {} ({}) left the GPU unusable: {} ({}); first "
            "error: {}",
            id_.index, c, DescribeAlgo(*algo), cudaGetErrorName(sticky), cudaGetErrorString(sticky), e.what()));
      }
      return false;
    }
    return true;
  };
  const SearchOutcome found = SearchCandidates(cands, timing, options, exhaustive, search_start, shape, measure, &r);
  if (found.best < 0) {
    r.skipped = !found.interrupted && r.algos_tried == 0 && r.algos_returned > 0
                    ? fmt::format("none of the {} cuBLASLt algorithm(s) offered for {} {}x{}x{} ran",
                                  cands.algos.size(), GemmDtypeName(dtype), shape.m, shape.n, shape.k)
                    : "interrupted";
    return r;
  }
  // best_algo: the heuristic's index for a heuristic candidate (0 = its
  // first choice), the place in the candidate list for an enumerated one.
  const int rank = cands.heuristic_rank[static_cast<size_t>(found.best)];
  r.best_algo = rank >= 0 ? rank : found.best;
  r.best_source = rank >= 0 ? "heuristic" : "enumerated";
  r.best_search_flop_rate = shape.flops() / found.best_time;

  const cublasLtMatmulAlgo_t* algo = &cands.algos[static_cast<size_t>(found.best)];
  r.best_config = DescribeAlgo(*algo);
  timing.measure = options.measure;
  r.measurement = timer_.Measure([&](cudaStream_t stream, int64_t call) { matmul(algo, stream, call); }, timing);
  if (!r.measurement.samples_s.empty()) r.flop_rate = shape.flops() / r.measurement.summary.median;

  // Check set 0 after one more call on it.
  CB_CUDA_CHECK(cudaMemsetAsync(ops.d[0].get(), 0, ops.d[0].bytes(), s));
  matmul(algo, s, 0);
  if (options.measure.corrupt_output) {
    // Self-test (validate --inject): element 0, always sampled, becomes 0x7f
    // bytes, far from any exact result (or NaN): the check must see it.
    CB_CUDA_CHECK(cudaMemsetAsync(ops.d[0].get(), 0x7f, t.cd_size, s));
  }
  CheckOutput(t, dtype, shape, ops.d[0], s, &r);
  return r;
}

}  // namespace cb::cuda
