// Byte and kernel counts of torchtitan's eager Llama block; the derivation
// is in elementwise.h.
#include "simulator/workload/elementwise.h"

#include <fmt/format.h>
#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace cb::sim {

Elementwise ParseElementwise(const std::string& name) {
  if (name == "fused") return Elementwise::kFused;
  if (name == "eager") return Elementwise::kEager;
  throw ConfigError(fmt::format("unknown elementwise '{}' (valid: fused, eager)", name));
}

namespace {

// Bytes per element (read + written) and kernels, eager and fused, per op.
// RMSNorm: 8 kernels forward (cast, pow, mean, +eps, rsqrt, multiply, cast,
// multiply by the weight), 14 backward, against one fused kernel each way.
constexpr double kNormFwd = 36, kNormBwd = 92, kNormFusedFwd = 4, kNormFusedBwd = 8;
constexpr int kNormFwdKernels = 8, kNormBwdKernels = 14;
// RoPE on q and k: cast, complex multiply, cast back, per tensor.
constexpr double kRopeFwd = 20, kRopeBwd = 20;
constexpr int kRopeKernels = 6;
// SwiGLU: silu and the product as two kernels forward, three backward.
constexpr double kSwigluFwd = 10, kSwigluBwd = 18, kSwigluFusedFwd = 6, kSwigluFusedBwd = 12;

}  // namespace

EagerExcess EagerLayerExcess(const ModelSpec& m, double tokens, double norm_tokens, double tp, double mlp_width) {
  const double h = static_cast<double>(m.hidden);
  const double q_heads = static_cast<double>(m.heads) / tp;
  const double kv_heads = std::max(1.0, static_cast<double>(m.KvHeads()) / tp);
  const double d = static_cast<double>(m.QkHeadDim());
  EagerExcess e;
  // Two norms per layer (before attention, before the MLP).
  e.fwd_bytes += 2 * (kNormFwd - kNormFusedFwd) * norm_tokens * h;
  e.bwd_bytes += 2 * (kNormBwd - kNormFusedBwd) * norm_tokens * h;
  e.fwd_kernels += 2 * (kNormFwdKernels - 1);
  e.bwd_kernels += 2 * (kNormBwdKernels - 1);
  // Rotary embedding of every q and k element.
  const double qk = tokens * (q_heads + kv_heads) * d;
  e.fwd_bytes += kRopeFwd * qk;
  e.bwd_bytes += kRopeBwd * qk;
  e.fwd_kernels += kRopeKernels;
  e.bwd_kernels += kRopeKernels;
  if (q_heads > kv_heads) {
    // repeat_kv: K and V (2 B) read at kv width, written at q width; the
    // backward sums the copies back.
    const double bytes = 2 * 2 * tokens * (q_heads + kv_heads) * d;
    e.fwd_bytes += bytes;
    e.bwd_bytes += bytes;
    e.fwd_kernels += 2;
    e.bwd_kernels += 2;
  }
  if (m.swiglu) {
    e.fwd_bytes += (kSwigluFwd - kSwigluFusedFwd) * tokens * mlp_width / tp;
    e.bwd_bytes += (kSwigluBwd - kSwigluFusedBwd) * tokens * mlp_width / tp;
    e.fwd_kernels += 1;
    e.bwd_kernels += 2;
  }
  return e;
}

UnfusedOps ParseUnfusedOps(const std::vector<std::string>& names) {
  UnfusedOps u;
  for (const auto& n : names) {
    if (n == "rope") u.rope = true;
    if (n == "glu_clamp") u.glu_clamp = true;
    if (n == "expert_bias") u.expert_bias = true;
  }
  return u;
}

// Derivations in elementwise.h (UnfusedOps).
EagerExcess UnfusedRopeExcess(double qk_elements) { return {24 * qk_elements, 24 * qk_elements, 6, 6}; }

EagerExcess UnfusedGluClampExcess(double fc1_out) { return {8 * fc1_out, 10 * fc1_out, 3, 3}; }

EagerExcess UnfusedExpertBiasExcess(double fc2_out, double local_experts) {
  const int loop = static_cast<int>(std::ceil(local_experts));
  return {12 * fc2_out, 12 * fc2_out, 2 * loop + 1, 2 * loop + 2};
}

}  // namespace cb::sim
