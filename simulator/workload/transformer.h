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
#ifndef CLUSTERBENCH_SIMULATOR_WORKLOAD_TRANSFORMER_H_
#define CLUSTERBENCH_SIMULATOR_WORKLOAD_TRANSFORMER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/config.h"

namespace cb::sim {

struct MoeSpec {
  int64_t experts = 0, top_k = 0, expert_ffn_hidden = 0, shared_experts = 0, first_dense_layers = 0;
  int64_t layer_freq = 1;  // every k-th layer (after the leading dense ones) is an MoE layer
};

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

  // Width of one attention head: hidden / heads, unless the model sets it
  // (Qwen3, GPT-OSS: heads x head_dim != hidden).
  int64_t head_dim() const { return head_dim_override > 0 ? head_dim_override : hidden / heads; }
  // Per-head widths of Q·K and V, and the heads K and V have (MLA: every head).
  int64_t QkHeadDim() const { return mla ? mla->qk_nope_head_dim + mla->qk_rope_head_dim : head_dim(); }
  int64_t VHeadDim() const { return mla ? mla->v_head_dim : head_dim(); }
  int64_t KvHeads() const { return mla ? heads : kv_heads; }
  bool IsMoeLayer(int64_t layer) const {
    return moe && layer >= moe->first_dense_layers && (layer - moe->first_dense_layers) % moe->layer_freq == 0;
  }
  // An MTP module's layer is built from the last decoder layer's spec
  // (Megatron-LM pretrain_gpt.py: transformer_layer_spec.layer_specs[-1]).
  bool MtpIsMoe() const { return IsMoeLayer(layers - 1); }
  int64_t MlpMatrices() const { return swiglu ? 3 : 2; }
  bool IsSlidingLayer(int64_t layer) const {
    return window_size > 0 && (window_attn_skip_freq == 0 || (layer + 1) % window_attn_skip_freq != 0);
  }
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
  double norms_per_layer = 0;
  double embedding = 0;       // V·h
  double lm_head = 0;         // V·h, 0 when tied
  double mtp_per_module = 0;  // one MTP module: its layer, 2h x h projection and three norms (head shared)
  double mtp_extra = 0;       // of which beyond the layer: eh_proj (2h x h) and enorm, hnorm, final norm (3h)
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
