// Host-bound layer passes: the CPU issuing kernels slower than the GPU runs them.
//
// Maths. In eager PyTorch the CPU issues every kernel, cuBLAS GEMM and NCCL
// collective of a pass through Python, the dispatcher, autograd and the
// driver, and the GPU runs them asynchronously behind it. A pass whose n host
// calls take longer than its GPU work leaves the GPU waiting:
//
//   t_pass = max(t_gpu, n · c_call)
//
// and where the framework waits for the GPU once a layer (Megatron-Core's MoE
// dispatcher copies the per-expert token counts to the host and waits for
// them, token_dispatcher.py `_maybe_dtoh_and_synchronize`, unless the experts
// are padded to a fixed capacity) the queue drains there. Between two waits
// the CPU issues this layer's dispatch, experts and combine (b) and then the
// next layer's attention, router and preprocess (a) without stopping, so a
// cannot finish before b's calls are issued and a has run:
//
//   t_fwd = max(g_a + g_b, g_a + n_b · c_call, (n_a + n_b) · c_call)
// CUDA graphs replay what they captured with one launch: its calls drop out
// of n (framework.cuda_graphs: `full`, Megatron-Core's full-iteration graph,
// or Transformer Engine's per-module scopes attn, mlp, moe, moe_router,
// moe_preprocess).
//
// c_call, the host time of one call: torch.nn.Linear forward (one cuBLAS
// GEMM) measured 13.48 µs of CPU time on a DGX H100's Xeon Platinum 8480C and
// 37.08 µs on GB200's Grace, hidden 2048 and 8192 tokens in bf16
// (NVIDIA/TransformerEngine issue #2053); GPU config key `host_call`. Checks,
// not used: Transformer Engine's nvte_cublas_gemm NVTX ranges on an 8xB200 x86
// node, median 13.7 µs (yanring/Megatron-MoE-ModelZoo issue #7); torch.mm
// 7.6 µs per call on a B200 box (NVIDIA/cudnn-frontend
// docs/framework_integration_performance.md); HTA's "5-20 microseconds".
//
// n, per layer and micro-batch, counted from Transformer Engine 2.x and
// Megatron-Core code (docs/evidence/host-kernel-counts.md, sections 2-3):
//
//   attention block   input RMSNorm + QKV GEMM (LayerNormLinear) 2, RoPE 1,
//                     cuDNN attention with its RNG-state kernel 2, output
//                     projection 1, residual add 1: 7 forward; backward 2 GEMMs
//                     x 2 + norm backward 2 + RoPE 1 + attention 3 + residual 1 = 11
//   MLA               + 3 GEMMs and 2 norms forward (q_a, q_b, kv_a, kv_b and their
//                     norms against one QKV GEMM), twice as many backward
//   dense MLP block   RMSNorm + fc1 2, activation 1, fc2 1, residual add 1: 5
//                     forward; 4 GEMMs + norm backward 2 + activation 1 + residual 1 = 8
//   fp8 / nvfp4       each quantized GEMM input (4 forward) and output gradient
//                     (4 backward) adds its quantization: Transformer Engine's
//                     current scaling launches a memset and amax, scale and cast
//                     kernels (4), fused into a norm's output as scale and cast (2):
//                     3 per input on average, 4 per gradient
//   TP                an all-gather and a reduce-scatter per block with sequence
//                     parallelism (an all-reduce without): 4 (2) each pass
//   CP                a K/V send-receive pair per ring step: 2(cp-1) forward, 4(cp-1) backward
//   MoE block         replaces the dense MLP: RMSNorm 1 (2), residual 1 (1); the
//                     router's 72 forward kernels, 31 with router fusion (Megatron-LM
//                     docs, "Optimizing DeepSeek-V3 Training Performance on NVIDIA
//                     GB200 NVL72", 2.1.4) and one backward kernel for each
//                     [inferred: autograd mirrors each op]; the dispatcher's
//                     preprocess 9 (token counts, splits and an all-gather of them),
//                     its 6 D2H copies, permute, sort and unpermute 8 and 3
//                     all-to-alls forward, 11 backward (token_dispatcher.py; a
//                     deduplicating dispatcher's fused preprocess: 1); the experts:
//                     one cuBLAS GEMM per local expert and GEMM (Transformer Engine's
//                     nvte_multi_stream_cublas_gemm loops over them), 2N forward and
//                     4N backward, an activation 2 (2), and quantization once per
//                     grouped GEMM input (2 forward, 2 backward); shared experts 3 (6).
//                     Transformer Engine's fused grouped MLP instead: fc1's input
//                     quantized, fc1 + GLU + quantization, fc2: 3 forward; the
//                     gradient quantized, fc2 dgrad + GLU backward, fc1 dgrad, two
//                     weight gradients: 5 backward (te/pytorch/ops/fused grouped MLP)
//   unfused ops       every extra kernel of framework.elementwise eager and
//                     framework.unfused_ops (workload/elementwise.h)
//
// Cross-check (held out, not used to set anything): Megatron-LM PR #5728
// measured Qwen3-235B and Qwen3-30B on GB200 in MXFP8 with partial against
// full-iteration CUDA graphs at 876.2 against 1208.3 and 480.3 against 598.1
// TFLOP/s/GPU (docs/simulator-model.md, "Host-bound passes").
#ifndef CLUSTERBENCH_SIMULATOR_WORKLOAD_HOST_LAUNCH_H_
#define CLUSTERBENCH_SIMULATOR_WORKLOAD_HOST_LAUNCH_H_

#include <string>
#include <vector>

namespace cb::sim {

// What CUDA graphs capture (framework.cuda_graphs): `full` (the whole
// forward and backward), `none`, or a list of Transformer Engine scopes.
struct CudaGraphs {
  bool full = false;
  bool attn = false, mlp = false, moe = false, moe_router = false, moe_preprocess = false, mamba = false;
};

// "full", "none", or scope names (attn, mlp, moe, moe_router,
// moe_preprocess); anything else throws ConfigError naming the valid names.
CudaGraphs ParseCudaGraphs(const std::vector<std::string>& names);

struct HostCallsInput {
  bool moe = false, mla = false, quantized = false, sequence_parallel = false;
  // The layer's blocks: a transformer layer has attention and an MLP; a hybrid
  // block one of attention, the MLP (or MoE) and a Mamba mixer.
  bool attention = true, mlp = true, mamba = false;
  double tp = 1, cp = 1;
  double local_experts = 0;  // routed experts on this GPU
  bool shared_experts = false, router_fusion = false, dedup_dispatcher = false;
  bool fused_grouped_mlp = false;  // the experts as 3 grouped launches forward, 5 backward
  // The dispatcher learns its split sizes on the host; experts padded to a
  // fixed capacity have static shapes and nothing waits.
  bool dispatcher_sync = false;
  // Unfused element-wise kernels of each block (forward, backward).
  struct Kernels {
    int fwd = 0, bwd = 0;
  };
  Kernels eager_attn, eager_mlp;
  CudaGraphs graphs;
};

// Host calls of one layer pass left eager by the graphs, split at the
// forward's wait: before it attention, router and preprocess (a), after it
// dispatch, experts and combine (b); zero after it when nothing waits.
struct HostCalls {
  double fwd_before_wait = 0, fwd_after_wait = 0, bwd = 0;
  bool waits = false;  // the forward drains the queue at the dispatcher
  double Fwd() const { return fwd_before_wait + fwd_after_wait; }
};

HostCalls LayerHostCalls(const HostCallsInput& in);

}  // namespace cb::sim

#endif  // CLUSTERBENCH_SIMULATOR_WORKLOAD_HOST_LAUNCH_H_
