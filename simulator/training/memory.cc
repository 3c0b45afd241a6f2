#include "simulator/training/memory.h"

#include <fmt/format.h>
#include <algorithm>
#include <array>

#include "core/error.h"

namespace cb::sim {

LossKernel ParseLossKernel(const std::string& name) {
  if (name == "fused") return LossKernel::kFused;
  if (name == "eager") return LossKernel::kEager;
  if (name == "te") return LossKernel::kTe;
  if (name == "compiled") return LossKernel::kCompiled;
  throw ConfigError(fmt::format("unknown loss '{}' (valid: fused, eager, te, compiled)", name));
}

namespace {

// Bytes per logit the last rank holds at the loss's peak (memory.h, LossKernel).
double LogitBytes(LossKernel loss, bool vocab_parallel) {
  switch (loss) {
    case LossKernel::kEager:
      // PyTorch's loss_parallel over vocabulary shards (torch/distributed/tensor/parallel/loss.py) runs the
      // backward as (zeros_like(x) + exp(x)) * grad with x the saved log_softmax output: at the add x, the
      // zeros, exp(x) and the sum are live, four fp32 copies. Unsharded, the native kernels keep three.
      if (vocab_parallel) return 4 * 4;
      return 4 + 4 + 4;  // log_softmax's output, nll_loss's gradient, log_softmax_backward's result
    case LossKernel::kTe:
      return 2;  // the bf16 logits, the gradient written into them
    case LossKernel::kCompiled:
      return 2 + 2;  // the bf16 logits and their bf16 gradient
    case LossKernel::kFused:
      break;
  }
  return 2 + 4;  // bf16 logits and the fp32 copy the loss exponentiates in place
}

// What one layer keeps for backward, and the part of it fine-grained
// offloading moves to the host.
struct LayerActivation {
  double bytes = 0, offloaded = 0;
};
LayerActivation LayerActivationOf(const MemoryInput& in, LayerKind kind);

}  // namespace

OffloadModules ParseOffloadModules(const std::vector<std::string>& names) {
  OffloadModules o;
  for (const std::string& n : names) {
    bool* flag = n == "attn_norm"    ? &o.attn_norm
                 : n == "qkv_linear" ? &o.qkv_linear
                 : n == "core_attn"  ? &o.core_attn
                 : n == "attn_proj"  ? &o.attn_proj
                 : n == "mlp_norm"   ? &o.mlp_norm
                 : n == "expert_fc1" ? &o.expert_fc1
                 : n == "moe_act"    ? &o.moe_act
                                     : nullptr;
    if (flag == nullptr) {
      throw ConfigError(fmt::format(
          "unknown offload module '{}' (valid: attn_norm, qkv_linear, core_attn, attn_proj, mlp_norm, expert_fc1, "
          "moe_act)",
          n));
    }
    *flag = true;
  }
  return o;
}

std::string OffloadModulesName(const OffloadModules& o) {
  return JoinFlagged({{o.attn_norm, "attn_norm"},
                      {o.qkv_linear, "qkv_linear"},
                      {o.core_attn, "core_attn"},
                      {o.attn_proj, "attn_proj"},
                      {o.mlp_norm, "mlp_norm"},
                      {o.expert_fc1, "expert_fc1"},
                      {o.moe_act, "moe_act"}});
}

double OffloadedBytesPerLayer(const MemoryInput& in, LayerKind kind) {
  if (in.recompute == Recompute::kFull || in.recompute == Recompute::kSelectiveOp) return 0;
  return LayerActivationOf(in, kind).offloaded;
}
double OffloadedBytesPerLayer(const MemoryInput& in, bool moe_layer) {
  return OffloadedBytesPerLayer(in, TransformerKind(moe_layer));
}
double ActivationBytesPerLayer(const MemoryInput& in, bool moe_layer) {
  return ActivationBytesPerLayer(in, TransformerKind(moe_layer));
}
double FullLayerActivationBytes(const MemoryInput& in, bool moe_layer) {
  return FullLayerActivationBytes(in, TransformerKind(moe_layer));
}

double ActivationBytesPerLayer(const MemoryInput& in, LayerKind kind) {
  const bool moe_layer = IsMoe(kind);
  if (in.recompute == Recompute::kFull) {
    const double s = static_cast<double>(in.seq_len) / static_cast<double>(in.cp);
    const double sbh = s * static_cast<double>(in.micro_batch) * static_cast<double>(in.model->hidden);
    const bool sp = in.sequence_parallel && in.tp > 1;
    return 2 * sbh / (sp ? static_cast<double>(in.tp) : 1.0);
  }
  if (in.recompute == Recompute::kSelectiveOp && (kind == LayerKind::kDense || kind == LayerKind::kMoe)) {
    // torchtitan's per-op policy (torchtitan/models/llama3/infra/parallelize.py,
    // _apply_ac_to_transformer_block with selective_ac_option "op"): the
    // flash-attention output and the outputs of the 1st, 3rd, 5th, ... matmul
    // of the layer are kept, plus the layer's input; everything else is
    // rebuilt in backward. With separate q, k, v projections (torchtitan's
    // Attention) the kept matmuls are wq, wv, w1 and (SwiGLU) w2.
    const ModelSpec& m = *in.model;
    const double h = static_cast<double>(m.hidden);
    const double qw = static_cast<double>(m.heads * m.QkHeadDim()) / h;
    const double vw = static_cast<double>(m.KvHeads() * m.VHeadDim()) / h;
    const double ow = static_cast<double>(m.heads * m.VHeadDim()) / h;
    const double f = static_cast<double>(m.ffn_hidden) / h;
    const double d = in.dropout ? 1 : 0;
    double mlp = 2 * f + (m.swiglu ? 2 : 0);
    if (moe_layer && m.moe) {
      // A MoE layer's experts run grouped matmuls, which the policy's save
      // list (aten.mm, the attention kernels, the collectives, max) does not
      // hold: they are rebuilt, the router's gate mm too (its default
      // per_op_sac_force_recompute_mm_shapes_by_fqns). Kept: the all-to-all
      // outputs with expert parallelism (the dispatched copies and the
      // combined ones, K·ι·h each) and the shared experts' kept matmuls.
      const MoeSpec& e = *m.moe;
      const double routed = static_cast<double>(e.top_k) * in.moe_imbalance;
      const double fs = static_cast<double>(e.expert_ffn_hidden * e.shared_experts) / h;
      mlp = (in.ep > 1 ? 2 * 2 * routed : 0) + (fs > 0 ? 2 * fs + (m.swiglu ? 2 : 0) : 0);
    }
    const double units = 2 + 2 * qw + 2 * vw + 2 * ow + mlp + d;
    const double s = static_cast<double>(in.seq_len) / static_cast<double>(in.cp);
    return units * s * static_cast<double>(in.micro_batch) * h / static_cast<double>(in.tp);
  }
  return FullLayerActivationBytes(in, kind);
}

double FullLayerActivationBytes(const MemoryInput& in, LayerKind kind) { return LayerActivationOf(in, kind).bytes; }

namespace {

// A Mamba-2 mixer's saved tensors, in units of b·s·h bytes (workload/mamba.h):
// in_proj's input (quantized in fp8 training), the z, x, B, C, dt it writes
// (mamba_split_conv1d_scan_combined saves zxbcdt, 2 B each), the scan's
// output before the gated norm (out_x, 2 B per d_inner) and out_proj's input.
double MambaUnits(const MambaSpec& b, double h, double gemm_in) {
  const double inner = static_cast<double>(b.Inner()) / h;
  return gemm_in + 2 * static_cast<double>(b.InProjWidth()) / h + 2 * inner + gemm_in * inner;
}

LayerActivation LayerActivationOf(const MemoryInput& in, LayerKind kind) {
  const bool moe_layer = IsMoe(kind);
  const ModelSpec& m = *in.model;
  const double t = static_cast<double>(in.tp);
  const double h = static_cast<double>(m.hidden), a = static_cast<double>(m.heads);
  const double s = static_cast<double>(in.seq_len) / static_cast<double>(in.cp);
  const double sbh = s * static_cast<double>(in.micro_batch) * h;
  const bool sp = in.sequence_parallel && in.tp > 1;

  const double d = in.dropout ? 1 : 0;
  // fp8 training with Transformer Engine saves each fp8 GEMM's input for the
  // weight gradient in fp8, 1 B (te/pytorch/module/linear.py and
  // layernorm_linear.py save the quantized input; layernorm_mlp.py keeps fc1's
  // output in bf16 and the activation's output quantized): the QKV and fc1
  // inputs shrink to 1 B, fc2's input to 1 B per element, and the output
  // projection keeps an fp8 copy of the attention output besides the bf16 one
  // the attention kernel saves.
  // NVFP4 the same way at its 0.5625 B per element (q).
  const bool f8 = in.quant_bytes > 0 && in.fp8_activations;
  const double q = f8 ? in.quant_bytes : 2;
  const double gemm_in = q;
  const double mu = (m.swiglu ? 4 : 2) + q;
  // Q is a·d_qk wide, K g·d_qk, V g·d_v and the attention output a·d_v
  // (d_qk = d_v = h/a unless the model sets its own head width or uses MLA,
  // where every head has its own K and V and the latents are kept too).
  const double g = static_cast<double>(m.KvHeads());
  const double qw = a * static_cast<double>(m.QkHeadDim()) / h, kw = g * static_cast<double>(m.QkHeadDim()) / h;
  const double vw = g * static_cast<double>(m.VHeadDim()) / h, ow = a * static_cast<double>(m.VHeadDim()) / h;
  double latent = 0;
  if (m.mla) {
    latent = static_cast<double>(m.mla->q_lora_rank + m.mla->kv_lora_rank + m.mla->qk_rope_head_dim) / h;
  }
  // Selective recomputation by module (recompute.h, RecomputeModules):
  // "mla_up_proj" rebuilds MLA's Q, K and V from the latents before the
  // attention backward (the recompute_modules of every MLA recipe), so they
  // are not kept; "layernorm" discards the output of a norm that is not fused
  // into its GEMM (MLA's input norm, a MoE layer's pre-MLP norm), the saved
  // input of the GEMMs it feeds.
  const RecomputeModules& r = in.modules;
  const double qkv = m.mla && r.mla_up_proj ? 0 : 2 * (qw + kw + vw);
  const double attention_in = m.mla && r.layernorm ? 0 : gemm_in;
  double attention = attention_in + qkv + 2 * ow + 2 * latent + (f8 ? q * ow : 0) + d;
  if (kind == LayerKind::kMamba) attention = MambaUnits(*m.mamba, h, gemm_in) + d;
  if (!HasMixer(kind)) attention = 0;
  const double norms = 2.0 * Blocks(kind);
  // Fine-grained offloading: each named module's saved input, in the same
  // units (the norms' inputs are the residual stream, 2 B each).
  const OffloadModules& o = in.offload;
  double offloaded = !HasAttention(kind)
                         ? 0
                         : (o.qkv_linear ? attention_in : 0) + (o.core_attn ? qkv : 0) + (o.attn_proj ? q * ow : 0);
  // A norm fused into its GEMM is no module of its own and offloads nothing
  // (Megatron-Core skips attn_norm/mlp_norm where the norm is an IdentityOp):
  // only MLA's input norm and a MoE layer's pre-MLP norm are separate.
  const bool moe_mlp = moe_layer && m.moe.has_value();
  const double norms_off = (o.attn_norm && m.mla && HasAttention(kind) ? 2 : 0) + (o.mlp_norm && moe_mlp ? 2 : 0);
  double mlp = 0;
  if (moe_layer && m.moe) {
    const MoeSpec& e = *m.moe;
    const double routed = static_cast<double>(e.top_k) * in.moe_imbalance;
    const double fe = static_cast<double>(e.expert_ffn_hidden);
    const double fs = fe * static_cast<double>(e.shared_experts);
    // Each routed copy of a token is the input of its expert's fc1, saved for
    // the weight gradient like any GEMM input: in fp8 by Transformer Engine's
    // GroupedLinear (te/pytorch/module/grouped_linear.py saves the quantized
    // inputs, as linear.py does), else in bf16. "moe_act" discards the
    // activation's output (fc2's saved input, 1 B in fp8 else 2 per element
    // of f_e); "shared_experts" keeps only the shared experts' input (the
    // norm's output, kept for the router); "moe" only the MoE block's input.
    const double routed_mu = r.moe_act ? mu - q : mu;
    const double shared = r.shared_experts ? 0 : mu * fs / h;
    // Latent MoE: the routed copies are latent-wide, and the latent projections keep their inputs (the
    // norm's output, counted with the block, and the experts' combined latent output, 2 B).
    const double xw = static_cast<double>(e.ExpertWidth(m.hidden)) / h;
    const double fc1_in = gemm_in * routed * static_cast<double>(in.etp) * xw + (e.latent > 0 ? 2 * xw : 0);
    const double act_in = (m.swiglu ? 4 : 2) * fe * routed / h;  // fc1's output, bf16
    mlp = (r.layernorm ? 0 : gemm_in) + fc1_in + routed_mu * fe * routed / h + shared + d;
    if (r.moe) {
      mlp = 2 + d;
    } else {
      offloaded += (o.expert_fc1 ? fc1_in : 0) + (o.moe_act ? act_in : 0);
    }
  } else if (HasMlp(kind)) {
    // "mlp": the dense MLP keeps only its input, the residual the norm term
    // holds already (the norm is fused into fc1).
    mlp = r.mlp ? d : gemm_in + mu * static_cast<double>(m.ffn_hidden) / h + d;
  }
  const double units = attention + mlp + norms;
  const bool split = sp || in.tp == 1;
  LayerActivation out;
  // Without sequence parallelism each block's norm input and GEMM input (and dropout mask) stay whole.
  const double whole = Blocks(kind) * (4 + d);
  out.bytes = split ? sbh * units / t : sbh * (whole + (units - whole) / t);
  out.offloaded = split ? sbh * (offloaded + norms_off) / t : sbh * (norms_off + offloaded / t);
  if (!in.flash_attention && !r.core_attn && HasAttention(kind)) {
    // The s x s scores per head: softmax output (2 B), with dropout its mask
    // (1 B) and output (2 B); split over TP by heads.
    out.bytes += (2 + 3 * d) * a * s * s * static_cast<double>(in.micro_batch) / t;
  }
  return out;
}

}  // namespace

int64_t InFlightChunkPasses(int64_t pp, int64_t vpp, int64_t rank, int64_t micro_batches) {
  if (vpp <= 1) return std::min(pp - rank, micro_batches);
  return std::min(2 * (pp - rank - 1) + (vpp - 1) * pp + 1, micro_batches * vpp);
}

namespace {

// First layer of each virtual stage (a running sum of the split).
std::vector<int64_t> FirstLayers(const MemoryInput& in) {
  std::vector<int64_t> first(in.layers_per_vstage.size(), 0);
  for (size_t j = 1; j < first.size(); ++j) first[j] = first[j - 1] + in.layers_per_vstage[j - 1];
  return first;
}

// ZeRO-3's gathered weights and unsharded gradients. PyTorch FSDP's unit is
// the layer: 1 + prefetch layers gathered in 16 bits plus one layer's fp32
// gradients. DeepSpeed gathers each module (nn.Linear) as its hooks fire and
// releases them once stage3_max_live_parameters are live (default 1e9,
// deepspeed/runtime/zero/config.py), so the gathered peak is that cap, or the
// largest single module when that is bigger (it must be whole to run), and
// gradients leave in reduce_bucket_size buckets (default 5e8 elements).
double ZeroThreeBuffers(const MemoryInput& in) {
  const double prefetch = static_cast<double>(in.fsdp_prefetch);
  if (in.zero3_max_live_params <= 0) return in.largest_layer_params * (2 * (1 + prefetch) + 4);
  const ModelSpec& m = *in.model;
  const double h = static_cast<double>(m.hidden), t = static_cast<double>(in.tp);
  const double qkv = h * static_cast<double>(m.heads * m.QkHeadDim() + m.KvHeads() * (m.QkHeadDim() + m.VHeadDim()));
  const double ffn = static_cast<double>(m.moe ? std::max(m.ffn_hidden, m.moe->expert_ffn_hidden) : m.ffn_hidden);
  const double largest_module = std::max(qkv, h * ffn) / t;
  const double live =
      std::max(largest_module, std::min(in.largest_layer_params * (1 + prefetch), in.zero3_max_live_params));
  const double bucket =
      in.zero3_reduce_bucket > 0 ? std::min(in.largest_layer_params, in.zero3_reduce_bucket) : in.largest_layer_params;
  return live * in.param_bytes + bucket * in.grad_bytes;
}

MemoryBreakdown StageMemoryWith(const MemoryInput& in, int64_t rank, const std::vector<int64_t>& first_layer) {
  const ModelSpec& m = *in.model;
  MemoryBreakdown mem;
  double params = 0, expert = 0, act_layers = 0;
  // Fine-grained offloading: the offloaded inputs of every in-flight layer
  // live on the host; the layer being copied out or back holds its own.
  // Per layer kind the model has (a kind it lacks reads as the dense layer).
  // Partial recomputation: layers past the first recompute_layers of their
  // chunk keep everything.
  const bool partial = in.recompute == Recompute::kFull && in.recompute_layers > 0;
  std::array<double, kLayerKinds> offloaded{}, act{}, kept{};
  double off_most = 0;
  for (size_t i = 0; i < kLayerKinds; ++i) {
    auto k = static_cast<LayerKind>(i);
    if ((IsMoe(k) && !m.moe) || (k == LayerKind::kMamba && !m.mamba)) k = LayerKind::kDense;
    offloaded[i] = OffloadedBytesPerLayer(in, k);
    act[i] = ActivationBytesPerLayer(in, k) - offloaded[i];
    kept[i] = partial ? FullLayerActivationBytes(in, k) : act[i];
    off_most = std::max(off_most, offloaded[i]);
  }
  auto of = [](const std::array<double, kLayerKinds>& a, LayerKind k) { return a[static_cast<size_t>(k)]; };
  for (int64_t c = 0; c < in.vpp; ++c) {
    const auto j = static_cast<size_t>(c * in.pp + rank);
    params += in.params[j];
    expert += in.expert_params[j];
    for (int64_t l = first_layer[j]; l < first_layer[j] + in.layers_per_vstage[j]; ++l) {
      const bool keeps = partial && l - first_layer[j] >= in.recompute_layers;
      act_layers += of(keeps ? kept : act, m.KindOf(l));
    }
    if (j < in.mtp_per_vstage.size()) {
      // An MTP layer keeps what a layer of its kind keeps (the last layer's: recomputed unless past
      // recompute_layers, which counts decoder layers only).
      const double mtp_act = of(partial ? kept : act, m.MtpKind());
      act_layers += static_cast<double>(in.mtp_per_vstage[j]) * mtp_act;
    }
  }
  auto sharded = [&](double bytes_per_param, bool shard) {
    return (params - expert) * bytes_per_param / (shard ? in.shard_ranks : 1.0) +
           expert * bytes_per_param / (shard ? in.expert_shard_ranks : 1.0);
  };
  // Without a separate master copy (PyTorch FSDP mixed precision) the held
  // parameter is the fp32 one the optimizer updates (4 B) and the optimizer
  // adds only Adam's two moments (8 B); Megatron and DeepSpeed hold 16-bit
  // parameters and an fp32 master beside the moments (12 B).
  // Pure bf16 (the model cast to bf16) holds 2 B of parameter, 2 B of
  // gradient (the parameter's dtype, whatever dtype reduced it) and two
  // 2 B moments (torch.optim.AdamW creates its state like the parameter).
  const bool quantized = in.quant_bytes > 0;
  const double weight_bytes = in.pure_bf16                       ? 2
                              : !in.master_weights               ? 4
                              : quantized && in.fp8_weights_only ? in.quant_weight_bytes
                                                                 : 2 + in.quant_weight_bytes;
  mem.weights = sharded(weight_bytes, in.zero >= 3);
  mem.gradients = sharded(in.pure_bf16 ? 2 : in.grad_bytes, in.zero >= 2);
  // Adam's moments at moment_bytes each (bf16 moments: Megatron-Core's precision-aware optimizer).
  mem.optimizer = sharded(in.pure_bf16 ? 4 : (in.master_weights ? 4 : 0) + 2 * in.moment_bytes, in.zero >= 1);
  // Activations: the rank's in-flight chunk passes, each holding one chunk
  // (the rank's layers / vpp) of one micro-batch.
  const double passes = static_cast<double>(InFlightChunkPasses(in.pp, in.vpp, rank, in.micro_batches));
  mem.activations = act_layers / static_cast<double>(in.vpp) * passes;
  if (in.cpu_offload_layers > 0) {
    // Offloaded layers keep nothing on the GPU for any in-flight micro-batch;
    // the layer being copied out or back needs its activations in place.
    // The first cpu_offload_layers of each chunk, as the step's costs count them.
    int64_t layers = 0, off_layers = 0;
    for (int64_t c = 0; c < in.vpp; ++c) {
      const int64_t n = in.layers_per_vstage[static_cast<size_t>(c * in.pp + rank)];
      layers += n;
      off_layers += std::min(in.cpu_offload_layers, n);
    }
    const double per_layer = layers > 0 ? act_layers / static_cast<double>(layers) : 0;
    const double off = static_cast<double>(off_layers);
    mem.activations = (act_layers - off * per_layer) / static_cast<double>(in.vpp) * passes + per_layer;
  }
  mem.activations += off_most;
  const double t = static_cast<double>(in.tp);
  const double s = static_cast<double>(in.seq_len) / static_cast<double>(in.cp);
  const double tokens = s * static_cast<double>(in.micro_batch);
  const double h = static_cast<double>(m.hidden);
  const double logit_bytes = LogitBytes(in.loss, in.tp > 1 && in.loss_parallel);
  // A chunked loss (framework.loss_chunks) projects and reduces one chunk of the tokens at a time.
  // Without loss parallelism every TP rank holds the whole vocabulary's logits.
  const double vocab_split = in.loss_parallel ? t : 1.0;
  const double one_head =
      tokens * static_cast<double>(m.vocab) / vocab_split * logit_bytes / static_cast<double>(in.loss_chunks);
  // Every MTP module's head and loss run on the last stage beside the main one (Megatron-Core's
  // process_mtp_loss): their logits wait for the backward together.
  const double mtp_heads = static_cast<double>(m.mtp_layers);
  mem.logits = rank == in.pp - 1 ? (1 + mtp_heads) * one_head : 0.0;
  if (in.tp > 1 && in.sequence_parallel) mem.buffers += tokens * h * 2;  // gathered layer input
  if (in.pp > 1) mem.buffers += 2 * tokens * h * 2 / (in.sequence_parallel ? t : 1.0);
  if (in.zero >= 3 && in.fsdp_gather_once) {
    mem.buffers += params * (in.param_bytes + in.grad_bytes);
  } else if (in.zero >= 3) {
    mem.buffers += ZeroThreeBuffers(in);
    if (in.fsdp_sync_last) mem.buffers += params * in.grad_bytes;
  }
  // Full recomputation rebuilds one layer's activations at a time during
  // the backward pass (Korthikanti et al. 2022, sec. 4.1); so does per-op
  // checkpointing for the part it did not keep.
  if (in.recompute == Recompute::kFull || in.recompute == Recompute::kSelectiveOp) {
    // One layer rebuilt at a time: the largest kind's (a transformer MoE model's MoE layer).
    double rebuilt = FullLayerActivationBytes(in, m.moe.has_value());
    for (LayerKind k : m.hybrid_pattern.empty() ? std::vector<LayerKind>{} : m.Kinds()) {
      rebuilt = std::max(rebuilt, FullLayerActivationBytes(in, k));
    }
    mem.buffers += rebuilt;
  }
  mem.runtime = 2.0 * (1 << 30);
  return mem;
}

}  // namespace

MemoryBreakdown StageMemory(const MemoryInput& in, int64_t rank) { return StageMemoryWith(in, rank, FirstLayers(in)); }

std::vector<MemoryBreakdown> EveryStageMemory(const MemoryInput& in) {
  const std::vector<int64_t> first_layer = FirstLayers(in);
  std::vector<MemoryBreakdown> stages;
  for (int64_t r = 0; r < in.pp; ++r) stages.push_back(StageMemoryWith(in, r, first_layer));
  return stages;
}

PeakMemory MostLoadedStage(const std::vector<MemoryBreakdown>& stages) {
  PeakMemory best;
  double most = -1;
  for (size_t r = 0; r < stages.size(); ++r) {
    if (stages[r].Total() > most) {
      most = stages[r].Total();
      best = {stages[r], static_cast<int64_t>(r)};
    }
  }
  return best;
}

}  // namespace cb::sim
