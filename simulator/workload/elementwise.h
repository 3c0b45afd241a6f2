// Memory-bound work a layer runs beside its GEMMs and attention, when a
// framework runs it as unfused PyTorch ops ("eager") instead of fused kernels.
//
// Maths. Every eager op is a separate kernel that reads its inputs from HBM
// and writes its output back, so a layer pass moves Σ_op (bytes read +
// bytes written) and launches one kernel per op. The op list is torchtitan's
// Llama block (torchtitan/models/llama/model.py, torchtitan/models/norms.py
// class RMSNorm, at 0199cbc and 026e23a), in bytes per element, bf16
// activations (2 B) computed in fp32 (4 B) where the code casts:
//
//   RMSNorm  x.float() 2+4, pow(2) 4+4, mean 4, x·rsqrt 4+4, type_as 4+2,
//            ·weight 2+2                                          forward 36
//            backward by autograd's formulas (derivatives.yaml): ·weight's
//            two grads 4 + 6 + 2 (sum), type_as 2+4, x·r's two grads 8 + 12
//            + 4 (sum), mean's expand/N 4, pow's 2·x·grad 4+4, 4+4, 8+4,
//            the two grads of x.float() added 8+4, cast back 4+2   backward 92
//   RoPE     per q and k element: .float() 2+4, complex multiply 4+4,
//            type_as 4+2                                          forward 20
//            backward: cast 2+4, multiply by the conjugate 4+4, cast 4+2  20
//   repeat_kv (heads > kv heads): K and V expanded and copied, g·d read and
//            a·d written per token each (2 B), and summed back in backward
//   SwiGLU   silu 2+2, multiply 4+2 per f element                 forward 10
//            backward: two multiply grads 4+2 each, silu' 4+2     backward 18
//
// against the fused kernels the step model charges otherwise (an RMSNorm
// reads and writes once: 4 B forward, 8 backward; SwiGLU 6 and 12; RoPE and
// repeat_kv folded into the attention kernels). What is returned is the
// excess over the fused charge, so the fused model is unchanged and eager
// adds to it. Residual adds are one kernel either way.
//
// Cross-check (not used to set anything): torchtitan PR #181 (2024-03)
// measured its Triton fused RMSNorm at "+15% MFU with FSDP2 7B" eager, +1.2%
// compiled; the RMSNorm terms above give 13-17% for Llama 3 8B on H100
// (docs/simulator-model.md, "Eager element-wise ops").
#ifndef CLUSTERBENCH_SIMULATOR_WORKLOAD_ELEMENTWISE_H_
#define CLUSTERBENCH_SIMULATOR_WORKLOAD_ELEMENTWISE_H_

#include <string>
#include <vector>

#include "simulator/workload/transformer.h"

namespace cb::sim {

// How the framework runs the layer's memory-bound ops (framework.elementwise).
enum class Elementwise {
  kFused,  // fused kernels (Megatron-Core / Transformer Engine, torch.compile)
  kEager,  // PyTorch eager, op by op (torchtitan without torch.compile)
};

// "fused", "eager"; anything else throws ConfigError naming the valid names.
Elementwise ParseElementwise(const std::string& name);

// Bytes and kernels one GPU's layer pass moves in eager mode beyond the fused
// charge, for one micro-batch.
struct EagerExcess {
  double fwd_bytes = 0, bwd_bytes = 0;
  int fwd_kernels = 0, bwd_kernels = 0;
};

// `tokens`: the micro-batch's tokens on this GPU's TP group (b·s/cp);
// `norm_tokens`: the tokens its norms see (tokens/tp under sequence
// parallelism); `tp`: tensor-parallel ranks sharing heads and the MLP;
// `mlp_width`: the activation's width per token (f, or f_e·top_k for MoE).
EagerExcess EagerLayerExcess(const ModelSpec& m, double tokens, double norm_tokens, double tp, double mlp_width);

// Ops a fused framework still runs outside its fused kernels
// (framework.unfused_ops), read from Megatron-Core 0.15.0/0.16.0, the
// releases of NeMo's 25.11 and 26.02 containers (docs/evidence/gpt-oss-megatron-kernels.md):
//
//   rope         apply_rotary_pos_emb_bshd when rope fusion is off (Megatron-Bridge
//                refuses fusion for anything but plain RoPE, so YaRN runs it): per q
//                and k element neg (half), cat, ·cos, ·sin, add, cat: 6 kernels,
//                6.5 reads + 5.5 writes = 24 B forward; backward taken alike
//   glu_clamp    weighted_bias_quick_geglu_impl with clamp_value: chunk, clamp of
//                each half, torch.cat before the compiled activation: per element of
//                fc1's output 2 + 2 (clamps) + 2 + 2 (cat) = 8 B, 3 kernels forward;
//                backward two clamp masks (grad and input read, grad written: 6 B)
//                and chunk-backward's cat (4 B): 10 B, 3 kernels
//   expert_bias  TEGroupedMLP._apply_bias for fc2 (built with skip_bias_add): per
//                local expert t + b·p (b·p written, then t and it read and the sum
//                written) and one torch.cat of the experts' outputs: 2 + 6 + 4 =
//                12 B per element of fc2's output forward in bf16 (more with fp32
//                router probabilities), 2 kernels per local expert + 1; backward the
//                two products' gradients and their row sums, 12 B, 2 per expert + 2
struct UnfusedOps {
  bool rope = false, glu_clamp = false, expert_bias = false;
  bool Any() const { return rope || glu_clamp || expert_bias; }
};

// "rope", "glu_clamp", "expert_bias" (the schema has refused anything else).
UnfusedOps ParseUnfusedOps(const std::vector<std::string>& names);

// `qk_elements`: the q and k elements of one GPU's layer pass.
EagerExcess UnfusedRopeExcess(double qk_elements);
// `fc1_out`: elements of fc1's output over the routed copies this GPU computes.
EagerExcess UnfusedGluClampExcess(double fc1_out);
// `fc2_out`: elements of fc2's output over those copies; `local_experts` loop.
EagerExcess UnfusedExpertBiasExcess(double fc2_out, double local_experts);

}  // namespace cb::sim

#endif  // CLUSTERBENCH_SIMULATOR_WORKLOAD_ELEMENTWISE_H_
