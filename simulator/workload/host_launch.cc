// Host calls per layer pass; the counts and their sources are in host_launch.h.
#include "simulator/workload/host_launch.h"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <utility>

#include "core/error.h"

namespace cb::sim {

namespace {

// Forward and backward calls of one part of a layer.
struct Calls {
  double fwd = 0, bwd = 0;
  Calls& operator+=(const Calls& o) {
    fwd += o.fwd;
    bwd += o.bwd;
    return *this;
  }
};

constexpr Calls kAttention{7, 11};
constexpr Calls kMlaExtra{5, 10};
constexpr Calls kDenseMlp{5, 8};
// A Mamba-2 mixer (workload/mamba.h): in_proj, the conv, the SSD's five kernels,
// the gated norm, out_proj and the residual forward; backward each one's
// gradient kernels and the three recomputed SSD kernels.
constexpr Calls kMamba{10, 19};
constexpr Calls kMoeNormResidual{2, 3};
constexpr double kRouterUnfused = 72, kRouterFused = 31;
constexpr double kPreprocess = 9, kPreprocessFused = 1;
// D2H copies 6, permute/sort/unpermute 8, all-to-alls 3; backward 3 + 8.
constexpr Calls kDispatch{17, 11};
constexpr Calls kExpertActivation{2, 2};
constexpr Calls kSharedExperts{3, 6};
constexpr Calls kFusedGroupedMlp{3, 5};
// Quantization launches per quantized tensor (current scaling).
constexpr double kQuantizeInput = 3, kQuantizeGrad = 4;

// What the TP and CP collectives of one block add.
Calls BlockCollectives(const HostCallsInput& in) {
  Calls c;
  if (in.tp > 1) c.fwd = c.bwd = in.sequence_parallel ? 2 : 1;
  return c;
}

Calls AttentionCalls(const HostCallsInput& in) {
  Calls c = kAttention;
  if (in.mla) c += kMlaExtra;
  if (in.quantized) c += {2 * kQuantizeInput, 2 * kQuantizeGrad};  // QKV and projection
  c += BlockCollectives(in);
  if (in.cp > 1) c += {2 * (in.cp - 1), 4 * (in.cp - 1)};
  return c;
}

}  // namespace

CudaGraphs ParseCudaGraphs(const std::vector<std::string>& names) {
  static const std::pair<const char*, bool CudaGraphs::*> kScopes[] = {{"full", &CudaGraphs::full},
                                                                       {"attn", &CudaGraphs::attn},
                                                                       {"mlp", &CudaGraphs::mlp},
                                                                       {"moe", &CudaGraphs::moe},
                                                                       {"moe_router", &CudaGraphs::moe_router},
                                                                       {"moe_preprocess", &CudaGraphs::moe_preprocess},
                                                                       {"mamba", &CudaGraphs::mamba}};
  CudaGraphs g;
  for (const std::string& n : names) {
    if ((n == "full" || n == "none") && names.size() > 1) {
      throw ConfigError(fmt::format("'{}' stands alone: a list of scopes, [full] or [none], not both", n));
    }
    if (n == "none") continue;
    const auto* scope =
        std::find_if(std::begin(kScopes), std::end(kScopes), [&](const auto& s) { return n == s.first; });
    if (scope == std::end(kScopes)) {
      throw ConfigError(fmt::format(
          "unknown CUDA graph scope '{}' (valid: full, none, attn, mlp, moe, moe_router, moe_preprocess, mamba)", n));
    }
    g.*(scope->second) = true;
  }
  return g;
}

HostCalls LayerHostCalls(const HostCallsInput& in) {
  HostCalls h;
  if (in.graphs.full) return h;
  const CudaGraphs& g = in.graphs;
  Calls attn;
  if (in.mamba && !g.mamba) {
    attn = kMamba;
    if (in.quantized) attn += {2 * kQuantizeInput, 2 * kQuantizeGrad};  // in_proj and out_proj
    attn += BlockCollectives(in);
  } else if (in.attention && !g.attn) {
    attn = AttentionCalls(in);
    attn += {static_cast<double>(in.eager_attn.fwd), static_cast<double>(in.eager_attn.bwd)};
  }
  const Calls eager_mlp{static_cast<double>(in.eager_mlp.fwd), static_cast<double>(in.eager_mlp.bwd)};
  if (!in.moe) {
    Calls mlp;
    if (!g.mlp && in.mlp) {
      mlp = kDenseMlp;
      if (in.quantized) mlp += {2 * kQuantizeInput, 2 * kQuantizeGrad};  // fc1 and fc2
      mlp += BlockCollectives(in);
      mlp += eager_mlp;
    }
    h.fwd_before_wait = attn.fwd + mlp.fwd;
    h.bwd = attn.bwd + mlp.bwd;
    return h;
  }
  // MoE block: the part before the dispatcher's wait (router, preprocess)
  // and the part after it (dispatch, experts, combine).
  Calls before, after;
  if (!g.moe) {
    const double router = in.router_fusion ? kRouterFused : kRouterUnfused;
    if (!g.moe_router) before += {router, router};
    if (!g.moe_preprocess) before.fwd += in.dedup_dispatcher ? kPreprocessFused : kPreprocess;
    after = kMoeNormResidual;
    after += kDispatch;
    if (in.fused_grouped_mlp) {
      after += kFusedGroupedMlp;
    } else {
      after += kExpertActivation;
      after += {2 * in.local_experts, 4 * in.local_experts};
      if (in.quantized) after += {2, 2};
    }
    if (in.shared_experts) after += kSharedExperts;
    after += BlockCollectives(in);
    after += eager_mlp;
  }
  h.waits = in.dispatcher_sync && !g.moe;
  h.fwd_before_wait = attn.fwd + before.fwd;
  h.fwd_after_wait = after.fwd;
  if (!h.waits) {
    h.fwd_before_wait += h.fwd_after_wait;
    h.fwd_after_wait = 0;
  }
  h.bwd = attn.bwd + before.bwd + after.bwd;
  return h;
}

}  // namespace cb::sim
