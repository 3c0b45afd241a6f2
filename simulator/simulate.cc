// The step simulator. Costs per layer come from compute/gpu_perf (GEMMs,
// attention, memory-bound work) and network/collective_model (TP, CP, EP,
// PP, DP traffic); the schedule is a discrete-event simulation of one
// pipeline. docs/simulator-model.md derives every term.
#include "simulator/simulate.h"

#include <fmt/format.h>
#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>
#include <optional>

#include "core/error.h"
#include "simulator/engine/event_queue.h"
#include "simulator/network/collective_model.h"
#include "simulator/network/expected_collective.h"
#include "simulator/network/flow_model.h"
#include "simulator/training/pipeline.h"
#include "simulator/workload/mamba.h"

namespace cb::sim {
namespace {

// Query rows x keys of one block of a fused (flash) attention kernel: the
// FlashAttention-2 paper (Dao 2023, sec. 3.3) tunes its blocks over {64, 128} x
// {64, 128}, and FlashAttention-3 and cuDNN run 128 x 128 at head dims 64-128.
// Read only where a sliding window leaves part of a block unmasked.
constexpr int64_t kFlashBlock = 128;

// Cost of one pass (forward or backward) of one layer, one micro-batch, one GPU.
// One communication stream's work in a pass: how long it is busy and the
// bytes this GPU puts through its collectives (for the trace, not the time).
struct Traffic {
  double busy_s = 0, bytes = 0;
  Traffic& operator+=(const Traffic& o) {
    busy_s += o.busy_s;
    bytes += o.bytes;
    return *this;
  }
};

struct PassCost {
  double compute = 0, tp = 0, cp = 0, ep = 0, dp = 0;  // compute and each stream's exposed time
  Traffic tp_t, cp_t, ep_t, dp_t;                      // each stream's whole work (exposed or hidden)
  double host = 0;  // the GPU idle while the CPU issues the pass's calls (workload/host_launch.h)
  double Total() const { return compute + tp + cp + ep + dp + host; }
  PassCost& operator+=(const PassCost& o) {
    compute += o.compute;
    tp += o.tp;
    cp += o.cp;
    ep += o.ep;
    dp += o.dp;
    host += o.host;
    tp_t += o.tp_t;
    cp_t += o.cp_t;
    ep_t += o.ep_t;
    dp_t += o.dp_t;
    return *this;
  }
  // f passes' worth (times, and the traffic's bytes and busy time).
  PassCost Scaled(double f) const {
    auto x = [f](const Traffic& t) { return Traffic{t.busy_s * f, t.bytes * f}; };
    return {compute * f, tp * f, cp * f, ep * f, dp * f, x(tp_t), x(cp_t), x(ep_t), x(dp_t), host * f};
  }
};

struct LayerCost {
  PassCost fwd, bwd;  // bwd includes recomputation
  double params_per_gpu = 0;
  double expert_params_per_gpu = 0;  // routed experts: replicated over dp·cp/ep ranks only
};

int64_t MembersPerDomain(int64_t group, int64_t stride, int64_t domain) {
  if (stride >= domain) return 1;
  return std::max<int64_t>(1, std::min(group, domain / stride));
}

class CostModel {
 public:
  explicit CostModel(const Scenario& s)
      : s_(s), gpu_(s.gpu, s.efficiencies ? *s.efficiencies : EfficienciesFor(s.gpu)), params_(CountParams(s.model)) {
    fabric_ = TiersOf(s.cluster, gpu_.eff());
    // The data-parallel tiers take no in-switch reduction (as before TiersOf).
    dp_fabric_ = fabric_;
    dp_fabric_.sharp_bandwidth = 0;
    tp_fabric_ = cp_fabric_ = ep_fabric_ = pp_fabric_ = fabric_;
    const Parallelism& p = s.par;
    const int64_t d = s.cluster.domain_gpus;
    // Rank order, innermost first: tp, cp, dp, pp (Megatron's tp-cp-ep-dp-pp).
    tp_group_ = {p.tp, MembersPerDomain(p.tp, 1, d)};
    cp_group_ = {p.cp, MembersPerDomain(p.cp, p.tp, d)};
    dp_group_ = {p.dp * p.cp, MembersPerDomain(p.dp * p.cp, p.tp, d)};
    // Hybrid sharding: ZeRO-3 state sharded over shard_group consecutive
    // data-parallel ranks, replicated over the dp·cp/shard_group groups.
    const int64_t shard = p.shard_group > 0 ? p.shard_group : p.dp * p.cp;
    shard_group_ = {shard, MembersPerDomain(shard, p.tp, d)};
    replica_group_ = {p.dp * p.cp / shard, MembersPerDomain(p.dp * p.cp / shard, p.tp * shard, d)};
    // Expert layers fold the same tp·cp·dp ranks as etp x ep x edp, innermost
    // first (Megatron-Core's expert rank order tp-ep-dp-pp with the expert TP
    // degree): an EP group's members are etp apart, an expert data-parallel
    // group's etp·ep apart.
    edp_group_ = {p.ExpertDataParallel(), MembersPerDomain(p.ExpertDataParallel(), p.etp * p.ep, d)};
    ep_group_ = {p.ep, MembersPerDomain(p.ep, p.etp, d)};
    pp_group_ = {2, MembersPerDomain(2, p.tp * p.cp * p.dp, d)};
    tokens_ = static_cast<double>(s.train.micro_batch * s.train.seq_len / p.cp);
    slowest_ = SlowestOfN(p.tp * p.pp * p.cp * p.dp, s.cluster.gpu_variation);
    leak_ = s.cluster.overlap_slowdown / (1 + s.cluster.overlap_slowdown);
  }

  // Exposed part of `comm` seconds of communication run beside `compute`
  // seconds of work it hides behind. While the collective runs, its kernels
  // hold SMs and memory bandwidth, so the compute runs 1/(1+s) as fast
  // (s = cluster.overlap_slowdown): it progresses (1-κ)·comm during the
  // transfer, κ = s/(1+s), and the pair takes max(comm, compute + κ·comm).
  // Exposed beyond the compute: max(comm - compute, κ·comm).
  double Hidden(double comm, double compute) const {
    if (comm <= 0) return 0;
    return std::max(comm - compute, leak_ * comm);
  }
  double Leak() const { return leak_; }

  const GpuPerf& gpu() const { return gpu_; }
  const FabricTiers& fabric() const { return fabric_; }
  const ParamCounts& params() const { return params_; }

  double Gemm(double m, double n, double k) const { return gpu_.GemmTime(m, n, k, s_.train.precision); }

  // TP traffic of one pass around attention or the MLP: with sequence
  // parallelism an all-gather before and a reduce-scatter after; without it
  // an all-reduce after. Bytes are the full activation, b·s/c·h in bf16.
  // Bytes one GPU passes through the TP collectives of one block (attention
  // or MLP): all-gather and reduce-scatter of the layer input with sequence
  // parallelism, one all-reduce without.
  // With framework.tp_fp8_all_gather (torchao's float8 TP, torchtitan's default for Float8Linear: "float8
  // all-gather ... for TP (by default for Float8Linear)", torchtitan docs/float8.md) the sequence-parallel
  // all-gather moves the fp8 cast of the input, 1 B per element; the reduce-scatter stays 16-bit.
  // NVFP4 (Transformer Engine) quantizes the sequence shard before it gathers
  // ("for tensors that are gathered ... amax reduction is performed before
  // quantization", its nvfp4 docs): the all-gather moves 0.5625 B per element.
  double TpGatherBytes() const {
    const double bytes = tokens_ * static_cast<double>(s_.model.hidden) * 2;
    if (s_.train.precision == Precision::kNvfp4) return bytes * BytesPerElement(Precision::kNvfp4) / 2;
    return s_.fw.tp_fp8_all_gather && s_.train.precision == Precision::kFp8 ? bytes / 2 : bytes;
  }
  double TpBlockBytes() const {
    if (s_.par.tp <= 1) return 0;
    const double bytes = tokens_ * static_cast<double>(s_.model.hidden) * 2;
    return s_.par.sequence_parallel ? TpGatherBytes() + bytes : bytes;
  }
  double TpBlockComm() const {
    if (s_.par.tp <= 1) return 0;
    double bytes = tokens_ * static_cast<double>(s_.model.hidden) * 2;
    if (s_.par.sequence_parallel) {
      return CollectiveTime(Collective::kAllGather, TpGatherBytes(), tp_group_, tp_fabric_) +
             CollectiveTime(Collective::kReduceScatter, bytes, tp_group_, tp_fabric_);
    }
    return CollectiveTime(Collective::kAllReduce, bytes, tp_group_, tp_fabric_);
  }

  // Exposed part of TP communication next to `gemm` seconds of GEMMs: with
  // overlap the collective hides behind the GEMMs it feeds, except a twentieth
  // that serialises (chunk boundaries); without it, all of it.
  double TpExposed(double comm, double gemm) const {
    if (!s_.fw.tp_comm_overlap) return comm;
    return std::max(comm - gemm, 0.0) + 0.05 * std::min(comm, gemm);
  }

  // One layer's costs for one micro-batch, by phase.
  struct AttentionCost {
    double qkv = 0, mla_up = 0, proj = 0;  // GEMM seconds (mla_up: MLA's up-projections, inside qkv)
    double fwd = 0, bwd = 0;               // core attention
    double params = 0;                     // this GPU's attention weights
    // A Mamba mixer in the attention's place (MambaBlock): qkv and proj are
    // its in_proj and out_proj, these its conv, SSD scan and gated norm.
    double mixer_fwd = 0, mixer_bwd = 0;
  };
  struct MlpCost {
    double gemm = 0;                            // forward GEMM seconds (router, experts, shared experts)
    double router = 0;                          // forward GEMM seconds of the router (in gemm)
    double ep_comm = 0, ep_bytes = 0;           // dispatch + combine
    double params = 0, expert_params = 0;       // this GPU's MLP weights, the routed experts among them
    double permute_bytes = 0;                   // token permutation into expert order and back
    double quantize_fwd = 0, quantize_bwd = 0;  // fp8/nvfp4: the routed experts' own quantization, bytes
    int quantize_kernels = 0;                   // their kernels per pass
    double act_bytes = 0;                       // the (routed) MLP's activation function, forward bytes
    double shared_gemm = 0;                     // forward GEMM seconds of the shared experts (in gemm)
    // framework.unfused_ops: the clamp's and the expert bias's own kernels (workload/elementwise.h)
    EagerExcess clamp, bias;
  };

  // Per-GPU widths the phases share.
  double KvHeadsLocal() const {
    return std::max(1.0, static_cast<double>(s_.model.KvHeads()) / static_cast<double>(s_.par.tp));
  }
  double SeqLocal() const { return static_cast<double>(s_.train.seq_len) / static_cast<double>(s_.par.cp); }

  AttentionCost AttentionBlock() const {
    const ModelSpec& m = s_.model;
    const double t = static_cast<double>(s_.par.tp), h = static_cast<double>(m.hidden);
    const double a = static_cast<double>(m.heads), T = tokens_;
    const double b = static_cast<double>(s_.train.micro_batch), sq = static_cast<double>(s_.train.seq_len);
    const double sq_local = SeqLocal();
    const double dqk = static_cast<double>(m.QkHeadDim()), dv = static_cast<double>(m.VHeadDim());
    AttentionCost c;
    c.qkv = Gemm(T, a / t * dqk + KvHeadsLocal() * (dqk + dv), h);
    if (m.mla) {
      // Down-projections are replicated over TP (Megatron-Core MLA), the
      // up-projections split by heads.
      const MlaSpec& l = *m.mla;
      const double ql = static_cast<double>(l.q_lora_rank), kvl = static_cast<double>(l.kv_lora_rank);
      c.mla_up = (ql > 0 ? Gemm(T, a / t * dqk, ql) : 0) +
                 Gemm(T, a / t * (static_cast<double>(l.qk_nope_head_dim) + dv), kvl);
      c.qkv = (ql > 0 ? Gemm(T, ql, h) : Gemm(T, a / t * dqk, h)) +
              Gemm(T, kvl + static_cast<double>(l.qk_rope_head_dim), h) + c.mla_up;
    }
    c.proj = Gemm(T, h, a * dv / t);
    if (s_.fw.flash_attention) {
      // Causal: the kernel skips the upper triangle, half the square; a
      // sliding layer also skips the blocks left of its window, but visits
      // whole blocks (CausalAttentionWork), the average layer's share here.
      const double span = AttentionSpanFactor(m, s_.train.seq_len, kFlashBlock);
      double flops = 2 * b * sq_local * sq * (a / t) * (dqk + dv) * 0.5 * span;
      // Full layers run at the kernel's rate for the local query chunk (each CP ring step attends s/cp
      // queries: the causal diagonal step and the unmasked half-rectangles, whose own gains are alike);
      // sliding layers' kernels span only their window, so they gain nothing from the sequence's length.
      // Both parts are one pass of the average layer: one launch between them.
      const double full = FullLayerAttentionShare(m, s_.train.seq_len, kFlashBlock);
      const double hd = (dqk + dv) / 2;
      const AttentionKernel k = s_.fw.attention_kernel;
      const double full_t = gpu_.AttentionTime(flops * full, k, hd, sq_local);
      const double slide_t = gpu_.AttentionTime(flops * (1 - full), k, hd);
      c.fwd = full_t + slide_t - (full_t > 0 && slide_t > 0 ? gpu_.eff().launch_s : 0);
      c.bwd = 2.5 * c.fwd;  // backward recomputes S and does 2.5x the matmuls
    } else {
      // Unfused: batched QK^T and AV GEMMs over the full square, and the
      // scale/mask/softmax/dropout pass over b·a/t·s_local·s elements.
      double rows = b * (a / t) * sq_local;
      double gemms = Gemm(rows, sq, dqk) + Gemm(rows, dv, sq);
      double softmax_bytes = rows * sq * 9;  // 2B read + 2B write, twice, + 1B dropout mask
      c.fwd = gemms + gpu_.MemoryTime(softmax_bytes, 2);
      c.bwd = 2 * gemms + gpu_.MemoryTime(2 * softmax_bytes, 2);
    }
    c.params = params_.attention_per_layer / t;
    return c;
  }

  // A hybrid model's Mamba-2 mixer (workload/mamba.h): TP splits its heads
  // and groups; with CP each rank scans whole sequences of 1/cp of them
  // (AddMambaContextParallel), the same work.
  AttentionCost MambaBlock() const {
    const MambaSpec& b = *s_.model.mamba;
    const double t = static_cast<double>(s_.par.tp), h = static_cast<double>(s_.model.hidden);
    AttentionCost c;
    c.qkv = Gemm(tokens_, static_cast<double>(b.InProjWidth()) / t, h);
    c.proj = Gemm(tokens_, h, static_cast<double>(b.Inner()) / t);
    const MixerWork w = MambaMixerWork(b, tokens_, b.heads / s_.par.tp, b.groups / s_.par.tp);
    // Roofline per pass: the scan's traffic against its matmuls at the fused-attention rate.
    c.mixer_fwd = std::max(gpu_.MemoryTime(w.fwd_bytes, w.fwd_kernels),
                           gpu_.AttentionTime(w.fwd_flops) + (w.fwd_kernels - 1) * gpu_.eff().launch_s);
    c.mixer_bwd = std::max(gpu_.MemoryTime(w.bwd_bytes, w.bwd_kernels),
                           gpu_.AttentionTime(w.bwd_flops) + (w.bwd_kernels - 1) * gpu_.eff().launch_s);
    c.params = MambaParams(b, s_.model.hidden) / t;
    return c;
  }
  // The blocks of a layer of kind `k`: attention or the Mamba mixer, and the MLP.
  AttentionCost MixerBlock(LayerKind k) const {
    return k == LayerKind::kMamba ? MambaBlock() : HasAttention(k) ? AttentionBlock() : AttentionCost{};
  }

  MlpCost MlpBlock(bool moe) const {
    const ModelSpec& m = s_.model;
    const Parallelism& p = s_.par;
    const double t = static_cast<double>(p.tp), h = static_cast<double>(m.hidden), T = tokens_;
    const double mult = static_cast<double>(m.MlpMatrices());
    MlpCost c;
    if (!moe) {
      const double f = static_cast<double>(m.ffn_hidden);
      c.gemm = Gemm(T, (mult - 1) * f / t, h) + Gemm(T, h, f / t);
      c.act_bytes = (m.swiglu ? 6 : 4) * T * f / t;
      c.params = params_.dense_mlp_per_layer / t;
      return c;
    }
    const MoeSpec& e = *m.moe;
    const double ep = static_cast<double>(p.ep);
    const double local_experts = static_cast<double>(e.experts) / ep;
    const double fe = static_cast<double>(e.expert_ffn_hidden);
    const double et = static_cast<double>(p.etp);
    // Tokens reaching this rank's experts: each GPU holds T/t tokens of the
    // micro-batch, an expert-TP group of etp GPUs computes its members'
    // tokens together (each GPU fe/etp of every expert), each token goes to
    // top_k experts, and the busiest expert gets ι times the mean.
    const double per_expert = T / t * et * static_cast<double>(e.top_k) * s_.fw.ExpertLoad() / local_experts;
    // What the routed experts read and write: the hidden state, or latent MoE's projection of it.
    const double hx = static_cast<double>(e.ExpertWidth(m.hidden));
    // Token permutation into expert order before the experts and back
    // after them (Megatron-Core's moe_utils permute/unpermute): each read
    // and written once, 2 B per element, for every routed copy.
    c.permute_bytes = 2 * 2 * 2 * hx * per_expert * local_experts;
    const double routed_tokens = per_expert * local_experts;
    // Transformer Engine's fused grouped MLP (framework.fused_grouped_mlp;
    // te/pytorch/ops/fused ForwardGroupedMLP_CuTeGEMMSwiGLU_MXFP8 and
    // BackwardGroupedMLP_CuTeGEMMDSwiGLU_MXFP8): fc1's grouped GEMM applies the
    // GLU, the routing-probability scale and fc2's input quantization in its
    // epilogue, and fc2's dgrad the GLU backward and fc1's gradient
    // quantization in its: no activation pass and one quantized tensor a pass.
    const bool fused = s_.fw.fused_grouped_mlp;
    c.act_bytes = fused ? 0 : (m.swiglu ? 6 : 4) * routed_tokens * fe / et;
    if (IsQuantized(s_.train.precision)) {
      // fp8 expert GEMMs quantize their operands in kernels of their own:
      // Transformer Engine's GroupedLinear calls tex.split_quantize on its
      // input in forward and on its gradient in backward (te/pytorch/module/
      // grouped_linear.py), where the dense layers fuse the cast into the
      // norm and the activation (LayerNormLinear, LayerNormMLP) and are
      // inside e_gemm. Each pass reads the bf16 tensor (2 B per element) and
      // writes a row-wise copy for fprop/dgrad and a column-wise one for wgrad
      // (1 B each: Float8 cast-transpose; MXFP8 scales along both axes, Megatron-LM's
      // DeepSeek-V3 GB200 write-up: "four tensors ... {row-wise, col-wise} *
      // {data, scaling factor}"). Forward: fc1's input (h per routed copy) and
      // fc2's (fe/etp, after Megatron-Core's own activation); backward: the
      // gradients of fc2's output (h) and of fc1's ((mult-1)·fe/etp).
      // NVFP4 writes its two copies at q = 0.5625 B per element, after an
      // amax pass, in a row-wise and a column-wise (Hadamard) kernel that each
      // read the tensor (Nvfp4Excess): three reads.
      const double reads = s_.train.precision == Precision::kNvfp4 ? 3 : 1;
      const double per_element = 2 * reads + 2 * BytesPerElement(s_.train.precision);
      c.quantize_fwd = per_element * routed_tokens * (hx + (fused ? 0 : fe / et));
      c.quantize_bwd = per_element * routed_tokens * (hx + (fused ? 0 : (mult - 1) * fe / et));
      c.quantize_kernels = (fused ? 1 : 2) * static_cast<int>(reads);  // tensors a pass
    }
    // The fused kernels clamp (ScaledClampedQGeGLU) and add fc2's bias themselves.
    if (s_.fw.unfused.glu_clamp && !fused) c.clamp = UnfusedGluClampExcess(routed_tokens * (mult - 1) * fe / et);
    if (s_.fw.unfused.expert_bias && !fused) c.bias = UnfusedExpertBiasExcess(routed_tokens * hx, local_experts);
    c.router = Gemm(T, static_cast<double>(e.experts), h);
    c.gemm = c.router;
    c.gemm += local_experts * (Gemm(per_expert, (mult - 1) * fe / et, hx) + Gemm(per_expert, hx, fe / et));
    if (e.latent > 0) {
      // Latent MoE's projections into and out of the latent, column- and row-parallel over TP.
      c.gemm += Gemm(T, hx / t, h) + Gemm(T, h, hx / t);
    }
    if (e.shared_experts > 0) {
      const double fs = fe * static_cast<double>(e.shared_experts);
      c.shared_gemm = Gemm(T, (mult - 1) * fs / t, h) + Gemm(T, h, fs / t);
      c.gemm += c.shared_gemm;
    }
    if (p.ep > 1) {
      // Dispatch and combine: each token's hidden state to top_k experts.
      const double T_sp = p.sequence_parallel ? T / t : T;
      double bytes = T_sp * static_cast<double>(e.top_k) * hx * 2;
      c.ep_comm = 2 * AllToAllTime(bytes, ep_group_, ep_fabric_, DispatchRemoteScale());
      c.ep_bytes = 2 * bytes;
    }
    const double routed = static_cast<double>(e.experts) * mult * hx * fe;
    // Router and shared experts sit on every EP rank.
    c.params = routed / (et * ep) + (params_.moe_mlp_per_layer - routed) / t;
    c.expert_params = routed / (et * ep);
    return c;
  }

  // Width per token of the layer's element-wise activation pass: the MLP's
  // f, the routed experts' f_e·k, or none where a fused grouped MLP applies
  // it in fc1's epilogue (framework.fused_grouped_mlp).
  double ActivationWidth(LayerKind k) const {
    const ModelSpec& m = s_.model;
    if (!HasMlp(k)) return 0;
    if (!IsMoe(k)) return static_cast<double>(m.ffn_hidden);
    return s_.fw.fused_grouped_mlp ? 0 : static_cast<double>(m.moe->expert_ffn_hidden * m.moe->top_k);
  }
  // q and k elements of one GPU's layer pass (what RoPE touches).
  double QkElements() const {
    const ModelSpec& m = s_.model;
    return tokens_ * (static_cast<double>(m.heads) / static_cast<double>(s_.par.tp) + KvHeadsLocal()) *
           static_cast<double>(m.QkHeadDim());
  }

  // Memory-bound work of a layer pass: 2 norms (read + write), 2 residual
  // adds with dropout (3 tensors + 1-byte mask), the activation function, and
  // the MoE token permutation; backward moves twice the forward's bytes.
  // Eager frameworks add their unfused ops' traffic (workload/elementwise.h).
  struct ElementwiseCost {
    double fwd = 0, bwd = 0;
  };
  // A hybrid block has one norm and one residual add.
  ElementwiseCost ElementwisePass(LayerKind k, double permute_bytes) const {
    const ModelSpec& m = s_.model;
    const double t = static_cast<double>(s_.par.tp), h = static_cast<double>(m.hidden);
    const double T_sp = s_.par.sequence_parallel ? tokens_ / t : tokens_;
    const double f_act = ActivationWidth(k);
    const double blocks = Blocks(k);
    double elementwise = blocks * (4 + 7) * T_sp * h + (m.swiglu ? 6 : 4) * tokens_ * f_act / t;
    ElementwiseCost c;
    c.fwd = gpu_.MemoryTime(elementwise, 6) + gpu_.MemoryTime(permute_bytes, 2);
    c.bwd = 2 * c.fwd;
    if (s_.fw.elementwise == Elementwise::kEager) {
      Charge(EagerLayerExcess(m, tokens_, T_sp, t, f_act), &c);
    } else if (s_.fw.unfused.rope && HasAttention(k)) {
      // Every q and k element of the pass (eager mode charges its own RoPE).
      Charge(UnfusedRopeExcess(QkElements()), &c);
    }
    return c;
  }
  // Memory-bound kernels of their own (workload/elementwise.h) as time on the pass.
  void Charge(const EagerExcess& e, ElementwiseCost* c) const {
    c->fwd += gpu_.MemoryTime(e.fwd_bytes, e.fwd_kernels);
    c->bwd += gpu_.MemoryTime(e.bwd_bytes, e.bwd_kernels);
  }

  // What NVFP4's quantization moves beyond the fp8 recipes' in the dense GEMMs
  // of a layer pass. The fp8 recipes' own casts are not charged apart: their
  // e_fp8 is a whole-training efficiency (Hopper's 0.52 against the 0.71 a
  // best-shape fp8 GEMM reaches), so what NVFP4 adds is its extra passes.
  // Transformer Engine's NVFP4Quantizer (docs/evidence/nvfp4.md) runs, per
  // bf16 tensor a GEMM takes: an amax pass (a 2 B read), a row-wise quantize
  // (2 B read, 0.5625 written) and a column-wise Hadamard-transform quantize
  // (2 B read, 0.5625 written), where MXFP8 casts both copies in one pass
  // (2 B read, 2 x 1.03 written): 2 + 2 - 0.94 = 3.06 B and two kernels more
  // per element. Forward: the inputs of QKV (the local sequence shard under
  // sequence parallelism: Transformer Engine quantizes before it gathers), of
  // the output projection, of fc1 and of fc2; backward: the gradients of
  // their outputs. Cross-check (not used to set it): Transformer Engine's GEMM
  // profile on B300 (docs/examples/gemm_profiling) measured NVFP4's
  // quantization 0.30-0.42 ns per element and copy above MXFP8's, 2.0-2.8 B
  // at B300's HBM rate. Weights are quantized once per step (not charged).
  ElementwiseCost Nvfp4Excess(LayerKind k) const {
    ElementwiseCost c;
    if (s_.train.precision != Precision::kNvfp4) return c;
    const ModelSpec& m = s_.model;
    const double t = static_cast<double>(s_.par.tp), h = static_cast<double>(m.hidden);
    const double T = tokens_, T_sp = s_.par.sequence_parallel ? T / t : T;
    const double mult = static_cast<double>(m.MlpMatrices());
    const double dqk = static_cast<double>(m.QkHeadDim()), dv = static_cast<double>(m.VHeadDim());
    const double a = static_cast<double>(m.heads);
    // The mixer's input and output projections: attention's QKV and output
    // projection, or a Mamba mixer's in_proj and out_proj.
    double qkv_width = a / t * dqk + KvHeadsLocal() * (dqk + dv), attn_out = a * dv / t;
    if (k == LayerKind::kMamba) {
      qkv_width = static_cast<double>(m.mamba->InProjWidth()) / t;
      attn_out = static_cast<double>(m.mamba->Inner()) / t;
    }
    const bool mixer = HasMixer(k);
    // The dense MLP, or a MoE layer's shared experts (its routed experts
    // quantize in MlpBlock).
    const double f = !HasMlp(k) ? 0
                     : IsMoe(k) ? static_cast<double>(m.moe->expert_ffn_hidden * m.moe->shared_experts)
                                : static_cast<double>(m.ffn_hidden);
    const bool mlp = f > 0;
    const double fwd = (mixer ? T_sp * h + T * attn_out : 0) + (mlp ? T_sp * h + T * f / t : 0);
    const double bwd = (mixer ? T * qkv_width + T_sp * h : 0) + (mlp ? T * mult * f / t + T_sp * h : 0);
    constexpr double kMxfp8 = 1 + 1.0 / 32;  // a byte and an E8M0 scale per 32 elements
    const double bytes = 2 + 2 - 2 * (kMxfp8 - BytesPerElement(Precision::kNvfp4));
    const int tensors = (mixer ? 2 : 0) + (mlp ? 2 : 0);
    c.fwd = gpu_.MemoryTime(bytes * fwd, 2 * tensors);
    c.bwd = gpu_.MemoryTime(bytes * bwd, 2 * tensors);
    return c;
  }

  // Ring attention: c-1 steps each passing this rank's K and V chunk, hidden
  // behind the attention kernels of the previous step; dK and dV travel the
  // ring back in backward.
  void AddContextParallel(const AttentionCost& attn, LayerCost* c) const {
    const Parallelism& p = s_.par;
    if (p.cp <= 1) return;
    const ModelSpec& m = s_.model;
    const double b = static_cast<double>(s_.train.micro_batch);
    const double dqk = static_cast<double>(m.QkHeadDim()), dv = static_cast<double>(m.VHeadDim());
    double kv_bytes = b * SeqLocal() * KvHeadsLocal() * (dqk + dv) * 2;
    double comm =
        static_cast<double>(p.cp - 1) * CollectiveTime(Collective::kSendRecv, kv_bytes, cp_group_, cp_fabric_);
    c->fwd.cp = Hidden(comm, attn.fwd);
    c->bwd.cp = Hidden(2 * comm, attn.bwd);
    c->fwd.cp_t = {comm, static_cast<double>(p.cp - 1) * kv_bytes};
    c->bwd.cp_t = {2 * comm, 2 * c->fwd.cp_t.bytes};
  }

  // A Mamba mixer under context parallelism (Megatron-Core's MambaContextParallel, ssm/mamba_context_parallel.py):
  // the causal conv and the scan need whole sequences, so before the conv the in_proj output (z, x, B, C, dt) is
  // redistributed from sequence chunks to groups of heads over the CP ranks, and after the scan its output goes
  // back: two all-to-alls forward, their gradients' two backward, on the critical path.
  void AddMambaContextParallel(LayerCost* c) const {
    if (s_.par.cp <= 1) return;
    const MambaSpec& b = *s_.model.mamba;
    const double t = static_cast<double>(s_.par.tp);
    const double in = tokens_ * static_cast<double>(b.InProjWidth()) / t * 2;
    const double out = tokens_ * static_cast<double>(b.Inner()) / t * 2;
    const double comm = AllToAllTime(in, cp_group_, cp_fabric_, 1) + AllToAllTime(out, cp_group_, cp_fabric_, 1);
    c->fwd.cp = c->bwd.cp = comm;
    c->fwd.cp_t = c->bwd.cp_t = {comm, in + out};
  }

  // What backward runs again under the scenario's recomputation.
  void AddRecompute(LayerKind k, bool full, const AttentionCost& attn, const MlpCost& mlp, double elem_fwd,
                    LayerCost* c) const {
    const ModelSpec& m = s_.model;
    const bool moe = IsMoe(k);
    const Recompute r = s_.train.recompute;
    if (full) {
      c->bwd += c->fwd;  // the whole forward again, its communication included
    } else if (r == Recompute::kSelective) {
      AddSelectiveRecompute(k, attn, mlp, c);
    } else if (r == Recompute::kSelectiveOp) {
      // torchtitan's per-op policy keeps the 1st, 3rd, 5th... matmul output
      // (training/recompute.h): backward reruns wk, wo and the MLP's even
      // matmuls (SwiGLU's w3, a GeLU MLP's fc2) and the memory-bound work.
      // A MoE layer's experts (grouped matmuls, outside the save list) and
      // its router run again; its all-to-alls' outputs are kept.
      const double t = static_cast<double>(s_.par.tp), h = static_cast<double>(m.hidden);
      double rerun = (HasAttention(k) ? Gemm(tokens_, KvHeadsLocal() * static_cast<double>(m.QkHeadDim()), h) : 0) +
                     attn.proj + elem_fwd;
      if (HasMlp(k) && !moe) {
        const double f = static_cast<double>(m.ffn_hidden);
        rerun += m.swiglu ? Gemm(tokens_, f / t, h) : Gemm(tokens_, h, f / t);
      } else if (moe) {
        rerun += mlp.gemm - mlp.shared_gemm;
      }
      c->bwd.compute += rerun * slowest_;
    }
  }

  // Selective recomputation by module (training/recompute.h): each module's
  // forward runs again before its backward. "moe" reruns the whole MoE block,
  // its dispatch and combine included, exposed.
  void AddSelectiveRecompute(LayerKind k, const AttentionCost& attn, const MlpCost& mlp, LayerCost* c) const {
    const RecomputeModules mod = s_.train.Modules(s_.model.mla.has_value());
    const ModelSpec& m = s_.model;
    const bool moe = IsMoe(k);
    if (mod.core_attn) c->bwd.compute += attn.fwd;  // core attention (Korthikanti et al.)
    double again = 0;
    if (mod.mla_up_proj && m.mla) again += attn.mla_up;  // MLA's up-projections
    const double t = static_cast<double>(s_.par.tp), h = static_cast<double>(m.hidden);
    const double T_sp = s_.par.sequence_parallel ? tokens_ / t : tokens_;
    const double norm = gpu_.MemoryTime(4 * T_sp * h, 1);  // one norm: read and write, 2 B per element
    if (mod.layernorm) again += (moe ? norm : 0) + (m.mla ? norm : 0);
    // The activation's unfused clamps (framework.unfused_ops) rerun with it.
    const double clamp = gpu_.MemoryTime(mlp.clamp.fwd_bytes, mlp.clamp.fwd_kernels);
    if (moe && mod.moe) {
      again += mlp.gemm + gpu_.MemoryTime(mlp.permute_bytes + mlp.quantize_fwd + mlp.act_bytes, 3) + clamp +
               gpu_.MemoryTime(mlp.bias.fwd_bytes, mlp.bias.fwd_kernels);
      c->bwd.ep += mlp.ep_comm;
    } else if (moe) {
      if (mod.moe_act) again += gpu_.MemoryTime(mlp.act_bytes, 1) + clamp;
      if (mod.shared_experts) again += mlp.shared_gemm;
    } else if (mod.mlp && HasMlp(k)) {
      again += mlp.gemm + gpu_.MemoryTime(mlp.act_bytes, 1);
    }
    c->bwd.compute += again * slowest_;
  }

  // ZeRO-3's per-layer traffic (and, gathering once per step, the unsharded
  // gradient accumulation).
  void AddFullySharded(bool full, double expert_params, LayerCost* c) const {
    if (AccumulatesUnsharded()) {
      // Gradients accumulate unsharded across micro-batches in the reduce
      // dtype (FSDP2 casts each 16-bit gradient to it before adding): read the
      // new 16-bit gradient, read and write the accumulator, per parameter.
      c->bwd.compute += gpu_.MemoryTime(c->params_per_gpu * (2 + 2 * GradBytes())) * slowest_;
    }
    if (!GatherPerLayer()) return;
    // Fully sharded: every micro-batch gathers each layer's parameters
    // before its forward and again before its backward, and reduce-scatters
    // its gradients after the backward (PyTorch FSDP, DeepSpeed ZeRO-3). The
    // transfers run on their own stream, `fsdp_prefetch` layers ahead, so in
    // steady state a layer takes the longer of its compute and its traffic:
    // the gather is exposed whenever it outlasts the compute it hides behind.
    const double gather = LayerGather(c->params_per_gpu - expert_params, expert_params);
    const double scatter = LayerGradScatter(c->params_per_gpu - expert_params, expert_params);
    // A recomputed forward gathers its parameters once more only where the
    // framework's forward hooks run again inside backward (DeepSpeed,
    // framework.zero3_recompute_gather); PyTorch FSDP's pre-forward hook
    // returns at once in its PRE_BACKWARD state, the backward's own gather
    // serving the recomputation. The backward's transfers (its gathers and
    // the reduce-scatter) share one stream and hide behind the whole
    // backward, the recomputed forward included.
    const bool regather = full && s_.fw.zero3_recompute_gather;
    // Reducing only after the last micro-batch, the scatter leaves the
    // per-micro-batch backward for the step's end (GradReduce).
    const double bwd_traffic = gather * (regather ? 2 : 1) + (SyncLast() ? 0 : scatter);
    const bool hide = s_.fw.overlap_param_gather;
    c->fwd.dp = hide ? Hidden(gather, c->fwd.Total()) : gather;
    c->bwd.dp = hide ? Hidden(bwd_traffic, c->bwd.Total()) : bwd_traffic;
    const double gathered = c->params_per_gpu * ParamBytes();
    c->fwd.dp_t = {gather, gathered};
    c->bwd.dp_t = {bwd_traffic, gathered * (regather ? 2 : 1) + (SyncLast() ? 0 : c->params_per_gpu * GradBytes())};
  }

  // The attention block's forward as the MoE passes split it: its GEMMs and
  // core attention, half the layer's norms and residuals (the expert block's
  // permutation belongs to the other half; OverlapAllToAll, AddHostBound).
  double AttentionSideFwd(const AttentionCost& attn, const ElementwiseCost& no_permute) const {
    return (attn.qkv + attn.proj + attn.fwd + no_permute.fwd / 2) * slowest_;
  }

  // All-to-all overlap pairs one micro-batch's forward with another's
  // backward. Megatron-Core's (--overlap-moe-expert-parallel-comm) runs the
  // pair layer by layer in the order of schedule_layer_1f1b (megatron/core/
  // pipeline_parallel/combined_1f1b.py): the backward's combine beside the
  // forward's attention, the forward's dispatch beside the backward's expert
  // MLP, the backward's dispatch beside the forward's expert MLP and the
  // forward's combine beside the backward's attention. Each all-to-all hides
  // behind that one block, exposed where it outlasts it. DeepSeek's DualPipe
  // rearranges the pair's blocks and splits the SMs so that all-to-all and
  // pipeline transfers are "fully hidden" (DeepSeek-V3 report, arXiv:2412.19437
  // §3.2.1): each pass's all-to-all behind the whole paired pass.
  void OverlapAllToAll(LayerKind k, const AttentionCost& attn, const MlpCost& mlp, const ElementwiseCost& elem,
                       LayerCost* c) const {
    if (s_.fw.moe_a2a_overlap_plan == A2aOverlapPlan::kDualPipe) {
      c->fwd.ep = Hidden(mlp.ep_comm, c->bwd.compute);
      c->bwd.ep = Hidden(mlp.ep_comm, c->fwd.compute);
      return;
    }
    // The token permutation belongs to the expert block; norms, residuals and
    // the activation are split evenly between the two blocks. (With context
    // parallelism the attention block also hides the K/V ring: both are
    // credited with the same compute, which a CP x EP layout with this
    // overlap would need to share.)
    const ElementwiseCost no_permute = ElementwisePass(k, 0);
    const double f_attn = AttentionSideFwd(attn, no_permute);
    const double f_mlp = (mlp.gemm + elem.fwd - no_permute.fwd / 2) * slowest_;
    const double b_attn = (2 * (attn.qkv + attn.proj) + attn.bwd + no_permute.bwd / 2) * slowest_;
    const double b_mlp = (2 * mlp.gemm + elem.bwd - no_permute.bwd / 2) * slowest_;
    const double half = mlp.ep_comm / 2;  // the dispatch, or the combine (the same bytes back)
    c->fwd.ep = Hidden(half, b_mlp) + Hidden(half, b_attn);
    c->bwd.ep = Hidden(half, f_attn) + Hidden(half, f_mlp);
  }

  // What the CPU issues for one layer pass outside CUDA graphs (workload/host_launch.h).
  HostCallsInput HostInput(LayerKind k, const MlpCost& mlp) const {
    const ModelSpec& m = s_.model;
    const Parallelism& p = s_.par;
    const bool moe = IsMoe(k);
    HostCallsInput in;
    in.moe = moe;
    in.attention = HasAttention(k);
    in.mlp = HasMlp(k);
    in.mamba = k == LayerKind::kMamba;
    in.mla = m.mla.has_value();
    in.quantized = IsQuantized(s_.train.precision);
    in.sequence_parallel = p.sequence_parallel;
    in.tp = static_cast<double>(p.tp);
    in.cp = static_cast<double>(p.cp);
    if (moe) {
      in.local_experts = static_cast<double>(m.moe->experts) / static_cast<double>(p.ep);
      in.shared_experts = m.moe->shared_experts > 0;
      in.router_fusion = s_.fw.moe_router_fusion;
      in.dedup_dispatcher = s_.fw.moe_dispatcher == MoeDispatcher::kDeepEp;
      // Megatron-Core's dispatcher waits for the per-expert token counts (TE's
      // GroupedLinear takes them on the host) unless the experts are padded
      // to a fixed capacity (drop and pad, which framework.moe_capacity_factor models).
      in.dispatcher_sync = s_.fw.moe_capacity_factor <= 0;
      in.fused_grouped_mlp = s_.fw.fused_grouped_mlp;
    }
    // Unfused kernels by block, so that a graph of one block takes its own:
    // the MLP's clamps and biases; RoPE in attention; eager mode's norms and
    // activation split between the two (one norm each; its RoPE and
    // repeat_kv in attention, the activation in the MLP, taken as halves).
    in.eager_mlp = {mlp.clamp.fwd_kernels + mlp.bias.fwd_kernels, mlp.clamp.bwd_kernels + mlp.bias.bwd_kernels};
    if (s_.fw.elementwise == Elementwise::kEager) {
      const EagerExcess own = EagerLayerExcess(m, tokens_, tokens_, static_cast<double>(p.tp), ActivationWidth(k));
      in.eager_attn = {own.fwd_kernels / 2, own.bwd_kernels / 2};
      in.eager_mlp.fwd += own.fwd_kernels - own.fwd_kernels / 2;
      in.eager_mlp.bwd += own.bwd_kernels - own.bwd_kernels / 2;
    } else if (s_.fw.unfused.rope) {
      const EagerExcess rope = UnfusedRopeExcess(QkElements());
      in.eager_attn = {rope.fwd_kernels, rope.bwd_kernels};
    }
    in.graphs = s_.fw.cuda_graphs;
    return in;
  }

  // Host-bound passes: where the CPU issues a pass's eager calls slower than
  // the GPU runs them, the GPU waits (workload/host_launch.h). An MoE layer's
  // forward drains the queue once, at its dispatcher's wait; a fully
  // recomputed layer's backward issues its forward again, wait included.
  void AddHostBound(LayerKind k, bool full, const AttentionCost& attn, const MlpCost& mlp, LayerCost* c) const {
    const double call = s_.gpu.host_call_s;
    const HostCalls h = LayerHostCalls(HostInput(k, mlp));
    const PassCost fwd = c->fwd;
    const double g = fwd.Total();
    double stall = std::max(h.Fwd() * call - g, 0.0);
    if (h.waits) {
      // Between two waits the CPU issues this layer's dispatch, experts and
      // combine (b) and the next layer's attention and router (a) without
      // stopping; the queue drains only at the wait, so a, issued after b,
      // cannot finish before n_b calls and its own GPU time:
      //   t = max(g_a + g_b, g_a + n_b·c, (n_a + n_b)·c).
      // a: the attention side of the layer and the router GEMM.
      const double g_a =
          std::min(g, AttentionSideFwd(attn, ElementwisePass(k, 0)) + mlp.router * slowest_ + fwd.tp / 2 + fwd.cp);
      stall = std::max({g, g_a + h.fwd_after_wait * call, h.Fwd() * call}) - g;
    }
    c->fwd.host = stall;
    const double rerun = full ? g : 0;  // the forward inside this backward
    c->bwd.host = std::max(h.bwd * call - (c->bwd.Total() - rerun), 0.0) + (full ? stall : 0);
  }

  // `recomputed`: this layer runs its forward again in backward (full
  // recomputation, or its partial form for the first layers of a chunk).
  LayerCost Layer(LayerKind k, bool recomputed) const {
    const AttentionCost attn = MixerBlock(k);
    const MlpCost mlp = HasMlp(k) ? MlpBlock(IsMoe(k)) : MlpCost{};
    ElementwiseCost elem = ElementwisePass(k, mlp.permute_bytes);
    elem.fwd += gpu_.MemoryTime(mlp.quantize_fwd, mlp.quantize_kernels);
    elem.bwd += gpu_.MemoryTime(mlp.quantize_bwd, mlp.quantize_kernels);
    Charge(mlp.clamp, &elem);
    Charge(mlp.bias, &elem);
    const ElementwiseCost fp4 = Nvfp4Excess(k);
    elem.fwd += fp4.fwd;
    elem.bwd += fp4.bwd;
    const double tp_comm = Blocks(k) * TpBlockComm();  // attention (or mixer) block and MLP block
    const double gemm_fwd = attn.qkv + attn.proj + mlp.gemm;
    LayerCost c;
    c.fwd.compute = (gemm_fwd + attn.fwd + attn.mixer_fwd + elem.fwd) * slowest_;
    c.fwd.tp = TpExposed(tp_comm, gemm_fwd);
    c.fwd.ep = mlp.ep_comm;
    c.bwd.compute = (2 * gemm_fwd + attn.bwd + attn.mixer_bwd + elem.bwd) * slowest_;
    c.bwd.tp = TpExposed(tp_comm, 2 * gemm_fwd);
    c.bwd.ep = mlp.ep_comm;
    c.fwd.tp_t = c.bwd.tp_t = {tp_comm, Blocks(k) * TpBlockBytes()};
    c.fwd.ep_t = c.bwd.ep_t = {mlp.ep_comm, mlp.ep_bytes};
    if (HasAttention(k)) AddContextParallel(attn, &c);
    if (k == LayerKind::kMamba) AddMambaContextParallel(&c);
    if (s_.fw.moe_a2a_overlap && IsMoe(k)) OverlapAllToAll(k, attn, mlp, elem, &c);
    const bool full = s_.train.recompute == Recompute::kFull && recomputed;
    AddRecompute(k, full, attn, mlp, elem.fwd, &c);
    AddHostBound(k, full, attn, mlp, &c);
    c.params_per_gpu = attn.params + mlp.params + Blocks(k) * static_cast<double>(s_.model.hidden);
    c.expert_params_per_gpu = mlp.expert_params;
    AddFullySharded(full, mlp.expert_params, &c);
    return c;
  }

  // Share of an all-to-all's off-domain copies that a deduplicating
  // dispatcher (DeepEP, Megatron-Core's "flex" dispatcher) still sends: a
  // token bound for several experts in one remote domain crosses the network
  // once and is fanned out over scale-up (DeepEP README, "internode" kernels).
  // With top_k experts spread uniformly over N domains the expected number of
  // distinct remote domains is (N-1)·(1 - (1 - 1/N)^k), against k·(N-1)/N
  // remote copies for a plain all-to-all.
  double DispatchRemoteScale() const {
    if (s_.fw.moe_dispatcher != MoeDispatcher::kDeepEp || !s_.model.moe) return 1;
    const double domains = static_cast<double>(ep_group_.size) / static_cast<double>(ep_group_.per_domain);
    if (domains <= 1) return 1;
    const double k = static_cast<double>(s_.model.moe->top_k);
    const double distinct = (domains - 1) * (1 - std::pow(1 - 1 / domains, k));
    return distinct / (k * (domains - 1) / domains);
  }

  // Embedding lookup on the first virtual stage; LM head and loss on the last.
  PassCost EmbeddingFwd() const {
    const double h = static_cast<double>(s_.model.hidden);
    PassCost c;
    c.compute = gpu_.MemoryTime(tokens_ * h * 2 * 2, 2) * slowest_;
    c.tp = s_.par.tp > 1 ? TpBlockComm() / 2 : 0;
    c.tp_t = {c.tp, TpBlockBytes() / 2};
    return c;
  }
  PassCost HeadFwd() const {
    const double h = static_cast<double>(s_.model.hidden), v = static_cast<double>(s_.model.vocab);
    const double t = static_cast<double>(s_.par.tp);
    PassCost c;
    // The LM head stays in 16 bits even in fp8 training (fp16 where the run is fp16).
    const Precision head = s_.train.precision == Precision::kFp16 ? Precision::kFp16 : Precision::kBf16;
    double gemm = gpu_.GemmTime(tokens_, v / t, h, head);
    // Without loss parallelism every TP rank runs the loss on the whole
    // vocabulary's logits (HeadLogitGather brings them).
    const double loss_vocab = LogitsGathered() ? v : v / t;
    c.compute = (gemm + gpu_.MemoryTime(tokens_ * loss_vocab * 4 * 3, 3)) * slowest_;  // fp32 logits: softmax, loss
    c.tp = s_.par.tp > 1 ? TpExposed(TpBlockComm() / 2, gemm) : 0;
    c.tp_t = {TpBlockComm() / 2, TpBlockBytes() / 2};
    return c;
  }
  // An MTP module's eh_proj: the concatenated [norm(h); norm(embedding)]
  // projected 2h -> h, column-parallel over TP (Megatron-Core
  // multi_token_prediction.py); the module's layer and head are charged as
  // a layer and as HeadFwd.
  PassCost MtpProjectionFwd() const {
    const double h = static_cast<double>(s_.model.hidden), t = static_cast<double>(s_.par.tp);
    PassCost c;
    c.compute = Gemm(tokens_, h / t, 2 * h) * slowest_;
    return c;
  }
  // TP without loss parallelism: every rank holds the whole vocabulary's
  // logits, gathered by a blocking DTensor redistribute.
  bool LogitsGathered() const { return s_.par.tp > 1 && !s_.fw.loss_parallel; }
  // The forward's all-gather of the whole vocabulary's bf16 logits without
  // loss parallelism (its backward slices the rank's shard: no transfer).
  PassCost HeadLogitGather() const {
    PassCost c;
    if (!LogitsGathered()) return c;
    const double bytes = tokens_ * static_cast<double>(s_.model.vocab) * 2;
    c.tp = CollectiveTime(Collective::kAllGather, bytes, tp_group_, tp_fabric_);
    c.tp_t = {c.tp, bytes};
    return c;
  }

  // Bytes one GPU sends to the next stage per pass (activations, split over TP).
  double P2pBytes() const {
    return s_.par.pp <= 1 ? 0 : tokens_ * static_cast<double>(s_.model.hidden) * 2 / static_cast<double>(s_.par.tp);
  }
  double P2pTime() const {
    if (s_.par.pp <= 1) return 0;
    double bytes = tokens_ * static_cast<double>(s_.model.hidden) * 2;
    // Scatter/gather optimisation (Narayanan et al. SC'21, sec. 4.1): each TP
    // rank sends 1/t of the activation and the receivers all-gather it over
    // the (fast) scale-up domain; with sequence parallelism it is already split.
    bytes /= static_cast<double>(s_.par.tp);
    return CollectiveTime(Collective::kSendRecv, bytes, pp_group_, pp_fabric_);
  }

  double GradBytes() const {
    // fp16 training and grad_reduce_in_fp32 = false keep and reduce gradients
    // in 16 bits; Megatron-LM's bf16 default accumulates and reduces in fp32.
    return s_.train.precision == Precision::kFp16 || !s_.fw.grad_reduce_in_fp32 ? 2 : 4;
  }
  // ZeRO-3: one layer's bf16 parameters gathered over the shard group (dense)
  // and the expert data-parallel group (routed experts).
  double LayerGather(double dense, double expert) const {
    return AtGatherRate(CollectiveTime(Collective::kAllGather, dense * ParamBytes(), shard_group_, dp_fabric_) +
                            CollectiveTime(Collective::kAllGather, expert * ParamBytes(), edp_group_, dp_fabric_),
                        (dense + expert) * ParamBytes());
  }
  // framework.zero3_gather_rate: a ZeRO-3 transfer of `bytes` (the gathered
  // parameters, or the gradients before their reduce-scatter) takes at least
  // bytes / rate, the rate measured as DeepSpeed reports it (gathered bytes
  // over the time the gathers added).
  double AtGatherRate(double collective_s, double bytes) const {
    return s_.fw.zero3_gather_rate > 0 ? std::max(collective_s, bytes / s_.fw.zero3_gather_rate) : collective_s;
  }
  // Bytes per parameter gathered: bf16, or fp8 when the framework keeps the
  // compute weights in fp8 and gathers them so (Megatron-Core fp8_param_gather).
  double ParamBytes() const { return s_.fw.fp8_param_gather && s_.train.precision == Precision::kFp8 ? 1 : 2; }
  double LayerGradScatter(double dense, double expert) const {
    return AtGatherRate(CollectiveTime(Collective::kReduceScatter, dense * GradBytes(), shard_group_, dp_fabric_) +
                            CollectiveTime(Collective::kReduceScatter, expert * GradBytes(), edp_group_, dp_fabric_),
                        (dense + expert) * GradBytes());
  }

  // Gradient reduction of `params` parameters per GPU at the end of the
  // step, of which `expert` belong to routed experts: those are replicated
  // only over the expert data-parallel group and reduced there. ZeRO-3 has
  // reduce-scattered every layer already (in Layer()); hybrid sharding still
  // all-reduces each shard across the replicas.
  double GradReduce(double params, double expert = 0) const {
    const double grad_bytes = GradBytes();
    if (AccumulatesUnsharded()) {
      // Gathered once per step (framework.fsdp_gather_once) or reduced only
      // after the last micro-batch (fsdp_grad_sync: last): the accumulated
      // unsharded gradients are reduce-scattered once, over the shard group
      // (routed experts over theirs), then each shard is all-reduced across
      // the hybrid-sharding replicas.
      return CollectiveTime(Collective::kReduceScatter, (params - expert) * grad_bytes, shard_group_, dp_fabric_) +
             CollectiveTime(Collective::kReduceScatter, expert * grad_bytes, edp_group_, dp_fabric_) +
             CollectiveTime(Collective::kAllReduce,
                            (params - expert) * grad_bytes / static_cast<double>(shard_group_.size), replica_group_,
                            dp_fabric_);
    }
    if (s_.par.zero >= 3) {
      return CollectiveTime(Collective::kAllReduce,
                            (params - expert) * grad_bytes / static_cast<double>(shard_group_.size), replica_group_,
                            dp_fabric_);
    }
    const Collective op = s_.par.zero == 0 ? Collective::kAllReduce : Collective::kReduceScatter;
    double t = CollectiveTime(op, (params - expert) * grad_bytes, dp_group_, dp_fabric_);
    if (expert > 0) t += CollectiveTime(op, expert * grad_bytes, edp_group_, dp_fabric_);
    return t;
  }
  // Flow model: the traffic of one dimension (tp, cp, ep, pp, dp) crosses the
  // fabric at `factor` of a GPU's NIC share while all its groups run at once.
  void SetContention(const std::string& kind, double factor) {
    FabricTiers* f = kind == "tp"   ? &tp_fabric_
                     : kind == "cp" ? &cp_fabric_
                     : kind == "ep" ? &ep_fabric_
                     : kind == "pp" ? &pp_fabric_
                                    : &dp_fabric_;
    f->nic_bandwidth *= factor;
  }
  double ParamGather(double params) const {
    // ZeRO-1/2 gather the updated parameters once per step; ZeRO-3 keeps them
    // sharded and gathers per layer instead (in Layer()), unless it gathers
    // once per step too (framework.fsdp_gather_once).
    if (s_.par.zero >= 3 && s_.fw.fsdp_gather_once) {
      return CollectiveTime(Collective::kAllGather, params * ParamBytes(), shard_group_, dp_fabric_);
    }
    if (s_.par.zero == 0 || s_.par.zero >= 3) return 0;
    return CollectiveTime(Collective::kAllGather, params * ParamBytes(), dp_group_, dp_fabric_);
  }
  double OptimizerTime(double params, double expert = 0) const {
    // Adam in fp32: read master, m, v, grad; write master, m, v and the bf16
    // copy. ZeRO shards dense state over dp·cp, expert state over dp·cp/ep.
    const bool z = s_.par.zero >= 1;
    double shard = z ? static_cast<double>(ShardRanks()) : 1.0;
    double eshard = z ? static_cast<double>(edp_group_.size) : 1.0;
    const double owned = (params - expert) / shard + expert / eshard;
    // Per-step fixed costs around the update (Megatron-Core's optimizer step):
    // the gradient norm reads the owned fp32 gradients (4 B) and is summed over
    // every GPU, the loss is averaged over the data-parallel ranks (two
    // latency-bound all-reduces of a few bytes), and the gradient buffer (4 B
    // per parameter held, unsharded below ZeRO-2) is zeroed for the next step.
    const double held = s_.par.zero >= 2 ? owned : params;
    const double all = static_cast<double>(s_.par.tp * s_.par.pp * s_.par.cp * s_.par.dp);
    const Group everyone{static_cast<int64_t>(all),
                         std::min<int64_t>(s_.cluster.domain_gpus, static_cast<int64_t>(all))};
    // Pure bf16 moves half: read parameter, m, v, gradient and write
    // parameter, m, v at 2 B each (14 B), the norm reading 2 B gradients.
    // bf16 moments (framework.adam_moments) read and write each moment at 2 B: 8 B less.
    const double moments = 4 * (4 - s_.fw.moment_bytes);
    const double update = s_.fw.pure_bf16 ? 14 + 2 : 30 + 4 - moments, zeroed = s_.fw.pure_bf16 ? 2 : 4;
    return gpu_.MemoryTime(owned * update, 5) + gpu_.MemoryTime(held * zeroed, 1) +
           2 * CollectiveTime(Collective::kAllReduce, 8, everyone, fabric_);
  }

  // ZeRO-3 gathering each layer's parameters for every micro-batch (the
  // default), not once per step.
  bool GatherPerLayer() const { return s_.par.zero >= 3 && !s_.fw.fsdp_gather_once; }
  // ZeRO-3 reducing gradients only after the step's last micro-batch
  // (framework.fsdp_grad_sync: last); with one micro-batch that is every one,
  // and a shard group of one GPU accumulates in place (nothing to scatter).
  bool SyncLast() const {
    return GatherPerLayer() && s_.fw.fsdp_sync_last && shard_group_.size > 1 &&
           s_.train.global_batch > s_.par.dp * s_.train.micro_batch;
  }
  // Gradients held unsharded across the step's micro-batches.
  bool AccumulatesUnsharded() const { return (s_.par.zero >= 3 && s_.fw.fsdp_gather_once) || SyncLast(); }
  // Ranks the dense (and routed-expert) model state is sharded over.
  int64_t ShardRanks() const { return s_.par.zero >= 3 ? shard_group_.size : dp_group_.size; }
  int64_t ExpertShardRanks() const { return edp_group_.size; }

 private:
  const Scenario& s_;
  GpuPerf gpu_;
  ParamCounts params_;
  FabricTiers fabric_, dp_fabric_, tp_fabric_, cp_fabric_, ep_fabric_, pp_fabric_;
  Group tp_group_, cp_group_, dp_group_, shard_group_, replica_group_, edp_group_, ep_group_, pp_group_;
  double tokens_ = 0;
  double slowest_ = 1;  // SlowestOfN over the job's GPUs
  double leak_ = 0;     // κ of Hidden()
};

// The groups of each parallelism dimension as GPU ids (RankOf) and the
// traffic pattern of its collective; each pattern's contention on the fabric
// graph (with `faults` applied) scales that dimension's scale-out bandwidth.
void ApplyFlowModel(const Scenario& s, const std::vector<LinkFault>& faults, CostModel* cost, SimResult* r) {
  const Parallelism& p = s.par;
  FatTree tree = FatTree::Build(*s.fabric);
  for (const LinkFault& f : faults) {
    if (f.physical < 0 || f.physical >= tree.physical_links()) {
      throw UsageError(fmt::format("link {}: the fabric of cluster '{}' has links 0..{} (see `clusterbench topology`)",
                                   f.physical, s.cluster.name, tree.physical_links() - 1));
    }
    if (f.fraction > 0) {
      tree.DegradeLink(FatTree::UpLinkOf(f.physical), f.fraction);
    } else {
      tree.FailLink(FatTree::UpLinkOf(f.physical));
    }
  }
  using Groups = std::vector<std::vector<int64_t>>;
  Groups tp, cp, dp, ep, pp_pairs;
  for (int64_t st = 0; st < p.pp; ++st) {
    for (int64_t d = 0; d < p.dp; ++d) {
      for (int64_t c = 0; c < p.cp; ++c) {
        std::vector<int64_t> g;
        for (int64_t t = 0; t < p.tp; ++t) g.push_back(RankOf(p, t, c, d, st));
        if (p.tp > 1) tp.push_back(std::move(g));
      }
      for (int64_t t = 0; t < p.tp && p.cp > 1; ++t) {
        std::vector<int64_t> g;
        for (int64_t c = 0; c < p.cp; ++c) g.push_back(RankOf(p, t, c, d, st));
        cp.push_back(std::move(g));
      }
    }
    for (int64_t t = 0; t < p.tp; ++t) {
      std::vector<int64_t> g;  // CP-inclusive data-parallel group
      for (int64_t d = 0; d < p.dp; ++d) {
        for (int64_t c = 0; c < p.cp; ++c) g.push_back(RankOf(p, t, c, d, st));
      }
      if (p.dp * p.cp > 1) dp.push_back(std::move(g));
    }
    // Expert layers: the stage's tp·cp·dp ranks as etp x ep x edp, innermost
    // first; an EP group is ep ranks etp apart.
    const int64_t base = RankOf(p, 0, 0, 0, st);
    for (int64_t e_dp = 0; e_dp < p.ExpertDataParallel() && p.ep > 1; ++e_dp) {
      for (int64_t et = 0; et < p.etp; ++et) {
        std::vector<int64_t> e;
        for (int64_t k = 0; k < p.ep; ++k) e.push_back(base + et + p.etp * (k + p.ep * e_dp));
        ep.push_back(std::move(e));
      }
    }
  }
  std::vector<GpuPair> pp;
  for (int64_t st = 0; st + 1 < p.pp; ++st) {
    for (int64_t d = 0; d < p.dp; ++d) {
      for (int64_t c = 0; c < p.cp; ++c) {
        for (int64_t t = 0; t < p.tp; ++t) {
          pp.push_back({RankOf(p, t, c, d, st), RankOf(p, t, c, d, st + 1), static_cast<uint64_t>(d)});
        }
      }
    }
  }
  struct Kind {
    const char* name;
    const char* pattern;
    int64_t groups;
    std::vector<GpuPair> pairs;
  };
  Kind kinds[] = {{"tp", "ring", static_cast<int64_t>(tp.size()), RingPairs(tp)},
                  {"cp", "ring", static_cast<int64_t>(cp.size()), RingPairs(cp)},
                  {"ep", "all-to-all", static_cast<int64_t>(ep.size()), AllToAllPairs(ep)},
                  {"pp", "send-recv", p.pp > 1 ? p.dp * p.cp * p.tp * (p.pp - 1) : 0, std::move(pp)},
                  {"dp", "ring", static_cast<int64_t>(dp.size()), RingPairs(dp)}};
  r->network_model = "flow";
  for (Kind& k : kinds) {
    if (k.pairs.empty()) continue;
    Contention c = PatternContention(tree, k.pairs, s.fabric->balanced_routing ? Routing::kSpread : Routing::kEcmpHash);
    SimResult::Traffic t{k.name,
                         k.pattern,
                         k.groups,
                         c.fabric_flows,
                         c.factor,
                         c.slowest_gpu,
                         c.bottleneck,
                         c.bottleneck_utilisation,
                         c.bottleneck_link >= 0 ? int64_t{c.bottleneck_link / 2} : -1};
    if (c.fabric_flows > 0) cost->SetContention(k.name, c.factor);
    if (std::string(k.name) == "dp") r->dp_contention = c.factor;
    if (c.factor < 0.999) {
      r->notes.push_back(fmt::format(
          "flow model: {} traffic ({} {} groups at once) is held back by {} ({:.0f}% utilised); the slowest GPU, "
          "{}, gets {:.0f}% of its NIC share",
          k.name, k.groups, k.pattern, c.bottleneck, 100 * c.bottleneck_utilisation, c.slowest_gpu, 100 * c.factor));
    }
    r->traffic.push_back(std::move(t));
  }
}

}  // namespace

double SlowestOfN(int64_t n, double sigma) {
  if (n <= 8 || sigma <= 0) return 1;
  const auto z = [](double k) { return std::sqrt(2 * std::log(k)); };
  return (1 + sigma * z(static_cast<double>(n))) / (1 + sigma * z(8));
}

int64_t RankOf(const Parallelism& p, int64_t tp_r, int64_t cp_r, int64_t dp_r, int64_t stage) {
  return tp_r + p.tp * (cp_r + p.cp * (dp_r + p.dp * stage));
}

namespace {

// MTP modules per virtual stage: where the layout puts them, else all on
// the last (Megatron-Core's default, beside the loss).
std::vector<int64_t> MtpPerVirtualStage(const Scenario& s) {
  std::vector<int64_t> out(static_cast<size_t>(s.par.pp * s.par.vpp), 0);
  if (!s.par.layout.empty()) {
    for (size_t j = 0; j < out.size() && j < s.par.layout.stages.size(); ++j) out[j] = s.par.layout.stages[j].mtp;
  } else if (!out.empty()) {
    out.back() = s.model.mtp_layers;
  }
  return out;
}

// Phase 1: layers over the p·v virtual stages, with the note when uneven.
void SplitLayersOverStages(const Scenario& s, SimResult* r) {
  const int64_t vs = s.par.pp * s.par.vpp;
  if (!s.par.layout.empty()) {
    r->layers_per_virtual_stage.clear();
    std::string list;
    for (const LayoutStage& st : s.par.layout.stages) {
      r->layers_per_virtual_stage.push_back(st.layers);
      list += (list.empty() ? "" : ",") + std::to_string(st.layers) + (st.mtp > 0 ? fmt::format("+{}m", st.mtp) : "");
    }
    r->layer_split_note = fmt::format(
        "{} layers over {} virtual stages as parallelism.pipeline_layout '{}' places "
        "them: {}",
        s.model.layers, vs, s.par.layout.text, list);
    r->notes.push_back(r->layer_split_note);
    return;
  }
  const bool accounted = s.par.account_for_embedding || s.par.account_for_loss;
  r->layers_per_virtual_stage = SplitLayers(s.model.layers, vs, s.par.account_for_embedding, s.par.account_for_loss);
  const int64_t slots = s.model.layers + (s.par.account_for_embedding ? 1 : 0) + (s.par.account_for_loss ? 1 : 0);
  const bool even = slots % vs == 0;
  std::string list;
  for (auto n : r->layers_per_virtual_stage) list += (list.empty() ? "" : ",") + std::to_string(n);
  if (accounted) {
    r->layer_split_note = fmt::format(
        "{} layers over {} virtual stages with {} in the split (Megatron --account-for-*-in-pipeline-split){}: {}",
        s.model.layers, vs,
        s.par.account_for_embedding && s.par.account_for_loss ? "the embedding and the loss"
        : s.par.account_for_embedding                         ? "the embedding"
                                                              : "the loss",
        even ? "" : ", uneven", list);
    r->notes.push_back(r->layer_split_note);
    return;
  }
  r->layer_split_note = even ? fmt::format("{} layers, {} per virtual stage", s.model.layers, s.model.layers / vs)
                             : fmt::format(
                                   "{} layers do not divide over {} virtual stages: split as evenly as "
                                   "possible, first and last stages lighter (as Llama 3): {}",
                                   s.model.layers, vs, list);
  if (!even) r->notes.push_back(r->layer_split_note);
}

// Per virtual stage: forward and backward cost of one micro-batch, and this
// GPU's share of the stage's parameters (all, and the routed experts).
struct StageCosts {
  std::vector<PassCost> fwd, bwd;
  std::vector<double> params, expert;
  // Per layer kind the model has (indexed by LayerKind): recomputed layers
  // (all of them unless training.recompute_layers), and those past
  // recompute_layers in their chunk.
  std::array<std::optional<LayerCost>, kLayerKinds> again, kept;
  const LayerCost& Of(LayerKind k, bool recomputed) const {
    return *(recomputed ? again : kept)[static_cast<size_t>(k)];
  }
};

MemoryInput MemoryInputFor(const Scenario& s, const CostModel& cost, int64_t micro_batches);

// Each MTP module on its virtual stage: its embedding lookup (the stage holds
// its own copy of the word embeddings unless it is the first), projection and
// layer (the last decoder layer's kind); its LM head and loss run on the last
// stage with the main head's weights (Megatron-Core: the MTP stage sends its
// hidden states on, process_mtp_loss runs on the last stage; gpt_model.py
// builds the embedding on an MTP stage; DeepSeek-V3 sec. 2.2). The larger
// pipeline message between an MTP stage and a later loss stage is not charged.
void AddMtpModules(const Scenario& s, const CostModel& cost, StageCosts* c) {
  const std::vector<int64_t> mtp = MtpPerVirtualStage(s);
  const bool again = s.train.recompute != Recompute::kFull || s.train.recompute_layers == 0;
  const LayerCost& lc = c->Of(s.model.MtpKind(), again);
  const double t = static_cast<double>(s.par.tp);
  const PassCost head = cost.HeadFwd();
  for (size_t j = 0; j < mtp.size(); ++j) {
    for (int64_t k = 0; k < mtp[j]; ++k) {
      c->fwd[j] += cost.EmbeddingFwd();
      c->bwd[j] += cost.EmbeddingFwd();
      c->fwd[j] += cost.MtpProjectionFwd();
      c->bwd[j] += cost.MtpProjectionFwd().Scaled(2);
      c->fwd[j] += lc.fwd;
      c->bwd[j] += lc.bwd;
      c->fwd.back() += head;
      c->fwd.back() += cost.HeadLogitGather();
      c->bwd.back() += head.Scaled(2);
      c->params[j] += lc.params_per_gpu + cost.params().mtp_extra / t;
      c->expert[j] += lc.expert_params_per_gpu;
    }
    if (mtp[j] > 0 && j > 0) c->params[j] += cost.params().embedding / t;
  }
}

// Phase 2: sums the layers of each virtual stage, embedding on the first,
// LM head and loss on the last.
StageCosts ComputeStageCosts(const Scenario& s, const CostModel& cost, const std::vector<int64_t>& layers) {
  const auto vs = layers.size();
  StageCosts c;
  c.fwd.resize(vs);
  c.bwd.resize(vs);
  c.params.assign(vs, 0);
  c.expert.assign(vs, 0);
  for (LayerKind k : s.model.Kinds()) {
    c.again[static_cast<size_t>(k)] = cost.Layer(k, true);
    c.kept[static_cast<size_t>(k)] = cost.Layer(k, false);
  }
  // Activation offloading (framework.cpu_offload_layers): the first N layers
  // of each chunk copy their activations to the host after their forward and
  // back before their backward, on copy engines (no SMs), so each copy is
  // exposed only where it outlasts the layer's own pass.
  const MemoryInput act = MemoryInputFor(s, cost, 1);
  // Fine-grained offloading (framework.offload_modules) copies the named
  // modules' inputs of every other layer the same way.
  auto exposed_copy = [&](double bytes, const LayerCost& lc, bool fwd) {
    return bytes > 0 ? std::max(bytes / s.gpu.host_bandwidth - (fwd ? lc.fwd.Total() : lc.bwd.Total()), 0.0) : 0.0;
  };
  int64_t layer = 0;
  for (size_t j = 0; j < vs; ++j) {
    for (int64_t i = 0; i < layers[j]; ++i, ++layer) {
      const bool again = s.train.Recomputed(i) || s.train.recompute != Recompute::kFull;
      const LayerKind kind = s.model.KindOf(layer);
      const LayerCost& lc = c.Of(kind, again);
      c.fwd[j] += lc.fwd;
      c.bwd[j] += lc.bwd;
      const double copied = i < s.fw.cpu_offload_layers  ? ActivationBytesPerLayer(act, kind)
                            : s.fw.offload_modules.Any() ? OffloadedBytesPerLayer(act, kind)
                                                         : 0.0;
      c.fwd[j].compute += exposed_copy(copied, lc, true);
      c.bwd[j].compute += exposed_copy(copied, lc, false);
      c.params[j] += lc.params_per_gpu;
      c.expert[j] += lc.expert_params_per_gpu;
    }
  }
  const double t = static_cast<double>(s.par.tp);
  c.fwd.front() += cost.EmbeddingFwd();
  c.bwd.front() += cost.EmbeddingFwd();
  c.params.front() += cost.params().embedding / t;
  PassCost head = cost.HeadFwd();
  c.fwd.back() += head;
  c.fwd.back() += cost.HeadLogitGather();
  c.bwd.back() += head.Scaled(2);
  if (s.train.recompute == Recompute::kFull && s.train.recompute_layers == 0) {
    c.bwd.back() += head;  // (conservative: Megatron keeps logits)
  }
  c.params.back() += cost.params().lm_head / t;
  AddMtpModules(s, cost, &c);
  return c;
}

struct Pipelines {
  std::vector<PipelineRun> runs, runs_no_p2p;
};

// Phase 3: the pipeline schedule. Symmetric mode: one pipeline stands for
// every data-parallel replica. Full mode: every replica's pipeline is
// simulated on its own (with its own stragglers), and the data-parallel
// collectives of a stage start when the last replica is ready — a collective
// waits for its slowest member. Runs without transfer time separate the
// exposed point-to-point time from the bubble.
Pipelines RunPipelines(const Scenario& s, const SimOptions& options, const StageCosts& c, SimTime p2p, SimResult* r) {
  const Parallelism& p = s.par;
  const int64_t vs = p.pp * p.vpp;
  std::vector<SimTime> fwd_t, bwd_t;
  for (int64_t j = 0; j < vs; ++j) {
    fwd_t.push_back(FromSeconds(c.fwd[static_cast<size_t>(j)].Total()));
    bwd_t.push_back(FromSeconds(c.bwd[static_cast<size_t>(j)].Total()));
  }
  const int64_t replicas = options.full ? p.dp : 1;
  Pipelines out;
  out.runs.reserve(static_cast<size_t>(replicas));
  for (int64_t rep = 0; rep < replicas; ++rep) {
    std::vector<SimTime> f = fwd_t, bk = bwd_t;
    for (const Straggler& sg : options.stragglers) {
      if (sg.replica != rep || !options.full) continue;
      for (int64_t j = sg.stage; j < vs; j += p.pp) {
        f[static_cast<size_t>(j)] = FromSeconds(ToSeconds(f[static_cast<size_t>(j)]) * (1 + sg.slowdown));
        bk[static_cast<size_t>(j)] = FromSeconds(ToSeconds(bk[static_cast<size_t>(j)]) * (1 + sg.slowdown));
      }
    }
    auto pipeline = options.estimate ? EstimatePipeline : RunPipeline;
    out.runs.push_back(pipeline(p.pp, p.vpp, r->micro_batches, f, bk, p2p));
    r->events += out.runs.back().events;
    if (rep == 0 || !options.stragglers.empty()) {
      out.runs_no_p2p.push_back(p2p > 0 ? pipeline(p.pp, p.vpp, r->micro_batches, f, bk, 0) : out.runs.back());
      r->events += p2p > 0 ? out.runs_no_p2p.back().events : 0;
    }
  }
  r->replicas_simulated = replicas;
  r->mode = options.estimate ? "estimate" : (options.full ? "full" : "symmetric");
  return out;
}

// Per pipeline rank: when its data-parallel reduction ends, its optimizer
// step, its exposed parameter gather, and which replica finished last.
struct StageTail {
  std::vector<double> dp_end_s, optimizer_s, gather_exposed_s;
  std::vector<size_t> slowest_replica;
};

// Gradient buckets of model chunk `j` (j = k·pp + stage) holding `params`
// parameters per GPU. ZeRO-3 reduces each layer's unit after its backward
// (PyTorch FSDP, DeepSpeed): one bucket per layer. Below ZeRO-3, Megatron-Core's
// DDP (megatron/core/distributed/distributed_data_parallel.py) splits only the
// first model chunk of the first pipeline stage, into buckets of
// max(4e7, 1e6 x dp·cp) parameters ("larger DP sizes need larger buckets to
// ensure collectives do not become latency-bound"); every other chunk is one
// bucket, reduced after its last backward ("bucketing off on a pipeline stage
// that is not the first, since data-parallel communication on these stages is
// not on the critical path", and for "model chunks after the first in the
// interleaved schedule"); without overlap_grad_reduce, one bucket ("bucket_size
// to infinity").
double GradBuckets(const Scenario& s, double params, int64_t j, int64_t layers) {
  if (s.par.zero >= 3) return std::max<double>(1, static_cast<double>(layers));
  if (j != 0 || !s.fw.overlap_grad_reduce) return 1;
  const double size = s.fw.grad_bucket_params > 0 ? s.fw.grad_bucket_params
                                                  : std::max(4e7, 1e6 * static_cast<double>(s.par.dp * s.par.cp));
  return std::max(1.0, std::ceil(params / size));
}

// Phase 4: data-parallel gradient reduction (bucketed behind the last
// backward of each chunk when overlapped), optimizer step and parameter
// gather, per rank; the step ends when the last rank is done.
StageTail ReduceGradients(const Scenario& s, const CostModel& cost, const StageCosts& c, const Pipelines& pl,
                          SimResult* r) {
  const Parallelism& p = s.par;
  const auto pp = static_cast<size_t>(p.pp);
  StageTail tail{std::vector<double>(pp, 0), std::vector<double>(pp, 0), std::vector<double>(pp, 0),
                 std::vector<size_t>(pp, 0)};
  double step = 0;
  for (int64_t st = 0; st < p.pp; ++st) {
    auto su = static_cast<size_t>(st);
    double pipe_end = 0;
    for (size_t rep = 0; rep < pl.runs.size(); ++rep) {
      double e = ToSeconds(pl.runs[rep].stage_end[su]);
      if (e > pipe_end) {
        pipe_end = e;
        tail.slowest_replica[su] = rep;
      }
    }
    double stream_free = 0, params_on_stage = 0, overlapped = 0;
    // Model chunks in the order their last backward finishes.
    const PipelineRun& ref = pl.runs[tail.slowest_replica[su]];
    std::vector<int64_t> chunks;
    for (int64_t k = 0; k < p.vpp; ++k) chunks.push_back(k * p.pp + st);
    std::sort(chunks.begin(), chunks.end(), [&](int64_t a, int64_t b) {
      return ref.last_bwd_end[static_cast<size_t>(a)] < ref.last_bwd_end[static_cast<size_t>(b)];
    });
    for (int64_t j : chunks) {
      auto ju = static_cast<size_t>(j);
      params_on_stage += c.params[ju];
      double comm = cost.GradReduce(c.params[ju], c.expert[ju]);
      double buckets = GradBuckets(s, c.params[ju], j, r->layers_per_virtual_stage[ju]);
      double first = 0, b_end = 0;
      for (const PipelineRun& run : pl.runs) {
        double bs = ToSeconds(run.last_bwd_start[ju]), be = ToSeconds(run.last_bwd_end[ju]);
        first = std::max(first, bs + (be - bs) / buckets);
        b_end = std::max(b_end, be);
      }
      double end;
      if (s.fw.overlap_grad_reduce) {
        // Buckets leave as the last backward produces them: the first after
        // one layer's worth of backward, the last after the pass ends. What
        // runs before b_end runs beside that backward and slows it
        // (CostModel::Hidden): the pass ends κ·overlapped later.
        const double start = std::max(stream_free, first);
        overlapped += std::max(0.0, std::min(start + comm, b_end) - start);
        end = std::max({start + comm, b_end + comm / buckets});
      } else {
        end = std::max(stream_free, pipe_end) + comm;
      }
      stream_free = end;
    }
    tail.dp_end_s[su] = std::max(stream_free, pipe_end + cost.Leak() * overlapped);
    double expert_on_stage = 0;
    for (int64_t k = 0; k < p.vpp; ++k) expert_on_stage += c.expert[static_cast<size_t>(k * p.pp + st)];
    tail.optimizer_s[su] = cost.OptimizerTime(params_on_stage, expert_on_stage);
    double ag = cost.ParamGather(params_on_stage);
    // Overlapped, only what the first forward needs waits: ZeRO-3 gathering
    // once per step, its first layer; the distributed optimizer, the first
    // gradient bucket of the stage's first chunk (Megatron-Core gathers bucket
    // by bucket), less the time before this stage's first forward starts. The
    // rest runs beside the next step's forward and slows it (CostModel::Hidden).
    // What runs during the fill overlaps no compute: no slowdown for it.
    double first_share = ag / std::max<double>(1, static_cast<double>(s.model.layers) / static_cast<double>(p.pp));
    double waited = first_share;
    if (p.zero < 3 && ag > 0) {
      const double chunk = c.params[su];
      waited = std::min(ag, cost.ParamGather(chunk) / GradBuckets(s, chunk, st, r->layers_per_virtual_stage[su]));
      first_share = std::max(0.0, waited - ToSeconds(ref.first_start[su]));
    }
    tail.gather_exposed_s[su] = s.fw.overlap_param_gather ? first_share + cost.Leak() * (ag - waited) : ag;
    double end = tail.dp_end_s[su] + tail.optimizer_s[su] + tail.gather_exposed_s[su];
    if (end > step) {
      step = end;
      r->critical_stage = static_cast<int>(st);
    }
  }
  r->step_time_s = step;
  const size_t crit_rep = tail.slowest_replica[static_cast<size_t>(r->critical_stage)];
  r->critical_replica = static_cast<int64_t>(crit_rep);
  r->critical_first_rank = RankOf(p, 0, 0, r->critical_replica, r->critical_stage);
  r->critical_ranks = p.tp * p.cp;
  return tail;
}

// Phase 5: where the critical rank's step goes: its passes' parts, then idle
// time split into bubble and exposed point-to-point transfers (the
// difference between runs with and without transfer time).
void FillBreakdown(const Scenario& s, const SimOptions& options, const StageCosts& c, const Pipelines& pl,
                   const StageTail& tail, SimResult* r) {
  const Parallelism& p = s.par;
  const auto su = static_cast<size_t>(r->critical_stage);
  const size_t crit_rep = static_cast<size_t>(r->critical_replica);
  const PipelineRun& run = pl.runs[crit_rep];
  const PipelineRun& run_no_p2p = pl.runs_no_p2p[std::min(crit_rep, pl.runs_no_p2p.size() - 1)];
  Breakdown& b = r->breakdown;
  double busy = 0;
  // A straggler's passes took (1 + slowdown) times their cost: charge it to
  // the components, not to the bubble.
  double slow = 1;
  for (const Straggler& sg : options.stragglers) {
    if (options.full && sg.replica == r->critical_replica && sg.stage == r->critical_stage) slow *= 1 + sg.slowdown;
  }
  auto charge = [&](const PassCost& pc) {
    b.compute_s += pc.compute;
    b.tp_comm_exposed_s += pc.tp;
    b.cp_comm_exposed_s += pc.cp;
    b.ep_comm_exposed_s += pc.ep;
    b.dp_comm_exposed_s += pc.dp;
    b.host_bound_s += pc.host;
    busy += pc.Total();
  };
  for (const Op& op : run.orders[su]) {
    charge((op.forward ? c.fwd[static_cast<size_t>(op.vstage)] : c.bwd[static_cast<size_t>(op.vstage)]).Scaled(slow));
  }
  if (options.estimate) {  // no orders: every micro-batch through each of the stage's chunks
    for (int64_t k = 0; k < p.vpp; ++k) {
      const auto j = static_cast<size_t>(k * p.pp + r->critical_stage);
      charge(c.fwd[j].Scaled(static_cast<double>(r->micro_batches) * slow));
      charge(c.bwd[j].Scaled(static_cast<double>(r->micro_batches) * slow));
    }
  }
  double pipe_end = ToSeconds(run.stage_end[su]);
  double idle = std::max(0.0, pipe_end - busy);
  double p2p_exposed = std::clamp(pipe_end - ToSeconds(run_no_p2p.stage_end[su]), 0.0, idle);
  b.pp_comm_exposed_s = p2p_exposed;
  b.pp_bubble_s = idle - p2p_exposed;
  b.dp_comm_exposed_s += (tail.dp_end_s[su] - pipe_end) + tail.gather_exposed_s[su];
  b.optimizer_s = tail.optimizer_s[su];
}

// Phase 6: model and hardware FLOPs, throughput, MFU, time to train.
// Forward FLOPs per token that selective recomputation runs again, by module
// (training/recompute.h); norms and activations are memory-bound and count none.
double SelectiveRecomputeFlops(const Scenario& s, const ParamCounts& p) {
  const ModelSpec& m = s.model;
  const RecomputeModules mod = s.train.Modules(m.mla.has_value());
  const double a = static_cast<double>(m.heads), layers = static_cast<double>(m.layers);
  const double moe_layers = static_cast<double>(m.MoeLayers()), dense_layers = layers - moe_layers;
  double per_token = 0;
  if (mod.core_attn) {
    per_token += 2.0 * static_cast<double>(s.train.seq_len) * a * static_cast<double>(m.QkHeadDim() + m.VHeadDim()) *
                 layers * AttentionSpanFactor(m, s.train.seq_len, 1);
  }
  if (mod.mla_up_proj && m.mla) {
    // The up-projections from the latents run twice.
    const MlaSpec& l = *m.mla;
    per_token += 2.0 *
                 (static_cast<double>(l.q_lora_rank) * a * static_cast<double>(m.QkHeadDim()) +
                  static_cast<double>(l.kv_lora_rank) * a * static_cast<double>(l.qk_nope_head_dim + l.v_head_dim)) *
                 layers;
  }
  // A weight's forward costs 2 FLOPs per token: the dense MLP, the MoE block's active weights (router,
  // routed experts, shared experts), the shared experts alone.
  if (mod.mlp) per_token += 2 * p.dense_mlp_per_layer * dense_layers;
  if (m.moe && mod.moe) {
    per_token += 2 * p.moe_active_mlp_per_layer * moe_layers;
  } else if (m.moe && mod.shared_experts) {
    per_token += 2 * p.shared_experts_per_layer * moe_layers;
  }
  return per_token;
}

void FillThroughput(const Scenario& s, const CostModel& cost, SimResult* r) {
  const double tokens = static_cast<double>(s.train.global_batch * s.train.seq_len);
  const double fwd_flops = ForwardFlopsPerToken(s.model, s.train.seq_len) * tokens;
  r->params_total = cost.params().total;
  r->params_active = cost.params().active;
  r->model_flops_per_step = 3 * fwd_flops;
  double recompute_extra = 0;
  if (s.train.recompute == Recompute::kFull) {
    // Partial recomputation: only the first recompute_layers of each chunk.
    double again = 0;
    for (int64_t n : r->layers_per_virtual_stage) {
      again += static_cast<double>(s.train.recompute_layers > 0 ? std::min(n, s.train.recompute_layers) : n);
    }
    // The decoder layers' share of the forward (MTP modules are not in the chunks' counts).
    ModelSpec decoder = s.model;
    decoder.mtp_layers = 0;
    recompute_extra =
        ForwardFlopsPerToken(decoder, s.train.seq_len) * tokens * again / static_cast<double>(s.model.layers);
  } else if (s.train.recompute == Recompute::kSelective) {
    recompute_extra = SelectiveRecomputeFlops(s, cost.params()) * tokens;
  } else if (s.train.recompute == Recompute::kSelectiveOp) {
    // wk, wo and (dense layers) the MLP's second matmul run twice.
    const ModelSpec& m = s.model;
    const double h = static_cast<double>(m.hidden);
    double per_token = 2 * h * static_cast<double>(m.KvHeads() * m.QkHeadDim() + m.heads * m.VHeadDim());
    const double moe_layers = static_cast<double>(m.MoeLayers());
    const double dense_layers = static_cast<double>(m.layers) - moe_layers;
    // MoE layers rebuild their router and experts (grouped matmuls are not saved), not the shared experts.
    const ParamCounts& p = cost.params();
    const double experts = 2 * (p.moe_active_mlp_per_layer - p.shared_experts_per_layer) * moe_layers;
    recompute_extra = (per_token * static_cast<double>(m.layers) +
                       2 * h * static_cast<double>(m.ffn_hidden) * dense_layers + experts) *
                      tokens;
  }
  r->hardware_flops_per_step = r->model_flops_per_step + recompute_extra;
  const double gpus = static_cast<double>(r->gpus_used), step = r->step_time_s;
  r->tokens_per_s = tokens / step;
  r->tokens_per_s_per_gpu = r->tokens_per_s / gpus;
  r->model_tflops_per_gpu = r->model_flops_per_step / step / gpus / 1e12;
  r->hardware_tflops_per_gpu = r->hardware_flops_per_step / step / gpus / 1e12;
  r->mfu = r->model_flops_per_step / step / gpus / cost.gpu().Peak(s.train.precision);
  if (s.train.tokens > 0) r->time_to_train_s = s.train.tokens / r->tokens_per_s;
}

// What the memory model needs of the scenario (training/memory.h); the
// per-stage parameters are the caller's.
MemoryInput MemoryInputFor(const Scenario& s, const CostModel& cost, int64_t micro_batches) {
  const Parallelism& p = s.par;
  MemoryInput in;
  in.model = &s.model;
  in.tp = p.tp;
  in.pp = p.pp;
  in.cp = p.cp;
  in.vpp = p.vpp;
  in.etp = p.etp;
  in.ep = p.ep;
  in.sequence_parallel = p.sequence_parallel;
  in.zero = p.zero;
  in.shard_ranks = static_cast<double>(cost.ShardRanks());
  in.expert_shard_ranks = static_cast<double>(cost.ExpertShardRanks());
  in.seq_len = s.train.seq_len;
  in.micro_batch = s.train.micro_batch;
  in.micro_batches = micro_batches;
  in.recompute = s.train.recompute;
  in.recompute_layers = s.train.recompute_layers;
  in.modules = s.train.Modules(s.model.mla.has_value());
  in.offload = s.fw.offload_modules;
  in.quant_bytes = IsQuantized(s.train.precision) ? BytesPerElement(s.train.precision) : 0;
  // NVFP4 weights keep a row-wise and a column-wise copy (Transformer Engine's
  // nvfp4 docs: the column-wise data is a transposed buffer of its own).
  in.quant_weight_bytes = s.train.precision == Precision::kNvfp4 ? 2 * in.quant_bytes : in.quant_bytes;
  in.flash_attention = s.fw.flash_attention;
  in.dropout = s.fw.dropout;
  in.moe_imbalance = s.fw.ExpertLoad();
  in.fp8_weights_only = s.fw.fp8_param_gather;
  in.fp8_activations = s.fw.fp8_activations;
  in.master_weights = s.fw.master_weights;
  in.pure_bf16 = s.fw.pure_bf16;
  in.moment_bytes = s.fw.moment_bytes;
  in.loss_parallel = s.fw.loss_parallel;
  in.loss = s.fw.loss;
  in.loss_chunks = s.fw.loss_chunks;
  in.grad_bytes = cost.GradBytes();
  in.fsdp_prefetch = s.fw.fsdp_prefetch;
  in.fsdp_gather_once = s.fw.fsdp_gather_once;
  in.fsdp_sync_last = cost.SyncLast();
  in.zero3_max_live_params = s.fw.zero3_max_live_params;
  in.zero3_reduce_bucket = s.fw.zero3_reduce_bucket;
  in.cpu_offload_layers = s.fw.cpu_offload_layers;
  in.param_bytes = cost.ParamBytes();
  return in;
}

// Phase 7: memory of the most loaded GPU (training/memory.h).
void FillMemory(const Scenario& s, const CostModel& cost, const StageCosts& c, SimResult* r) {
  MemoryInput in = MemoryInputFor(s, cost, r->micro_batches);
  in.layers_per_vstage = r->layers_per_virtual_stage;
  in.mtp_per_vstage = MtpPerVirtualStage(s);
  in.params = c.params;
  in.expert_params = c.expert;
  // ZeRO-3 gathers what is sharded: routed experts with no expert data
  // parallelism (ep spanning every dp rank) are held whole and never gathered.
  in.largest_layer_params = 0;
  for (const auto& lc : c.again) {
    if (!lc) continue;
    const double unsharded_experts = cost.ExpertShardRanks() == 1 ? lc->expert_params_per_gpu : 0;
    in.largest_layer_params = std::max(in.largest_layer_params, lc->params_per_gpu - unsharded_experts);
  }
  const std::vector<MemoryBreakdown> stages = EveryStageMemory(in);
  PeakMemory most = MostLoadedStage(stages);
  r->memory_per_stage.clear();
  for (const MemoryBreakdown& m : stages) r->memory_per_stage.push_back(m.Total());
  r->memory = most.memory;
  r->memory_stage = static_cast<int>(most.rank);
  r->memory_gib_per_gpu = r->memory.Total() / (1 << 30);
  r->fits_in_memory = r->memory.Total() <= s.gpu.memory_bytes;
}

// Phase 8: a replica's step as tracks per stage (the critical replica's, or
// those SimOptions::trace_replicas names in full mode): each pass on the
// compute track (its exposed waits in args), and beside it every stream that
// was busy during it — TP, CP, EP and ZeRO-3 traffic from the pass's start
// for as long as the stream worked (hidden or exposed), the pipeline send
// after each pass, the gradient reduction and the optimizer step (common to
// every replica: the data-parallel collective waits for the slowest).
void TraceReplica(const Scenario& s, const CostModel& cost, const StageCosts& c, const PipelineRun& run,
                  int64_t replica, const StageTail& tail, SimResult* r) {
  const double p2p = cost.P2pTime(), p2p_bytes = cost.P2pBytes();
  for (int64_t st = 0; st < s.par.pp; ++st) {
    auto su = static_cast<size_t>(st);
    const int stage = static_cast<int>(st);
    double params_on_stage = 0;
    for (int64_t k = 0; k < s.par.vpp; ++k) params_on_stage += c.params[static_cast<size_t>(k * s.par.pp + st)];
    for (size_t i = 0; i < run.orders[su].size(); ++i) {
      const Op& op = run.orders[su][i];
      auto [a, e] = run.spans[su][i];
      const double start = ToSeconds(a), dur = ToSeconds(e - a);
      const PassCost& pc = op.forward ? c.fwd[static_cast<size_t>(op.vstage)] : c.bwd[static_cast<size_t>(op.vstage)];
      const std::string what =
          fmt::format("{} mb{} chunk{}", op.forward ? "F" : "B", op.micro_batch, op.vstage / s.par.pp);
      r->trace.push_back({stage,
                          replica,
                          "compute",
                          what,
                          start,
                          dur,
                          {{"compute_s", pc.compute},
                           {"tp_exposed_s", pc.tp},
                           {"cp_exposed_s", pc.cp},
                           {"ep_exposed_s", pc.ep},
                           {"dp_exposed_s", pc.dp},
                           {"host_wait_s", pc.host},
                           {"layers", static_cast<double>(r->layers_per_virtual_stage[static_cast<size_t>(op.vstage)])},
                           {"micro_batch", static_cast<double>(op.micro_batch)}}});
      const std::pair<const char*, const Traffic*> streams[] = {
          {"tp-comm", &pc.tp_t}, {"cp-comm", &pc.cp_t}, {"ep-comm", &pc.ep_t}, {"dp-comm", &pc.dp_t}};
      const double exposed[] = {pc.tp, pc.cp, pc.ep, pc.dp};
      const char* names[] = {"TP all-gather/reduce-scatter", "CP ring K/V", "EP dispatch/combine",
                             "ZeRO-3 gather/reduce-scatter"};
      for (size_t k = 0; k < 4; ++k) {
        const Traffic& t = *streams[k].second;
        if (t.busy_s <= 0) continue;
        r->trace.push_back({stage,
                            replica,
                            streams[k].first,
                            fmt::format("{} ({})", names[k], what),
                            start,
                            t.busy_s,
                            {{"bytes", t.bytes}, {"busy_s", t.busy_s}, {"exposed_s", exposed[k]}}});
      }
      // Activations forward to the next stage, gradients back to the previous.
      const bool sends = op.forward ? op.vstage + 1 < s.par.pp * s.par.vpp : op.vstage > 0;
      if (p2p > 0 && sends) {
        r->trace.push_back({stage,
                            replica,
                            "pp-comm",
                            fmt::format("send {} ({})", op.forward ? "activations" : "gradients", what),
                            start + dur,
                            p2p,
                            {{"bytes", p2p_bytes}, {"busy_s", p2p}}});
      }
    }
    double pe = ToSeconds(run.stage_end[su]);
    if (tail.dp_end_s[su] > pe) {
      r->trace.push_back({stage,
                          replica,
                          "dp-comm",
                          "gradient reduce (exposed)",
                          pe,
                          tail.dp_end_s[su] - pe,
                          {{"bytes", params_on_stage * cost.GradBytes()}, {"exposed_s", tail.dp_end_s[su] - pe}}});
    }
    r->trace.push_back({stage, replica, "optimizer", "optimizer step", tail.dp_end_s[su], tail.optimizer_s[su], {}});
    if (tail.gather_exposed_s[su] > 0) {
      r->trace.push_back({stage,
                          replica,
                          "dp-comm",
                          "parameter all-gather (exposed)",
                          tail.dp_end_s[su] + tail.optimizer_s[su],
                          tail.gather_exposed_s[su],
                          {{"exposed_s", tail.gather_exposed_s[su]}}});
    }
  }
}

void FillTrace(const Scenario& s, const SimOptions& options, const CostModel& cost, const StageCosts& c,
               const Pipelines& pl, const StageTail& tail, SimResult* r) {
  if (options.trace_replicas.empty()) {
    TraceReplica(s, cost, c, pl.runs[static_cast<size_t>(r->critical_replica)], r->critical_replica, tail, r);
    return;
  }
  for (int64_t rep : options.trace_replicas) {
    if (rep < 0 || rep >= static_cast<int64_t>(pl.runs.size())) {
      throw UsageError(fmt::format("trace of replica {}: {} replica pipeline(s) simulated{}", rep, pl.runs.size(),
                                   options.full ? "" : " (full mode simulates every replica)"));
    }
    TraceReplica(s, cost, c, pl.runs[static_cast<size_t>(rep)], rep, tail, r);
  }
}

}  // namespace

const std::vector<std::string>& TraceStreams() {
  static const std::vector<std::string> streams = {"compute", "tp-comm", "cp-comm",  "ep-comm",
                                                   "pp-comm", "dp-comm", "optimizer"};
  return streams;
}

SimResult Simulate(const Scenario& s, const SimOptions& options) {
  const Parallelism& p = s.par;
  CostModel cost(s);
  SimResult r;
  if (options.flow_network) {
    if (!s.fabric) {
      throw ConfigError(
          fmt::format("cluster '{}': the flow network model needs scale_out.tiers (the switch tiers)", s.cluster.name));
    }
    ApplyFlowModel(s, options.link_faults, &cost, &r);
  } else if (!options.link_faults.empty()) {
    throw UsageError("degraded or failed links need the flow network model (--network flow)");
  }
  r.notes.insert(r.notes.end(), s.calibration_notes.begin(), s.calibration_notes.end());
  if (s.train.recompute != Recompute::kSelective && s.train.recompute_modules.Any()) {
    r.notes.push_back(
        fmt::format("training.recompute_modules ({}) unused: recompute is '{}' (modules apply to "
                    "selective recomputation only, as Megatron-Core's --recompute-modules)",
                    RecomputeModulesName(s.train.recompute_modules), RecomputeName(s.train.recompute)));
  }
  r.gpus_used = p.tp * p.pp * p.cp * p.dp;
  r.micro_batches = s.train.global_batch / (p.dp * s.train.micro_batch);
  SplitLayersOverStages(s, &r);
  const StageCosts costs = ComputeStageCosts(s, cost, r.layers_per_virtual_stage);
  const Pipelines pipelines = RunPipelines(s, options, costs, FromSeconds(cost.P2pTime()), &r);
  const StageTail tail = ReduceGradients(s, cost, costs, pipelines, &r);
  FillBreakdown(s, options, costs, pipelines, tail, &r);
  FillThroughput(s, cost, &r);
  FillMemory(s, cost, costs, &r);
  if (options.trace) FillTrace(s, options, cost, costs, pipelines, tail, &r);
  return r;
}

}  // namespace cb::sim
