// Transformer workload: parameters, FLOPs and per-GPU operation shapes.
//
// Notation (Narayanan et al. SC'21; Korthikanti et al. 2022): b micro-batch,
// s sequence, h hidden, a heads, g kv heads, d = h/a head size, f FFN size,
// V vocabulary, L layers; t TP, c CP, e EP degrees. Per layer and token the
// forward matmul FLOPs are 2 x (weights touched): QKV 2h(a+2g)d, projection
// 2adh, MLP 2·h·f·(3 for SwiGLU, 2 for GeLU); core attention 4·s·a·d
// (QK^T and AV, counted over the full s x s square as Megatron and
// Korthikanti do; a causal flash kernel executes half of it). For GPT
// (f = 4h, g = a, GeLU) this gives the published model-FLOP formula
//   3 x fwd = 72·B·s·L·h²·(1 + s/(6h) + V/(12·L·h)) per iteration.
// MoE layers replace the MLP with top_k routed experts plus shared experts
// and a router (h·E); experts are counted at their active size.
// Hybrid models (Megatron-Core's hybrid_override_pattern: NVIDIA Nemotron-H,
// Nemotron Nano 2, Nemotron 3) give each layer one block with its own pre-norm
// and residual: 'M' a Mamba-2 mixer (workload/mamba.h), '*' attention, '-' the
// dense MLP, 'E' the MoE block; a GPT layer is the pair "*-".
#ifndef CLUSTERBENCH_SIMULATOR_WORKLOAD_TRANSFORMER_H_
#define CLUSTERBENCH_SIMULATOR_WORKLOAD_TRANSFORMER_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/config.h"

namespace cb::sim {

struct MoeSpec {
  int64_t experts = 0, top_k = 0, expert_ffn_hidden = 0, shared_experts = 0, first_dense_layers = 0;
  int64_t layer_freq = 1;  // every k-th layer (after the leading dense ones) is an MoE layer
  // Latent MoE (Nemotron 3 Super's moe_latent_size; Megatron-LM training.py moe_layer_flops): the routed
  // experts read and write a `latent`-wide projection of the hidden state, dispatched at that width, with one
  // h -> latent and one latent -> h projection per token; 0 = experts on the hidden state.
  int64_t latent = 0;
  int64_t ExpertWidth(int64_t hidden) const { return latent > 0 ? latent : hidden; }
};

// Mamba-2 mixer (Dao & Gu 2024, arXiv:2405.21060; Megatron-Core
// ssm/mamba_mixer.py): d_inner = heads x head_dim, B and C in `groups` groups
// of `state` channels, a depthwise causal conv of width `conv` over x, B and C,
// the SSD scan in chunks of `chunk` tokens.
struct MambaSpec {
  int64_t heads = 0, head_dim = 64, state = 128, groups = 8, conv = 4, chunk = 128;
  int64_t Inner() const { return heads * head_dim; }
  // in_proj's output per token: z, x (d_inner each), B, C (groups x state each), dt (one per head).
  int64_t InProjWidth() const { return 2 * Inner() + 2 * groups * state + heads; }
  int64_t ConvWidth() const { return Inner() + 2 * groups * state; }  // x, B, C
};

// What one layer holds: a transformer layer's attention and MLP (dense or
// MoE), or one block of a hybrid pattern.
enum class LayerKind { kDense, kMoe, kAttention, kMlp, kExperts, kMamba };
constexpr size_t kLayerKinds = 6;
constexpr bool HasAttention(LayerKind k) {
  return k == LayerKind::kDense || k == LayerKind::kMoe || k == LayerKind::kAttention;
}
constexpr bool HasMlp(LayerKind k) {
  return k == LayerKind::kDense || k == LayerKind::kMoe || k == LayerKind::kMlp || k == LayerKind::kExperts;
}
constexpr bool IsMoe(LayerKind k) { return k == LayerKind::kMoe || k == LayerKind::kExperts; }
// Blocks with their own norm, residual and TP collectives: 2 for a transformer layer.
// The block in attention's place: attention or a Mamba mixer (a hybrid's MLP and MoE blocks have none).
constexpr bool HasMixer(LayerKind k) { return HasAttention(k) || k == LayerKind::kMamba; }
constexpr int Blocks(LayerKind k) { return k == LayerKind::kDense || k == LayerKind::kMoe ? 2 : 1; }
constexpr LayerKind TransformerKind(bool moe) { return moe ? LayerKind::kMoe : LayerKind::kDense; }
// "dense", "moe", "attention", "mlp", "experts", "mamba".
const char* LayerKindName(LayerKind k);

// Multi-head latent attention (DeepSeek-V2/V3, Kimi K2): queries through an
// optional low-rank bottleneck, keys and values through a shared latent of
// kv_lora_rank plus a decoupled RoPE key; per head, q·k spans
// qk_nope + qk_rope dimensions and v spans v_head (DeepSeek-V3 config.json:
// 1536, 512, 128, 64, 128).
struct MlaSpec {
  int64_t q_lora_rank = 0, kv_lora_rank = 0, qk_nope_head_dim = 0, qk_rope_head_dim = 0, v_head_dim = 0;
};

struct ModelSpec {
  std::string name;
  int64_t layers = 0, hidden = 0, heads = 0, kv_heads = 0, ffn_hidden = 0, vocab = 0;
  int64_t head_dim_override = 0;  // model key `head_dim`; 0 = hidden / heads
  bool swiglu = true;
  bool tied_embeddings = false;
  // Multi-token prediction (DeepSeek-V3, arXiv:2412.19437 sec. 2.2; Megatron-Core
  // mtp_num_layers): module k normalises the previous depth's hidden state and
  // the embedding of the token k ahead, projects their concatenation 2h -> h,
  // runs one transformer layer and the shared LM head with its own loss.
  int64_t mtp_layers = 0;
  // Sliding-window attention (Megatron-Core's window_size and window_attn_skip_freq; GPT-OSS 128 and 2,
  // Mistral 7B every layer): a sliding layer's query attends the `window_size` tokens before it and itself;
  // with skip_freq k every k-th layer (1-based) attends in full, with 0 every layer slides.
  int64_t window_size = 0, window_attn_skip_freq = 0;
  double glu_clamp = 0;      // the gated activation clamps its inputs (GPT-OSS 7); 0 = no clamp
  bool expert_bias = false;  // routed experts' linear layers carry biases (GPT-OSS)
  std::optional<MoeSpec> moe;
  std::optional<MlaSpec> mla;
  std::optional<MambaSpec> mamba;
  // Hybrid models: one symbol per layer ('M', '*', '-', 'E'); empty for a transformer.
  std::string hybrid_pattern;

  // Width of one attention head: hidden / heads, unless the model sets it
  // (Qwen3, GPT-OSS: heads x head_dim != hidden).
  int64_t head_dim() const { return head_dim_override > 0 ? head_dim_override : hidden / heads; }
  // Per-head widths of Q·K and V, and the heads K and V have (MLA: every head).
  int64_t QkHeadDim() const { return mla ? mla->qk_nope_head_dim + mla->qk_rope_head_dim : head_dim(); }
  int64_t VHeadDim() const { return mla ? mla->v_head_dim : head_dim(); }
  int64_t KvHeads() const { return mla ? heads : kv_heads; }
  bool IsMoeLayer(int64_t layer) const {
    if (!hybrid_pattern.empty()) return hybrid_pattern[static_cast<size_t>(layer)] == 'E';
    return moe && layer >= moe->first_dense_layers && (layer - moe->first_dense_layers) % moe->layer_freq == 0;
  }
  LayerKind KindOf(int64_t layer) const;
  // Layers of each kind (indexed by LayerKind).
  int64_t LayersOfKind(LayerKind k) const {
    int64_t n = 0;
    for (int64_t l = 0; l < layers; ++l) n += KindOf(l) == k ? 1 : 0;
    return n;
  }
  // An MTP module's layer is built from the last decoder layer's spec
  // (Megatron-LM pretrain_gpt.py: transformer_layer_spec.layer_specs[-1]); a
  // hybrid model's MTP pattern is attention and an MLP ("*E" in Nemotron 3
  // Super's mtp_hybrid_override_pattern), a transformer layer of the model's MLP kind.
  bool MtpIsMoe() const { return hybrid_pattern.empty() ? IsMoeLayer(layers - 1) : moe.has_value(); }
  LayerKind MtpKind() const { return TransformerKind(MtpIsMoe()); }
  int64_t MlpMatrices() const { return swiglu ? 3 : 2; }
  bool IsSlidingLayer(int64_t layer) const {
    if (!HasAttention(KindOf(layer))) return false;
    return window_size > 0 && (window_attn_skip_freq == 0 || (layer + 1) % window_attn_skip_freq != 0);
  }
  int64_t AttentionLayers() const {
    return LayersOfKind(LayerKind::kDense) + LayersOfKind(LayerKind::kMoe) + LayersOfKind(LayerKind::kAttention);
  }
  // The layer kinds the model has, in the order they first appear, its MTP modules' included.
  std::vector<LayerKind> Kinds() const;
  int64_t SlidingLayers() const {
    int64_t n = 0;
    for (int64_t l = 0; l < layers; ++l) n += IsSlidingLayer(l) ? 1 : 0;
    return n;
  }
  int64_t MoeLayers() const {
    int64_t n = 0;
    for (int64_t l = 0; moe && l < layers; ++l) n += IsMoeLayer(l) ? 1 : 0;
    return n;
  }
};

// From a validated `model` document (core/config.h schema "model").
ModelSpec ModelFromConfig(const ConfigNode& model);

// Work of causal attention over s tokens when each query attends at most the
// w tokens before it and itself (w <= 0: no window), in (query, key) pairs
// counted in tile x tile blocks as a flash kernel visits them: a block enters
// when any of its pairs is unmasked (FlashAttention-2, Dao 2023, sec. 3.1.1:
// blocks above the causal diagonal are skipped, the rest are computed whole).
// tile = 1 counts the unmasked pairs exactly, as Megatron-Bridge's FLOP
// formula does (flop_utils attention_flops_calculator: s(s+1)/2 causal,
// w(w+1)/2 + (s - w)·w with a window).
double CausalAttentionWork(int64_t s, int64_t w, int64_t tile);

// A sliding layer's core-attention work relative to a layer of full causal
// attention (1 without a window).
double SlidingLayerWork(const ModelSpec& m, int64_t seq_len, int64_t tile);

// Core-attention work of the average layer relative to a layer of full causal
// attention: 1 without sliding layers.
double AttentionSpanFactor(const ModelSpec& m, int64_t seq_len, int64_t tile);

// The full-attention layers' share of the average layer's core-attention work
// (1 without sliding layers, 0 when every layer slides).
double FullLayerAttentionShare(const ModelSpec& m, int64_t seq_len, int64_t tile);

struct ParamCounts {
  double attention_per_layer = 0;  // QKV + projection weights
  double dense_mlp_per_layer = 0;
  double moe_mlp_per_layer = 0;         // all experts + shared + router
  double moe_active_mlp_per_layer = 0;  // top_k experts + shared + router
  double shared_experts_per_layer = 0;  // the shared experts among them
  double latent_proj_per_layer = 0;     // latent MoE: the h -> latent and latent -> h projections among them
  double norms_per_layer = 0;           // a transformer layer's two; a hybrid block has one (h)
  double mamba_per_layer = 0;           // a Mamba-2 mixer: in_proj, conv, dt/A/D, gated norm, out_proj
  double embedding = 0;                 // V·h
  double lm_head = 0;                   // V·h, 0 when tied
  double mtp_per_module = 0;            // one MTP module: its layer, 2h x h projection and three norms (head shared)
  double mtp_extra = 0;                 // of which beyond the layer: eh_proj (2h x h) and enorm, hnorm, final norm (3h)
  double total = 0;
  double active = 0;  // per token (MoE: routed experts at top_k)
};
ParamCounts CountParams(const ModelSpec& m);

// Model FLOPs of one forward pass of one token at sequence length s
// (matmuls incl. LM head; attention over the full square; no recompute),
// MTP modules included (each: its layer, projection and the LM head again).
double ForwardFlopsPerToken(const ModelSpec& m, int64_t seq_len);

}  // namespace cb::sim

#endif  // CLUSTERBENCH_SIMULATOR_WORKLOAD_TRANSFORMER_H_
