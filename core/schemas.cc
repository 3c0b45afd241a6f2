// The schema of every configuration document kind. One place, so that
// `config describe`, validation and docs agree. Units are SI after loading.
#include <fmt/format.h>

#include "core/config.h"
#include "core/error.h"

namespace cb {
namespace {

// Upper bound of every GPU or rank count: 2^24 (16.8 million), far above any
// buildout on record and small enough that products of counts stay exact in
// 64-bit integers and doubles.
constexpr double kMaxGpus = 16777216;

// Small builders keep the tables below readable.
Field Int(std::string key, std::string desc, std::string def = "", std::optional<double> min = std::nullopt,
          std::optional<double> max = std::nullopt) {
  Field f;
  f.key = std::move(key);
  f.type = FieldType::kInt;
  f.description = std::move(desc);
  f.default_value = std::move(def);
  f.min = min;
  f.max = max;
  return f;
}
Field Float(std::string key, std::string desc, std::string def = "", std::optional<double> min = std::nullopt,
            std::optional<double> max = std::nullopt) {
  Field f = Int(std::move(key), std::move(desc), std::move(def), min, max);
  f.type = FieldType::kFloat;
  return f;
}
Field Bool(std::string key, std::string desc, std::string def) {
  Field f;
  f.key = std::move(key);
  f.type = FieldType::kBool;
  f.description = std::move(desc);
  f.default_value = std::move(def);
  return f;
}
Field Str(std::string key, std::string desc, std::string def = "") {
  Field f;
  f.key = std::move(key);
  f.type = FieldType::kString;
  f.description = std::move(desc);
  f.default_value = std::move(def);
  return f;
}
Field Enum(std::string key, std::vector<std::string> choices, std::string desc, std::string def = "") {
  Field f = Str(std::move(key), std::move(desc), std::move(def));
  f.type = FieldType::kEnum;
  f.choices = std::move(choices);
  return f;
}
// Quantities are non-negative unless a caller says otherwise.
Field Qty(std::string key, Dimension d, std::string desc, std::string def = "", double min = 0,
          bool min_exclusive = false, std::optional<double> max = std::nullopt) {
  Field f;
  f.key = std::move(key);
  f.type = FieldType::kQuantity;
  f.dimension = d;
  f.description = std::move(desc);
  f.default_value = std::move(def);
  f.min = min;
  f.min_exclusive = min_exclusive;
  f.max = max;
  return f;
}
Field Obj(std::string key, std::string desc, std::vector<Field> children) {
  Field f;
  f.key = std::move(key);
  f.type = FieldType::kObject;
  f.description = std::move(desc);
  f.children = std::move(children);
  return f;
}
Field ListOf(std::string key, std::string desc, Field item) {
  Field f;
  f.key = std::move(key);
  f.type = FieldType::kList;
  f.description = std::move(desc);
  f.children = {std::move(item)};
  return f;
}
Field Ref(std::string key, std::string kind, std::string desc) {
  Field f;
  f.key = std::move(key);
  f.type = FieldType::kRef;
  f.ref_kind = std::move(kind);
  f.description = std::move(desc);
  return f;
}
Field Required(Field f) {
  f.required = true;
  return f;
}

Schema GpuSchema() {
  auto peak = [](std::string key, std::string what) {
    return Qty(std::move(key), Dimension::kFlopRate, "dense peak, " + what + " (no structured sparsity)");
  };
  return {"gpu",
          "gpus",
          "an accelerator's datasheet figures (dense peaks, memory, scale-up, power)",
          {
              Required(Str("name", "display name, e.g. 'H100 SXM5 80GB'")),
              ListOf("match", "substrings of the driver's device name that select this spec (case-insensitive)",
                     Str("item", "substring")),
              Enum("vendor", {"nvidia", "amd", "huawei", "other"}, "vendor", "nvidia"),
              Enum("architecture", {"ampere", "hopper", "blackwell", "cdna3", "davinci", "other"},
                   "chip generation: selects the simulator's default efficiencies", "other"),
              Obj("peak", "dense peak arithmetic per precision",
                  {peak("fp64", "FP64 vector"), peak("fp64_tensor", "FP64 tensor core"), peak("fp32", "FP32 vector"),
                   peak("tf32", "TF32 tensor core"), peak("bf16", "BF16 tensor core"), peak("fp16", "FP16 tensor core"),
                   peak("fp8", "FP8 tensor core"), peak("fp4", "NVFP4 tensor core (Blackwell)"),
                   peak("int8", "INT8 tensor core")}),
              Required(Qty("memory", Dimension::kBytes,
                           "device memory capacity as the driver reports it (nvidia-smi memory.total, e.g. 81559MiB "
                           "for an H100 80GB)",
                           "", 0, true)),
              Str("memory_type", "HBM generation, e.g. HBM3"),
              Required(Qty("memory_bandwidth", Dimension::kBandwidth, "peak device memory bandwidth", "", 0, true)),
              Qty("scale_up_bandwidth", Dimension::kBandwidth,
                  "scale-up (NVLink, Infinity Fabric, HCCS) bandwidth per GPU, both directions together"),
              Str("scale_up_technology", "e.g. NVLink4"),
              Qty("host_bandwidth", Dimension::kBandwidth,
                  "host <-> device bandwidth per GPU, one direction (PCIe Gen5 x16: 64GB/s; GB200/GB300: NVLink-C2C, "
                  "900 GB/s both directions per Grace shared by two GPUs: 225GB/s); used by activation offloading"),
              Qty("host_call", Dimension::kTime,
                  "CPU time the host takes to issue one kernel, GEMM or collective from eager PyTorch (x86 DGX "
                  "H100: 13.48us, Grace: 37.08us, TransformerEngine issue #2053); bounds passes CUDA graphs do not "
                  "capture (framework.cuda_graphs)",
                  "13.48us", 0, false, 1),
              Qty("tdp", Dimension::kPower, "board power limit (TDP)"),
              Qty("power_limit", Dimension::kPower,
                  "power cap the GPUs ran at, when below the TDP: compute-bound kernels slow down "
                  "(docs/simulator-model.md, 'Power caps')"),
              Obj("efficiency",
                  "measured fractions of peak for this GPU in place of the architecture's defaults "
                  "(each derived from a cited measurement in the file's comments)",
                  {Float("gemm_bf16", "largest fraction of the bf16 peak a library GEMM reaches", "", 0, 1),
                   Float("gemm_fp8", "largest fraction of the fp8 peak a library GEMM reaches", "", 0, 1),
                   Float("gemm_fp4", "largest fraction of the nvfp4 peak a library GEMM reaches", "", 0, 1),
                   Float("attention", "fused attention, fraction of the bf16 peak (forward and backward)", "", 0, 1),
                   Float("scale_up",
                         "ring all-reduce bus bandwidth inside the scale-up domain, fraction of scale_up_bandwidth's "
                         "one direction (nccl-tests/rccl-tests busbw)",
                         "", 0, 1),
                   Float("scale_up_alltoall", "all-to-all bus bandwidth inside the scale-up domain, the same fraction",
                         "", 0, 1)}),
              Int("sm_count", "streaming multiprocessors (or compute units)", "", 1, 1e6),
              Qty("l2_cache", Dimension::kBytes, "last-level on-chip cache"),
              ListOf("unverified", "keys whose values were not read from a primary datasheet", Str("item", "key path")),
              Str("source", "where the figures come from"),
              Str("notes", "anything a reader should know"),
          }};
}

Schema ClusterSchema() {
  return {
      "cluster",
      "clusters",
      "a buildout: GPUs, nodes, scale-up domains and the scale-out network",
      {
          Required(Str("name", "display name")),
          Required(Ref("gpu", "gpu", "the accelerator")),
          Required(Int("gpus", "GPUs in the cluster", "", 1, kMaxGpus)),
          Int("gpus_per_node", "GPUs per node (server)", "8", 1, 1024),
          Qty("gpu_power_limit", Dimension::kPower,
              "the power cap this buildout runs its GPUs at, in place of the gpu config's power_limit (JUPITER's "
              "GH200 superchips at 680 W of 900): compute-bound kernels slow down (docs/simulator-model.md, 'Power "
              "caps')"),
          Float("gpu_variation",
                "relative standard deviation of GPU speed across the fleet for identical work; every step waits for "
                "the slowest GPU (docs/simulator-model.md, 'Slowest of N')",
                "0.0175", 0, 0.5),
          Float("overlap_slowdown",
                "how much slower compute runs while a collective runs beside it (the communication kernels hold SMs "
                "and memory bandwidth): hidden communication still costs overlap_slowdown/(1+overlap_slowdown) of "
                "its time (docs/simulator-model.md, 'Overlap interference'; 0.189 is the average measured over "
                "A100, H100, MI250 and MI210 in arXiv:2507.03114)",
                "0.189", 0, 4),
          Obj("scale_up", "the scale-up domain (NVLink/NVSwitch)",
              {Int("domain_gpus", "GPUs in one scale-up domain (8 for a DGX node, 72 for NVL72); the node when omitted",
                   "", 1, kMaxGpus),
               Qty("bandwidth", Dimension::kBandwidth,
                   "per-GPU bandwidth into the domain, one direction (NVLink4: 450GB/s)", "450GB/s", 0, true),
               Qty("latency", Dimension::kTime, "one-hop latency inside the domain", "3us"),
               Bool("sharp", "in-switch reduction (NVLink SHARP, NVLS) for all-reduce inside the domain", "false")}),
          Obj("scale_out", "the scale-out network (InfiniBand, RoCE)",
              {Int("nics_per_node", "scale-out NICs per node", "8", 0, 1024),
               Qty("nic_bandwidth", Dimension::kBandwidth, "per-NIC bandwidth, one direction", "400Gb/s", 0, true),
               Qty("latency", Dimension::kTime, "end-to-end latency across the fabric", "5us"),
               Enum("topology", {"fat-tree", "rail-optimized", "torus", "dragonfly"}, "network topology",
                    "rail-optimized"),
               Float("oversubscription", "oversubscription ratio above the leaf (1 = non-blocking)", "1", 1),
               ListOf("tiers",
                      "switch tiers from the leaf up (a folded Clos / fat tree); omit for the analytical model",
                      Obj("item", "one tier of switches",
                          {Required(Int("radix", "ports per switch", "", 2, 65536)),
                           Float("oversubscription",
                                 "down : up port ratio of this tier (1 = non-blocking; the top tier's ports all face "
                                 "down)",
                                 "1", 1),
                           Qty("bandwidth", Dimension::kBandwidth,
                               "bandwidth of this tier's links to the tier above (default: the NIC bandwidth)", "", 0,
                               true),
                           Qty("latency", Dimension::kTime, "switch traversal latency of this tier", "600ns")})),
               Int("planes", "identical, independent fabrics; NIC rail r attaches to plane r mod planes", "1", 1),
               Enum("routing", {"ecmp", "balanced"},
                    "how flows pick among equal-cost up ports: ecmp (per-flow hash, as Ethernet/RoCE switches; "
                    "flows can collide) or balanced (each leaf spreads its flows over its up ports in turn, as "
                    "InfiniBand fat-tree routing or adaptive routing do)",
                    "ecmp")}),
          Obj("power", "facility figures for energy estimates",
              {Qty("node_overhead", Dimension::kPower, "per-node power beyond the GPUs (CPUs, NICs, fans)", "2kW"),
               Float("pue", "power usage effectiveness", "1.2", 1),
               Float("gpu_idle",
                     "power of a GPU waiting (exposed communication, pipeline bubble) as a fraction of its TDP; a "
                     "busy GPU draws its TDP",
                     "0.3", 0, 1),
               Float("electricity_price", "electricity price, USD per kWh (omit when a rental price includes it)", "",
                     0)}),
          Obj("price", "what the GPUs cost",
              {Qty("gpu_hour", Dimension::kMoney, "rental price per GPU-hour (USD)"),
               Qty("capex_per_gpu", Dimension::kMoney, "capital cost per GPU, all-in (USD)"),
               Float("amortization_years", "years over which capital is amortised", "4", 0),
               Float("subsidy", "fraction of the GPU bill paid by someone else (e.g. a compute voucher), 0..1", "0", 0,
                     1)}),
          Obj("reliability", "failures, checkpoints and restarts (for goodput and effective time to train)",
              {Qty("gpu_mtbf", Dimension::kTime, "mean time between failures of one GPU (e.g. 80000h)", "", 0, true),
               Qty("node_mtbf", Dimension::kTime,
                   "mean time between failures of one node beyond its GPUs (host, NIC, network, software)", "", 0,
                   true),
               Qty("checkpoint_bandwidth", Dimension::kBandwidth,
                   "storage bandwidth the whole job writes and reads a checkpoint at", "", 0, true),
               Qty("restart_time", Dimension::kTime,
                   "from a failure to training again, before reading the checkpoint (detect, reschedule, initialise)",
                   "10min")}),
          ListOf("unverified", "keys whose values are not from a primary source", Str("item", "key path")),
          Str("source", "where the figures come from"),
          Str("notes", "anything a reader should know"),
      }};
}

Schema ModelSchema() {
  return {
      "model",
      "models",
      "a transformer's shape (dense or mixture-of-experts)",
      {
          Required(Str("name", "model name")),
          Required(Int("layers", "transformer layers", "", 1, 1e5)),
          Required(Int("hidden", "hidden size (model dimension)", "", 1, 1048576)),
          Required(Int("heads", "attention heads", "", 1, 65536)),
          Int("kv_heads", "key/value heads (grouped-query attention); = heads when omitted", "", 1, 65536),
          Int("head_dim", "width of one attention head; hidden / heads when omitted", "", 1, 65536),
          Required(Int("ffn_hidden", "feed-forward inner size", "", 1, 16777216)),
          Required(Int("vocab", "vocabulary size", "", 1, 1e8)),
          Enum("activation", {"gelu", "swiglu", "relu2"},
               "feed-forward activation (swiglu has three matrices; gelu and relu2, Nemotron's squared ReLU, two)",
               "swiglu"),
          Bool("tied_embeddings", "input and output embeddings share weights", "false"),
          Int("mtp_layers",
              "multi-token prediction depth (DeepSeek-V3's MTP modules, Megatron-Core mtp_num_layers): each adds "
              "one layer of the last layer's kind, a 2h x h projection and the LM head with its loss",
              "0", 0, 64),
          Int("window_size",
              "sliding-window attention: tokens before each query that a sliding layer attends, besides the query "
              "itself (Megatron-Core window_size's left extent; GPT-OSS 128, Mistral 7B 4096); 0 = full causal "
              "attention",
              "0", 0, 1e9),
          Int("window_attn_skip_freq",
              "with window_size: every k-th layer (1-based) attends in full, the others slide (GPT-OSS 2, Gemma 3 "
              "6); 0 = every layer slides",
              "0", 0, 1e5),
          Float("glu_clamp",
                "the gated activation clamps its inputs to this limit (GPT-OSS 7: gate at most 7, linear half in "
                "[-7, 7]); 0 = no clamp",
                "0", 0),
          Bool("expert_bias", "the routed experts' linear layers carry biases (GPT-OSS)", "false"),
          Obj("moe", "mixture of experts (omit for a dense model)",
              {Required(Int("experts", "routed experts per MoE layer", "", 1, 1048576)),
               Required(Int("top_k", "experts each token is routed to", "", 1, 65536)),
               Required(Int("expert_ffn_hidden", "feed-forward inner size of one expert", "", 1, 16777216)),
               Int("shared_experts", "always-active shared experts", "0", 0, 65536),
               Int("first_dense_layers", "leading layers that are dense", "0", 0, 1e5),
               Int("layer_freq",
                   "every k-th layer after the leading dense ones is an MoE layer (Megatron's moe_layer_freq)", "1", 1),
               Int("latent",
                   "latent MoE (Nemotron 3 Super's moe_latent_size): routed experts on a projection of this width, "
                   "dispatched at it; 0 = on the hidden state",
                   "0", 0, 1048576)}),
          Obj("mla", "multi-head latent attention (DeepSeek-V2/V3, Kimi K2); omit for MHA/GQA",
              {Int("q_lora_rank", "query bottleneck rank (0 = no query compression)", "0", 0, 16777216),
               Required(Int("kv_lora_rank", "key/value latent rank", "", 1, 16777216)),
               Required(Int("qk_nope_head_dim", "per-head query/key width without RoPE", "", 1, 65536)),
               Required(Int("qk_rope_head_dim", "per-head decoupled RoPE query/key width", "", 0, 65536)),
               Required(Int("v_head_dim", "per-head value width", "", 1, 65536))}),
          Str("hybrid_pattern",
              "hybrid model: one symbol per layer, 'M' Mamba-2 mixer, '*' attention, '-' dense MLP, 'E' MoE block, "
              "each with its own pre-norm and residual (Megatron-Core hybrid_override_pattern; Nemotron-H, Nemotron "
              "3); "
              "its length is layers"),
          Obj("mamba", "Mamba-2 mixer of a hybrid model's 'M' layers (Megatron-Core mamba_mixer.py)",
              {Required(Int("heads", "SSM heads (mamba_num_heads); d_inner = heads x head_dim", "", 1, 65536)),
               Int("head_dim", "width of one SSM head (mamba_head_dim)", "64", 1, 65536),
               Int("state", "state channels per group (mamba_state_dim, ssm_state_size)", "128", 1, 65536),
               Int("groups", "groups of B and C (mamba_num_groups, n_groups)", "8", 1, 65536),
               Int("conv", "depthwise causal convolution width (d_conv)", "4", 1, 64),
               Int("chunk", "SSD chunk length in tokens (chunk_size)", "128", 1, 65536)}),
          Float("params_b", "published parameter count in billions (informational; computed counts are used)", "", 0),
          Str("source", "where the shape comes from"),
      }};
}

// framework.* keys of what the host does: issue the work (workload/host_launch.h) and hold offloaded
// activations.
std::vector<Field> HostFields() {
  return {
      ListOf("cuda_graphs",
             "what CUDA graphs capture: [full] (the whole forward and backward: Megatron-Core's full-iteration "
             "graph, MLPerf), [] or [none] (eager: Megatron-Core's default), or Transformer Engine's per-module "
             "scopes; what is left eager is issued call by call from the host at gpu.host_call each "
             "(docs/simulator-model.md, 'Host-bound passes')",
             Enum("item", {"full", "none", "attn", "mlp", "moe", "moe_router", "moe_preprocess", "mamba"}, "a scope")),
      Bool("moe_router_fusion",
           "MoE router in Transformer Engine's fused kernels (--moe-router-fusion: 31 kernels per forward "
           "against 72)",
           "false"),
      Bool("fused_grouped_mlp",
           "MoE experts through Transformer Engine's fused grouped MLP (NVTE_CUTEDSL_FUSED_GROUPED_MLP=1, its op "
           "fuser: fc1 + GLU + quantization and fc2 as grouped cuDNN CuTe DSL kernels; Blackwell, fp8 or nvfp4): no "
           "separate activation or fc2-input quantization pass, one launch per grouped GEMM",
           "false"),
      Int("cpu_offload_layers",
          "activations of the first this-many layers of each model chunk are moved to host memory after their "
          "forward and back before their backward, over gpu.host_bandwidth on copy engines (Megatron-Core "
          "--cpu-offloading-num-layers); 0 = none",
          "0", 0, 100000),
      ListOf("offload_modules",
             "fine-grained activation offloading (Megatron-Core --offload-modules): these modules' saved inputs are "
             "copied to host memory after their forward and back before their backward, over gpu.host_bandwidth",
             Enum("item", {"attn_norm", "qkv_linear", "core_attn", "attn_proj", "mlp_norm", "expert_fc1", "moe_act"},
                  "a module"))};
}

// The scenario's framework.* keys: what the training software overlaps and
// fuses (its own function so that ScenarioSchema stays one screen).
std::vector<Field> FrameworkFields() {
  std::vector<Field> fields = {
      Bool("flash_attention", "fused attention kernel (no s x s matrix in memory)", "true"),
      Enum("attention_kernel", {"fused", "fa2"},
           "which fused attention kernel: fused = the architecture's default (Transformer Engine / cuDNN, "
           "as Megatron-Core and NeMo call it); fa2 = FlashAttention-2 (flash-attn, PyTorch SDPA's default "
           "on Hopper from 2.5.1 to 2.8), slower on Hopper",
           "fused"),
      Enum("elementwise", {"fused", "eager"},
           "how norms, rotary embedding and the activation run: fused kernels (Megatron-Core, Transformer "
           "Engine, torch.compile) or eager = one PyTorch op per kernel as torchtitan's Llama block runs "
           "without torch.compile (more HBM traffic and kernels)",
           "fused"),
      Enum("loss", {"fused", "eager", "te", "compiled"},
           "cross entropy: fused = Megatron-Core's vocab-parallel kernel (6 B per logit); eager = PyTorch's "
           "F.cross_entropy on fp32 logits (12 B per logit at its backward; torchtitan); te = Transformer "
           "Engine's parallel_cross_entropy, gradient written into the bf16 logits in place (2 B per logit; "
           "Megatron-Bridge recipes from 2025-09 to 2026-06); compiled = F.cross_entropy under torch.compile, "
           "the bf16 logits and their gradient (4 B per logit; torchtitan with compile from 2025-04)",
           "fused"),
      Int("loss_chunks",
          "the loss computed over this many chunks of the tokens, holding one chunk's logits at a time (torchtitan's "
          "chunked cross entropy); 1 = all at once",
          "1", 1, 4096),
      Bool("tp_comm_overlap", "tensor-parallel communication overlapped with GEMMs", "true"),
      Bool("tp_fp8_all_gather",
           "fp8 training: the sequence-parallel TP all-gather moves the fp8 cast of its input (torchao's float8 "
           "TP, torchtitan's default for Float8Linear); the reduce-scatter stays 16-bit",
           "false"),
      Bool("overlap_grad_reduce", "data-parallel gradient reduction overlapped with backward", "true"),
      Bool("overlap_param_gather", "ZeRO parameter all-gather overlapped with forward", "true"),
      Float("moe_imbalance", "busiest expert's load over the mean (1 = perfectly balanced)", "1.1", 1, 1000),
      Bool("dropout", "hidden and attention dropout (one-byte masks kept); default on for GeLU models", ""),
      Int("fsdp_prefetch", "ZeRO-3: layers whose parameters are gathered ahead of use", "1", 0, 1e5),
      Bool("grad_reduce_in_fp32",
           "gradients accumulated and reduced in fp32 (Megatron-LM's bf16 default); false: in the "
           "parameters' bf16 (NeMo's fp8 performance recipes)",
           "true"),
      Float("grad_bucket_params",
            "ZeRO-0..2: parameters per data-parallel gradient bucket of the first model chunk of the first "
            "pipeline stage, the only one Megatron-Core buckets (--ddp-bucket-size); 0 = its default, "
            "max(4e7, 1e6 x data-parallel x context-parallel size)",
            "0", 0, 1e15),
      Enum("moe_dispatcher", {"alltoall", "deepep"},
           "MoE token dispatch: NCCL all-to-all, or DeepEP-style (once per remote domain, then scale-up)", "alltoall"),
      Float("moe_capacity_factor",
            "MoE token dropping: each expert takes at most (padded to) this x the mean load; 0 = dropless", "0", 0,
            1000),
      Bool("fp8_param_gather", "fp8 training keeps the compute weights only in fp8 and all-gathers them in fp8",
           "false"),
      Bool("fp8_activations",
           "fp8 training saves the fp8 GEMM inputs for backward (Transformer Engine); false: the bf16 "
           "inputs (torchao float8)",
           "true"),
      Bool("fsdp_gather_once",
           "ZeRO-3 with several micro-batches: parameters gathered once per step and kept unsharded, "
           "gradients accumulated unsharded and reduce-scattered once (torchtitan with pipeline "
           "parallelism)",
           "false"),
      Enum("fsdp_grad_sync", {"every", "last"},
           "ZeRO-3 with several micro-batches: reduce-scatter the gradients after every micro-batch's backward "
           "(every: PyTorch FSDP's default, torchtitan) or only after the last, the others accumulating unsharded "
           "gradients in the reduce dtype (last: FSDP2 set_requires_gradient_sync(False) / FSDP1 no_sync(), "
           "KempnerForge, Hugging Face Accelerate's accumulate())",
           "every"),
      Bool("loss_parallel",
           "with TP, the loss runs over each rank's vocabulary shard (Megatron's vocab-parallel cross entropy, "
           "torchtitan's loss_parallel); false: the LM head's output is all-gathered to the whole vocabulary on "
           "every TP rank, which holds and reduces all of it (DTensor ColwiseParallel with a replicated output, "
           "KempnerForge)",
           "true"),
      ListOf("unfused_ops",
             "ops run as PyTorch kernels of their own beside the fused rest (Megatron-Core 0.15/0.16: rope without "
             "rope fusion, as for YaRN; glu_clamp, the clamps of a clamped GLU; expert_bias, fc2's bias per expert)",
             Enum("item", {"rope", "glu_clamp", "expert_bias"}, "an op")),
      Float("zero3_max_live_params",
            "ZeRO-3 gathered parameters held at most (DeepSpeed stage3_max_live_parameters, 1e9 by "
            "default there; the largest module is always whole); 0 = PyTorch FSDP's unit, 1 + "
            "fsdp_prefetch layers",
            "0", 0, 1e15),
      Qty("zero3_gather_rate", Dimension::kBandwidth,
          "ZeRO-3 parameter all-gathers and gradient reduce-scatters run at most this fast per GPU (gathered "
          "bytes per second; DeepSpeed before its coalesced gathers of 2021: 24GB/s); unset = the collective "
          "model's NCCL rate"),
      Bool("zero3_recompute_gather",
           "ZeRO-3 with full recomputation: the recomputed forward all-gathers each layer's parameters "
           "again (DeepSpeed, whose forward hooks run inside the recomputation); false: PyTorch FSDP, "
           "whose backward gather serves the recomputation",
           "false"),
      Float("zero3_reduce_bucket",
            "ZeRO-3 unsharded gradient elements held before their reduce-scatter (DeepSpeed "
            "reduce_bucket_size, 5e8 by default there); 0 = one layer's",
            "0", 0, 1e15),
      Bool("moe_a2a_overlap",
           "MoE dispatch and combine overlapped with another micro-batch's compute (Megatron-Core "
           "--overlap-moe-expert-parallel-comm, DeepSeek DualPipe)",
           "false"),
      Enum("moe_a2a_overlap_plan", {"megatron", "dualpipe"},
           "with moe_a2a_overlap: megatron = Megatron-Core's combined 1F1B, each all-to-all beside one block "
           "(attention or expert MLP) of the paired pass; dualpipe = DeepSeek's DualPipe, beside the whole "
           "paired pass",
           "megatron"),
      Bool("master_weights",
           "the optimizer keeps an fp32 master copy beside the 16-bit parameters (Megatron, DeepSpeed); "
           "false: the parameter itself is fp32 and 16-bit weights exist only gathered (PyTorch FSDP)",
           "true"),
      Bool("pure_bf16",
           "the model is cast to bf16 before sharding: parameters, gradients and Adam's moments are all bf16 and "
           "nothing is kept in fp32 (KempnerForge); implies master_weights: false",
           "false"),
      Enum("adam_moments", {"fp32", "bf16"},
           "dtype of Adam's two moments beside the fp32 master (bf16: Megatron-Core --use-precision-aware-optimizer "
           "with --exp-avg-dtype and --exp-avg-sq-dtype bf16, Transformer Engine's FusedAdam)",
           "fp32")};
  for (Field& f : HostFields()) fields.push_back(std::move(f));
  return fields;
}

Schema ScenarioSchema() {
  return {
      "scenario",
      "scenarios",
      "one training job: a model on a cluster with a parallel layout",
      {
          Required(Ref("model", "model", "the model")),
          Required(Ref("cluster", "cluster", "the cluster")),
          Obj("parallelism", "how the job is split",
              {Int("tp", "tensor parallel degree", "1", 1, kMaxGpus),
               Int("pp", "pipeline parallel degree", "1", 1, kMaxGpus),
               Int("dp", "data parallel degree; derived from the cluster's GPUs when omitted", "", 1, kMaxGpus),
               Int("cp", "context parallel degree", "1", 1, kMaxGpus),
               Int("ep", "expert parallel degree", "1", 1, kMaxGpus),
               Int("vpp", "virtual pipeline stages per pipeline rank (interleaved 1F1B)", "1", 1, 1e5),
               Bool("account_for_embedding",
                    "the embedding counts as one layer in the pipeline split (Megatron "
                    "--account-for-embedding-in-pipeline-split): the first virtual stage holds one layer fewer",
                    "false"),
               Str("pipeline_layout",
                   "layers of every virtual stage as Megatron-Core's --pipeline-model-parallel-layout writes them, "
                   "stages in order (chunk x pp + rank) split by '|': E embedding, t transformer layer, m MTP layer, "
                   "L loss, (..)*n and x*n repeat, e.g. 'Et*3|(tt|)*29m|L'; empty: layers split as evenly as possible"),
               Bool("account_for_loss",
                    "the LM head and loss count as one layer in the pipeline split (Megatron "
                    "--account-for-loss-in-pipeline-split): the last virtual stage holds one layer fewer",
                    "false"),
               Bool("sequence_parallel", "sequence parallelism alongside tensor parallelism", "true"),
               Int("zero", "ZeRO stage: 0 none, 1 optimizer states, 2 + gradients, 3 + parameters", "1", 0, 3),
               Int("etp", "expert tensor parallel degree (the expert layers' own TP); = tp when omitted", "", 1,
                   kMaxGpus),
               Int("shard_group",
                   "ZeRO-3 hybrid sharding (HSDP): data-parallel ranks a shard group spans; all when omitted", "", 1)}),
          Obj("training", "the step",
              {Required(Int("seq_len", "sequence length in tokens", "", 1, 16777216)),
               Required(Int("global_batch", "global batch in sequences", "", 1, 1e9)),
               Int("micro_batch", "micro-batch in sequences", "1", 1, 1e6),
               Enum("recompute", {"none", "selective", "full", "selective_op"},
                    "activation recomputation (selective_op: torchtitan's per-op checkpointing)", "none"),
               Int("recompute_layers",
                   "with recompute full: only the first N layers of each pipeline chunk are recomputed, the rest "
                   "keep their activations (Megatron --recompute-method block); 0 = every layer",
                   "0", 0, 100000),
               ListOf("recompute_modules",
                      "with recompute selective: what runs again (Megatron-Core's --recompute-modules); core_attn, "
                      "or mla_up_proj for an MLA model, when omitted",
                      Enum("item", {"core_attn", "moe_act", "layernorm", "mla_up_proj", "mlp", "moe", "shared_experts"},
                           "a module")),
               Enum("precision", {"bf16", "fp16", "fp8", "nvfp4"},
                    "compute precision of the GEMMs (fp8 and nvfp4: Transformer Engine's quantized recipes)", "bf16"),
               Float("tokens", "tokens to train on (for time to train)", "", 0, 1e16)}),
          Obj("framework", "what the training software overlaps and fuses (defaults: a current Megatron-Core)",
              FrameworkFields()),
          Str("name", "scenario name"),
          Str("notes", "anything a reader should know"),
      }};
}

Schema SuiteSchema() {
  Field threshold =
      Obj("threshold", "when a measurement passes",
          {Float("absolute", "pass at or above this value, in the metric's SI unit", "", 0),
           Float("fraction_of_spec", "pass at or above this fraction of the spec figure", "", 0, 1),
           Float("fraction_of_model",
                 "collectives: pass at or above this fraction of the bus bandwidth the simulator's collective model "
                 "expects for the op, size and group on the suite's cluster (or validate --calibration PROFILE's); "
                 "above 1 asks for more than the model",
                 "", 0, 100),
           Float("relative",
                 "fail when below the best of its peers (devices of its node; nodes or groups of the fleet) by more "
                 "than this fraction",
                 "0.1", 0, 1),
           Float("outlier_mads",
                 "fleet outlier: more than this many scaled MADs (1.4826 MAD) below the fleet median; 0 off", "5", 0),
           Float("outlier_min_deviation",
                 "fleet outlier: and more than this fraction below the median (keeps a tight fleet's noise in)", "0.05",
                 0, 1)});
  Field check = Obj(
      "item", "one check",
      {Required(Str("name", "check name, unique in the suite")),
       Required(Enum("benchmark",
                     {"gemm", "peak", "stream", "copy", "all_reduce", "all_gather", "reduce_scatter", "broadcast",
                      "reduce", "alltoall", "sendrecv", "p2p", "health", "pairs"},
                     "what to measure (health: passive node checks from /sys, /proc and nvidia-smi; pairs: every "
                     "node exchanges with others, pair by pair, to name a slow node, NIC, link or pair)")),
       Enum("scope", {"device", "node", "fabric"}, "device or node-local, or across nodes", "device"),
       Str("dtype", "data type (bf16, fp32, float, ...)"),
       Qty("bytes", Dimension::kBytes, "message or buffer size", "", 0, false, 1099511627776.0),
       Int("size", "GEMM m = n = k", "", 1, 1048576), Str("split", "collective groups: intra, inter or MOD:k"),
       Enum("kernel", {"copy", "scale", "add", "triad"}, "stream kernel judged", "triad"),
       Int("threads", "host threads of a host measurement (fixed, so co-located ranks do not contend)", "1", 1, 4096),
       Enum("backend", {"auto", "mpi", "nccl"}, "collectives backend (nccl: device buffers)", "auto"),
       Int("iters", "collectives: timed iterations per measurement", "20", 1, 1e7),
       Int("rounds",
           "measurement passes over every unit, interleaved (a unit's value is the median of its rounds); pairs: "
           "sampled perfect matchings (absent: the full round-robin tournament, every pair once)",
           "1", 1, 1000),
       Int("seed", "pairs: seed of the sampled matchings (the same seed, the same schedule)", "1", 0),
       Int("passes", "pairs: times the schedule runs; a pair's figure is the median of its passes", "1", 1, 1000),
       Int("batches",
           "pairs: each round's pairs run in this many batches, one after another (fewer pairs at once collide less "
           "on statically hashed links; costs this many times the rounds' time)",
           "1", 1, 1000000),
       Bool("confirm",
            "pairs: after the rounds, every slow pair is measured again, alone or beside pairs that share no node, "
            "and its figure then includes those measurements (nothing to do when no pair is slow)",
            "true"),
       Float("slow_ratio",
             "pairs and bisect: a pair slower than this x the fleet's median pair (a group slower than this x the "
             "median group of its round) is slow",
             "0.8", 0, 1),
       Bool("bisect",
            "a whole-job collective: when it fails, or has no absolute bound, halve the node set round by round to "
            "name the slow node or link",
            "false"),
       Enum("statistic", {"median", "best"},
            "host and device figures from the median or the fastest (STREAM's convention) timed call", "median"),
       threshold, Int("repeats", "measurements that must fail before the check fails", "1", 1, 1000),
       // benchmark: health (docs/acceptance.md "Passive health checks").
       Int("expected_gpus", "health: GPUs each node must have (NVIDIA PCI display devices; and nvidia-smi's)", "", 0,
           4096),
       Int("max_ecc_errors", "health: most uncorrected volatile ECC errors per GPU (nvidia-smi)", "", 0),
       Int("max_xid_errors", "health: most GPU Xid errors ('NVRM: Xid' lines) in the kernel log", "", 0),
       Str("kernel_log", "health: the command that prints the kernel log (for Xid errors)", "dmesg"),
       Bool("gpu_throttle", "health: fail a GPU whose clocks a hardware/thermal/power-brake reason throttles", "false"),
       Int("min_cpus", "health: fewest logical CPUs online (/sys/devices/system/cpu/online)", "", 1),
       Qty("min_memory", Dimension::kBytes, "health: least memory (MemTotal of /proc/meminfo)", "", 0),
       Int("max_cpu_throttle_events", "health: most CPU thermal throttle events since boot (core and package)", "", 0),
       Obj("pcie", "health: PCIe links of the node's devices (/sys/bus/pci/devices)",
           {Int("min_width", "fewest lanes a link may run at", "", 1, 32),
            Float("min_speed", "slowest link speed in GT/s (Gen4 16, Gen5 32)", "", 0),
            Bool("at_max", "every link runs at its maximum width", "false"),
            Enum("devices", {"gpu", "nic", "all"}, "which devices: NVIDIA GPUs, network controllers, or all", "gpu")}),
       Obj("nics", "health: network ports (/sys/class/infiniband, /sys/class/net)",
           {Int("count", "ports that must be up at min_rate or faster", "", 0, 4096),
            Qty("min_rate", Dimension::kBandwidth, "slowest rate a port may run at (400Gb/s)", "", 0),
            Enum("kind", {"infiniband", "ethernet", "any"}, "which ports count", "any")}),
       Str("sys_root", "health: where /sys and /proc are read (a container with the host's mounted elsewhere; tests)",
           "/"),
       Str("nvidia_smi", "health: the nvidia-smi command (ECC, throttle reasons)", "nvidia-smi"),
       Qty("probe_timeout", Dimension::kTime,
           "health: how long nvidia-smi or the kernel-log command may take; one that hangs longer is ended and the "
           "node fails (a hung driver or GPU)",
           "60s", 0, true),
       Enum("severity", {"warn", "critical"}, "what a failure means", "critical")});
  return {
      "suite",
      "suites",
      "an acceptance suite: checks with thresholds",
      {
          Required(Str("name", "suite name")),
          Str("description", "what this suite accepts"),
          Ref("gpu", "gpu", "expected accelerator (for fraction_of_spec thresholds)"),
          Ref("cluster", "cluster",
              "the cluster accepted (for fraction_of_model thresholds: its scale-up domain, NICs and latencies)"),
          Qty("time_budget", Dimension::kTime, "time allowed per measurement (at most a day)", "10s", 0, true, 86400),
          Required(ListOf("checks", "the checks, run in order", check)),
      }};
}

Schema ProfileSchema() {
  auto error = [](std::string what) {
    return Obj("error", "relative error of the fit on its own points, " + std::move(what),
               {Float("median", "median |predicted - measured| / measured", "0", 0),
                Float("max", "largest |predicted - measured| / measured", "0", 0)});
  };
  Field source = Obj("item", "one measured run the profile was fitted from",
                     {Str("file", "results file"), Str("run", "run id in the file"),
                      Str("kind", "kernels or collectives"), Str("hosts", "hosts of the run, comma-separated"),
                      Str("devices", "devices measured"), Str("date", "when the run started (ISO 8601, UTC)")});
  Field gemm = Obj(
      "item", "a GEMM model for one precision: t = 2mnk / (rate · w · k/(k + k_half)) + overhead",
      {Required(Str("dtype", "precision: fp64, fp32, tf32, bf16, fp16, fp8, nvfp4")),
       Required(Qty("rate", Dimension::kFlopRate, "asymptotic rate R", "", 0, true)),
       Float("k_half", "depth at which a GEMM runs at half of R", "0", 0),
       Qty("overhead", Dimension::kTime, "fixed cost per call", "0s", 0), Int("points", "measurements fitted", "0", 0),
       Str("shapes", "smallest and largest shape measured"), error("over the measured shapes")});
  Field collective =
      Obj("item", "an alpha-beta model of one collective on one tier: t = latency + S · f_op(n) / bandwidth",
          {Required(Str("op", "all_reduce, all_gather, reduce_scatter, alltoall, broadcast, reduce, sendrecv")),
           Required(Enum("tier", {"intra", "inter"}, "inside one node (scale-up) or across nodes")),
           Str("backend", "what measured it: nccl (GPU), mpi or loopback (host memory)"),
           Required(Int("ranks", "ranks measured", "", 2)), Int("ranks_per_node", "ranks per node measured", "1", 1),
           Qty("latency", Dimension::kTime, "alpha: time of an empty collective at `ranks`", "0s", 0),
           Required(Qty("bandwidth", Dimension::kBandwidth, "bus bandwidth B (nccl-tests' busbw)", "", 0, true)),
           Qty("min_bytes", Dimension::kBytes, "smallest size measured", "0B", 0),
           Qty("max_bytes", Dimension::kBytes, "largest size measured", "0B", 0), Int("points", "sizes fitted", "0", 0),
           error("over the measured sizes"),
           ListOf("segments", "piecewise fit by size regime (protocols): each segment's own latency and bandwidth",
                  Obj("item", "one size regime",
                      {Float("min_x", "smallest size x f_op covered (B)", "0", 0),
                       Float("max_x", "largest size x f_op covered (B)", "0", 0),
                       Qty("latency", Dimension::kTime, "alpha of the segment", "0s", 0),
                       Qty("bandwidth", Dimension::kBandwidth, "bus bandwidth of the segment (0: flat)", "0B/s", 0)})),
           ListOf("measured",
                  "the measured median time per size: predictions at the measured scale between two sizes interpolate "
                  "in log-log space; the model answers beyond them",
                  Obj("item", "one measured size",
                      {Required(Qty("bytes", Dimension::kBytes, "message size", "", 0, true)),
                       Required(Qty("time", Dimension::kTime, "median time of one call", "", 0, true))}))});
  return {"profile",
          "profiles",
          "a calibration profile: performance models fitted to measurements (clusterbench calibrate)",
          {
              Required(Str("device", "the device measured: host, or the GPU's name as the driver reports it")),
              Str("gpu", "the gpu config the device matched (for simulate --calibration)"),
              Int("sm_count", "SMs of the device (wave quantisation); 0 on a CPU", "0", 0),
              Str("architecture", "the matched gpu config's architecture (GEMM tile sizes)"),
              Str("created", "when the profile was written (ISO 8601, UTC)"),
              ListOf("sources", "the runs it was fitted from", source),
              ListOf("gemm", "GEMM models per precision", gemm),
              Obj("memory", "memory bandwidth",
                  {Qty("bandwidth", Dimension::kBandwidth, "sustained bandwidth (STREAM counting)", "", 0, true),
                   Str("kernel", "the kernel it comes from"), Qty("bytes", Dimension::kBytes, "bytes per call", "0B")}),
              ListOf("collectives", "collective models per operation and tier", collective),
          }};
}

const std::vector<Schema>& AllSchemas() {
  static const std::vector<Schema> kSchemas = {GpuSchema(),      ClusterSchema(), ModelSchema(),
                                               ScenarioSchema(), SuiteSchema(),   ProfileSchema()};
  return kSchemas;
}

}  // namespace

std::vector<std::string> SchemaKinds() {
  std::vector<std::string> kinds;
  for (const auto& s : AllSchemas()) kinds.push_back(s.kind);
  return kinds;
}

const Schema& GetSchema(const std::string& kind) {
  for (const auto& s : AllSchemas()) {
    if (s.kind == kind) return s;
  }
  std::string known;
  for (const auto& k : SchemaKinds()) known += (known.empty() ? "" : ", ") + k;
  throw ConfigError(fmt::format("unknown document kind '{}'; known kinds: {}", kind, known));
}

}  // namespace cb
