// Scenario loading and validation: everything that can be wrong with a job
// is reported here, naming the key, before any simulation runs.
#include <fmt/format.h>

#include "core/error.h"
#include "simulator/simulate.h"

namespace cb::sim {
namespace {

[[noreturn]] void Bad(const ConfigNode& node, const std::string& msg) {
  throw ConfigError(fmt::format("{}: key '{}': {}", node.where(), node.path(), msg));
}

// parallelism.*: the degrees, and a job that fits the cluster.
Parallelism ReadParallelism(const ConfigNode& cfg, const ClusterSpec& c) {
  Parallelism p;
  p.tp = cfg.GetInt("parallelism.tp", 1);
  p.pp = cfg.GetInt("parallelism.pp", 1);
  p.cp = cfg.GetInt("parallelism.cp", 1);
  p.ep = cfg.GetInt("parallelism.ep", 1);
  p.vpp = cfg.GetInt("parallelism.vpp", 1);
  p.account_for_embedding = cfg.GetBool("parallelism.account_for_embedding", false);
  p.account_for_loss = cfg.GetBool("parallelism.account_for_loss", false);
  p.sequence_parallel = cfg.GetBool("parallelism.sequence_parallel", true) && p.tp > 1;
  p.zero = static_cast<int>(cfg.GetInt("parallelism.zero", 1));
  p.etp = cfg.GetInt("parallelism.etp", p.tp);
  p.shard_group = cfg.GetInt("parallelism.shard_group", 0);
  const int64_t model_parallel = p.tp * p.pp * p.cp;
  if (const ConfigNode* dp = cfg.Find("parallelism.dp")) {
    p.dp = dp->AsInt();
  } else {
    p.dp = c.gpus / model_parallel;
    if (p.dp < 1) {
      Bad(cfg.at("cluster.gpus"),
          fmt::format("the cluster's {} GPUs cannot hold one replica of tp*pp*cp = {} GPUs", c.gpus, model_parallel));
    }
  }
  const int64_t job = model_parallel * p.dp;
  if (job > c.gpus) {
    Bad(cfg.at("cluster.gpus"), fmt::format("the job needs tp*pp*cp*dp = {}*{}*{}*{} = {} GPUs but cluster '{}' has {}",
                                            p.tp, p.pp, p.cp, p.dp, job, c.name, c.gpus));
  }

  if (job > c.domain_gpus && (c.nics_per_node < 1 || c.nic_bandwidth <= 0)) {
    Bad(cfg.at("cluster.scale_out.nics_per_node"),
        fmt::format("the job's {} GPUs span several scale-up domains of {}, so it needs scale-out NICs", job,
                    c.domain_gpus));
  }
  return p;
}

// A hybrid model's pattern against its layers and blocks, and its Mamba
// heads and groups against TP (Megatron-Core's mamba_mixer.py asserts both).
void CheckHybrid(const ConfigNode& cfg, const ModelSpec& m, const Parallelism& p) {
  const std::string& pat = m.hybrid_pattern;
  if (pat.empty()) {
    if (m.mamba) Bad(cfg.at("model.mamba"), "Mamba layers need model.hybrid_pattern to say where they are ('M')");
    return;
  }
  const ConfigNode& key = cfg.at("model.hybrid_pattern");
  if (static_cast<int64_t>(pat.size()) != m.layers) {
    Bad(key, fmt::format("the pattern has {} symbols but the model has {} layers (one symbol per layer)", pat.size(),
                         m.layers));
  }
  if (const auto bad = pat.find_first_not_of("M*-E"); bad != std::string::npos) {
    Bad(key, fmt::format("symbol '{}' at position {} (valid: M Mamba, * attention, - MLP, E MoE)", pat[bad], bad));
  }
  if (pat.find('M') != std::string::npos && !m.mamba) Bad(key, "'M' layers need model.mamba (heads, ...)");
  if (pat.find('E') != std::string::npos && !m.moe) Bad(key, "'E' layers need model.moe (experts, top_k, ...)");
  if (pat.find('*') == std::string::npos) Bad(key, "a hybrid model needs at least one attention layer ('*')");
  if (m.mamba) {
    const MambaSpec& b = *m.mamba;
    if (b.heads % p.tp != 0 || b.groups % p.tp != 0) {
      Bad(cfg.at("parallelism.tp"),
          fmt::format("tp = {} must divide the Mamba mixer's {} heads and {} groups", p.tp, b.heads, b.groups));
    }
    if (b.heads % b.groups != 0) {
      Bad(cfg.at("model.mamba.groups"), fmt::format("groups ({}) must divide heads ({})", b.groups, b.heads));
    }
  }
}

// The model's shape against the layout: heads, kv heads, FFN and experts
// divide as the degrees need.
void CheckModelDivides(const ConfigNode& cfg, const ModelSpec& m, const Parallelism& p) {
  if (m.window_attn_skip_freq > 0 && m.window_size == 0) {
    Bad(cfg.at("model.window_attn_skip_freq"),
        "window_attn_skip_freq says which layers attend in full, so it needs a sliding window (model.window_size)");
  }
  CheckHybrid(cfg, m, p);
  if (m.head_dim_override == 0 && m.hidden % m.heads != 0)
    Bad(cfg.at("model.heads"), fmt::format("heads ({}) must divide hidden ({})", m.heads, m.hidden));
  if (m.heads % p.tp != 0) {
    Bad(cfg.at("parallelism.tp"), fmt::format("tp = {} does not divide the model's {} attention heads", p.tp, m.heads));
  }
  if (m.kv_heads % p.tp != 0 && p.tp % m.kv_heads != 0) {
    Bad(cfg.at("parallelism.tp"), fmt::format("tp = {} does not divide the model's {} kv heads", p.tp, m.kv_heads));
  }
  if (m.ffn_hidden % p.tp != 0) {
    Bad(cfg.at("parallelism.tp"), fmt::format("tp = {} does not divide ffn_hidden = {}", p.tp, m.ffn_hidden));
  }
  if (m.moe) {
    if (m.moe->experts % p.ep != 0) {
      Bad(cfg.at("parallelism.ep"),
          fmt::format("ep = {} does not divide the model's {} experts", p.ep, m.moe->experts));
    }
    // Expert layers decompose the stage's tp·cp·dp ranks as etp x ep x edp
    // (Megatron-Core's MoE parallel folding), so etp·ep must divide tp·cp·dp.
    if ((p.tp * p.cp * p.dp) % (p.etp * p.ep) != 0) {
      Bad(cfg.at("parallelism.ep"),
          fmt::format("etp x ep = {} x {} must divide tp x cp x dp = {} x {} x {} (the expert layers fold the same "
                      "ranks as etp x ep x expert-dp)",
                      p.etp, p.ep, p.tp, p.cp, p.dp));
    }
    if (m.moe->expert_ffn_hidden % p.etp != 0) {
      Bad(cfg.at("parallelism.etp"),
          fmt::format("etp = {} does not divide expert_ffn_hidden = {}", p.etp, m.moe->expert_ffn_hidden));
    }
    if (m.moe->top_k > m.moe->experts) Bad(cfg.at("model.moe.top_k"), "top_k exceeds the number of experts");
  } else if (p.ep > 1) {
    Bad(cfg.at("parallelism.ep"), "ep > 1 needs a mixture-of-experts model (model.moe)");
  }
  if (p.shard_group > 0) {
    if (p.zero < 3) Bad(cfg.at("parallelism.shard_group"), "hybrid sharding (shard_group) needs zero: 3");
    if ((p.dp * p.cp) % p.shard_group != 0) {
      Bad(cfg.at("parallelism.shard_group"),
          fmt::format("shard_group = {} does not divide dp x cp = {}", p.shard_group, p.dp * p.cp));
    }
  }
}

// parallelism.pipeline_layout against the degrees and the model's layers.
void ReadPipelineLayout(const ConfigNode& cfg, const ModelSpec& m, Parallelism* p) {
  const ConfigNode* node = cfg.Find("parallelism.pipeline_layout");
  if (node == nullptr || node->AsString().empty()) return;  // the even split
  if (p->account_for_embedding || p->account_for_loss) {
    Bad(*node, "a layout places the embedding and the loss itself: drop account_for_embedding/account_for_loss");
  }
  const std::string text = node->AsString();
  try {
    p->layout = {text, ParsePipelineLayout(text, p->pp, p->vpp, m.layers, m.mtp_layers)};
  } catch (const ConfigError& e) {
    Bad(*node, fmt::format("'{}': {}", text, e.what()));
  }
}

// training.*: batch, sequence, recomputation and precision.
Training ReadTraining(const ConfigNode& cfg, const Parallelism& p, const ModelSpec& m) {
  Training t;
  t.seq_len = cfg.at("training.seq_len").AsInt();
  t.global_batch = cfg.at("training.global_batch").AsInt();
  t.micro_batch = cfg.at("training.micro_batch").AsInt();
  t.recompute = ParseRecompute(cfg.at("training.recompute").AsString());
  t.recompute_layers = cfg.GetInt("training.recompute_layers", 0);
  if (t.recompute_layers > 0 && t.recompute != Recompute::kFull) {
    Bad(cfg.at("training.recompute_layers"), fmt::format("recompute_layers = {} needs recompute: full (it is '{}')",
                                                         t.recompute_layers, RecomputeName(t.recompute)));
  }
  if (const ConfigNode* mods = cfg.Find("training.recompute_modules")) {
    // Read whatever the recomputation; used only with selective (Training::Modules), as Megatron-Core reads
    // --recompute-modules only with --recompute-granularity selective: a scenario that names its modules can
    // still be run with --set training.recompute=none or full (Simulate notes the list unused).
    std::vector<std::string> names;
    for (const ConfigNode& item : mods->items()) names.push_back(item.AsString());
    try {
      t.recompute_modules = ParseRecomputeModules(names);
    } catch (const ConfigError& e) {
      Bad(*mods, e.what());
    }
    if (!t.recompute_modules.Any()) Bad(*mods, "recompute_modules is empty (recompute: none keeps everything)");
  } else if (t.recompute == Recompute::kSelective) {
    t.recompute_modules = DefaultRecomputeModules(m.mla.has_value());
  }
  t.precision_name = cfg.at("training.precision").AsString();
  t.precision = ParsePrecision(t.precision_name);
  t.tokens = cfg.GetDouble("training.tokens", 0);
  if (t.global_batch % (p.dp * t.micro_batch) != 0) {
    Bad(cfg.at("training.global_batch"), fmt::format("global_batch = {} is not divisible by dp x micro_batch = {} x {}",
                                                     t.global_batch, p.dp, t.micro_batch));
  }
  return t;
}

// The schedule the layout implies: sequence split, micro-batches per
// pipeline, the simulator's event budget, stages filled, and a GPU that has
// the training precision.
void CheckSchedule(const ConfigNode& cfg, const Scenario& s) {
  const Parallelism& p = s.par;
  const Training& t = s.train;
  const ModelSpec& m = s.model;
  if (t.seq_len % p.cp != 0) {
    Bad(cfg.at("parallelism.cp"), fmt::format("cp = {} does not divide seq_len = {}", p.cp, t.seq_len));
  }
  const int64_t micro_batches = t.global_batch / (p.dp * t.micro_batch);
  if (p.vpp > 1 && micro_batches % p.pp != 0) {
    Bad(cfg.at("parallelism.vpp"),
        fmt::format("interleaved 1F1B needs micro-batches per pipeline ({}) divisible by pp ({})", micro_batches,
                    p.pp));
  }
  // The discrete-event schedule runs 2·m passes on each of pp·vpp virtual
  // stages; beyond 2·10^8 events (about a minute here) a layout is refused
  // rather than left to run for hours.
  const double events = 2.0 * static_cast<double>(micro_batches) * static_cast<double>(p.pp * p.vpp);
  if (events > 2e8) {
    Bad(cfg.at("training.global_batch"),
        fmt::format("{} micro-batches per pipeline x {} virtual stages is {:.3g} scheduled passes, more than the "
                    "simulator's limit of 2e8: use a larger micro-batch or data-parallel degree",
                    micro_batches, p.pp * p.vpp, events));
  }
  const int64_t slots = m.layers + (p.account_for_embedding ? 1 : 0) + (p.account_for_loss ? 1 : 0);
  if (p.layout.empty() && slots < p.pp * p.vpp) {
    Bad(cfg.at("parallelism.pp"),
        slots == m.layers
            ? fmt::format("{} layers cannot fill pp x vpp = {} x {} stages", m.layers, p.pp, p.vpp)
            : fmt::format("{} layers and {} accounted for cannot fill pp x vpp = {} x {} stages", m.layers,
                          p.account_for_embedding && p.account_for_loss ? "the embedding and the loss"
                          : p.account_for_embedding                     ? "the embedding"
                                                                        : "the loss",
                          p.pp, p.vpp));
  }
  if (t.precision == Precision::kFp8 && s.gpu.peak_fp8 <= 0) {
    Bad(cfg.at("training.precision"),
        fmt::format("fp8 needs a GPU with fp8 tensor cores; {} has none (no peak.fp8)", s.gpu.name));
  }
  if (t.precision == Precision::kNvfp4 && (s.gpu.peak_fp4 <= 0 || EfficienciesFor(s.gpu).gemm_fp4 <= 0)) {
    Bad(cfg.at("training.precision"),
        s.gpu.peak_fp4 <= 0
            ? fmt::format("nvfp4 needs a GPU with fp4 tensor cores; {} has none (no peak.fp4)", s.gpu.name)
            : fmt::format("nvfp4 on {}: no measured nvfp4 GEMM efficiency (gpu efficiency.gemm_fp4)", s.gpu.name));
  }
  if (s.gpu.peak_bf16 <= 0 && s.gpu.peak_fp16 <= 0) {
    Bad(cfg.at("cluster.gpu"),
        fmt::format("GPU '{}' has no peak.bf16 or peak.fp16: the simulator needs one", s.gpu.name));
  }
  if (t.precision == Precision::kBf16 && s.gpu.peak_bf16 <= 0) {
    // Volta's tensor cores run fp16 only (no bf16 before Ampere).
    Bad(cfg.at("training.precision"),
        fmt::format("bf16 needs bf16 tensor cores; {} has none (no peak.bf16): train in fp16", s.gpu.name));
  }
}

// framework.*: what the training framework does (overlaps, kernels, MoE dispatch).
Framework ReadFramework(const ConfigNode& cfg, const ModelSpec& m) {
  Framework f;
  f.flash_attention = cfg.GetBool("framework.flash_attention", true);
  f.tp_comm_overlap = cfg.GetBool("framework.tp_comm_overlap", true);
  f.tp_fp8_all_gather = cfg.GetBool("framework.tp_fp8_all_gather", false);
  f.overlap_grad_reduce = cfg.GetBool("framework.overlap_grad_reduce", true);
  f.overlap_param_gather = cfg.GetBool("framework.overlap_param_gather", true);
  f.moe_imbalance = cfg.GetDouble("framework.moe_imbalance", 1.1);
  // GPT-2/3-style models (GeLU) train with dropout; Llama-class (SwiGLU) without.
  f.dropout = cfg.GetBool("framework.dropout", !m.swiglu);
  f.fsdp_prefetch = static_cast<int>(cfg.GetInt("framework.fsdp_prefetch", 1));
  f.grad_reduce_in_fp32 = cfg.GetBool("framework.grad_reduce_in_fp32", true);
  f.grad_bucket_params = cfg.GetDouble("framework.grad_bucket_params", 0);
  f.moe_capacity_factor = cfg.GetDouble("framework.moe_capacity_factor", 0);
  f.fp8_param_gather = cfg.GetBool("framework.fp8_param_gather", false);
  f.fp8_activations = cfg.GetBool("framework.fp8_activations", true);
  f.pure_bf16 = cfg.GetBool("framework.pure_bf16", false);
  f.moment_bytes = cfg.GetString("framework.adam_moments", "fp32") == "bf16" || f.pure_bf16 ? 2 : 4;
  // Stated, not the schema's default (true), which pure_bf16 overrides.
  if (const ConfigNode* master = cfg.Find("framework.master_weights");
      f.pure_bf16 && master && master->where() != "default" && master->AsBool()) {
    Bad(*master, "framework.pure_bf16 holds the parameters in bf16 with no fp32 master copy: drop one of the two");
  }
  f.master_weights = cfg.GetBool("framework.master_weights", true) && !f.pure_bf16;
  f.moe_a2a_overlap = cfg.GetBool("framework.moe_a2a_overlap", false);
  // The schema has refused any other name.
  f.moe_a2a_overlap_plan = cfg.GetString("framework.moe_a2a_overlap_plan", "megatron") == "dualpipe"
                               ? A2aOverlapPlan::kDualPipe
                               : A2aOverlapPlan::kMegatron;
  f.fsdp_gather_once = cfg.GetBool("framework.fsdp_gather_once", false);
  // The schema has refused any other name.
  f.fsdp_sync_last = cfg.GetString("framework.fsdp_grad_sync", "every") == "last";
  f.loss_parallel = cfg.GetBool("framework.loss_parallel", true);
  f.zero3_max_live_params = cfg.GetDouble("framework.zero3_max_live_params", 0);
  f.cpu_offload_layers = cfg.GetInt("framework.cpu_offload_layers", 0);
  if (const ConfigNode* mods = cfg.Find("framework.offload_modules")) {
    std::vector<std::string> names;
    for (const ConfigNode& item : mods->items()) names.push_back(item.AsString());
    f.offload_modules = ParseOffloadModules(names);  // the schema has checked the names
  }
  f.zero3_reduce_bucket = cfg.GetDouble("framework.zero3_reduce_bucket", 0);
  f.zero3_gather_rate = cfg.GetDouble("framework.zero3_gather_rate", 0);
  f.zero3_recompute_gather = cfg.GetBool("framework.zero3_recompute_gather", false);
  f.moe_dispatcher = cfg.GetString("framework.moe_dispatcher", "alltoall") == "deepep" ? MoeDispatcher::kDeepEp
                                                                                       : MoeDispatcher::kAllToAll;
  // The schema has refused any other name, naming the key and the choices.
  f.attention_kernel = ParseAttentionKernel(cfg.GetString("framework.attention_kernel", "fused"));
  f.elementwise = ParseElementwise(cfg.GetString("framework.elementwise", "fused"));
  if (const ConfigNode* ops = cfg.Find("framework.unfused_ops")) {
    std::vector<std::string> names;
    for (const ConfigNode& item : ops->items()) names.push_back(item.AsString());
    f.unfused = ParseUnfusedOps(names);  // the schema has checked the names
  }
  if (const ConfigNode* graphs = cfg.Find("framework.cuda_graphs")) {
    std::vector<std::string> names;
    for (const ConfigNode& item : graphs->items()) names.push_back(item.AsString());
    try {
      f.cuda_graphs = ParseCudaGraphs(names);  // the schema has checked each name
    } catch (const ConfigError& e) {
      Bad(*graphs, e.what());  // [full, attn]: names the file, line and key
    }
  }
  f.moe_router_fusion = cfg.GetBool("framework.moe_router_fusion", false);
  f.fused_grouped_mlp = cfg.GetBool("framework.fused_grouped_mlp", false);
  f.loss = ParseLossKernel(cfg.GetString("framework.loss", "fused"));
  f.loss_chunks = cfg.GetInt("framework.loss_chunks", 1);
  return f;
}

// framework.fused_grouped_mlp: Transformer Engine's fused grouped MLP runs
// block-scaled (MXFP8/NVFP4) routed experts on SM100 (its is_supported()).
void CheckFusedGroupedMlp(const ConfigNode& cfg, const Scenario& s) {
  if (!s.fw.fused_grouped_mlp) return;
  const ConfigNode& key = cfg.at("framework.fused_grouped_mlp");
  if (!s.model.moe) Bad(key, "the model has no routed experts (model.moe)");
  if (!s.model.swiglu)
    Bad(key, "Transformer Engine's fused grouped MLP is a gated (GLU) kernel; the model's activation is not");
  if (s.gpu.architecture != "blackwell") {
    Bad(key, fmt::format("Transformer Engine's fused grouped MLP needs a Blackwell GPU (SM100); '{}' is {}", s.gpu.name,
                         s.gpu.architecture));
  }
  if (!IsQuantized(s.train.precision)) {
    Bad(key,
        fmt::format("Transformer Engine's fused grouped MLP is block-scaled only: training.precision fp8 or nvfp4, "
                    "not {}",
                    s.train.precision_name));
  }
}

// framework.unfused_ops names ops the model must have.
void CheckUnfusedOps(const ConfigNode& cfg, const Scenario& s) {
  if (!s.fw.unfused.Any()) return;
  const ConfigNode& ops = cfg.at("framework.unfused_ops");
  if (s.fw.unfused.glu_clamp && (s.model.glu_clamp <= 0 || !s.model.swiglu)) {
    Bad(ops, "glu_clamp: the model's gated activation has no clamp (model.glu_clamp, with activation swiglu)");
  }
  if (s.fw.unfused.expert_bias && (!s.model.moe || !s.model.expert_bias)) {
    Bad(ops, "expert_bias: the model has no routed experts with biases (model.moe, model.expert_bias)");
  }
}

}  // namespace

Scenario ScenarioFromConfig(const ConfigNode& cfg) {
  Scenario s;
  s.effective_yaml = cfg.ToYaml();
  s.model = ModelFromConfig(cfg.at("model"));
  const ConfigNode& cluster = cfg.at("cluster");
  s.gpu = GpuOfCluster(cluster);
  s.cluster = ClusterFromConfig(cluster);
  if (cluster.Find("scale_out.tiers")) s.fabric = FabricFromConfig(cluster);
  s.par = ReadParallelism(cfg, s.cluster);
  CheckModelDivides(cfg, s.model, s.par);
  ReadPipelineLayout(cfg, s.model, &s.par);
  s.train = ReadTraining(cfg, s.par, s.model);
  CheckSchedule(cfg, s);
  s.fw = ReadFramework(cfg, s.model);
  CheckUnfusedOps(cfg, s);
  CheckFusedGroupedMlp(cfg, s);
  if (s.fw.fp8_param_gather && s.train.precision == Precision::kNvfp4) {
    // Megatron-Core: "fp4_param and fp4_param_gather are not supported for now" (docs/evidence/nvfp4.md).
    Bad(cfg.at("framework.fp8_param_gather"),
        "nvfp4 training keeps bf16 weights and gathers them so; fp8_param_gather is for fp8 training");
  }
  if (s.fw.cpu_offload_layers > 0) {
    const int64_t chunks = s.par.pp * s.par.vpp;
    const int64_t per_chunk = (s.model.layers + chunks - 1) / chunks;
    if (s.fw.cpu_offload_layers >= per_chunk) {
      Bad(cfg.at("framework.cpu_offload_layers"),
          fmt::format("cpu_offload_layers = {} must be fewer than the {} layers of a model chunk (pp x vpp = {})",
                      s.fw.cpu_offload_layers, per_chunk, chunks));
    }
    if (s.gpu.host_bandwidth <= 0) {
      Bad(cfg.at("framework.cpu_offload_layers"),
          fmt::format("offloading activations needs the GPU's host_bandwidth; '{}' has none", s.gpu.name));
    }
  }
  if (s.fw.offload_modules.Any()) {
    const ConfigNode& mods = cfg.at("framework.offload_modules");
    if (s.gpu.host_bandwidth <= 0) {
      Bad(mods, fmt::format("offloading activations needs the GPU's host_bandwidth; '{}' has none", s.gpu.name));
    }
    if (s.train.recompute == Recompute::kFull || s.train.recompute == Recompute::kSelectiveOp) {
      Bad(mods, fmt::format("offload_modules needs recompute none or selective (it is '{}'): full and per-op "
                            "recomputation keep no module inputs to offload",
                            RecomputeName(s.train.recompute)));
    }
  }
  return s;
}

}  // namespace cb::sim
