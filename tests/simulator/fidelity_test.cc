// Tests of the fidelity work (issue 14): memory model, MoE parallel folding,
// hybrid sharding, fully sharded traffic, slowest-of-N, power caps, per-GPU
// efficiencies and error bands. Each states the closed form it checks.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "core/config.h"
#include "core/error.h"
#include "simulator/simulate.h"
#include "simulator/training/memory.h"
#include "simulator/validation/error_band.h"
#include "tests/simulator/shipped.h"

namespace cb::sim {
namespace {

using testing::ErrorOf;
using testing::Load;
using testing::Shipped;

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

// The published Llama 3 405B layout (TP8 PP16 DP128, ZeRO-2, interleaved)
// fits in 80 GB and lands within 10% of the paper's 400 TFLOP/s (6.74 s).
TEST(Memory, Llama3FlagshipFitsAndMatchesThePaper) {
  SimResult r = Simulate(Load("llama3-405b-16k"));
  EXPECT_TRUE(r.fits_in_memory) << r.memory_gib_per_gpu;
  EXPECT_NEAR(r.step_time_s / 6.74, 1.0, 0.10);
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
// the dropless one; below it the experts do less work.
TEST(MoeFolding, CapacityFactorCapsTheBusiestExpert) {
  const double dropless = Simulate(Load("mixtral-8x7b-64")).step_time_s;  // ι = 1.1
  EXPECT_DOUBLE_EQ(Simulate(Load("mixtral-8x7b-64", {{"framework.moe_capacity_factor", "1.1"}})).step_time_s, dropless);
  EXPECT_LT(Simulate(Load("mixtral-8x7b-64", {{"framework.moe_capacity_factor", "1.0"}})).step_time_s, dropless);
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

// A GPU config's measured efficiencies replace the architecture's defaults.
TEST(Hardware, GpuConfigEfficienciesReplaceTheDefaults) {
  Scenario b200 = Load("llama3-405b-16k", {{"cluster", "b200-50k"}, {"cluster.gpus", "16384"}});
  Efficiencies e = EfficienciesFor(b200.gpu);
  EXPECT_NEAR(e.gemm_bf16, 0.676, 1e-9);
  EXPECT_NEAR(e.gemm_fp8, 0.560, 1e-9);
  EXPECT_NE(e.gemm_bf16, DefaultEfficiencies("blackwell").gemm_bf16);
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

}  // namespace
}  // namespace cb::sim
