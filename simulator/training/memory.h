// Memory of one GPU during a training step: model state, activations kept for
// backward, buffers. The most loaded pipeline rank decides whether a layout fits.
//
// Model state per parameter held by the GPU (Megatron-Core with the
// distributed optimizer; PyTorch FSDP alike):
//   weights    2 B (bf16), + 1 B in fp8 training (Transformer Engine's fp8 copy of each
//              weight, cached across micro-batches; nvfp4: row-wise and column-wise copies,
//              2 x 0.5625 B), or 1 B when the framework keeps the compute weights only in
//              fp8 (fp8_param_gather), / n_shard under ZeRO-3
//   gradients  4 B (fp32 main grads, Megatron's grad buffer) or 2 B when gradients are
//              reduced in bf16 (grad_reduce_in_fp32 false), / n_shard under ZeRO-2/3
//   optimizer  12 B (fp32 master, Adam m and v), / n_shard under ZeRO-1/2/3
// n_shard = dp·cp for dense parameters (or the hybrid-sharding group), dp·cp·tp/(etp·ep)
// for routed experts (their expert-data-parallel group).
//
// Activations of one layer for one micro-batch, in bytes per element of
// s·b·h (s = sequence per CP rank), generalising Korthikanti et al. 2022,
// "Reducing Activation Recomputation in Large Transformer Models", eq. (1)-(3)
// (34·sbh + 5·a·s²·b for GPT: attention 11, MLP 19, norms 4):
//   attention  2 (QKV input) + 2·(1 + 2g/a) (Q, K, V) + 2 (output, projection input) + δ
//              + unfused kernels only: (2 + 3δ)·a·s/h (softmax output, dropout mask and output)
//   MLP        2 (input) + μ·f/h + δ,  μ = 4 (GeLU: its input and output), 6 (SwiGLU: gate, up, product)
//   norms      4 (two norm inputs)
// δ = 1 when the model trains with dropout (one-byte masks after attention and
// the MLP; GPT-2/3 and BLOOM do, Llama-class models do not). Flash attention
// keeps Q, K, V and the output (and a negligible log-sum-exp row) instead of
// the s x s matrices (Dao et al. 2022). A routed MoE layer keeps, per token,
// top_k·ι dispatched copies of the input (·etp: an expert-TP group gathers
// its members' tokens) and top_k·ι experts' inner tensors, plus the shared
// experts' (ι = routing imbalance). Sequence parallelism divides everything
// by t; without it, 8 + 2δ units (norm inputs, QKV and MLP inputs, dropout
// masks) stay whole. Selective recomputation drops the s² term; full
// recomputation keeps only each layer's input, 2 units (/t with SP).
//
// In flight on pipeline rank r of p (Megatron-Core's schedules,
// `get_num_warmup_microbatches`): 1F1B holds min(p − r, m) micro-batches of
// its layers; interleaving with v chunks holds min(2(p − r − 1) + (v − 1)p + 1, m·v)
// chunk passes of L_r/v layers each — for rank 0 that is L·(1 + (p−1)/(p·v))
// layers' worth, Korthikanti's interleaving factor.
//
// The last rank also holds one micro-batch's logits: b·s·V/t × (2 B bf16 + 4 B
// fp32 for the loss), Megatron-Core's vocab-parallel cross entropy, which
// exponentiates the fp32 copy in place and keeps it for backward. PyTorch's
// F.cross_entropy on `logits.float()` (torchtitan's loss, eager until its loss
// was compiled in April 2025: pytorch/torchtitan PR #1033) peaks in the loss
// backward at 12 B: log_softmax's saved fp32 output, nll_loss's dense fp32
// gradient and log_softmax_backward's fp32 result (the bf16 logits and the
// fp32 input are freed by then: torchtitan's train.py `del pred`); over TP's
// vocabulary shards (PyTorch's loss_parallel, torch/distributed/tensor/parallel/
// loss.py) at 16 B: its fused backward (zeros_like(x) + exp(x)) * grad holds the
// saved output, the zeros, exp(x) and their sum. Buffers: the sequence-parallel all-gather of a
// layer's input (2·b·s·h), pipeline send and receive buffers, and under ZeRO-3 the gathered bf16 weights of 1 +
// prefetch layers plus one layer's unsharded fp32 gradients before their reduce-scatter (DeepSpeed: at most
// stage3_max_live_parameters gathered, but never less than its largest
// module, and gradients reduced in reduce_bucket_size buckets); gathering once per step
// (fsdp_gather_once: torchtitan with pipeline parallelism keeps parameters
// unsharded after forward, and PyTorch pipelining accumulates unsharded
// gradients until the last backward), every parameter of the rank held
// gathered plus its unsharded gradient; reducing only after the last
// micro-batch (fsdp_sync_last: FSDP2 set_requires_gradient_sync(False),
// FSDP1 no_sync()), the unsharded gradients in the reduce dtype besides the
// per-layer buffers (KempnerForge's 175B README: "FSDP2 retains the
// unsharded fp32 gradient across microbatches"). Runtime: 2 GiB for the CUDA context,
// library workspaces, NCCL channel buffers and allocator slack.
#ifndef CLUSTERBENCH_SIMULATOR_TRAINING_MEMORY_H_
#define CLUSTERBENCH_SIMULATOR_TRAINING_MEMORY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "simulator/training/recompute.h"
#include "simulator/workload/transformer.h"

namespace cb::sim {

// How the loss is computed from the logits (framework.loss).
enum class LossKernel {
  kFused,  // Megatron-Core's vocab-parallel cross entropy: 6 B per logit
  kEager,  // PyTorch F.cross_entropy on fp32 logits: 12 B per logit at its backward
  // Transformer Engine's parallel_cross_entropy (Megatron-Core
  // --cross-entropy-fusion-impl te): it saves the bf16 logits themselves and
  // writes the gradient into them in place, 2 B per logit.
  kTe,
  // F.cross_entropy compiled by torch.compile (torchtitan with compile on, its loss compiled since
  // pytorch/torchtitan PR #1033, 2025-04): Inductor fuses the fp32 upcast into the kernels, so the forward
  // holds nothing beyond the bf16 logits and the backward one gradient like them, 4 B per logit
  // ("memory-wise it's ~0 for just fwd and ~d_input for fw+bw": Dao-AILab/quack issue #48, a PyTorch
  // compiler developer, 2025-10-07).
  kCompiled,
};
// "fused", "eager", "te", "compiled"; anything else throws ConfigError naming the valid names.
LossKernel ParseLossKernel(const std::string& name);

struct MemoryBreakdown {
  double weights = 0, gradients = 0, optimizer = 0, activations = 0, logits = 0, buffers = 0, runtime = 0;
  double Total() const { return weights + gradients + optimizer + activations + logits + buffers + runtime; }
};

// Megatron-Core's fine-grained activation offloading (--fine-grained-activation-offloading
// --offload-modules ...): the input a module saves for its backward is copied
// to the host after the module's forward and back before its backward
// (docs/source/api-guide/fine_grained_activation_offloading.md in Megatron-LM).
struct OffloadModules {
  bool attn_norm = false, qkv_linear = false, core_attn = false, attn_proj = false, mlp_norm = false,
       expert_fc1 = false, moe_act = false;
  bool Any() const { return attn_norm || qkv_linear || core_attn || attn_proj || mlp_norm || expert_fc1 || moe_act; }
};
// Megatron-Core's names; an unknown one throws ConfigError naming the valid ones.
OffloadModules ParseOffloadModules(const std::vector<std::string>& names);
// "expert_fc1,moe_act": the set in Megatron-Core's order, for reports ("" for none).
std::string OffloadModulesName(const OffloadModules& o);

struct MemoryInput {
  const ModelSpec* model = nullptr;
  int64_t tp = 1, pp = 1, cp = 1, vpp = 1, etp = 1, ep = 1;
  bool sequence_parallel = true;
  int zero = 1;
  double shard_ranks = 1;         // dense state sharded over (ZeRO)
  double expert_shard_ranks = 1;  // routed-expert state sharded over
  int64_t seq_len = 0, micro_batch = 1, micro_batches = 1;
  Recompute recompute = Recompute::kNone;
  int64_t recompute_layers = 0;  // full recomputation of only the first N layers of each chunk (0 = all)
  RecomputeModules modules;      // selective recomputation's modules (empty unless selective)
  // Bytes per element of a quantized GEMM operand (fp8: 1, nvfp4: 0.5625 with
  // its block scales); 0 for 16-bit training.
  double quant_bytes = 0;
  // Bytes per parameter of the quantized weight copies Transformer Engine
  // caches beside the 16-bit weights (fp8: 1; nvfp4: row-wise and
  // column-wise copies, 2 x 0.5625).
  double quant_weight_bytes = 0;
  bool flash_attention = true, dropout = false;
  bool fp8_activations = true;  // quantized GEMM inputs saved quantized (Transformer Engine), else in bf16
  bool master_weights = true;   // fp32 master copy beside 16-bit params; false: fp32 params (PyTorch FSDP)
  bool pure_bf16 = false;       // bf16 parameters, gradients and Adam moments, nothing in fp32
  double moment_bytes = 4;      // each of Adam's two moments (2 with bf16 moments)
  bool loss_parallel = true;    // the loss over vocabulary shards; false: every TP rank holds all the logits
  LossKernel loss = LossKernel::kFused;
  int64_t loss_chunks = 1;  // chunked loss: one chunk's logits at a time
  double moe_imbalance = 1;
  double grad_bytes = 4;          // per parameter in the gradient buffer (fp32, or 2 for bf16)
  bool fp8_weights_only = false;  // fp8_param_gather: compute weights held in fp8 only (quant_weight_bytes)
  int fsdp_prefetch = 1;          // ZeRO-3: layers gathered ahead
  bool fsdp_gather_once = false;  // ZeRO-3: the stage's parameters and gradients held unsharded all step
  bool fsdp_sync_last = false;    // ZeRO-3 reducing after the last micro-batch: unsharded gradients held all step
  double param_bytes = 2;         // per parameter gathered (bf16, or 1 with fp8_param_gather)
  // Per virtual stage j = chunk·pp + rank: its layers and this GPU's share of
  // its parameters (all, and the routed experts among them).
  std::vector<int64_t> layers_per_vstage;
  // MTP modules per virtual stage (empty: none): each keeps a layer's
  // activations (the last layer's kind) there; their heads' logits are the
  // last stage's (model->mtp_layers of them beside the main head's).
  std::vector<int64_t> mtp_per_vstage;
  std::vector<double> params, expert_params;
  double largest_layer_params = 0;  // this GPU's share of the largest layer (ZeRO-3 buffers)
  // DeepSpeed ZeRO-3 gathers per module and caps what is live (0 = PyTorch
  // FSDP's unit, the layer; see ZeroThreeBuffers).
  double zero3_max_live_params = 0, zero3_reduce_bucket = 0;
  // The first layers of each chunk whose activations live in host memory
  // (Megatron-Core --cpu-offloading-num-layers); one layer's worth stays as
  // the transfer buffer.
  int64_t cpu_offload_layers = 0;
  OffloadModules offload;  // fine-grained offloading: module inputs held on the host
};

// Bytes one layer of kind `kind` keeps for backward for one micro-batch on
// one GPU (a hybrid block: its own norm and block; a Mamba mixer keeps
// in_proj's input and output, the scan's output and out_proj's input).
double ActivationBytesPerLayer(const MemoryInput& in, LayerKind kind);
// Everything one layer's backward needs (what full recomputation rebuilds).
double FullLayerActivationBytes(const MemoryInput& in, LayerKind kind);
// Of ActivationBytesPerLayer, the bytes fine-grained offloading moves to the
// host (0 under full or per-op recomputation, which keep no module inputs).
double OffloadedBytesPerLayer(const MemoryInput& in, LayerKind kind);
// The same for a transformer layer, dense or MoE.
double ActivationBytesPerLayer(const MemoryInput& in, bool moe_layer);
double FullLayerActivationBytes(const MemoryInput& in, bool moe_layer);
double OffloadedBytesPerLayer(const MemoryInput& in, bool moe_layer);

// Chunk passes (micro-batch x model chunk) whose activations rank `rank`
// holds at its peak (Megatron-Core's warm-up count plus the one in steady state).
int64_t InFlightChunkPasses(int64_t pp, int64_t vpp, int64_t rank, int64_t micro_batches);

MemoryBreakdown StageMemory(const MemoryInput& in, int64_t rank);
// Every pipeline rank's memory, rank 0 first.
std::vector<MemoryBreakdown> EveryStageMemory(const MemoryInput& in);

struct PeakMemory {
  MemoryBreakdown memory;
  int64_t rank = 0;
};
// The pipeline rank with the largest total (of EveryStageMemory).
PeakMemory MostLoadedStage(const std::vector<MemoryBreakdown>& stages);

}  // namespace cb::sim

#endif  // CLUSTERBENCH_SIMULATOR_TRAINING_MEMORY_H_
