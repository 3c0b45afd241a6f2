// The GEMMs one GPU runs in one transformer layer's forward pass under
// Megatron-style tensor parallelism of degree tp (Shoeybi et al., "Megatron-LM",
// 2019, §3: column-parallel QKV and MLP-in, row-parallel attention output and
// MLP-out), with T = tokens per micro-batch (micro-batch x sequence length):
//
//   d = hidden / heads (head size), h_l = heads / tp, g_l = max(1, kv_heads / tp)
//   qkv          m = T  n = (h_l + 2·g_l)·d   k = hidden     (grouped-query attention)
//   attn_out     m = T  n = hidden            k = h_l·d
//   mlp_up_gate  m = T  n = 2·ffn / tp        k = hidden     (SwiGLU: up and gate fused, as
//                                                             Megatron-Core and Transformer Engine run them)
//   mlp_up       m = T  n = ffn / tp          k = hidden     (GELU)
//   mlp_down     m = T  n = hidden            k = ffn / tp
//
// Mixture of experts (balanced routing, each expert split over tp like a dense MLP):
//   router          m = T          n = experts   k = hidden
//   expert_up_gate  m = T·top_k/E  n = 2·f_e/tp  k = hidden  (expert_up for GELU)
//   expert_down     m = T·top_k/E  n = hidden    k = f_e/tp
//   shared_up_gate, shared_down: as the expert, m = T, f = shared_experts·f_e
// and the dense mlp_* shapes too when the model has leading dense layers.
//
// Attention's own batched products (QK^T, PV) are not GEMMs of this list:
// they run in fused attention kernels.
#ifndef CLUSTERBENCH_KERNELS_MODEL_SHAPES_H_
#define CLUSTERBENCH_KERNELS_MODEL_SHAPES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/config.h"
#include "kernels/gpu_bench.h"

namespace cb {

struct TransformerDims {
  std::string name;
  int64_t hidden = 0;
  int64_t heads = 0;
  int64_t kv_heads = 0;  // = heads when the model does not use GQA
  int64_t ffn_hidden = 0;
  bool swiglu = true;
  // Mixture of experts: experts == 0 for a dense model.
  int64_t experts = 0, top_k = 0, expert_ffn_hidden = 0, shared_experts = 0, first_dense_layers = 0;
};

// Reads a loaded `model` document (core/schemas.cc ModelSchema).
TransformerDims DimsFromModel(const ConfigNode& model);

// The per-GPU forward GEMMs of one layer (see the header comment). Throws
// UsageError naming the numbers when tp does not divide heads, the head
// size, kv_heads (or kv_heads does not divide tp), or the feed-forward size;
// or when tokens < 1.
std::vector<GemmShape> LayerGemms(const TransformerDims& dims, int64_t tp, int64_t tokens);

}  // namespace cb

#endif  // CLUSTERBENCH_KERNELS_MODEL_SHAPES_H_
