// Tests of the fidelity work (issue 14): memory model, MoE parallel folding,
// hybrid sharding, fully sharded traffic, slowest-of-N, power caps, per-GPU
// efficiencies and error bands. Each states the closed form it checks.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "core/config.h"
#include "core/error.h"
#include "simulator/compute/gpu_perf.h"
#include "simulator/network/collective_model.h"
#include "simulator/plan/explain.h"
#include "simulator/simulate.h"
#include "simulator/training/memory.h"
#include "simulator/validation/error_band.h"
#include "simulator/workload/elementwise.h"
#include "simulator/workload/host_launch.h"
#include "simulator/workload/transformer.h"
#include "tests/simulator/shipped.h"

namespace cb::sim {
namespace {

using testing::ErrorOf;
using testing::Load;
using testing::Shipped;

// A shipped scenario with `base` overrides, and the same with one more.
std::pair<SimResult, SimResult> WithoutAndWith(const std::string& name, const std::vector<Override>& base,
                                               const Override& more) {
  auto with = base;
  with.push_back(more);
  return {Simulate(Load(name, base)), Simulate(Load(name, with))};
}

// ------------------------------------------------------------------ data-parallel buckets

// Megatron-Core's DDP buckets the first model chunk of the first stage at
// max(4e7, 1e6 x dp·cp) parameters: 8B parameters over DP64 are 64M-parameter
// buckets, the same step as stating that size. One bucket holding everything
// is no overlap at all: the reduction follows the backward and the whole
// parameter gather precedes the forward, as with overlap_grad_reduce off.
TEST(DataParallel, MegatronBucketsTheFirstChunkAtItsDefaultSize) {
  const std::vector<Override> dp64 = {{"parallelism.tp", "1"}, {"parallelism.pp", "1"}, {"parallelism.dp", "64"}};
  auto with = [&](const std::vector<Override>& more) {
    auto o = dp64;
    o.insert(o.end(), more.begin(), more.end());
    return Simulate(Load("llama3-8b-64", o));
  };
  const SimResult base = with({});
  EXPECT_EQ(base.step_time_s, with({{"framework.grad_bucket_params", "64e6"}}).step_time_s);
  // Smaller buckets leave a shorter tail after the backward.
  EXPECT_GT(base.step_time_s, with({{"framework.grad_bucket_params", "32e6"}}).step_time_s);
  const SimResult one = with({{"framework.grad_bucket_params", "1e15"}});
  const SimResult off = with({{"framework.overlap_grad_reduce", "false"}});
  EXPECT_NEAR(one.breakdown.dp_comm_exposed_s, off.breakdown.dp_comm_exposed_s, 1e-9);
  EXPECT_GT(one.breakdown.dp_comm_exposed_s, 4 * base.breakdown.dp_comm_exposed_s);
}

// A stage after the first reduces its chunk as one bucket after its last
// backward (Megatron-Core: "not on the critical path"), so its bucket size
// changes nothing; the first stage's does.
TEST(DataParallel, OnlyTheFirstStageIsBucketed) {
  const std::vector<Override> pp2 = {{"parallelism.tp", "1"}, {"parallelism.pp", "2"}, {"parallelism.dp", "32"}};
  // When each stage's reduction ends: its optimizer step's start in the trace.
  auto tail = [&](const char* size) {
    auto o = pp2;
    o.push_back({"framework.grad_bucket_params", size});
    SimOptions opt;
    opt.trace = true;
    const SimResult r = Simulate(Load("llama3-8b-64", o), opt);
    std::vector<double> end(2, -1);
    for (const TraceEvent& e : r.trace) {
      if (e.stream == "optimizer") end[static_cast<size_t>(e.stage)] = e.start_s;
    }
    return end;
  };
  const auto small = tail("1e6"), large = tail("1e15");
  ASSERT_EQ(small.size(), 2u);
  EXPECT_LT(small[0], large[0]);
  EXPECT_EQ(small[1], large[1]);
}

// The parameter gather of a stage after the first overlaps its pipeline
// fill: the closed form (the planner's screen) knows when each rank's first
// pass starts, as the event schedule does, so the two agree on a PP2 layout
// whose second stage gathers its whole chunk as one bucket.
TEST(DataParallel, TheScreenSeesThePipelineFill) {
  const Scenario s = Load("mlm-gpt-70b-768");
  ASSERT_EQ(s.par.pp, 2);
  SimOptions screen;
  screen.estimate = true;
  const SimResult events = Simulate(s), closed = Simulate(s, screen);
  EXPECT_NEAR(closed.step_time_s / events.step_time_s, 1.0, 0.01);
}

// ------------------------------------------------------------------ memory

// Llama 3 405B (h 16384, a 128, g 8, f 53248, SwiGLU, no dropout) with TP8
// and SP, flash attention: per layer s·b·h/t·(2 + 2(1 + 2g/a) + 2 + 2 + 6f/h + 4).
TEST(Memory, LlamaLayerWithoutDropoutMatchesClosedForm) {
  Scenario s = Load("llama3-405b-16k");
  ASSERT_FALSE(s.fw.dropout);  // SwiGLU models default to no dropout
  MemoryInput in;
  in.model = &s.model;
  in.tp = 8;
  in.seq_len = 8192;
  const double h = 16384, a = 128, g = 8, f = 53248;
  const double units = 2 + 2 * (1 + 2 * g / a) + 2 + 2 + 6 * f / h + 4;
  EXPECT_NEAR(ActivationBytesPerLayer(in, false) / (8192 * h / 8 * units), 1.0, 1e-12);
  // Dropout adds a one-byte mask after attention and after the MLP.
  in.dropout = true;
  EXPECT_NEAR(ActivationBytesPerLayer(in, false) / (8192 * h / 8 * (units + 2)), 1.0, 1e-12);
  // Full recomputation keeps only the layer input, 2 bytes per element / t.
  in.recompute = Recompute::kFull;
  EXPECT_NEAR(ActivationBytesPerLayer(in, false), 2 * 8192 * h / 8, 1e-3);
  EXPECT_GT(FullLayerActivationBytes(in, false), 10 * ActivationBytesPerLayer(in, false));
}

// Each routed copy of a token is its expert fc1's input, saved like any GEMM
// input: 1 B in fp8 (Transformer Engine's GroupedLinear), 2 B in bf16. One
// more expert per token (top_k + 1) adds ι copies, each with its fc1 input and
// the expert's SwiGLU intermediates (mu = 6, 5 in fp8, per f_e/h):
// s·b·h/t · ι · (gemm_in + mu·f_e/h).
TEST(Memory, RoutedCopiesAreSavedLikeGemmInputs) {
  Scenario s = Load("mixtral-8x7b-64");
  ASSERT_TRUE(s.model.moe.has_value());
  const double h = static_cast<double>(s.model.hidden), fe = static_cast<double>(s.model.moe->expert_ffn_hidden);
  const double iota = 1.1, sbh = 4096 * h;
  auto delta = [&](bool fp8) {
    ModelSpec one = s.model, two = s.model;
    two.moe->top_k = one.moe->top_k + 1;
    MemoryInput in;
    in.seq_len = 4096;
    in.moe_imbalance = iota;
    in.quant_bytes = in.quant_weight_bytes = fp8 ? 1 : 0;
    in.model = &two;
    const double more = FullLayerActivationBytes(in, true);
    in.model = &one;
    return more - FullLayerActivationBytes(in, true);
  };
  EXPECT_NEAR(delta(true) / (sbh * iota * (1 + 5 * fe / h)), 1.0, 1e-9);
  EXPECT_NEAR(delta(false) / (sbh * iota * (2 + 6 * fe / h)), 1.0, 1e-9);
}

// Megatron-Core's in-flight counts: 1F1B rank r holds min(p - r, m); the
// interleaved rank r holds min(2(p - r - 1) + (v - 1)p + 1, m·v) chunk passes.
TEST(Memory, InFlightCountsFollowMegatronsWarmup) {
  EXPECT_EQ(InFlightChunkPasses(16, 1, 0, 32), 16);
  EXPECT_EQ(InFlightChunkPasses(16, 1, 15, 32), 1);
  EXPECT_EQ(InFlightChunkPasses(16, 1, 0, 4), 4);
  EXPECT_EQ(InFlightChunkPasses(16, 2, 0, 32), 2 * 15 + 16 + 1);
  EXPECT_EQ(InFlightChunkPasses(16, 2, 15, 32), 16 + 1);
  EXPECT_EQ(InFlightChunkPasses(4, 4, 0, 1), 4);  // capped at m·v
}

// Rank 0 of an interleaved pipeline with L/p layers per rank and enough
// micro-batches holds L·(1 + (p-1)/(p·v)) layers' worth (Korthikanti et al.
// 2022, sec. 4.2.3): (L/(p·v))·(2(p-1) + (v-1)p + 1) chunk passes' layers.
TEST(Memory, InterleavedRankZeroHoldsKorthikantisFactor) {
  Scenario s = Load("llama3-405b-16k");
  MemoryInput in;
  in.model = &s.model;
  in.tp = 8;
  in.seq_len = 8192;
  in.pp = 16;
  in.vpp = 2;
  in.micro_batches = 64;
  in.layers_per_vstage.assign(32, 4);  // L = 128
  in.params.assign(32, 0);
  in.expert_params.assign(32, 0);
  const double expected = 128 * ActivationBytesPerLayer(in, false) * (1 + 15.0 / 32);
  EXPECT_NEAR(StageMemory(in, 0).activations / expected, 1.0, 1e-12);
  // With as few micro-batches as ranks, the warm-up stops at m·v chunk passes.
  in.micro_batches = 16;
  EXPECT_NEAR(StageMemory(in, 0).activations / (4 * 32 * ActivationBytesPerLayer(in, false)), 1.0, 1e-12);
}

// fp8 training holds bf16 weights plus an fp8 copy (3 B); with fp8_param_gather
// the compute weights live only in fp8 (1 B).
TEST(Memory, Fp8ParamGatherKeepsOnlyFp8Weights) {
  SimResult copy = Simulate(Load("gpt3-175b-128"));
  SimResult only = Simulate(Load("gpt3-175b-128", {{"framework.fp8_param_gather", "true"}}));
  ASSERT_EQ(Load("gpt3-175b-128").train.precision, Precision::kFp8);
  EXPECT_NEAR(copy.memory.weights / only.memory.weights, 3.0, 1e-9);
  EXPECT_LE(only.step_time_s, copy.step_time_s);  // the distributed optimizer's gather moves half the bytes
}

// Gradients reduced in bf16 (NeMo's fp8 recipes) take half the fp32 buffer.
TEST(Memory, Bf16GradientsHalveTheBuffer) {
  SimResult fp32 = Simulate(Load("llama3-405b-16k", {{"parallelism.zero", "1"}}));
  SimResult bf16 =
      Simulate(Load("llama3-405b-16k", {{"parallelism.zero", "1"}, {"framework.grad_reduce_in_fp32", "false"}}));
  EXPECT_NEAR(fp32.memory.gradients / bf16.memory.gradients, 2.0, 1e-9);
}

// The last pipeline rank holds one micro-batch's logits, b·s·V/t elements:
// 6 B each with Megatron's fused cross entropy (bf16 + fp32), 12 B with
// PyTorch's eager F.cross_entropy at its backward (three fp32 tensors), 16 B
// with PyTorch's loss_parallel over TP's vocabulary shards (its backward's
// (zeros_like(x) + exp(x)) * grad holds four), 2 B with Transformer Engine's,
// which writes the gradient into the bf16 logits, 4 B compiled (torchtitan).
TEST(Memory, EagerLossHoldsTwelveBytesPerLogitAndSixteenOverVocabShards) {
  Scenario s = Load("llama3-8b-64");
  MemoryInput in;
  in.model = &s.model;
  in.tp = 2;
  in.seq_len = 8192;
  in.micro_batch = 2;
  in.layers_per_vstage = {32};
  in.params = in.expert_params = {0};
  const double logits = 2 * 8192.0 * static_cast<double>(s.model.vocab) / 2;
  EXPECT_DOUBLE_EQ(StageMemory(in, 0).logits, 6 * logits);
  in.loss = LossKernel::kEager;
  EXPECT_DOUBLE_EQ(StageMemory(in, 0).logits, 16 * logits);
  in.loss_parallel = false;  // every TP rank computes the whole vocabulary's loss with the native kernels
  EXPECT_DOUBLE_EQ(StageMemory(in, 0).logits, 12 * 2 * logits);
  in.loss_parallel = true;
  in.tp = 1;
  EXPECT_DOUBLE_EQ(StageMemory(in, 0).logits, 12 * 2 * logits);
  in.tp = 2;
  in.loss = LossKernel::kTe;
  EXPECT_DOUBLE_EQ(StageMemory(in, 0).logits, 2 * logits);
  EXPECT_EQ(ParseLossKernel("te"), LossKernel::kTe);
  // Compiled by torch.compile: the bf16 logits and their bf16 gradient, the fp32 upcast fused away.
  in.loss = LossKernel::kCompiled;
  EXPECT_DOUBLE_EQ(StageMemory(in, 0).logits, 4 * logits);
  EXPECT_EQ(ParseLossKernel("compiled"), LossKernel::kCompiled);
  in.loss = LossKernel::kEager;
  in.pp = 2;  // only the last stage computes the loss
  in.layers_per_vstage = {16, 16};
  in.params = in.expert_params = {0, 0};
  EXPECT_EQ(StageMemory(in, 0).logits, 0);
  EXPECT_DOUBLE_EQ(StageMemory(in, 1).logits, 16 * logits);
  EXPECT_THROW(ParseLossKernel("chunked"), ConfigError);
  EXPECT_NE(ErrorOf("llama3-8b-64", {{"framework.loss", "chunked"}}).find("not one of fused, eager, te, compiled"),
            std::string::npos);
}

// The published Llama 3 405B layout (TP8 PP16 DP128, ZeRO-2, interleaved)
// fits in 80 GB and lands within 10% of the paper's 400 TFLOP/s (6.74 s).
TEST(Memory, Llama3FlagshipFitsAndMatchesThePaper) {
  SimResult r = Simulate(Load("llama3-405b-16k"));
  EXPECT_TRUE(r.fits_in_memory) << r.memory_gib_per_gpu;
  EXPECT_NEAR(r.step_time_s / 6.74, 1.0, 0.10);
}

// torchtitan's per-op checkpointing keeps the layer input, wq's and wv's
// outputs, the attention output and w1's and w2's outputs (SwiGLU):
// s·b·h/t·(2 + 2·q + 2·kv + 2·q + 2f/h + 2), q = a·d/h, kv = g·d/h.
TEST(Memory, PerOpCheckpointingKeepsEveryOtherMatmul) {
  Scenario s = Load("llama3-8b-64");
  MemoryInput in;
  in.model = &s.model;
  in.seq_len = 8192;
  in.recompute = Recompute::kSelectiveOp;
  const double h = 4096, q = 1, kv = 8.0 / 32, f = 14336;
  const double units = 2 + 2 * q + 2 * kv + 2 * q + 2 * f / h + 2;
  EXPECT_NEAR(ActivationBytesPerLayer(in, false) / (8192 * h * units), 1.0, 1e-12);
  // Between keeping everything and keeping only the input.
  EXPECT_LT(ActivationBytesPerLayer(in, false), FullLayerActivationBytes(in, false) / 2);
  // In time, backward reruns wk, wo and w3: slower than no recomputation,
  // faster than full.
  const double none = Simulate(Load("llama3-8b-64", {{"training.recompute", "none"}})).step_time_s;
  const double op = Simulate(Load("llama3-8b-64", {{"training.recompute", "selective_op"}})).step_time_s;
  const double full = Simulate(Load("llama3-8b-64", {{"training.recompute", "full"}})).step_time_s;
  EXPECT_GT(op, none);
  EXPECT_LT(op, full);
}

// Transformer Engine saves fp8 GEMM inputs in fp8: per layer the QKV and fc1
// inputs drop from 2 B to 1 B, fc2's input from 2f to f bytes, and the output
// projection adds an fp8 copy of the attention output (q·1 B).
TEST(Memory, Fp8TrainingSavesGemmInputsInFp8) {
  Scenario s = Load("llama3-8b-64");
  MemoryInput in;
  in.model = &s.model;
  in.seq_len = 8192;
  const double bf16 = ActivationBytesPerLayer(in, false);
  in.quant_bytes = in.quant_weight_bytes = 1;
  const double fp8 = ActivationBytesPerLayer(in, false);
  const double h = 4096, f = 14336;
  EXPECT_NEAR((bf16 - fp8) / (8192 * h), 1 + 1 + f / h - 1, 1e-9);
  in.fp8_activations = false;  // torchao float8 keeps the bf16 inputs
  EXPECT_DOUBLE_EQ(ActivationBytesPerLayer(in, false), bf16);
}

// PyTorch FSDP holds the fp32 parameter the optimizer updates (4 B) and
// Adam's two moments (8 B), no separate master copy: 16 B with fp32
// gradients against Megatron's 2 + 4 + 12 = 18 B.
TEST(Memory, FsdpWithoutMasterCopyHoldsSixteenBytes) {
  const std::vector<Override> fsdp = {{"parallelism.zero", "3"}};
  SimResult mcore = Simulate(Load("llama3-8b-64", fsdp));
  auto with = fsdp;
  with.push_back({"framework.master_weights", "false"});
  SimResult torch = Simulate(Load("llama3-8b-64", with));
  const double states = [](const MemoryBreakdown& m) { return m.weights + m.gradients + m.optimizer; }(torch.memory);
  const double mstates = mcore.memory.weights + mcore.memory.gradients + mcore.memory.optimizer;
  EXPECT_NEAR(states / mstates, 16.0 / 18.0, 1e-9);
  EXPECT_NEAR(torch.memory.weights / mcore.memory.weights, 2.0, 1e-9);
}

// Pure bf16 (KempnerForge casts the model to bf16 before sharding): 2 B of
// parameter, 2 B of gradient and two 2 B Adam moments, half of PyTorch FSDP's
// fp32 parameter and moments; the optimizer step moves half the bytes.
TEST(Memory, PureBf16HoldsEightBytesAndUpdatesFaster) {
  const std::vector<Override> fsdp = {{"parallelism.zero", "3"}, {"framework.master_weights", "false"}};
  const auto [fp32, bf16] = WithoutAndWith("llama3-8b-64", fsdp, {"framework.pure_bf16", "true"});
  EXPECT_NEAR(bf16.memory.weights / fp32.memory.weights, 0.5, 1e-9);
  EXPECT_NEAR(bf16.memory.optimizer / fp32.memory.optimizer, 0.5, 1e-9);
  EXPECT_NEAR(bf16.memory.gradients / fp32.memory.gradients, 0.5, 1e-9);  // fp32-reduced gradients held in bf16
  EXPECT_LT(bf16.breakdown.optimizer_s, fp32.breakdown.optimizer_s);
  // It implies no master copy even where master_weights is left at its default.
  SimResult implied = Simulate(Load("llama3-8b-64", {{"parallelism.zero", "3"}, {"framework.pure_bf16", "true"}}));
  EXPECT_DOUBLE_EQ(implied.memory.weights, bf16.memory.weights);
  EXPECT_DOUBLE_EQ(implied.memory.optimizer, bf16.memory.optimizer);
  // Stating a master copy beside it contradicts it: refused, naming the key.
  EXPECT_NE(ErrorOf("llama3-8b-64", {{"framework.pure_bf16", "true"}, {"framework.master_weights", "true"}})
                .find("key 'framework.master_weights': framework.pure_bf16 holds the parameters in bf16"),
            std::string::npos);
}

// Megatron-Core's precision-aware optimizer with bf16 moments (framework.adam_moments: bf16): the fp32 master
// (4 B) and two 2 B moments, 8 B per parameter against 12, and an update that moves 8 B less per parameter;
// weights and gradients are as they were.
TEST(Memory, Bf16AdamMomentsHoldEightBytes) {
  const auto [fp32, bf16] = WithoutAndWith("llama3-8b-64", {}, {"framework.adam_moments", "bf16"});
  EXPECT_NEAR(bf16.memory.optimizer / fp32.memory.optimizer, 8.0 / 12.0, 1e-9);
  EXPECT_DOUBLE_EQ(bf16.memory.weights, fp32.memory.weights);
  EXPECT_DOUBLE_EQ(bf16.memory.gradients, fp32.memory.gradients);
  EXPECT_LT(bf16.breakdown.optimizer_s, fp32.breakdown.optimizer_s);
  EXPECT_NE(ErrorOf("llama3-8b-64", {{"framework.adam_moments", "fp16"}}).find("framework.adam_moments"),
            std::string::npos);
}

// ZeRO-3 reducing only after the last micro-batch (framework.fsdp_grad_sync:
// last; FSDP2's set_requires_gradient_sync(False), KempnerForge): the rank
// holds its unsharded gradients in the reduce dtype (fp32: 4 B per parameter
// of the rank) all step, and the micro-batches before the last move no
// reduce-scatter (less data-parallel time exposed; each micro-batch adds its
// gradient into the fp32 accumulator instead). One micro-batch per step
// changes nothing.
TEST(Memory, FsdpReducingAfterTheLastMicroBatchHoldsUnshardedGradients) {
  const std::vector<Override> fsdp = {{"parallelism.zero", "3"},        {"parallelism.tp", "1"},
                                      {"parallelism.dp", "64"},         {"framework.master_weights", "false"},
                                      {"training.global_batch", "256"}, {"training.micro_batch", "1"}};
  const auto [every, last] = WithoutAndWith("llama3-8b-64", fsdp, {"framework.fsdp_grad_sync", "last"});
  ASSERT_GT(every.micro_batches, 1);
  // TP1 PP1: the rank's parameters are the whole model's.
  const double params = every.params_total;
  EXPECT_NEAR((last.memory.buffers - every.memory.buffers) / (params * 4), 1.0, 1e-6);
  EXPECT_LT(last.breakdown.dp_comm_exposed_s, every.breakdown.dp_comm_exposed_s);
  // One micro-batch per GPU: the same step either way.
  auto one_every = fsdp;
  for (Override& o : one_every) {
    if (o.path == "training.global_batch") o.value = "64";
  }
  const auto [one_e, one_l] = WithoutAndWith("llama3-8b-64", one_every, {"framework.fsdp_grad_sync", "last"});
  ASSERT_EQ(one_l.micro_batches, 1);
  EXPECT_DOUBLE_EQ(one_l.memory.buffers, one_e.memory.buffers);
}

// Without loss parallelism (KempnerForge's replicated LM-head output) every
// TP rank holds the whole vocabulary's logits, t times a vocab-parallel
// loss's share, and the forward all-gathers them; the loss then runs on all
// of them, so the step is slower.
TEST(Memory, LossWithoutVocabParallelismHoldsEveryLogit) {
  const std::vector<Override> tp = {{"parallelism.tp", "4"}, {"parallelism.dp", "16"}};
  const auto [vocab_parallel, gathered] = WithoutAndWith("llama3-8b-64", tp, {"framework.loss_parallel", "false"});
  EXPECT_NEAR(gathered.memory.logits / vocab_parallel.memory.logits, 4.0, 1e-9);
  EXPECT_GT(gathered.step_time_s, vocab_parallel.step_time_s);
  EXPECT_GT(gathered.breakdown.tp_comm_exposed_s, vocab_parallel.breakdown.tp_comm_exposed_s);
  // Without TP there is nothing to gather.
  const auto [one_parallel, one] =
      WithoutAndWith("llama3-8b-64", {{"parallelism.tp", "1"}}, {"framework.loss_parallel", "false"});
  EXPECT_DOUBLE_EQ(one.step_time_s, one_parallel.step_time_s);
}

// torchtitan with pipeline parallelism keeps FSDP parameters unsharded after
// forward and PyTorch pipelining accumulates unsharded gradients until the
// last backward (framework.fsdp_gather_once): the rank holds every parameter
// gathered (bf16) plus its unsharded gradient, and no layer waits for a
// per-micro-batch gather any more.
TEST(Memory, FsdpGatheringOncePerStepHoldsTheStageUnsharded) {
  const std::vector<Override> pp = {{"parallelism.zero", "3"},
                                    {"parallelism.tp", "1"},
                                    {"parallelism.pp", "4"},
                                    {"parallelism.dp", "16"},
                                    {"framework.master_weights", "false"},
                                    {"framework.overlap_param_gather", "false"}};
  SimResult per_layer = Simulate(Load("llama3-8b-64", pp));
  auto once_o = pp;
  once_o.push_back({"framework.fsdp_gather_once", "true"});
  SimResult once = Simulate(Load("llama3-8b-64", once_o));
  // The most loaded rank's parameters: its weights are 4 B each, sharded 16
  // ways. Gathering once adds 2 + 4 B for each of them and drops the
  // per-layer buffer (one layer's 2 x 2 B gathered and 4 B gradient, at most
  // 8 B per parameter of one of the rank's 8 or more layers).
  ASSERT_EQ(once.memory_stage, per_layer.memory_stage);
  const double held = once.memory.weights * 16 / 4;
  const double added = once.memory.buffers - per_layer.memory.buffers;
  EXPECT_LE(added, held * 6);
  EXPECT_GE(added, held * 6 - held * 8 / 8);
  EXPECT_EQ(once.memory.weights, per_layer.memory.weights);
  // Gathers not hidden: per layer, every one of the 32 micro-batches waits for
  // them twice; once per step, the step waits once.
  EXPECT_LT(once.breakdown.dp_comm_exposed_s * 8, per_layer.breakdown.dp_comm_exposed_s);
}

// Partial recomputation (Megatron's block method): the first N layers of each
// chunk keep only their input; memory and time fall between none and full,
// monotonically in N, and N = every layer equals full recomputation.
TEST(Memory, PartialRecomputationIsBetweenNoneAndFull) {
  auto run = [](const std::string& rc, int n) {
    std::vector<Override> o = {{"training.recompute", rc}};
    if (n > 0) o.push_back({"training.recompute_layers", std::to_string(n)});
    return Simulate(Load("llama3-70b-64", o));
  };
  SimResult none = run("none", 0), full = run("full", 0);
  const int per_chunk = static_cast<int>(full.layers_per_virtual_stage.front());
  SimResult some = run("full", per_chunk / 2), all = run("full", per_chunk);
  EXPECT_LT(some.memory.activations, none.memory.activations);
  EXPECT_GT(some.memory.activations, full.memory.activations);
  EXPECT_GT(some.step_time_s, none.step_time_s);
  EXPECT_LT(some.step_time_s, full.step_time_s);
  EXPECT_NEAR(all.memory.activations / full.memory.activations, 1.0, 1e-12);
  EXPECT_LT(some.hardware_flops_per_step, full.hardware_flops_per_step);
  EXPECT_GT(some.hardware_flops_per_step, none.hardware_flops_per_step);
  // Only meaningful with full recomputation: the error names the key.
  EXPECT_NE(ErrorOf("llama3-70b-64", {{"training.recompute", "selective"}, {"training.recompute_layers", "2"}})
                .find("training.recompute_layers"),
            std::string::npos);
}

// DeepSeek-V3's multi-head latent attention, per layer: Q down 7168 x 1536 +
// norm + up 1536 x 128·192; KV down 7168 x (512 + 64) + norm + up
// 512 x 128·(128 + 128); output 128·128 x 7168. The whole model is the
// published 671B (without the MTP module), and core attention counts
// 2·s·a·(d_qk + d_v) per token.
TEST(Mla, DeepSeekV3CountsMatchItsConfig) {
  Scenario s = Load("deepseek-v3-2048");
  ASSERT_TRUE(s.model.mla.has_value());
  const double q = 7168.0 * 1536 + 1536 + 1536.0 * 128 * 192;
  const double kv = 7168.0 * 576 + 512 + 512.0 * 128 * 256;
  const double o = 128.0 * 128 * 7168;
  ParamCounts p = CountParams(s.model);
  EXPECT_DOUBLE_EQ(p.attention_per_layer, q + kv + o);
  EXPECT_NEAR(p.total / 671e9, 1.0, 0.01);
  ModelSpec no_mla = s.model;
  no_mla.mla.reset();
  const double core = 2.0 * 4096 * 128 * (192 + 128) - 4.0 * 4096 * 128 * 56;
  const double attn = 2 * (p.attention_per_layer - CountParams(no_mla).attention_per_layer);
  EXPECT_NEAR(ForwardFlopsPerToken(s.model, 4096) - ForwardFlopsPerToken(no_mla, 4096), 61 * (core + attn), 1e3);
}

// Selective recomputation of an MLA model rebuilds Q, K and V from the
// latents (Megatron-Core mla_up_proj): less memory than keeping them, more
// time than no recomputation.
TEST(Mla, SelectiveRecomputesTheUpProjections) {
  SimResult none = Simulate(Load("deepseek-v3-2048", {{"training.recompute", "none"}}));
  SimResult sel = Simulate(Load("deepseek-v3-2048", {{"training.recompute", "selective"}}));
  EXPECT_LT(sel.memory.activations, none.memory.activations);
  EXPECT_GT(sel.step_time_s, none.step_time_s);
  EXPECT_GT(sel.hardware_flops_per_step, none.hardware_flops_per_step);
}

// All-to-all overlap (1F1B A2A overlap, DualPipe): a pass's dispatch and
// combine hide behind the paired pass's compute, so the exposed EP time can
// only fall, and the step with it.
TEST(MoeOverlap, AllToAllHidesBehindThePairedPass) {
  SimResult plain = Simulate(Load("deepseek-v3-2048"));
  SimResult over = Simulate(Load("deepseek-v3-2048", {{"framework.moe_a2a_overlap", "true"}}));
  ASSERT_GT(Load("deepseek-v3-2048").par.ep, 1);
  EXPECT_LT(over.step_time_s, 0.99 * plain.step_time_s);
  // Without expert parallelism there is nothing to hide.
  EXPECT_DOUBLE_EQ(
      Simulate(Load("mixtral-8x7b-64", {{"parallelism.ep", "1"}})).step_time_s,
      Simulate(Load("mixtral-8x7b-64", {{"parallelism.ep", "1"}, {"framework.moe_a2a_overlap", "true"}})).step_time_s);
}

// Megatron-Core's combined 1F1B hides each all-to-all behind one block of the
// paired pass (schedule_layer_1f1b: dispatch beside the other pass's expert
// MLP, combine beside its attention); DualPipe behind the whole pass. Where an
// all-to-all outlasts its block (a slow scale-up link here) Megatron's
// pairing exposes more; where every block outlasts it the two agree.
TEST(MoeOverlap, MegatronHidesEachAllToAllBehindOneBlock) {
  auto step = [](const std::string& plan, const std::string& link) {
    return Simulate(Load("mixtral-8x7b-64", {{"framework.moe_a2a_overlap", "true"},
                                             {"framework.moe_a2a_overlap_plan", plan},
                                             {"cluster.scale_up.bandwidth", link}}))
        .step_time_s;
  };
  EXPECT_GT(step("megatron", "10GB/s"), 1.01 * step("dualpipe", "10GB/s"));
  EXPECT_DOUBLE_EQ(step("megatron", "450GB/s"), step("dualpipe", "450GB/s"));
  EXPECT_NE(
      ErrorOf("mixtral-8x7b-64", {{"framework.moe_a2a_overlap_plan", "ideal"}}).find("not one of megatron, dualpipe"),
      std::string::npos);
}

// fp8 expert GEMMs quantize their operands in kernels of their own
// (Transformer Engine's GroupedLinear: tex.split_quantize of the input in
// forward and of the gradient in backward), memory-bound traffic that bf16
// does not have: with HBM made a thousand times faster an fp8 MoE step gains
// more than the bf16 one. Dense layers fuse the cast into the norm and the
// activation: there fp8 moves fewer bytes than bf16, never more.
TEST(MoeFp8, ExpertQuantizationIsMemoryTraffic) {
  auto hbm_share = [](const std::string& name, const std::string& precision) {
    Scenario s = Load(name, {{"training.precision", precision}});
    Scenario fast = s;
    fast.gpu.memory_bandwidth *= 1000;
    return Simulate(s).step_time_s - Simulate(fast).step_time_s;
  };
  const double moe_fp8 = hbm_share("mixtral-8x7b-64", "fp8"), moe_bf16 = hbm_share("mixtral-8x7b-64", "bf16");
  EXPECT_GT(moe_fp8, 1.05 * moe_bf16);
  EXPECT_LE(hbm_share("llama3-8b-64", "fp8"), hbm_share("llama3-8b-64", "bf16"));
}

// Megatron-Core's selective recomputation by module (--recompute-modules):
// without a list, selective is core_attn (mla_up_proj for MLA); each module
// drops what it rebuilds. On mixtral-8x7b-64 (SwiGLU experts, top-2, bf16):
// moe_act drops the activation's output (2 of the 6 bytes per routed element
// of f_e), layernorm the pre-MLP norm's output, moe everything but the
// block's input, at the price of the block's forward (its all-to-alls
// included) in backward.
TEST(RecomputeModules, EachModuleDropsWhatItRebuilds) {
  auto run = [](const std::string& modules) {
    std::vector<Override> o = {{"training.recompute", "selective"}};
    if (!modules.empty()) o.push_back({"training.recompute_modules", modules});
    return Simulate(Load("mixtral-8x7b-64", o));
  };
  const SimResult deflt = run(""), attn = run("[core_attn]"), act = run("[moe_act]"),
                  act_ln = run("[moe_act, layernorm]"), moe = run("[moe]");
  EXPECT_DOUBLE_EQ(deflt.step_time_s, attn.step_time_s);
  EXPECT_DOUBLE_EQ(deflt.memory.activations, attn.memory.activations);
  EXPECT_LT(act.memory.activations, attn.memory.activations);
  EXPECT_LT(act_ln.memory.activations, act.memory.activations);
  EXPECT_LT(moe.memory.activations, act_ln.memory.activations);
  EXPECT_GT(act_ln.step_time_s, act.step_time_s);  // the norm runs again
  EXPECT_GT(moe.step_time_s, 1.1 * act.step_time_s);
  // Per token and layer, moe_act frees 2 B per routed element of f_e (2·K·ι·f_e) and layernorm the norm's 2 B
  // per element of h, on every in-flight layer alike: the two savings stand as K·ι·f_e / h.
  const Scenario s = Load("mixtral-8x7b-64", {{"training.recompute", "selective"}});
  ASSERT_TRUE(s.model.moe.has_value());
  const double ratio = static_cast<double>(s.model.moe->top_k) * s.fw.ExpertLoad() *
                       static_cast<double>(s.model.moe->expert_ffn_hidden) / static_cast<double>(s.model.hidden);
  EXPECT_NEAR((attn.memory.activations - act.memory.activations) / (act.memory.activations - act_ln.memory.activations),
              ratio, 1e-9 * ratio);
  EXPECT_TRUE(Load("deepseek-v3-2048", {{"training.recompute", "selective"}}).train.recompute_modules.mla_up_proj);
  // A Training built in code (the plan search's candidates) gets the same default.
  Scenario coded = Load("mixtral-8x7b-64");
  coded.train.recompute = Recompute::kSelective;
  EXPECT_DOUBLE_EQ(Simulate(coded).step_time_s, deflt.step_time_s);
  EXPECT_DOUBLE_EQ(Simulate(coded).hardware_flops_per_step, deflt.hardware_flops_per_step);
  // Hardware FLOPs count what each list recomputes: the MoE blocks' GEMMs under moe, no attention under moe_act.
  EXPECT_LT(act.hardware_flops_per_step, attn.hardware_flops_per_step);
  EXPECT_DOUBLE_EQ(act.hardware_flops_per_step, act.model_flops_per_step);
  const MoeSpec& e = *s.model.moe;
  const double h = static_cast<double>(s.model.hidden),
               tokens = static_cast<double>(s.train.global_batch * s.train.seq_len);
  const double block = 2 * h * static_cast<double>(e.experts) +
                       2 * h * static_cast<double>(e.expert_ffn_hidden) * 3 * static_cast<double>(e.top_k);
  EXPECT_NEAR(moe.hardware_flops_per_step - moe.model_flops_per_step,
              block * static_cast<double>(s.model.layers) * tokens, 1e-9 * moe.model_flops_per_step);
  // A list with another recomputation is unused, and said so (Megatron reads it only with selective).
  const SimResult unused = Simulate(Load("mixtral-8x7b-64", {{"training.recompute_modules", "[moe_act]"}}));
  EXPECT_DOUBLE_EQ(unused.step_time_s, Simulate(Load("mixtral-8x7b-64")).step_time_s);
  ASSERT_FALSE(unused.notes.empty());
  EXPECT_NE(unused.notes.back().find("training.recompute_modules (moe_act) unused: recompute is 'none'"),
            std::string::npos);
  EXPECT_NE(
      ErrorOf("mixtral-8x7b-64", {{"training.recompute", "selective"}, {"training.recompute_modules", "[moe_ac]"}})
          .find("not one of core_attn"),
      std::string::npos);
}

// Fine-grained activation offloading (--offload-modules): the named modules'
// inputs leave the GPU for every in-flight layer but the one in transit; the
// copies hide behind each layer's pass, exposed where the host link is slow.
TEST(Memory, OffloadedModulesLeaveTheGpu) {
  const std::vector<Override> sel = {{"training.recompute", "selective"}, {"training.recompute_modules", "[moe_act]"}};
  std::vector<Override> off = sel;
  off.push_back({"framework.offload_modules", "[expert_fc1, moe_act]"});
  const SimResult kept = Simulate(Load("mixtral-8x7b-64", sel)), moved = Simulate(Load("mixtral-8x7b-64", off));
  EXPECT_LT(moved.memory.activations, 0.5 * kept.memory.activations);
  std::vector<Override> fast = off, slow = off;
  fast.push_back({"cluster.gpu.host_bandwidth", "100TB/s"});
  slow.push_back({"cluster.gpu.host_bandwidth", "1GB/s"});
  EXPECT_NEAR(Simulate(Load("mixtral-8x7b-64", fast)).step_time_s, kept.step_time_s, 1e-9 * kept.step_time_s);
  EXPECT_GT(Simulate(Load("mixtral-8x7b-64", slow)).step_time_s, 2 * kept.step_time_s);
  std::vector<Override> full = {{"training.recompute", "full"}, {"framework.offload_modules", "[moe_act]"}};
  EXPECT_NE(ErrorOf("mixtral-8x7b-64", full).find("offload_modules needs recompute none or selective"),
            std::string::npos);
}

// A chunked loss (framework.loss_chunks) holds one chunk's logits at a time.
TEST(Memory, ChunkedLossHoldsOneChunksLogits) {
  const SimResult whole = Simulate(Load("llama3-8b-64")),
                  eight = Simulate(Load("llama3-8b-64", {{"framework.loss_chunks", "8"}}));
  ASSERT_GT(whole.memory.logits, 0);
  EXPECT_NEAR(eight.memory.logits, whole.memory.logits / 8, 1e-9 * whole.memory.logits);
  EXPECT_DOUBLE_EQ(eight.step_time_s, whole.step_time_s);
}

// torchtitan's per-op checkpointing saves aten.mm outputs, the attention
// kernels' and the collectives': a MoE layer's grouped-matmul experts are
// rebuilt in backward, so it keeps far less than the whole layer and pays
// its experts' forward again (hardware FLOPs count them).
TEST(RecomputeModules, PerOpCheckpointingRebuildsTheExperts) {
  const SimResult none = Simulate(Load("mixtral-8x7b-64"));
  const SimResult op = Simulate(Load("mixtral-8x7b-64", {{"training.recompute", "selective_op"}}));
  EXPECT_LT(op.memory.activations, 0.5 * none.memory.activations);
  EXPECT_GT(op.step_time_s, 1.05 * none.step_time_s);
  EXPECT_GT(op.hardware_flops_per_step, 1.2 * op.model_flops_per_step);
}

// torchao's float8 TP (framework.tp_fp8_all_gather) all-gathers the fp8
// cast of the sequence-parallel input: exposed TP time falls, in fp8 only.
TEST(TensorParallel, Fp8AllGatherMovesOneBytePerElement) {
  auto tp_exposed = [](const std::string& precision, const std::string& fp8_gather) {
    return Simulate(Load("llama3-70b-64", {{"training.precision", precision},
                                           {"framework.tp_comm_overlap", "false"},
                                           {"framework.tp_fp8_all_gather", fp8_gather}}))
        .breakdown.tp_comm_exposed_s;
  };
  ASSERT_GT(Load("llama3-70b-64").par.tp, 1);
  // All-gather and reduce-scatter of equal bytes cost alike; halving the gather's bytes takes between a
  // quarter and a half of the pair (latency terms do not halve).
  const double bf16 = tp_exposed("fp8", "false"), fp8 = tp_exposed("fp8", "true");
  EXPECT_LT(fp8, 0.8 * bf16);
  EXPECT_GT(fp8, 0.5 * bf16);
  EXPECT_DOUBLE_EQ(tp_exposed("bf16", "true"), tp_exposed("bf16", "false"));
}

// ------------------------------------------------------- MoE parallel folding

// Expert parallelism folded over TP and DP ranks (etp = 1, ep = 16 > dp = 8):
// accepted; each GPU holds routed/(etp·ep) expert weights.
TEST(MoeFolding, EpMaySpanTensorAndDataParallelRanks) {
  const std::vector<Override> fold = {{"parallelism.tp", "2"},
                                      {"parallelism.pp", "2"},
                                      {"parallelism.dp", "16"},
                                      {"parallelism.ep", "8"},
                                      {"parallelism.etp", "1"}};
  Scenario s = Load("mixtral-8x7b-64", fold);
  EXPECT_EQ(s.par.ExpertDataParallel(), 4);  // tp·cp·dp / (etp·ep) = 32 / 8
  Scenario wide = Load("mixtral-8x7b-64", {{"parallelism.tp", "4"},
                                           {"parallelism.pp", "1"},
                                           {"parallelism.dp", "16"},
                                           {"parallelism.ep", "8"},
                                           {"parallelism.etp", "1"},
                                           {"training.global_batch", "256"}});
  SimResult r = Simulate(wide);
  EXPECT_GT(r.step_time_s, 0);
  // ep does not divide dp here (dp = 2 with tp 4 and 8 GPUs): still valid.
  Scenario small = Load("mixtral-8x7b-64", {{"parallelism.tp", "4"},
                                            {"parallelism.pp", "1"},
                                            {"parallelism.dp", "2"},
                                            {"parallelism.ep", "8"},
                                            {"parallelism.etp", "1"}});
  EXPECT_EQ(small.par.ExpertDataParallel(), 1);
  EXPECT_NE(ErrorOf("mixtral-8x7b-64", {{"parallelism.tp", "1"},
                                        {"parallelism.dp", "4"},
                                        {"parallelism.pp", "1"},
                                        {"parallelism.ep", "8"},
                                        {"parallelism.etp", "1"}})
                .find("must divide tp x cp x dp"),
            std::string::npos);
}

// A capacity factor replaces the busiest expert's load: at c = ι the step is
// the dropless one; below it the experts do less work. (Graphed, so that the
// dropless dispatcher's host wait does not differ: HostBound.*.)
TEST(MoeFolding, CapacityFactorCapsTheBusiestExpert) {
  const Override graphed{"framework.cuda_graphs", "[full]"};
  const double dropless = Simulate(Load("mixtral-8x7b-64", {graphed})).step_time_s;  // ι = 1.1
  EXPECT_DOUBLE_EQ(Simulate(Load("mixtral-8x7b-64", {graphed, {"framework.moe_capacity_factor", "1.1"}})).step_time_s,
                   dropless);
  EXPECT_LT(Simulate(Load("mixtral-8x7b-64", {graphed, {"framework.moe_capacity_factor", "1.0"}})).step_time_s,
            dropless);
}

// ------------------------------------------------------- fully sharded data

// Hybrid sharding: ZeRO-3 state over shard groups of 8, so the optimizer state
// per GPU is 8x the fully sharded one over all 64 data-parallel ranks... of
// llama3-70b-64 (TP1 here): ratio dp / shard_group.
TEST(Fsdp, HybridShardingShardsOverTheGroup) {
  const std::vector<Override> base = {{"parallelism.tp", "1"},  {"parallelism.pp", "1"}, {"parallelism.dp", "64"},
                                      {"parallelism.vpp", "1"}, {"parallelism.cp", "1"}, {"parallelism.zero", "3"}};
  std::vector<Override> hsdp = base;
  hsdp.push_back({"parallelism.shard_group", "8"});
  SimResult full = Simulate(Load("llama3-70b-64", base));
  SimResult hybrid = Simulate(Load("llama3-70b-64", hsdp));
  EXPECT_NEAR(hybrid.memory.optimizer / full.memory.optimizer, 8.0, 1e-9);
  EXPECT_NE(ErrorOf("llama3-70b-64", {{"parallelism.shard_group", "8"}}).find("needs zero: 3"), std::string::npos);
}

// Bandwidth-bound gather: with a NIC 1000x slower the per-layer all-gather
// outlasts the compute and is exposed; the step grows with it.
TEST(Fsdp, GatherIsExposedWhenItOutlastsCompute) {
  const std::vector<Override> base = {{"parallelism.tp", "1"},  {"parallelism.pp", "1"}, {"parallelism.dp", "64"},
                                      {"parallelism.vpp", "1"}, {"parallelism.cp", "1"}, {"parallelism.zero", "3"}};
  std::vector<Override> slow = base;
  slow.push_back({"cluster.scale_out.nic_bandwidth", "400Mb/s"});
  SimResult fast = Simulate(Load("llama3-70b-64", base));
  SimResult bound = Simulate(Load("llama3-70b-64", slow));
  EXPECT_GT(bound.breakdown.dp_comm_exposed_s, 10 * fast.breakdown.dp_comm_exposed_s + 1.0);
  EXPECT_GT(bound.step_time_s, 2 * fast.step_time_s);
}

// Every pipeline rank's memory is reported, rank 0 first: the largest is the
// step's memory and its stage memory_stage; under 1F1B rank r holds p - r
// in-flight micro-batches, so ranks further down the pipeline hold less, and
// a layout without pipelining has one entry.
TEST(Memory, EveryPipelineStageIsReported) {
  const SimResult r = Simulate(Load("llama3-70b-64", {{"parallelism.vpp", "1"}}));
  ASSERT_EQ(r.memory_per_stage.size(), 4u);
  EXPECT_EQ(r.memory_per_stage[static_cast<size_t>(r.memory_stage)], r.memory.Total());
  for (double b : r.memory_per_stage) EXPECT_LE(b, r.memory.Total());
  EXPECT_GT(r.memory_per_stage[0], r.memory_per_stage[1]);
  EXPECT_GT(r.memory_per_stage[1], r.memory_per_stage[2]);
  const SimResult flat =
      Simulate(Load("llama3-70b-64", {{"parallelism.pp", "1"}, {"parallelism.vpp", "1"}, {"parallelism.dp", "8"}}));
  ASSERT_EQ(flat.memory_per_stage.size(), 1u);
  EXPECT_EQ(flat.memory_per_stage[0], flat.memory.Total());
}

// Activation offloading (Megatron-Core --cpu-offloading-num-layers): the first
// N layers of each chunk keep nothing on the GPU, one layer's worth stays as
// the copy buffer. llama3-70b-64 (PP4 VPP5, 4 layers per chunk, rank 0 holds
// 23 chunk passes): N = 2 offloads 10 of rank 0's 20 layers, so its
// activations go from A to A/2 + A/92 (one layer: A·5/(23·20)). The copies run
// on copy engines behind each layer's pass: free with an endless host link,
// exposed with a slow one.
TEST(Memory, OffloadedLayersLeaveOneLayerOnTheGpu) {
  const SimResult none = Simulate(Load("llama3-70b-64"));
  const SimResult two = Simulate(Load("llama3-70b-64", {{"framework.cpu_offload_layers", "2"}}));
  ASSERT_EQ(none.memory_stage, 0);
  ASSERT_EQ(two.memory_stage, 0);
  EXPECT_NEAR(two.memory.activations / none.memory.activations, 0.5 + 1.0 / 92, 1e-9);
  const SimResult endless = Simulate(
      Load("llama3-70b-64", {{"framework.cpu_offload_layers", "2"}, {"cluster.gpu.host_bandwidth", "1000TB/s"}}));
  EXPECT_NEAR(endless.step_time_s, none.step_time_s, 1e-9 * none.step_time_s);
  const SimResult slow =
      Simulate(Load("llama3-70b-64", {{"framework.cpu_offload_layers", "2"}, {"cluster.gpu.host_bandwidth", "1GB/s"}}));
  EXPECT_GT(slow.step_time_s, 1.5 * none.step_time_s);
  // A chunk of 4 layers cannot offload 4.
  EXPECT_NE(ErrorOf("llama3-70b-64", {{"framework.cpu_offload_layers", "4"}}).find("fewer than the 4 layers"),
            std::string::npos);
}

// DeepSpeed ZeRO-3 holds at most stage3_max_live_parameters gathered (never
// less than its largest module, which must be whole) and reduce_bucket_size
// unsharded gradients; PyTorch FSDP holds 1 + prefetch layers and one layer's
// gradients. Llama 3 70B, TP1: largest module h·f = 8192 x 28672.
TEST(Fsdp, DeepSpeedCapsWhatIsGathered) {
  const std::vector<Override> base = {{"parallelism.tp", "1"},        {"parallelism.pp", "1"},
                                      {"parallelism.dp", "64"},       {"parallelism.vpp", "1"},
                                      {"parallelism.cp", "1"},        {"parallelism.zero", "3"},
                                      {"training.precision", "bf16"}, {"framework.grad_reduce_in_fp32", "true"}};
  auto buffers = [&](const std::string& live, const std::string& bucket) {
    std::vector<Override> o = base;
    o.push_back({"framework.zero3_max_live_params", live});
    o.push_back({"framework.zero3_reduce_bucket", bucket});
    return Simulate(Load("llama3-70b-64", o)).memory.buffers;
  };
  // Caps above a layer change nothing: bf16 gathers, fp32 gradients, as FSDP.
  EXPECT_DOUBLE_EQ(buffers("1e15", "1e15"), buffers("0", "0"));
  // DeepSpeed's defaults against caps below the largest module.
  const double module = 8192.0 * 28672.0;
  EXPECT_NEAR(buffers("1e9", "5e8") - buffers("1", "1"), (1e9 * 2 + 5e8 * 4) - (module * 2 + 1 * 4), 1.0);
  EXPECT_LT(buffers("1e9", "5e8"), buffers("0", "0"));
}

// framework.zero3_gather_rate: every ZeRO-3 gather and reduce-scatter takes
// at least its bytes / rate. Above NCCL's rate the cap changes nothing; at
// 1 GB/s a micro-batch's two gathers of Llama 3 70B's 16-bit parameters
// (forward and backward, 2 x 2 B x 70e9) alone take 280 s.
TEST(Fsdp, GatherRateBoundsZero3Traffic) {
  const std::vector<Override> base = {{"parallelism.tp", "1"},  {"parallelism.pp", "1"}, {"parallelism.dp", "64"},
                                      {"parallelism.vpp", "1"}, {"parallelism.cp", "1"}, {"parallelism.zero", "3"}};
  auto step = [&](const std::string& rate) {
    std::vector<Override> o = base;
    if (!rate.empty()) o.push_back({"framework.zero3_gather_rate", rate});
    return Simulate(Load("llama3-70b-64", o)).step_time_s;
  };
  const double nccl = step("");
  EXPECT_DOUBLE_EQ(step("1000TB/s"), nccl);
  EXPECT_GT(step("1GB/s"), 2 * 2 * 70e9 / 1e9);
  EXPECT_LT(nccl, 100);
}

// framework.zero3_recompute_gather: under full recomputation DeepSpeed's
// forward hooks gather each layer's parameters once more inside backward, a
// third gather per micro-batch; PyTorch FSDP's backward gather serves the
// recomputation. At 1 GB/s the traffic outlasts any compute, so the extra
// gather shows whole: 2 B x 68.4e9 layer parameters / 1 GB/s = 137 s per
// micro-batch. Without
// full recomputation the key changes nothing.
TEST(Fsdp, DeepSpeedRegathersForTheRecomputedForward) {
  auto run = [](const std::string& recompute, const std::string& regather) {
    const std::vector<Override> o = {{"parallelism.tp", "1"},
                                     {"parallelism.pp", "1"},
                                     {"parallelism.dp", "64"},
                                     {"parallelism.vpp", "1"},
                                     {"parallelism.cp", "1"},
                                     {"parallelism.zero", "3"},
                                     {"training.recompute", recompute},
                                     {"framework.zero3_gather_rate", "1GB/s"},
                                     {"framework.zero3_recompute_gather", regather}};
    return Simulate(Load("llama3-70b-64", o));
  };
  const SimResult fsdp = run("full", "false"), deepspeed = run("full", "true");
  // The layers' parameters: the input embedding and the untied LM head
  // (128,256 x 8,192 each) are not gathered layer by layer.
  const double params = fsdp.params_total - 2 * 128256.0 * 8192.0;
  EXPECT_NEAR(deepspeed.step_time_s - fsdp.step_time_s, static_cast<double>(fsdp.micro_batches) * 2 * params / 1e9,
              1e-3 * deepspeed.step_time_s);
  EXPECT_DOUBLE_EQ(run("selective", "true").step_time_s, run("selective", "false").step_time_s);
}

// Overlap interference: hidden traffic C beside compute X costs
// max(C - X, κ·C), κ = s/(1+s) (docs/simulator-model.md, "Overlap
// interference"). With every gather hidden, the step grows linearly in κ; with
// every gather outlasting its compute, s changes nothing.
TEST(Fsdp, HiddenTrafficStillSlowsComputeByKappa) {
  const std::vector<Override> base = {{"parallelism.tp", "1"},  {"parallelism.pp", "1"}, {"parallelism.dp", "64"},
                                      {"parallelism.vpp", "1"}, {"parallelism.cp", "1"}, {"parallelism.zero", "3"}};
  auto step = [&](const std::string& s, const std::string& nic) {
    std::vector<Override> o = base;
    o.push_back({"cluster.overlap_slowdown", s});
    if (!nic.empty()) o.push_back({"cluster.scale_out.nic_bandwidth", nic});
    return Simulate(Load("llama3-70b-64", o)).step_time_s;
  };
  const double ideal = step("0", ""), cited = step("0.189", ""), strong = step("0.5", "");
  EXPECT_GT(cited, ideal);
  const double kappa_cited = 0.189 / 1.189, kappa_strong = 0.5 / 1.5;
  EXPECT_NEAR((cited - ideal) / (strong - ideal), kappa_cited / kappa_strong, 1e-6);
  EXPECT_NEAR(step("0", "400Mb/s"), step("0.189", "400Mb/s"), 1e-9 * step("0", "400Mb/s"));
}

// ------------------------------------------------------- scale and hardware

// E[max of n] ≈ 1 + σ·sqrt(2 ln n), relative to one node of 8.
TEST(Scale, SlowestOfNFollowsTheExtremeValueAsymptote) {
  EXPECT_DOUBLE_EQ(SlowestOfN(8, 0.0175), 1.0);
  EXPECT_DOUBLE_EQ(SlowestOfN(1 << 14, 0.0), 1.0);
  const double z = std::sqrt(2 * std::log(16384.0)), z8 = std::sqrt(2 * std::log(8.0));
  EXPECT_NEAR(SlowestOfN(16384, 0.0175), (1 + 0.0175 * z) / (1 + 0.0175 * z8), 1e-12);
  // A fleet without variation is faster than one with it.
  SimResult even = Simulate(Load("llama3-405b-16k", {{"cluster.gpu_variation", "0"}}));
  SimResult varied = Simulate(Load("llama3-405b-16k"));
  EXPECT_LT(even.step_time_s, varied.step_time_s);
}

// A 500 W cap on a 700 W H100: compute-bound rates × (5/7)^0.88.
TEST(Hardware, PowerCapSlowsComputeByTheMeasuredExponent) {
  GpuSpec g;
  g.tdp_w = 700;
  g.power_limit_w = 500;
  g.architecture = "hopper";
  EXPECT_NEAR(PowerCapFactor(g), std::pow(500.0 / 700.0, 0.88), 1e-12);
  EXPECT_NEAR(EfficienciesFor(g).gemm_bf16, DefaultEfficiencies("hopper").gemm_bf16 * PowerCapFactor(g), 1e-12);
  g.power_limit_w = 0;
  EXPECT_DOUBLE_EQ(PowerCapFactor(g), 1.0);
}

// A buildout's own power cap (cluster gpu_power_limit) runs its GPUs there: JUPITER's GH200 superchips at 680 W of
// the part's 900 W; lifting it to the TDP gives the uncapped part back.
TEST(Hardware, ClusterPowerLimitCapsItsGpus) {
  Scenario jupiter = Load("llama3-8b-64", {{"cluster", "gh200-jupiter"}, {"cluster.gpus", "64"}});
  EXPECT_DOUBLE_EQ(jupiter.gpu.power_limit_w, 680);
  EXPECT_NEAR(PowerCapFactor(jupiter.gpu), std::pow(680.0 / 900.0, 0.88), 1e-12);
  Scenario lifted =
      Load("llama3-8b-64", {{"cluster", "gh200-jupiter"}, {"cluster.gpus", "64"}, {"cluster.gpu_power_limit", "900W"}});
  EXPECT_DOUBLE_EQ(PowerCapFactor(lifted.gpu), 1.0);
  EXPECT_LT(Simulate(lifted).step_time_s, Simulate(jupiter).step_time_s);
}

// Volta has fp16 tensor cores and no bf16 (configs/gpus/v100-sxm.yaml): a bf16 run on it is refused naming
// training.precision, an fp16 one runs at the fp16 peak, attention and the LM head included.
TEST(Hardware, AGpuWithoutBf16TrainsInFp16) {
  try {
    Load("llama3-8b-64", {{"cluster", "dgx2-v100"}, {"cluster.gpus", "64"}});
    ADD_FAILURE() << "bf16 on a V100 was accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("training.precision"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("no peak.bf16"), std::string::npos) << e.what();
  }
  Scenario v100 =
      Load("llama3-8b-64", {{"cluster", "dgx2-v100"}, {"cluster.gpus", "64"}, {"training.precision", "fp16"}});
  EXPECT_DOUBLE_EQ(v100.gpu.peak_bf16, 0);
  EXPECT_DOUBLE_EQ(v100.gpu.peak_fp16, 125e12);
  const SimResult r = Simulate(v100);
  EXPECT_GT(r.step_time_s, 0);
  EXPECT_GT(r.mfu, 0);
  EXPECT_LT(r.mfu, 1);
  // DGX-2H's 450 W part is faster at its higher clock.
  Scenario h =
      Load("llama3-8b-64", {{"cluster", "dgx2h-v100"}, {"cluster.gpus", "64"}, {"training.precision", "fp16"}});
  EXPECT_LT(Simulate(h).step_time_s, r.step_time_s);
}

// A GPU config's measured efficiencies replace the architecture's defaults.
TEST(Hardware, GpuConfigEfficienciesReplaceTheDefaults) {
  Scenario b200 = Load("llama3-405b-16k", {{"cluster", "b200-50k"}, {"cluster.gpus", "16384"}});
  Efficiencies e = EfficienciesFor(b200.gpu);
  EXPECT_NEAR(e.gemm_bf16, 0.676, 1e-9);
  EXPECT_NEAR(e.gemm_fp8, 0.560, 1e-9);
  EXPECT_NE(e.gemm_bf16, DefaultEfficiencies("blackwell").gemm_bf16);
}

// framework.attention_kernel: fa2 runs core attention at FlashAttention-2's
// measured rate on Hopper (0.329 of the bf16 peak: FA3 paper, Figures 5-6)
// instead of the fused default (0.38); on Ampere FA2 is the default kernel,
// so nothing changes there. An unknown kernel names the key and the choices.
TEST(Hardware, FlashAttention2IsSlowerOnHopperOnly) {
  const double fa2 = DefaultEfficiencies("hopper").attention_fa2, fused = DefaultEfficiencies("hopper").attention;
  EXPECT_NEAR(fa2, 0.329, 1e-12);
  GpuSpec h100;
  h100.architecture = "hopper";
  h100.peak_bf16 = 989e12;
  GpuPerf hopper(h100, EfficienciesFor(h100));
  const double f = 1e15, launch = hopper.eff().launch_s;
  EXPECT_NEAR((hopper.AttentionTime(f, AttentionKernel::kFa2) - launch) /
                  (hopper.AttentionTime(f, AttentionKernel::kFused) - launch),
              fused / fa2, 1e-9);
  GpuSpec a100 = h100;
  a100.architecture = "ampere";
  GpuPerf ampere(a100, EfficienciesFor(a100));
  EXPECT_DOUBLE_EQ(ampere.AttentionTime(f, AttentionKernel::kFa2), ampere.AttentionTime(f, AttentionKernel::kFused));
  // A whole step: attention-heavy (32K tokens) Llama 3 8B on H100 takes longer with FA2.
  const auto step = [](const char* kernel) {
    return Simulate(Load("llama3-8b-64", {{"training.seq_len", "32768"},
                                          {"training.global_batch", "64"},
                                          {"framework.attention_kernel", kernel}}))
        .step_time_s;
  };
  EXPECT_GT(step("fa2"), 1.05 * step("fused"));
  EXPECT_NE(ErrorOf("llama3-8b-64", {{"framework.attention_kernel", "fa3"}}).find("not one of fused, fa2"),
            std::string::npos);
}

// framework.elementwise: eager adds torchtitan's unfused ops beyond the fused
// charge (workload/elementwise.h): per token, 2 norms (36 - 4 B forward,
// 92 - 8 backward per element of h), RoPE on q and k (20 B each way per
// element of (a + g)·d/t), repeat_kv (4 B per element each way) when a > g,
// SwiGLU (10 - 6 and 18 - 12 B per element of f/t); 23 and 36 more kernels.
TEST(Eager, ExcessFollowsTorchtitansOps) {
  ModelSpec m;
  m.hidden = 4096, m.heads = 32, m.kv_heads = 8, m.ffn_hidden = 14336, m.swiglu = true;
  const double T = 8192, h = 4096, f = 14336, qk = 32 + 8, d = 128;
  EagerExcess e = EagerLayerExcess(m, T, T, 1, f);
  EXPECT_DOUBLE_EQ(e.fwd_bytes, 2 * 32 * T * h + 20 * T * qk * d + 4 * T * qk * d + 4 * T * f);
  EXPECT_DOUBLE_EQ(e.bwd_bytes, 2 * 84 * T * h + 20 * T * qk * d + 4 * T * qk * d + 6 * T * f);
  EXPECT_EQ(e.fwd_kernels, 23);
  EXPECT_EQ(e.bwd_kernels, 36);
  // TP8 with sequence parallelism: heads, MLP and norm tokens split by 8.
  e = EagerLayerExcess(m, T, T / 8, 8, f);
  EXPECT_DOUBLE_EQ(e.fwd_bytes, 2 * 32 * T / 8 * h + 24 * T * (4 + 1) * d + 4 * T * f / 8);
  // No grouped-query attention: K and V are not repeated.
  m.kv_heads = 32;
  e = EagerLayerExcess(m, T, T, 1, f);
  EXPECT_DOUBLE_EQ(e.fwd_bytes, 2 * 32 * T * h + 20 * T * 64 * d + 4 * T * f);
  EXPECT_EQ(e.fwd_kernels, 21);
}

TEST(Eager, StepIsSlowerAndBadNamesAreRefused) {
  const auto step = [](const char* how) {
    return Simulate(Load("llama3-8b-64", {{"framework.elementwise", how}})).step_time_s;
  };
  const double fused = step("fused"), eager = step("eager");
  EXPECT_GT(eager, 1.03 * fused);
  EXPECT_LT(eager, 1.5 * fused);
  EXPECT_NE(ErrorOf("llama3-8b-64", {{"framework.elementwise", "jit"}}).find("not one of fused, eager"),
            std::string::npos);
  EXPECT_THROW(ParseElementwise("jit"), ConfigError);
}

// ------------------------------------------------------------ pipeline split

// 126 layers cannot fill pp x vpp = 16 x 8 = 128 virtual stages, unless the
// embedding and the loss take a slot each (Megatron's
// --account-for-*-in-pipeline-split): then one slot per virtual stage, no
// layer on the first (embedding) and last (loss), and the note says so.
TEST(PipelineSplit, AccountedEmbeddingAndLossFillTheStages) {
  const std::vector<Override> deep = {{"parallelism.vpp", "8"}};
  EXPECT_NE(ErrorOf("llama3-405b-16k", deep).find("126 layers cannot fill pp x vpp = 16 x 8 stages"), std::string::npos)
      << ErrorOf("llama3-405b-16k", deep);
  std::vector<Override> accounted = deep;
  accounted.push_back({"parallelism.account_for_embedding", "true"});
  EXPECT_NE(ErrorOf("llama3-405b-16k", accounted).find("126 layers and the embedding accounted for cannot fill"),
            std::string::npos)
      << ErrorOf("llama3-405b-16k", accounted);
  accounted.push_back({"parallelism.account_for_loss", "true"});
  const SimResult r = Simulate(Load("llama3-405b-16k", accounted));
  const auto& l = r.layers_per_virtual_stage;
  ASSERT_EQ(l.size(), 128u);
  EXPECT_EQ(l.front(), 0);
  EXPECT_EQ(l.back(), 0);
  EXPECT_EQ(std::count(l.begin(), l.end(), 1), 126);
  EXPECT_GT(r.step_time_s, 0);
  EXPECT_NE(r.layer_split_note.find("the embedding and the loss in the split"), std::string::npos)
      << r.layer_split_note;
}

// Megatron-Core's layout grammar: '|' between virtual stages, (..)*n and x*n
// repeat, commas cosmetic; DeepSeek-V3's Megatron-Bridge layout for PP16.
TEST(PipelineLayout, ParsesMegatronsGrammar) {
  const auto st = ParsePipelineLayout("Et*4|(t*4|)*14tmL", 16, 1, 61, 1);
  ASSERT_EQ(st.size(), 16u);
  EXPECT_EQ(st.front().layers, 4);
  EXPECT_EQ(st[7].layers, 4);
  EXPECT_EQ(st.back().layers, 1);
  EXPECT_EQ(st.back().mtp, 1);
  const auto v = ParsePipelineLayout("Ettt|(tt|)*29,m|L", 8, 4, 61, 1);  // Megatron's docstring: MTP, loss alone
  ASSERT_EQ(v.size(), 32u);
  EXPECT_EQ(v[30].mtp, 1);
  EXPECT_EQ(v[31].layers + v[31].mtp, 0);
  auto error = [](const std::string& layout, int64_t pp, int64_t vpp, int64_t layers, int64_t mtp) {
    try {
      ParsePipelineLayout(layout, pp, vpp, layers, mtp);
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error("Et*4|(t*4|)*14tL", 8, 1, 61, 0).find("16 stages for pp x vpp = 8 x 1 = 8"), std::string::npos);
  EXPECT_NE(error("Et*4|(t*4|)*14tL", 16, 1, 60, 0).find("61 transformer layers ('t') for the model's 60"),
            std::string::npos);
  EXPECT_NE(error("Et*4|(t*4|)*14tL", 16, 1, 61, 1).find("0 MTP layers"), std::string::npos);
  EXPECT_NE(error("Emt|L", 2, 1, 1, 1).find("before MTP"), std::string::npos);
  EXPECT_NE(error("Et|tL|", 3, 1, 2, 0).find("'L' (the loss) must come exactly once, last"), std::string::npos);
  EXPECT_NE(error("Et|t", 2, 1, 2, 0).find("must end with 'L'"), std::string::npos);
  EXPECT_NE(error("tE|tL", 2, 1, 2, 0).find("'E' (the embedding) must come exactly once, first"), std::string::npos);
  EXPECT_NE(error("t|tL", 2, 1, 2, 0).find("must start with 'E'"), std::string::npos);
  EXPECT_NE(error("Et)|tL", 2, 1, 2, 0).find("')' without '('"), std::string::npos);
  EXPECT_NE(error("E(t)|tL", 2, 1, 2, 0).find("must be followed by '*n'"), std::string::npos);
  EXPECT_NE(error("E()*3t|tL", 2, 1, 2, 0).find("repeats nothing"), std::string::npos);
  EXPECT_NE(error("*3tL", 2, 1, 3, 0).find("nothing to repeat"), std::string::npos);
  // '|*n' repeats stage breaks (Megatron's '(.)\*(\d+)'): empty stages.
  EXPECT_NE(error("Et|*3tL", 2, 1, 2, 0).find("4 stages for pp x vpp = 2 x 1 = 2"), std::string::npos);
  const auto empty_stages = ParsePipelineLayout("Et|*3tL", 4, 1, 2, 0);
  EXPECT_EQ(empty_stages[1].layers + empty_stages[2].layers, 0);
  // x*0 inside a repeated group is longer before it unrolls than after: not refused.
  EXPECT_EQ(ParsePipelineLayout("E(t*0|)*100t*8L", 101, 1, 8, 0).size(), 101u);
  EXPECT_NE(error("Et*99999999999999999999|L", 2, 1, 2, 0).find("too large"), std::string::npos);
  EXPECT_NE(error("E((t*999)*999)*999|L", 2, 1, 2, 0).find("unrolls to more than"), std::string::npos);
  EXPECT_NE(error("Et |tL", 2, 1, 2, 0).find("' ' is not a layer"), std::string::npos);
  EXPECT_NE(error("Et|m|mL", 3, 1, 1, 2).find("all MTP layers must be in one virtual stage"), std::string::npos);
  EXPECT_NE(error("Et|xL", 2, 1, 1, 0).find("'x' is not a layer"), std::string::npos);
  EXPECT_NE(error("Et|(tL", 2, 1, 2, 0).find("'(' without ')'"), std::string::npos);
  EXPECT_NE(error("Et|t*L", 2, 1, 2, 0).find("not followed by a count"), std::string::npos);
  // Megatron keeps MTP layers in their rank's last chunk.
  EXPECT_NE(error("Et|tm||L", 2, 2, 2, 1).find("last chunk"), std::string::npos);
}

// A layout that states the even split changes nothing; one that moves
// layers moves the stages' work. A bad layout is refused naming the key.
TEST(PipelineLayout, PlacesTheLayersItStates) {
  const SimResult even = Simulate(Load("llama3-405b-16k", {{"parallelism.vpp", "1"}}));
  ASSERT_EQ(even.layers_per_virtual_stage.front(), 7);  // 7, 8 x 14, 7
  const SimResult same = Simulate(
      Load("llama3-405b-16k", {{"parallelism.vpp", "1"}, {"parallelism.pipeline_layout", "Et*7|(t*8|)*14t*7L"}}));
  EXPECT_EQ(same.layers_per_virtual_stage, even.layers_per_virtual_stage);
  EXPECT_NEAR(same.step_time_s, even.step_time_s, 1e-9 * even.step_time_s);
  const SimResult empty =
      Simulate(Load("llama3-405b-16k", {{"parallelism.vpp", "1"}, {"parallelism.pipeline_layout", "''"}}));
  EXPECT_EQ(empty.step_time_s, even.step_time_s);  // empty: the even split
  const SimResult heavy = Simulate(
      Load("llama3-405b-16k", {{"parallelism.vpp", "1"}, {"parallelism.pipeline_layout", "Et*14|(t*8|)*14L"}}));
  EXPECT_EQ(heavy.layers_per_virtual_stage.front(), 14);
  EXPECT_EQ(heavy.layers_per_virtual_stage.back(), 0);
  // The first stage now does 14 layers' work where the busiest did 8: it sets the pace, and the others'
  // fill and drain hide behind its warm-up (so the step grows by less than 14/8).
  EXPECT_EQ(heavy.critical_stage, 0);
  EXPECT_NEAR(heavy.breakdown.compute_s / even.breakdown.compute_s, 14.0 / 8.0, 0.01);
  EXPECT_GT(heavy.step_time_s, even.step_time_s);
  EXPECT_NE(heavy.layer_split_note.find("as parallelism.pipeline_layout 'Et*14|(t*8|)*14L' places them"),
            std::string::npos)
      << heavy.layer_split_note;
  EXPECT_NE(ErrorOf("llama3-405b-16k", {{"parallelism.vpp", "1"}, {"parallelism.pipeline_layout", "Et*126L"}})
                .find("key 'parallelism.pipeline_layout': 'Et*126L': 1 stages for pp x vpp = 16 x 1 = 16"),
            std::string::npos)
      << ErrorOf("llama3-405b-16k", {{"parallelism.vpp", "1"}, {"parallelism.pipeline_layout", "Et*126L"}});
  EXPECT_NE(ErrorOf("llama3-405b-16k",
                    {{"parallelism.pipeline_layout", "Et*7|(t*8|)*14t*7L"}, {"parallelism.account_for_loss", "true"}})
                .find("drop account_for_embedding/account_for_loss"),
            std::string::npos);
}

// DeepSeek-V3's MTP module (arXiv:2412.19437 sec. 2.2): one more layer of the
// last layer's kind (MoE), a 2h x h projection and three norms, sharing the
// embedding and head. Per token its forward adds 2·(attention + active MoE
// MLP + 2h² + V·h) + core attention; on the last stage by default, where it
// and its head's logits add work and memory.
TEST(MultiTokenPrediction, AddsALayerAHeadAndAProjection) {
  ModelSpec m = Load("deepseek-v3-2048").model;
  const ParamCounts before = CountParams(m);
  const double f0 = ForwardFlopsPerToken(m, 4096);
  m.mtp_layers = 1;
  const ParamCounts after = CountParams(m);
  const double h = static_cast<double>(m.hidden);
  const double module =
      before.attention_per_layer + before.norms_per_layer + 2 * h * h + 3 * h + before.moe_mlp_per_layer;
  EXPECT_DOUBLE_EQ(after.total - before.total, module);
  const double core = 2.0 * 4096 * static_cast<double>(m.heads * (m.QkHeadDim() + m.VHeadDim()));
  const double fwd = 2 * (before.attention_per_layer + before.moe_active_mlp_per_layer + 2 * h * h +
                          static_cast<double>(m.vocab) * h) +
                     core;
  EXPECT_NEAR(ForwardFlopsPerToken(m, 4096) - f0, fwd, 1e-9 * fwd);

  const SimResult plain = Simulate(Load("deepseek-v3-2048"));
  const SimResult mtp = Simulate(Load("deepseek-v3-2048", {{"model.mtp_layers", "1"}}));
  EXPECT_GT(mtp.step_time_s, plain.step_time_s);
  EXPECT_NEAR(mtp.model_flops_per_step / plain.model_flops_per_step, ForwardFlopsPerToken(m, 4096) / f0, 1e-9);
  // Megatron-Bridge's PP16 layout puts one decoder layer beside the MTP module and the loss.
  const SimResult laid = Simulate(
      Load("deepseek-v3-2048", {{"model.mtp_layers", "1"}, {"parallelism.pipeline_layout", "Et*4|(t*4|)*14tmL"}}));
  EXPECT_LT(laid.step_time_s, mtp.step_time_s);  // the default split leaves 3 layers there
  EXPECT_NE(
      ErrorOf("deepseek-v3-2048", {{"parallelism.pipeline_layout", "Et*4|(t*4|)*14tmL"}}).find("model.mtp_layers = 0"),
      std::string::npos);
}

// An MTP module's layer keeps what a layer of its kind (MoE for DeepSeek-V3)
// keeps, on the stage that holds it; every MTP head's logits wait on the last
// stage beside the main head's (Megatron-Core's process_mtp_loss).
TEST(MultiTokenPrediction, HoldsItsLayerAndItsLogits) {
  MemoryInput in;
  ModelSpec m = Load("deepseek-v3-2048").model;
  in.model = &m;
  in.pp = 2;
  in.seq_len = 4096;
  in.layers_per_vstage = {31, 30};
  in.params = {1e9, 1e9};
  in.expert_params = {0, 0};
  const double head = 4096.0 * static_cast<double>(m.vocab) * 6;  // fused loss: 6 B per logit
  const MemoryBreakdown without = StageMemory(in, 1);
  EXPECT_DOUBLE_EQ(without.logits, head);
  m.mtp_layers = 1;
  in.mtp_per_vstage = {0, 1};
  const MemoryBreakdown with = StageMemory(in, 1);
  EXPECT_DOUBLE_EQ(with.logits, 2 * head);
  const double passes = static_cast<double>(InFlightChunkPasses(2, 1, 1, 1));
  EXPECT_NEAR(with.activations - without.activations, ActivationBytesPerLayer(in, true) * passes,
              1e-9 * with.activations);
  EXPECT_GT(ActivationBytesPerLayer(in, true),
            ActivationBytesPerLayer(in, false));  // the MoE layer's, not a dense one's
  EXPECT_DOUBLE_EQ(StageMemory(in, 0).logits, 0);
  // A module on an earlier stage (Megatron's "MTP standalone") keeps its layer there; its head's logits stay
  // with the loss on the last.
  in.mtp_per_vstage = {1, 0};
  EXPECT_DOUBLE_EQ(StageMemory(in, 0).logits, 0);
  EXPECT_DOUBLE_EQ(StageMemory(in, 1).logits, 2 * head);
  EXPECT_NEAR(StageMemory(in, 1).activations, without.activations, 1e-9 * without.activations);
}

// ------------------------------------------------------------ bad values

// Values with no sensible upper bound are refused naming the key and the
// bounds in full, before anything runs (issue 15, part 3).
TEST(Bounds, AbsurdValuesAreRefusedWithReadableBounds) {
  EXPECT_NE(ErrorOf("llama3-405b-16k", {{"model.layers", "9223372036854775807"}})
                .find("key 'model.layers': value 9223372036854775807 is out of range (must be 1..100000)"),
            std::string::npos);
  EXPECT_NE(ErrorOf("llama3-405b-16k", {{"cluster.gpus", "1000000000000"}}).find("(must be 1..16777216)"),
            std::string::npos);
  EXPECT_NE(ErrorOf("llama3-405b-16k", {{"training.tokens", "1e300"}}).find("key 'training.tokens'"),
            std::string::npos);
  // A schedule of more than 2e8 passes is refused, naming the batch.
  EXPECT_NE(ErrorOf("llama3-405b-16k", {{"training.global_batch", "999999488"}, {"parallelism.vpp", "1"}})
                .find("key 'training.global_batch'"),
            std::string::npos);
}

// ------------------------------------------------------------- error bands

TEST(ErrorBands, ParsesAndFallsBackWithAWarning) {
  const std::string csv =
      "# comment\n"
      "arch,family,scale,rows,median,low,high,max_gpus\n"
      "*,*,*,100,-0.05,-0.30,0.10,16384\n"
      "hopper,3d,<=512,12,0.01,-0.12,0.14,512\n";
  auto bands = ParseErrorBands(csv, "test.csv");
  ASSERT_EQ(bands.size(), 2u);
  // In its class and region: T/(1+high) .. T/(1+low).
  PredictionBand in = BandFor(bands, ClassOf("hopper", false, 1, 256), 256, 10.0);
  EXPECT_TRUE(in.validated);
  EXPECT_NEAR(in.low_s, 10.0 / 1.14, 1e-12);
  EXPECT_NEAR(in.high_s, 10.0 / 0.88, 1e-12);
  EXPECT_EQ(in.band_class, "hopper/3d/<=512");
  // No row for Blackwell MoE: the '*' band, with a warning naming the class.
  PredictionBand fb = BandFor(bands, ClassOf("blackwell", true, 1, 256), 256, 10.0);
  EXPECT_FALSE(fb.validated);
  EXPECT_NE(fb.warning.find("blackwell/moe/<=512"), std::string::npos);
  // ZeRO-3 is its own family.
  EXPECT_EQ(ClassOf("hopper", false, 3, 1024).Name(), "hopper/fsdp/<=4096");
}

TEST(ErrorBands, MalformedRowNamesFileAndLine) {
  try {
    ParseErrorBands("arch,family,scale,rows,median,low,high,max_gpus\nhopper,3d,<=512,12,x,0,0,1\n", "bands.csv");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("bands.csv:2"), std::string::npos) << e.what();
  }
  EXPECT_THROW(ParseErrorBands("a,b,c\n", "bands.csv"), ConfigError);
  EXPECT_THROW(ParseErrorBands("hopper,3d,<=512,12,0.5,0.6,0.7,1\n", "bands.csv"), ConfigError);  // low > median
}

// The shipped bands file loads and covers every class the validation has.
TEST(ErrorBands, ShippedBandsLoad) {
  auto bands = LoadErrorBands({std::string(CB_SOURCE_DIR) + "/configs"});
  ASSERT_FALSE(bands.empty());
  PredictionBand b = BandFor(bands, ClassOf("hopper", false, 2, 16384), 16384, 6.7);
  EXPECT_TRUE(b.known);
  EXPECT_LT(b.low_s, b.high_s);
}

// NVFP4: 4-bit values with an E4M3 scale per 16 elements (0.5625 B each); the
// name is "nvfp4" and a bare "fp4" is refused with the valid names.
TEST(Nvfp4, ParsesAndSizesTheFormat) {
  EXPECT_EQ(ParsePrecision("nvfp4"), Precision::kNvfp4);
  EXPECT_STREQ(PrecisionName(Precision::kNvfp4), "nvfp4");
  EXPECT_DOUBLE_EQ(BytesPerElement(Precision::kNvfp4), 0.5625);
  EXPECT_TRUE(IsQuantized(Precision::kNvfp4));
  EXPECT_FALSE(IsQuantized(Precision::kBf16));
  try {
    ParsePrecision("fp4");
    FAIL() << "fp4 accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("nvfp4"), std::string::npos) << e.what();
  }
}

// A GPU without fp4 tensor cores, or without a measured NVFP4 GEMM
// efficiency, refuses nvfp4 and names the key.
TEST(Nvfp4, NeedsFp4TensorCoresAndAMeasuredEfficiency) {
  const std::string hopper = ErrorOf("llama3-8b-64", {{"training.precision", "nvfp4"}});
  EXPECT_NE(hopper.find("training.precision"), std::string::npos) << hopper;
  EXPECT_NE(hopper.find("no peak.fp4"), std::string::npos) << hopper;
  const std::string unmeasured = ErrorOf("llama3-8b-64", {{"cluster", "b200-50k"},
                                                          {"cluster.gpus", "64"},
                                                          {"training.precision", "nvfp4"},
                                                          {"cluster.gpu.efficiency.gemm_fp4", "0"}});
  EXPECT_NE(unmeasured.find("efficiency.gemm_fp4"), std::string::npos) << unmeasured;
  Scenario b200 = Load("llama3-8b-64", {{"cluster", "b200-50k"}, {"cluster.gpus", "64"}});
  EXPECT_DOUBLE_EQ(b200.gpu.peak_fp4, 2 * b200.gpu.peak_fp8);
  EXPECT_GT(EfficienciesFor(b200.gpu).gemm_fp4, 0);
}

// NVFP4 GEMMs outrun fp8's, but its quantization (an amax pass and separate
// row-wise and Hadamard column-wise kernels) is memory traffic beyond the fp8
// recipes': with HBM a thousand times faster an nvfp4 step gains more than an
// fp8 one, and the step gains less than the GEMM rates alone would give.
TEST(Nvfp4, GemmsFasterQuantizationIsMemoryTraffic) {
  auto step = [](const std::string& model, const std::string& precision, double hbm) {
    Scenario s = Load(model, {{"cluster", "gb200-nvl72"}, {"cluster.gpus", "64"}, {"training.precision", precision}});
    s.gpu.memory_bandwidth *= hbm;
    return Simulate(s).step_time_s;
  };
  const std::string dense = "llama3-8b-64", moe = "mixtral-8x7b-64";
  EXPECT_LT(step(dense, "nvfp4", 1), step(dense, "fp8", 1));
  EXPECT_GT(step(dense, "nvfp4", 1) - step(dense, "nvfp4", 1000), step(dense, "fp8", 1) - step(dense, "fp8", 1000));
  // The routed experts' own quantization reads their input three times in
  // nvfp4 (amax, row-wise, column-wise) against once in fp8.
  EXPECT_GT(step(moe, "nvfp4", 1) - step(moe, "nvfp4", 1000), step(moe, "fp8", 1) - step(moe, "fp8", 1000));
}

// Under sequence parallelism Transformer Engine gathers the quantized NVFP4
// shard (0.5625 B per element) and reduce-scatters in bf16: without TP
// overlap (Megatron-Bridge's NVFP4 recipes) an nvfp4 step exposes less TP
// time than a bf16 one, 2.5625 against 4 bytes per element.
TEST(Nvfp4, GathersTheQuantizedShard) {
  auto tp = [](const std::string& precision) {
    SimResult r = Simulate(Load("llama3-8b-64", {{"cluster", "gb200-nvl72"},
                                                 {"cluster.gpus", "64"},
                                                 {"framework.tp_comm_overlap", "false"},
                                                 {"training.precision", precision}}));
    return r.breakdown.tp_comm_exposed_s;
  };
  const double ratio = tp("nvfp4") / tp("bf16");
  EXPECT_LT(ratio, 0.8);
  EXPECT_GT(ratio, 0.5);
}

// fp4 weights are not gathered (Megatron-Core: "fp4_param and
// fp4_param_gather are not supported for now"): the pair is refused.
TEST(Nvfp4, RefusesFp8ParamGather) {
  const std::string e = ErrorOf("llama3-8b-64", {{"cluster", "gb200-nvl72"},
                                                 {"cluster.gpus", "64"},
                                                 {"training.precision", "nvfp4"},
                                                 {"framework.fp8_param_gather", "true"}});
  EXPECT_NE(e.find("framework.fp8_param_gather"), std::string::npos) << e;
}

// Transformer Engine keeps the column-wise NVFP4 copy of each GEMM input for
// wgrad (0.5625 B against 2 in bf16) and caches row-wise and column-wise
// NVFP4 weight copies (2 x 0.5625 B) beside the bf16 weights.
TEST(Nvfp4, SavesInputsAndCachesWeightsInNvfp4) {
  Scenario s = Load("llama3-8b-64");
  MemoryInput in;
  in.model = &s.model;
  in.seq_len = 8192;
  const double bf16 = ActivationBytesPerLayer(in, false);
  in.quant_bytes = 0.5625;
  in.quant_weight_bytes = 2 * 0.5625;
  const double h = 4096, f = 14336;
  EXPECT_NEAR((bf16 - ActivationBytesPerLayer(in, false)) / (8192 * h), 1.4375 * (2 + f / h) - 0.5625, 1e-9);
  const std::vector<Override> b200 = {{"cluster", "b200-50k"}, {"cluster.gpus", "64"}};
  std::vector<Override> fp4 = b200;
  fp4.push_back({"training.precision", "nvfp4"});
  EXPECT_NEAR(Simulate(Load("llama3-8b-64", fp4)).memory.weights / Simulate(Load("llama3-8b-64", b200)).memory.weights,
              (2 + 1.125) / 2, 1e-9);
}

// ------------------------------------------------------------------ sliding-window attention

// Unmasked pairs of causal attention with a window of w tokens before each
// query: s(s+1)/2 without one, (w+1)(w+2)/2 + (s-w-1)(w+1) with one (w + 1 keys
// once the window is full); a window as long as the sequence is no window.
// Counted in 128 x 128 blocks, GPT-OSS's 128-token window at 4,096 tokens
// visits 63 blocks (the first query block one, every later one its own and
// the one before) against the causal triangle's 32·33/2 = 528.
TEST(SlidingWindow, WorkCountsPairsAndBlocks) {
  EXPECT_DOUBLE_EQ(CausalAttentionWork(4096, 0, 1), 4096.0 * 4097 / 2);
  EXPECT_DOUBLE_EQ(CausalAttentionWork(4096, 4095, 1), CausalAttentionWork(4096, 0, 1));
  EXPECT_DOUBLE_EQ(CausalAttentionWork(4096, 128, 1), 129.0 * 130 / 2 + (4096.0 - 129) * 129);
  EXPECT_DOUBLE_EQ(CausalAttentionWork(4096, 0, 128), 528.0 * 128 * 128);
  EXPECT_DOUBLE_EQ(CausalAttentionWork(4096, 128, 128), 63.0 * 128 * 128);
  // Blocks never count less than the pairs they hold.
  EXPECT_GE(CausalAttentionWork(4096, 300, 128), CausalAttentionWork(4096, 300, 1));
}

// GPT-OSS's layout: every second layer (1-based) attends in full, the others
// slide. Model FLOPs drop by the sliding layers' share of core attention, the
// step gets shorter, and a skip frequency without a window is refused by name.
TEST(SlidingWindow, GptOssAlternatesAndSavesAttention) {
  ModelSpec m;
  m.layers = 36;
  m.window_size = 128;
  m.window_attn_skip_freq = 2;
  EXPECT_TRUE(m.IsSlidingLayer(0));
  EXPECT_FALSE(m.IsSlidingLayer(1));
  EXPECT_EQ(m.SlidingLayers(), 18);
  m.window_attn_skip_freq = 0;
  EXPECT_EQ(m.SlidingLayers(), 36);

  const std::vector<Override> base = {{"parallelism.tp", "1"},
                                      {"parallelism.pp", "1"},
                                      {"parallelism.dp", "64"},
                                      {"training.seq_len", "32768"},
                                      {"training.global_batch", "64"}};
  std::vector<Override> swa = base;
  swa.push_back({"model.window_size", "128"});
  swa.push_back({"model.window_attn_skip_freq", "2"});
  const SimResult full = Simulate(Load("llama3-8b-64", base)), sliding = Simulate(Load("llama3-8b-64", swa));
  const double s32k = 32768, ratio = CausalAttentionWork(32768, 128, 1) / CausalAttentionWork(32768, 0, 1);
  const double core = 2 * s32k * 32 * (128 + 128) * 32 * 3 * 64 * s32k;  // per step, 3 x forward, every layer
  EXPECT_NEAR(full.model_flops_per_step - sliding.model_flops_per_step, core * 0.5 * (1 - ratio),
              1e-9 * full.model_flops_per_step);
  EXPECT_LT(sliding.step_time_s, full.step_time_s);
  std::vector<Override> bad = base;
  bad.push_back({"model.window_attn_skip_freq", "2"});
  EXPECT_NE(ErrorOf("llama3-8b-64", bad).find("model.window_attn_skip_freq"), std::string::npos);
}

// Narrow heads run slower per FLOP (the exponentials stay per score): head
// dim 64 at 0.65 of 128's rate on Blackwell (FlashAttention-4 on B200) and
// 0.836 on Hopper (FA3 paper, cuDNN and FA3 backward); linear in between,
// 128's rate from 128 up.
TEST(Hardware, NarrowHeadsRunAttentionSlower) {
  GpuSpec gpu;
  gpu.peak_bf16 = 2.5e15;
  for (const auto& [arch, r64] : {std::pair<std::string, double>{"blackwell", 0.65}, {"hopper", 0.836}}) {
    gpu.architecture = arch;
    GpuPerf perf(gpu, EfficienciesFor(gpu));
    const double f = 1e15, launch = perf.eff().launch_s;
    const auto t = [&](double d) { return perf.AttentionTime(f, AttentionKernel::kFused, d) - launch; };
    EXPECT_NEAR(t(128) / t(64), r64, 1e-12) << arch;
    EXPECT_NEAR(t(128) / t(96), (1 + r64) / 2, 1e-12) << arch;
    EXPECT_DOUBLE_EQ(t(192), t(128)) << arch;
  }
}

// Longer sequences run cuDNN's fused attention faster: cudnn-frontend's training benchmark (cuDNN 9.19, causal
// bf16, forward + backward) took 6.791 / 25.533 / 101.254 ms on H200 and 2.785 / 10.451 / 40.089 ms on GB200
// at 8K / 16K / 32K, and FLOPs grow as s², so the rate is 4·t(8K)/t(16K) and 16·t(8K)/t(32K) of 8K's; past
// 32K Blackwell follows cuDNN 9.13 on B200 (104.133 / 429.701 / 1758.45 ms at 32K / 64K / 128K), Hopper is
// held. At and below 8K the effective rate stays; FlashAttention-2's rate and Ampere's do not change.
TEST(AttentionRate, LongerSequencesRunAtCudnnsMeasuredGain) {
  const double b64 = 4 * 104.133 / 429.701, b128 = 16 * 104.133 / 1758.45;
  struct Curve {
    const char* arch;
    double t8, t16, t32, g64, g128;
  };
  for (const Curve& c :
       {Curve{"hopper", 6.791, 25.533, 101.254, 1, 1}, Curve{"blackwell", 2.785, 10.451, 40.089, b64, b128}}) {
    GpuSpec gpu;
    gpu.architecture = c.arch;
    gpu.peak_bf16 = 989e12;
    GpuPerf perf(gpu, EfficienciesFor(gpu));
    const double f = 1e15, launch = perf.eff().launch_s;
    const auto t = [&](double seq) { return perf.AttentionTime(f, AttentionKernel::kFused, 128, seq) - launch; };
    const double g16 = 4 * c.t8 / c.t16, g32 = 16 * c.t8 / c.t32;
    EXPECT_NEAR(t(8192) / t(16384), g16, 1e-3) << c.arch;  // the code keeps three decimals
    EXPECT_NEAR(t(8192) / t(32768), g32, 1e-3) << c.arch;
    EXPECT_NEAR(t(8192) / t(65536), g32 * c.g64, 2e-3) << c.arch;
    EXPECT_NEAR(t(8192) / t(131072), g32 * c.g128, 2e-3) << c.arch;
    EXPECT_DOUBLE_EQ(t(1 << 20), t(131072)) << c.arch;
    EXPECT_NEAR(t(8192) / t(std::sqrt(8192.0 * 16384.0)), (1 + t(8192) / t(16384)) / 2, 1e-12) << c.arch;
    EXPECT_DOUBLE_EQ(t(2048), t(8192)) << c.arch;
    EXPECT_DOUBLE_EQ(t(0), t(8192)) << c.arch;
    EXPECT_DOUBLE_EQ(perf.AttentionTime(f, AttentionKernel::kFa2, 128, 32768),
                     perf.AttentionTime(f, AttentionKernel::kFa2, 128, 8192))
        << c.arch;
  }
  GpuSpec a100;
  a100.architecture = "ampere";
  a100.peak_bf16 = 312e12;
  GpuPerf ampere(a100, EfficienciesFor(a100));
  EXPECT_DOUBLE_EQ(ampere.AttentionTime(1e15, AttentionKernel::kFused, 128, 32768),
                   ampere.AttentionTime(1e15, AttentionKernel::kFused, 128, 8192));
}

// A step's attention takes the gain of its local query chunk (s/cp), only on full layers: Llama 3 8B at 32K
// tokens over CP2 runs its kernels at 16K; GPT-OSS's sliding layers span their 128-token window and gain
// nothing, its full layers gain as Llama's do.
TEST(AttentionRate, StepsTakeTheLocalChunksGainOnFullLayers) {
  const auto compute_s = [](const std::string& scenario, std::vector<Override> o, const char* kernel) {
    o.push_back({"framework.attention_kernel", kernel});
    const SimResult r = Simulate(Load(scenario, o));
    return r.breakdown.compute_s;
  };
  // fa2 on Blackwell runs the fused rate with no length gain: the difference is the gain alone.
  const std::vector<Override> cp2 = {{"cluster", "b200-50k"},
                                     {"training.seq_len", "32768"},
                                     {"training.global_batch", "64"},
                                     {"parallelism.cp", "2"},
                                     {"parallelism.dp", "16"}};
  const double fused = compute_s("llama3-8b-64", cp2, "fused"), plain = compute_s("llama3-8b-64", cp2, "fa2");
  EXPECT_LT(fused, plain);
  std::vector<Override> cp1 = cp2;
  cp1.back() = {"parallelism.dp", "32"};
  cp1[3] = {"parallelism.cp", "1"};
  const double gain16 = plain - fused,
               gain32 = compute_s("llama3-8b-64", cp1, "fa2") - compute_s("llama3-8b-64", cp1, "fused");
  EXPECT_GT(gain32, gain16);  // the same work at 32K per kernel gains more than at 16K
  const std::vector<Override> oss = {{"cluster", "b200-50k"},       {"model", "gpt-oss-120b"},
                                     {"parallelism.tp", "1"},       {"parallelism.pp", "1"},
                                     {"parallelism.dp", "64"},      {"parallelism.ep", "8"},
                                     {"training.seq_len", "32768"}, {"training.global_batch", "64"}};
  EXPECT_LT(compute_s("mixtral-8x7b-64", oss, "fused"), compute_s("mixtral-8x7b-64", oss, "fa2"));
}

// All-to-all inside a scale-up domain at its own measured rate: 0.744 of
// NVLink4 on H100 (nccl-tests alltoall_perf, NVIDIA/nccl#2169) against the
// ring's 0.82; NVLink5 0.75 for all-to-all and 0.755 for the ring (B300,
// GB300 NVL72 and GB200 measurements). Across domains the NIC share is
// unchanged.
TEST(Collectives, AllToAllRunsBelowTheRingInsideADomain) {
  const Efficiencies hopper = DefaultEfficiencies("hopper"), blackwell = DefaultEfficiencies("blackwell");
  EXPECT_NEAR(hopper.scale_up_alltoall, 0.744, 1e-12);
  EXPECT_NEAR(blackwell.scale_up, 0.755, 1e-12);
  EXPECT_NEAR(blackwell.scale_up_alltoall, 0.75, 1e-12);
  FabricTiers f{.up_bandwidth = 369e9, .up_latency = 0, .nic_bandwidth = 46e9, .out_latency = 0, .domain_gpus = 8};
  const Group node{8, 8};
  const double bytes = 1e9;
  const double ring_rate = AllToAllTime(bytes, node, f, 1);
  f.up_alltoall_bandwidth = 335e9;
  EXPECT_NEAR(AllToAllTime(bytes, node, f, 1) / ring_rate, 369.0 / 335.0, 1e-12);
  const Group two_nodes{16, 8};
  EXPECT_NEAR(AllToAllTime(bytes, two_nodes, f, 1), 0.5 * bytes / 46e9, 1e-12);  // the NIC share bounds it
}

// ------------------------------------------------------------------ ops a fused framework leaves unfused

// GPT-OSS-120B on 64 H100 at EP8 (16 experts per GPU, micro-batch 1), with `more` overrides.
Scenario GptOssEp8Scenario(const std::vector<Override>& more) {
  std::vector<Override> o = {{"model", "gpt-oss-120b"},
                             {"parallelism.tp", "1"},
                             {"parallelism.pp", "1"},
                             {"parallelism.dp", "64"},
                             {"parallelism.ep", "8"}};
  o.insert(o.end(), more.begin(), more.end());
  return Load("mixtral-8x7b-64", o);
}
SimResult GptOssEp8(const std::vector<Override>& more) { return Simulate(GptOssEp8Scenario(more)); }

// Megatron-Core 0.15/0.16 runs GPT-OSS's clamps and cat, fc2's per-expert
// bias and the unfused YaRN RoPE as kernels of their own
// (framework.unfused_ops; bytes per element in workload/elementwise.h): the
// step grows by each one's HBM traffic and launches, the clamp reruns with a
// recomputed activation, and an op the model lacks is refused by name.
TEST(UnfusedOps, EachAddsItsTrafficAndTheModelMustHaveIt) {
  EXPECT_DOUBLE_EQ(UnfusedGluClampExcess(1e9).fwd_bytes, 8e9);
  EXPECT_DOUBLE_EQ(UnfusedGluClampExcess(1e9).bwd_bytes, 10e9);
  EXPECT_EQ(UnfusedExpertBiasExcess(1e9, 16).fwd_kernels, 33);
  EXPECT_DOUBLE_EQ(UnfusedRopeExcess(1e9).fwd_bytes, 24e9);
  auto step = [](const std::vector<Override>& more) { return GptOssEp8(more).step_time_s; };
  const double fused = step({});
  double each = 0;
  for (const char* op : {"[rope]", "[glu_clamp]", "[expert_bias]"}) {
    const double t = step({{"framework.unfused_ops", op}});
    EXPECT_GT(t, fused) << op;
    each += t - fused;
  }
  EXPECT_NEAR(step({{"framework.unfused_ops", "[rope, glu_clamp, expert_bias]"}}) - fused, each, 1e-6 * fused);
  // Recomputing the activation reruns its clamps.
  const std::vector<Override> act = {{"training.recompute", "selective"}, {"training.recompute_modules", "[moe_act]"}};
  auto with = act;
  with.push_back({"framework.unfused_ops", "[glu_clamp]"});
  EXPECT_GT(step(with) - step(act), step({{"framework.unfused_ops", "[glu_clamp]"}}) - fused);
  const std::string e = ErrorOf("llama3-8b-64", {{"framework.unfused_ops", "[expert_bias]"}});
  EXPECT_NE(e.find("framework.unfused_ops"), std::string::npos) << e;
  EXPECT_NE(e.find("model.expert_bias"), std::string::npos) << e;
}

}  // namespace
// ------------------------------------------------------------------ host-bound passes

// The host calls of one layer pass, as counted in workload/host_launch.h from
// Transformer Engine and Megatron-Core: a bf16 dense layer issues 12 forward
// and 19 backward; an MoE layer's router and preprocess come before the
// dropless dispatcher's wait, its experts one GEMM per local expert after it;
// CUDA graphs remove what they capture.
TEST(HostBound, CallsPerLayerAsCounted) {
  HostCallsInput dense;
  EXPECT_DOUBLE_EQ(LayerHostCalls(dense).Fwd(), 12);
  EXPECT_DOUBLE_EQ(LayerHostCalls(dense).bwd, 19);
  dense.graphs.full = true;
  EXPECT_DOUBLE_EQ(LayerHostCalls(dense).Fwd() + LayerHostCalls(dense).bwd, 0);
  HostCallsInput moe;
  moe.moe = true;
  moe.local_experts = 16;
  moe.dispatcher_sync = true;
  const HostCalls h = LayerHostCalls(moe);
  EXPECT_TRUE(h.waits);
  EXPECT_DOUBLE_EQ(h.fwd_before_wait, 7 + 72 + 9);      // attention, router, preprocess
  EXPECT_DOUBLE_EQ(h.fwd_after_wait, 2 + 17 + 2 + 32);  // norm/residual, dispatch, activation, 2 GEMMs per expert
  EXPECT_DOUBLE_EQ(h.bwd, 11 + 72 + 3 + 11 + 2 + 64);   // ... 4 GEMMs per expert
  moe.router_fusion = true;
  EXPECT_DOUBLE_EQ(LayerHostCalls(moe).fwd_before_wait, 7 + 31 + 9);
  moe.graphs = ParseCudaGraphs({"attn", "moe_router", "moe_preprocess"});
  EXPECT_DOUBLE_EQ(LayerHostCalls(moe).fwd_before_wait, 0);
  EXPECT_DOUBLE_EQ(LayerHostCalls(moe).fwd_after_wait, h.fwd_after_wait);  // the experts stay eager
  moe.dispatcher_sync = false;  // experts padded to a capacity: static shapes, nothing waits
  EXPECT_FALSE(LayerHostCalls(moe).waits);
  EXPECT_THROW(ParseCudaGraphs({"experts"}), ConfigError);
  EXPECT_THROW(ParseCudaGraphs({"full", "attn"}), ConfigError);  // full stands alone
  // A captured block takes its own unfused kernels with it.
  HostCallsInput eager;
  eager.eager_attn = {6, 6};
  eager.eager_mlp = {3, 3};
  EXPECT_DOUBLE_EQ(LayerHostCalls(eager).Fwd(), 12 + 9);
  eager.graphs.attn = true;
  EXPECT_DOUBLE_EQ(LayerHostCalls(eager).Fwd(), 5 + 3);
}

// GPT-OSS with 16 experts per GPU at one micro-batch of 1,024 tokens: eager,
// the GPU waits on the CPU (host_bound > 0); Transformer Engine's scopes take
// part of it away, a full graph all of it; a slower host (Grace's 37.08 us per
// call) waits longer, and `plan`'s explanation names the host when it is the
// largest loss.
TEST(HostBound, GraphsRemoveWhatTheyCaptureAndASlowerHostWaitsLonger) {
  auto run = [](std::vector<Override> more) {
    more.push_back({"training.seq_len", "1024"});
    return GptOssEp8(more);
  };
  const SimResult eager = run({});
  const SimResult scoped = run({{"framework.cuda_graphs", "[attn, moe_router, moe_preprocess]"}});
  const SimResult full = run({{"framework.cuda_graphs", "[full]"}});
  const SimResult grace = run({{"cluster.gpu.host_call", "37.08us"}});
  EXPECT_GT(eager.breakdown.host_bound_s, 0);
  EXPECT_DOUBLE_EQ(full.breakdown.host_bound_s, 0);
  EXPECT_GT(eager.step_time_s, scoped.step_time_s);
  EXPECT_GE(scoped.step_time_s, full.step_time_s);
  EXPECT_GT(grace.breakdown.host_bound_s, eager.breakdown.host_bound_s);
  EXPECT_NEAR(eager.step_time_s - full.step_time_s, eager.breakdown.host_bound_s, 1e-9 * eager.step_time_s);
  const std::string e = ErrorOf("mixtral-8x7b-64", {{"framework.cuda_graphs", "[experts]"}});
  EXPECT_NE(e.find("framework.cuda_graphs"), std::string::npos) << e;
  const std::string both = ErrorOf("mixtral-8x7b-64", {{"framework.cuda_graphs", "[full, attn]"}});
  EXPECT_NE(both.find("framework.cuda_graphs"), std::string::npos) << both;
  const Scenario s = GptOssEp8Scenario({{"training.seq_len", "1024"}, {"cluster.gpu.host_call", "37.08us"}});
  const StepLoss loss = LargestLoss(s, Simulate(s));
  EXPECT_EQ(loss.part, "host-bound");
  EXPECT_NE(loss.sentence.find("framework.cuda_graphs"), std::string::npos) << loss.sentence;
}

// Transformer Engine's fused grouped MLP (framework.fused_grouped_mlp) on
// Blackwell in fp8: the activation and fc2's input quantization run in fc1's
// epilogue, so the step is shorter and the eager host calls of the experts no
// longer grow with the experts per GPU; it is refused in bf16 and off Blackwell,
// naming the key.
TEST(FusedGroupedMlp, RemovesTheExpertPassesAndIsRefusedWhereItCannotRun) {
  const std::vector<Override> b200 = {{"cluster", "b200-50k"}, {"training.precision", "fp8"}};
  auto with = [&](std::vector<Override> more) {
    more.insert(more.end(), b200.begin(), b200.end());
    return GptOssEp8(more);
  };
  const SimResult plain = with({});
  const SimResult fused = with({{"framework.fused_grouped_mlp", "true"}});
  EXPECT_LT(fused.step_time_s, plain.step_time_s);
  EXPECT_GT(fused.step_time_s, 0.8 * plain.step_time_s);  // the GEMMs, attention and all-to-alls remain
  HostCallsInput in;
  in.moe = in.fused_grouped_mlp = in.quantized = true;
  in.local_experts = 4;
  const double four = LayerHostCalls(in).Fwd();
  in.local_experts = 32;
  EXPECT_DOUBLE_EQ(LayerHostCalls(in).Fwd(), four);
  std::string e =
      ErrorOf("mixtral-8x7b-64",
              {{"model", "gpt-oss-120b"}, {"cluster", "b200-50k"}, {"framework.fused_grouped_mlp", "true"}});  // bf16
  EXPECT_NE(e.find("framework.fused_grouped_mlp"), std::string::npos) << e;
  EXPECT_NE(e.find("fp8 or nvfp4"), std::string::npos) << e;
  e = ErrorOf("mixtral-8x7b-64", {{"training.precision", "fp8"}, {"framework.fused_grouped_mlp", "true"}});  // H100
  EXPECT_NE(e.find("Blackwell"), std::string::npos) << e;
}

// A GPU config's measured collective rates (efficiency.scale_up and
// scale_up_alltoall: MI355X's rccl-tests 0.709 and 0.671) replace the
// architecture's; without them the defaults stay.
TEST(Hardware, MeasuredScaleUpRatesComeFromTheGpuConfig) {
  GpuSpec gpu;
  gpu.architecture = "hopper";
  EXPECT_DOUBLE_EQ(EfficienciesFor(gpu).scale_up, 0.82);
  gpu.eff_scale_up = 0.709;
  gpu.eff_scale_up_alltoall = 0.671;
  EXPECT_DOUBLE_EQ(EfficienciesFor(gpu).scale_up, 0.709);
  EXPECT_DOUBLE_EQ(EfficienciesFor(gpu).scale_up_alltoall, 0.671);
  const double tp_fast = Simulate(Load("llama3-70b-64")).breakdown.tp_comm_exposed_s;
  const double tp_slow =
      Simulate(Load("llama3-70b-64", {{"cluster.gpu.efficiency.scale_up", "0.4"}})).breakdown.tp_comm_exposed_s;
  EXPECT_GT(tp_slow, tp_fast);
}

}  // namespace cb::sim
