// Simulation of one training step of a transformer on a cluster: the public
// entry point of the simulator (docs/simulator-model.md has the maths).
//
// Symmetric mode (the default): ranks that do identical work are simulated
// once — one pipeline of pp stages, each stage standing for its TP, CP and DP
// peers — with a discrete-event schedule of every forward and backward pass
// of every micro-batch (1F1B or interleaved 1F1B), compute and communication
// on separate streams, and the data-parallel gradient reduction and optimizer
// step after it.
#ifndef CLUSTERBENCH_SIMULATOR_SIMULATE_H_
#define CLUSTERBENCH_SIMULATOR_SIMULATE_H_

#include <cstdint>
#include <string>
#include <vector>

#include <optional>
#include "core/config.h"

#include "simulator/cluster.h"
#include "simulator/compute/gpu_perf.h"
#include "simulator/topology/fat_tree.h"
#include "simulator/training/memory.h"
#include "simulator/training/pipeline.h"
#include "simulator/training/recompute.h"
#include "simulator/workload/elementwise.h"
#include "simulator/workload/host_launch.h"
#include "simulator/workload/transformer.h"

namespace cb::sim {

struct Parallelism {
  int64_t tp = 1, pp = 1, dp = 1, cp = 1, ep = 1, vpp = 1;
  // Expert tensor parallelism: the expert layers' own TP degree. The expert
  // layers decompose the same tp·cp·dp ranks as etp x ep x edp (Megatron-Core's
  // "MoE parallel folding"), so ep may span TP, CP and DP ranks.
  int64_t etp = 1;
  bool sequence_parallel = true;
  // Megatron's --account-for-embedding-in-pipeline-split and
  // --account-for-loss-in-pipeline-split: the embedding (first virtual stage)
  // and the LM head with the loss (last) each take one layer's slot, so e.g.
  // Qwen3-235B's 94 layers fill pp x vpp = 32 x 3 = 96 slots.
  bool account_for_embedding = false, account_for_loss = false;
  // A custom layout (parallelism.pipeline_layout, Megatron-Core's
  // --pipeline-model-parallel-layout): per virtual stage its layers and MTP
  // modules. Empty: layers split by SplitLayers, MTP modules on the last.
  PipelineLayout layout;
  int zero = 1;
  // ZeRO-3 hybrid sharding (HSDP): state sharded over groups of this many
  // data-parallel ranks and replicated across groups; 0 = all dp·cp ranks.
  int64_t shard_group = 0;
  int64_t ExpertDataParallel() const { return tp * cp * dp / (etp * ep); }
};

struct Training {
  int64_t seq_len = 0, global_batch = 0, micro_batch = 1;
  Recompute recompute = Recompute::kNone;
  // With full recomputation: the first N layers of each pipeline chunk are
  // recomputed and the rest keep their activations (Megatron-LM
  // --recompute-method block --recompute-num-layers N); 0 = every layer.
  int64_t recompute_layers = 0;
  // With selective recomputation: the modules run again (training.recompute_modules;
  // core_attn when omitted, mla_up_proj for an MLA model). Empty otherwise.
  RecomputeModules recompute_modules;
  // What selective recomputation runs again: the stated modules, else the
  // default set (a Training built in code, not read from a file, has none).
  RecomputeModules Modules(bool mla) const {
    if (recompute != Recompute::kSelective) return {};
    return recompute_modules.Any() ? recompute_modules : DefaultRecomputeModules(mla);
  }
  bool Recomputed(int64_t index_in_chunk) const {
    return recompute == Recompute::kFull && (recompute_layers == 0 || index_in_chunk < recompute_layers);
  }
  Precision precision = Precision::kBf16;
  std::string precision_name = "bf16";
  double tokens = 0;  // to train on, 0 = not given
};

// How a pass's MoE all-to-alls hide behind the paired pass with
// framework.moe_a2a_overlap (docs/simulator-model.md, "Expert parallelism").
enum class A2aOverlapPlan {
  kMegatron,  // Megatron-Core's combined 1F1B: each all-to-all beside one block of the other pass
  kDualPipe,  // DeepSeek's DualPipe: beside the whole paired pass
};

// How MoE tokens reach their experts across scale-up domains.
enum class MoeDispatcher {
  kAllToAll,  // NCCL all-to-all: every routed copy crosses the network
  kDeepEp,    // DeepEP / Megatron-Core flex: once per destination domain, then scale-up
};

struct Framework {
  bool flash_attention = true, tp_comm_overlap = true, overlap_grad_reduce = true, overlap_param_gather = true;
  bool tp_fp8_all_gather = false;  // fp8 training: the sequence-parallel TP all-gather in fp8 (torchao float8 TP)
  AttentionKernel attention_kernel = AttentionKernel::kFused;  // which fused kernel (compute/gpu_perf.h)
  Elementwise elementwise = Elementwise::kFused;
  UnfusedOps unfused;              // ops run outside the fused kernels all the same (framework.unfused_ops)
  CudaGraphs cuda_graphs;          // what CUDA graphs capture (workload/host_launch.h); none by default
  bool moe_router_fusion = false;  // the router's fused kernels (host calls only)
  bool fused_grouped_mlp = false;  // Transformer Engine's fused grouped MLP for the routed experts
  // Norms, RoPE, activation: fused or eager (workload/elementwise.h); cross
  // entropy: Megatron's fused, PyTorch's or Transformer Engine's (training/memory.h).
  LossKernel loss = LossKernel::kFused;
  int64_t loss_chunks = 1;  // the loss over this many token chunks, one chunk's logits held at a time
  double moe_imbalance = 1.1;
  bool dropout = false;             // hidden/attention dropout (one-byte masks); default: on for GeLU models
  int fsdp_prefetch = 1;            // ZeRO-3: layers whose parameters are gathered ahead of use
  bool grad_reduce_in_fp32 = true;  // gradient buffer and reduction in fp32 (else bf16)
  // ZeRO-0..2: parameters per data-parallel gradient bucket (Megatron-Core DDP
  // --ddp-bucket-size); 0 = its default, max(4e7, 1e6 x the dp·cp group size).
  double grad_bucket_params = 0;
  MoeDispatcher moe_dispatcher = MoeDispatcher::kAllToAll;
  double moe_capacity_factor = 0;  // 0 = dropless (the busiest expert takes ι x the mean)
  bool fp8_param_gather = false;   // fp8 training keeps compute weights only in fp8 and gathers them so
  bool fp8_activations = true;     // fp8 training saves fp8 GEMM inputs for backward (Transformer Engine)
  bool master_weights = true;      // separate fp32 master copy (Megatron); false: fp32 parameters (PyTorch FSDP)
  // Pure bf16: the model cast to bf16 before sharding, so parameters, their
  // gradients and Adam's moments (created like the parameter) are bf16 and
  // nothing is fp32 (KempnerForge). Implies no master copy.
  bool pure_bf16 = false;
  // Bytes of each of Adam's moments (framework.adam_moments: 4, or 2 for bf16 moments).
  double moment_bytes = 4;
  // ZeRO-3 with several micro-batches: parameters gathered once per step and
  // kept unsharded, gradients accumulated unsharded and reduce-scattered once
  // (torchtitan with pipeline parallelism: reshard_after_forward=False, and
  // PyTorch pipelining's no-sync on every backward but the last).
  bool fsdp_gather_once = false;
  // ZeRO-3 gradient reduction only on the last micro-batch of the step
  // (framework.fsdp_grad_sync: last): the others accumulate unsharded
  // gradients in the reduce dtype (FSDP2 set_requires_gradient_sync(False),
  // FSDP1 no_sync(): KempnerForge, Hugging Face Accelerate's accumulate()).
  bool fsdp_sync_last = false;
  // The loss over the vocabulary shards of tensor parallelism (Megatron's
  // vocab-parallel cross entropy, torchtitan's loss_parallel); false: the LM
  // head's output is all-gathered to the whole vocabulary on every TP rank
  // and the loss runs on it there (DTensor ColwiseParallel with a replicated
  // output: KempnerForge).
  bool loss_parallel = true;
  // DeepSpeed ZeRO-3's stage3_max_live_parameters and reduce_bucket_size
  // (elements; 0 = PyTorch FSDP's per-layer unit): memory buffers only.
  double zero3_max_live_params = 0, zero3_reduce_bucket = 0;
  // ZeRO-3's per-layer parameter all-gathers and gradient reduce-scatters
  // run no faster than this many bytes per second per GPU (0: as fast as the
  // collective model says NCCL runs on the group): DeepSpeed before its
  // coalesced gathers (2021) moved parameters one tensor at a time, each
  // all-gather followed by a device synchronisation.
  double zero3_gather_rate = 0;
  // ZeRO-3 with full recomputation: the recomputed forward gathers each
  // layer's parameters again (DeepSpeed: its forward hooks fetch inside the
  // recomputation too, microsoft/DeepSpeed issue #4784), a third gather per
  // micro-batch; false: PyTorch FSDP, whose backward gather serves it.
  bool zero3_recompute_gather = false;
  // Megatron-Core activation offloading (--cpu-offloading-num-layers): the
  // first N layers of each stage keep their activations in host memory.
  int64_t cpu_offload_layers = 0;
  // Megatron-Core fine-grained activation offloading (--offload-modules):
  // these modules' saved inputs live in host memory between their forward
  // and their backward.
  OffloadModules offload_modules;
  bool moe_a2a_overlap = false;  // EP all-to-all behind another micro-batch's compute (1F1B overlap, DualPipe)
  A2aOverlapPlan moe_a2a_overlap_plan = A2aOverlapPlan::kMegatron;
  // The busiest expert's tokens over the mean: capped (or padded) to the
  // capacity factor when tokens are dropped (Megatron-Core
  // moe_expert_capacity_factor with moe_pad_expert_input_to_capacity), else ι.
  double ExpertLoad() const { return moe_capacity_factor > 0 ? moe_capacity_factor : moe_imbalance; }
};

// Expected slowdown of a synchronous job of n GPUs whose speeds vary with
// relative standard deviation sigma: every step waits for the slowest, and the
// expected maximum of n normal samples is about mu·(1 + sigma·sqrt(2 ln n))
// (the leading term of the extreme-value asymptote; Gumbel 1958). The default
// sigma = 1.75% is "5% and higher" throughput spread between the 8 GPUs of one
// node (stas00/ml-engineering, compute/accelerator/README.md, "Not all
// accelerators are created equal") read as the expected range of 8 normal
// samples, 2.85 sigma. Relative to one node (n = 8), whose GPUs every measured
// efficiency already includes: 1 for n <= 8.
double SlowestOfN(int64_t n, double sigma);

struct Scenario {
  ModelSpec model;
  GpuSpec gpu;
  ClusterSpec cluster;
  Parallelism par;
  Training train;
  Framework fw;
  std::optional<FabricSpec> fabric;  // when the cluster has scale_out.tiers
  // Measured efficiencies (a calibration profile) in place of the
  // architecture's defaults; the cluster's latencies may be replaced too.
  std::optional<Efficiencies> efficiencies;
  std::vector<std::string> calibration_notes;
  std::string effective_yaml;  // the resolved scenario document
};

// Validates and derives (dp from the cluster when omitted). Throws ConfigError
// naming the key for: tp not dividing heads or kv_heads, ep not dividing
// experts, global batch not divisible by dp x micro_batch, a job larger than
// the cluster, fp8 on a GPU without it, and similar.
Scenario ScenarioFromConfig(const ConfigNode& scenario);

struct Breakdown {
  double compute_s = 0, tp_comm_exposed_s = 0, cp_comm_exposed_s = 0, ep_comm_exposed_s = 0, pp_bubble_s = 0,
         pp_comm_exposed_s = 0, dp_comm_exposed_s = 0, optimizer_s = 0;
  double host_bound_s = 0;  // the GPU waiting for the CPU to issue kernels (workload/host_launch.h)
};

struct TraceEvent {  // one interval on one track, for the Chrome trace
  int stage = 0;
  int64_t replica = 0;  // the data-parallel replica whose pipeline this is
  // compute | tp-comm | cp-comm | ep-comm | pp-comm | dp-comm | optimizer
  // (TraceStreams(), in track order)
  std::string stream;
  std::string name;
  double start_s = 0, duration_s = 0;
  std::vector<std::pair<std::string, double>> args;  // bytes, exposed seconds, ... (numbers only)
};

// The trace's tracks in the order a viewer should show them.
const std::vector<std::string>& TraceStreams();

struct SimResult {
  int64_t gpus_used = 0;
  int64_t micro_batches = 0;  // per pipeline per step
  std::vector<int64_t> layers_per_virtual_stage;
  std::string layer_split_note;
  double step_time_s = 0, tokens_per_s = 0, tokens_per_s_per_gpu = 0;
  double model_flops_per_step = 0, hardware_flops_per_step = 0;
  double model_tflops_per_gpu = 0, hardware_tflops_per_gpu = 0, mfu = 0;
  double params_total = 0, params_active = 0;
  MemoryBreakdown memory;  // the most loaded GPU
  int memory_stage = 0;
  double memory_gib_per_gpu = 0;
  // Every pipeline rank's total in bytes, rank 0 first (the largest is `memory`):
  // where a pipeline's memory is uneven, which stages are near the limit.
  std::vector<double> memory_per_stage;
  bool fits_in_memory = true;
  Breakdown breakdown;  // of the stage that finishes last
  int critical_stage = 0;
  double time_to_train_s = 0;  // when training.tokens is given
  uint64_t events = 0;
  std::string mode = "symmetric";  // or "full"
  int64_t replicas_simulated = 1;  // pipelines simulated: 1 (symmetric) or dp (full)
  std::string network_model = "analytical";
  double dp_contention = 1;  // flow model: slowest DP flow / uncontended NIC share
  // Flow model: each parallelism dimension's traffic as concurrent flows.
  struct Traffic {
    std::string kind;     // tp, cp, ep, pp, dp
    std::string pattern;  // ring, all-to-all, send-recv
    int64_t groups = 0, fabric_flows = 0;
    double factor = 1;         // scale-out bandwidth multiplier (network/flow_model.h)
    int64_t slowest_gpu = -1;  // the GPU whose transfers finish last
    std::string bottleneck;    // the link that holds it back
    double bottleneck_utilisation = 0;
    int64_t bottleneck_link = -1;  // its physical id (row of the topology links table), -1 when none
  };
  std::vector<Traffic> traffic;
  int64_t critical_replica = 0;
  // The GPUs of the critical replica's critical stage (its TP x CP peers) and
  // their nodes: who set the step.
  int64_t critical_first_rank = 0, critical_ranks = 1;
  std::vector<TraceEvent> trace;
  std::vector<std::string> notes;
};

// One slow pipeline stage of one data-parallel replica (full mode): its
// passes take (1 + slowdown) times as long — a slow GPU holds back its TP
// peers, which wait for it in every collective.
struct Straggler {
  int64_t replica = 0;  // data-parallel rank
  int64_t stage = 0;    // pipeline stage
  double slowdown = 0;  // 0.1 = 10% slower
};

// A scale-out link (row `physical` of `clusterbench topology`'s links table)
// at `fraction` of its bandwidth; 0 = failed (routes avoid it).
struct LinkFault {
  int64_t physical = 0;
  double fraction = 0;
};

struct SimOptions {
  bool full = false;  // simulate every data-parallel replica's pipeline
  // Closed-form pipeline (training/pipeline.h EstimatePipeline) instead of
  // the discrete-event schedule: the planner's screen. No trace, no events.
  bool estimate = false;
  bool trace = false;  // record TraceEvents
  // Which replicas' pipelines the trace holds: empty, the critical one; in
  // full mode any list (every replica's own schedule, its stragglers included).
  std::vector<int64_t> trace_replicas;
  std::vector<Straggler> stragglers;
  // Network model of the data-parallel reduction: the analytical formula
  // (default), or every DP group's ring as flows on the fabric graph at once,
  // max-min shared (needs the cluster's scale_out.tiers).
  bool flow_network = false;
  std::vector<LinkFault> link_faults;  // needs flow_network
};

// Rank layout, innermost first: tp, cp, dp, pp (Megatron's order):
//   rank = tp_r + tp·(cp_r + cp·(dp_r + dp·stage)).
int64_t RankOf(const Parallelism& p, int64_t tp_r, int64_t cp_r, int64_t dp_r, int64_t stage);

SimResult Simulate(const Scenario& s, const SimOptions& options = {});

}  // namespace cb::sim

#endif  // CLUSTERBENCH_SIMULATOR_SIMULATE_H_
