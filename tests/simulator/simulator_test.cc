// Simulator unit tests. Each states the scenario and the closed form it checks.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/config.h"
#include "core/error.h"
#include "simulator/engine/event_queue.h"
#include "simulator/measured_fleet.h"
#include "simulator/network/collective_model.h"
#include "simulator/network/expected_collective.h"
#include "simulator/simulate.h"
#include "simulator/training/pipeline.h"
#include "simulator/workload/transformer.h"
#include "tests/simulator/shipped.h"

namespace cb::sim {
namespace {

using testing::ErrorOf;
using testing::Load;
using testing::Shipped;

// --------------------------------------------------------------- engine

TEST(EventQueue, OrdersByTimeThenPriorityThenInsertion) {
  EventQueue q;
  std::vector<int> order;
  q.At(10, [&] { order.push_back(3); });
  q.At(
      5, [&] { order.push_back(2); }, /*priority=*/1);
  q.At(
      5, [&] { order.push_back(1); }, /*priority=*/0);
  q.At(10, [&] { order.push_back(4); });
  q.At(
      5, [&] { q.After(5, [&] { order.push_back(5); }); }, 2);  // lands at 10, after 3 and 4
  EXPECT_EQ(q.Run(), 10);
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3, 4, 5}));
  EXPECT_EQ(q.events_processed(), 6u);
  EXPECT_THROW(q.At(1, [] {}), RuntimeError);  // the past
}

// --------------------------------------------------------------- pipeline

// Llama 3 405B: 126 layers over 16 stages -> first and last get 7, the rest 8.
TEST(Pipeline, UnevenLayersLikeLlama3) {
  auto s = SplitLayers(126, 16);
  EXPECT_EQ(s.front(), 7);
  EXPECT_EQ(s.back(), 7);
  EXPECT_EQ(std::count(s.begin(), s.end(), 8), 14);
  EXPECT_EQ(SplitLayers(96, 8), std::vector<int64_t>(8, 12));
  auto t = SplitLayers(61, 16);  // DeepSeek-V3: 3 lighter stages
  EXPECT_EQ(std::accumulate(t.begin(), t.end(), int64_t{0}), 61);
  EXPECT_EQ(*std::max_element(t.begin(), t.end()) - *std::min_element(t.begin(), t.end()), 1);
}

// Megatron's --account-for-{embedding,loss}-in-pipeline-split: Qwen3-235B's
// 94 layers and the two accounted slots fill 32 x 3 = 96 virtual stages, one
// layer each, none on the first (embedding) and last (loss) stage.
TEST(Pipeline, AccountingForEmbeddingAndLossTakesASlotEach) {
  auto q = SplitLayers(94, 96, true, true);
  ASSERT_EQ(q.size(), 96u);
  EXPECT_EQ(q.front(), 0);
  EXPECT_EQ(q.back(), 0);
  EXPECT_EQ(std::count(q.begin(), q.end(), 1), 94);
  // 127 slots over 16 stages: the first stage is the lighter one (7 slots, as
  // Llama 3 splits), one of them the embedding's.
  auto e = SplitLayers(126, 16, true, false);
  EXPECT_EQ(std::accumulate(e.begin(), e.end(), int64_t{0}), 126);
  EXPECT_EQ(e.front(), 7 - 1);
  EXPECT_EQ(e.back(), 8);
  EXPECT_EQ(SplitLayers(8, 1, true, true), std::vector<int64_t>{8});  // one stage holds everything
  EXPECT_EQ(SplitLayers(96, 8, false, false), SplitLayers(96, 8));
}

// Uniform passes f = 1 ms, b = 2 ms, no transfer time. 1F1B over p = 4
// stages and m = 8 micro-batches: (m + p - 1)(f + b) = 11 x 3 ms = 33 ms.
TEST(Pipeline, OneF1BMatchesClosedForm) {
  const SimTime f = 1000000, b = 2000000;
  PipelineRun r = RunPipeline(4, 1, 8, std::vector<SimTime>(4, f), std::vector<SimTime>(4, b), 0);
  EXPECT_EQ(*std::max_element(r.stage_end.begin(), r.stage_end.end()), 11 * (f + b));
  // every stage runs every pass once
  for (const auto& o : r.orders) EXPECT_EQ(o.size(), 16u);
}

// Interleaved with v = 2 chunks of f/2 and b/2: (m + (p-1)/v)(f + b)
// = (8 + 1.5) x 3 ms = 28.5 ms.
TEST(Pipeline, InterleavedMatchesClosedForm) {
  const SimTime f = 1000000, b = 2000000;
  PipelineRun r = RunPipeline(4, 2, 8, std::vector<SimTime>(8, f / 2), std::vector<SimTime>(8, b / 2), 0);
  EXPECT_EQ(*std::max_element(r.stage_end.begin(), r.stage_end.end()), 28500000);
}

// A transfer time delays the pipeline but never deadlocks it; with one
// stage there is nothing to transfer: m(f + b).
TEST(Pipeline, TransfersAndSingleStage) {
  PipelineRun a = RunPipeline(4, 1, 8, std::vector<SimTime>(4, 1000), std::vector<SimTime>(4, 2000), 0);
  PipelineRun c = RunPipeline(4, 1, 8, std::vector<SimTime>(4, 1000), std::vector<SimTime>(4, 2000), 100);
  EXPECT_GT(c.stage_end[0], a.stage_end[0]);
  PipelineRun one = RunPipeline(1, 1, 5, {1000}, {2000}, 0);
  EXPECT_EQ(one.stage_end[0], 5 * 3000);
}

// --------------------------------------------------------------- collectives

// Ring all-reduce inside one NVLink domain of 8: 2(n-1)/n·S/B + 2(n-1)·alpha.
TEST(Collectives, RingAllReduceInsideDomain) {
  FabricTiers f{
      .up_bandwidth = 400e9, .up_latency = 2e-6, .nic_bandwidth = 40e9, .out_latency = 5e-6, .domain_gpus = 8};
  double S = 1e9;
  EXPECT_NEAR(CollectiveTime(Collective::kAllReduce, S, {8, 8}, f), 2.0 * 7 / 8 * S / 400e9 + 14 * 2e-6, 1e-12);
  EXPECT_NEAR(CollectiveTime(Collective::kAllGather, S, {8, 8}, f), 7.0 / 8 * S / 400e9 + 7 * 2e-6, 1e-12);
  EXPECT_EQ(CollectiveTime(Collective::kAllReduce, S, {1, 1}, f), 0);
}

// Across domains the bus bandwidth is the domain's NIC share: one member per
// node uses one NIC (40 GB/s); four members per node use four (160 GB/s).
TEST(Collectives, CrossDomainBandwidthIsTheNicShare) {
  FabricTiers f{
      .up_bandwidth = 400e9, .up_latency = 2e-6, .nic_bandwidth = 40e9, .out_latency = 5e-6, .domain_gpus = 8};
  EXPECT_DOUBLE_EQ(GroupBusBandwidth({128, 1}, f), 40e9);
  EXPECT_DOUBLE_EQ(GroupBusBandwidth({128, 4}, f), 160e9);
  EXPECT_DOUBLE_EQ(GroupBusBandwidth({128, 8}, f), 320e9);
  // Large group: the tree latency, 2 log2(n)·alpha, beats the ring's 2(n-1)·alpha.
  double t = CollectiveTime(Collective::kAllReduce, 8, {1024, 1}, f);
  EXPECT_NEAR(t, 2.0 * 1023 / 1024 * 8 / 40e9 + 2 * 10 * 5e-6, 1e-9);
}

// gather and scatter: the root moves (n-1)/n·S over direct one-hop sends, as
// every rank of an all-to-all does; alltoallv is counted as an all-to-all of
// its nominal size (nccl-tests' accounting). Inside a domain of 8:
// 7/8·S/B_up + alpha_up; across 16 domains of one: 15/16·S/B_nic + alpha_out.
TEST(Collectives, GatherScatterAndAllToAllvAreAllToAllShaped) {
  FabricTiers f{
      .up_bandwidth = 400e9, .up_latency = 2e-6, .nic_bandwidth = 40e9, .out_latency = 5e-6, .domain_gpus = 8};
  const double S = 1e9;
  for (Collective op : {Collective::kGather, Collective::kScatter, Collective::kAllToAllv}) {
    EXPECT_NEAR(CollectiveTime(op, S, {8, 8}, f), 7.0 / 8 * S / 400e9 + 2e-6, 1e-12) << CollectiveOpName(op);
    EXPECT_NEAR(CollectiveTime(op, S, {16, 1}, f), 15.0 / 16 * S / 40e9 + 5e-6, 1e-12) << CollectiveOpName(op);
    EXPECT_DOUBLE_EQ(CollectiveTime(op, S, {16, 4}, f), CollectiveTime(Collective::kAllToAll, S, {16, 4}, f));
  }
}

// --------------------------------------------------------------- workload

// GPT-shaped model (f = 4h, MHA, GeLU): 3 x forward FLOPs equals the published
// model-FLOP formula 72·B·s·L·h²·(1 + s/(6h) + V/(12·L·h)) exactly.
TEST(Workload, ModelFlopsMatchKorthikantiFormula) {
  ModelSpec m = ModelFromConfig(Shipped().Load("model", "gpt3-175b"));
  const double s = 2048, B = 1, L = 96, h = 12288, V = 51200;
  double ours = 3 * ForwardFlopsPerToken(m, 2048) * B * s;
  double published = 72 * B * s * L * h * h * (1 + s / (6 * h) + V / (12 * L * h));
  EXPECT_NEAR(ours / published, 1.0, 1e-12);
}

TEST(Workload, ParameterCountsMatchPublishedSizes) {
  auto billions = [](const std::string& name) {
    return CountParams(ModelFromConfig(Shipped().Load("model", name))).total / 1e9;
  };
  EXPECT_NEAR(billions("llama3-405b"), 405, 405 * 0.01);
  EXPECT_NEAR(billions("llama3-70b"), 70.6, 70.6 * 0.01);
  EXPECT_NEAR(billions("llama3-8b"), 8.0, 8.0 * 0.02);
  ParamCounts dsv3 = CountParams(ModelFromConfig(Shipped().Load("model", "deepseek-v3")));
  EXPECT_NEAR(dsv3.total / 1e9, 671, 671 * 0.05);  // MLA approximated as MHA
  EXPECT_LT(dsv3.active, dsv3.total / 10);         // ~37B active
}

// --------------------------------------------------------------- simulation

TEST(Simulate, DeterministicAndBreakdownSumsToStepTime) {
  Scenario s = Load("llama3-405b-16k");
  SimResult a = Simulate(s), b = Simulate(s);
  EXPECT_EQ(a.step_time_s, b.step_time_s);
  const Breakdown& d = a.breakdown;
  double sum = d.compute_s + d.tp_comm_exposed_s + d.cp_comm_exposed_s + d.ep_comm_exposed_s + d.pp_bubble_s +
               d.pp_comm_exposed_s + d.dp_comm_exposed_s + d.optimizer_s + d.host_bound_s;
  EXPECT_NEAR(sum / a.step_time_s, 1.0, 1e-6);
  EXPECT_EQ(a.gpus_used, 16384);
  EXPECT_EQ(a.micro_batches, 16);
  EXPECT_GT(a.mfu, 0.2);
  EXPECT_LT(a.mfu, 0.6);
  EXPECT_NEAR(a.tokens_per_s * a.step_time_s, 2048.0 * 8192, 1);
}

// Interleaving shrinks the bubble: (p-1)/v instead of p-1 passes.
TEST(Simulate, InterleavingReducesBubble) {
  SimResult plain = Simulate(Load("llama3-405b-16k", {{"parallelism.vpp", "1"}}));
  SimResult inter = Simulate(Load("llama3-405b-16k", {{"parallelism.vpp", "2"}}));
  EXPECT_LT(inter.breakdown.pp_bubble_s, plain.breakdown.pp_bubble_s * 0.6);
  EXPECT_LT(inter.step_time_s, plain.step_time_s);
}

// Korthikanti et al. eq. (5): with TP and SP, no recompute, unfused attention,
// activations per layer are s·b·h·(34/t + 5·a·s/(h·t)) bytes for a GPT layer.
// With pp = 1 one micro-batch is in flight, so the total is L times that.
TEST(Simulate, ActivationMemoryMatchesKorthikanti) {
  Scenario s = Load("gpt-22b-8", {{"training.recompute", "none"}, {"framework.flash_attention", "false"}});
  ASSERT_EQ(s.par.pp, 1);
  ASSERT_TRUE(s.par.sequence_parallel);
  SimResult r = Simulate(s);
  const double sq = 2048, b = static_cast<double>(s.train.micro_batch), h = 6144, a = 64, t = 8, L = 48;
  double expected = L * sq * b * h * (34 / t + 5 * a * sq / (h * t));
  EXPECT_NEAR(r.memory.activations / expected, 1.0, 1e-9);
}

// ZeRO-1 shards the optimizer states (12 bytes/param) over data parallelism.
TEST(Simulate, ZeroShardsOptimizerStates) {
  SimResult z0 = Simulate(Load("llama3-405b-16k", {{"parallelism.zero", "0"}}));
  SimResult z1 = Simulate(Load("llama3-405b-16k", {{"parallelism.zero", "1"}}));
  SimResult z3 = Simulate(Load("llama3-405b-16k", {{"parallelism.zero", "3"}}));
  EXPECT_NEAR(z0.memory.optimizer / z1.memory.optimizer, 128.0, 1e-6);
  EXPECT_NEAR(z0.memory.weights / z3.memory.weights, 128.0, 1e-6);
  EXPECT_DOUBLE_EQ(z0.memory.gradients, z1.memory.gradients);
}

TEST(Simulate, NotFittingIsAResultNotAnError) {
  SimResult r = Simulate(Load("llama3-405b-16k", {{"parallelism.tp", "1"}, {"parallelism.dp", "16"}}));
  EXPECT_FALSE(r.fits_in_memory);
  EXPECT_GT(r.memory_gib_per_gpu, 80);
}

TEST(Simulate, MoeModelRunsWithExpertParallelism) {
  SimResult r = Simulate(Load("mixtral-8x7b-64"));
  EXPECT_GT(r.step_time_s, 0);
  EXPECT_LT(r.params_active, r.params_total);
  EXPECT_GT(r.breakdown.ep_comm_exposed_s, 0);
}

TEST(Simulate, Fp8IsFasterThanBf16OnHopper) {
  SimResult bf = Simulate(Load("gpt3-175b-128", {{"training.precision", "bf16"}}));
  SimResult f8 = Simulate(Load("gpt3-175b-128"));
  EXPECT_LT(f8.step_time_s, bf.step_time_s);
}

// --------------------------------------------------------------- bad input

TEST(Simulate, BadInputNamesTheKey) {
  EXPECT_NE(ErrorOf("llama3-405b-16k", {{"parallelism.tp", "3"}}).find("key 'parallelism.tp': tp = 3 does not divide"),
            std::string::npos);
  EXPECT_NE(ErrorOf("mixtral-8x7b-64", {{"parallelism.ep", "3"}}).find("key 'parallelism.ep'"), std::string::npos);
  EXPECT_NE(ErrorOf("llama3-405b-16k", {{"training.global_batch", "2000"}})
                .find("key 'training.global_batch': global_batch = 2000 is not divisible by dp x micro_batch"),
            std::string::npos);
  EXPECT_NE(ErrorOf("llama3-405b-16k", {{"cluster.gpus", "8192"}}).find("key 'cluster.gpus': the job needs"),
            std::string::npos);
  EXPECT_NE(ErrorOf("gpt-22b-8", {{"training.precision", "fp8"}}).find("key 'training.precision': fp8 needs"),
            std::string::npos);
  EXPECT_NE(
      ErrorOf("llama3-405b-16k", {{"training.seq_len", "0"}}).find("key 'training.seq_len': value 0 is out of range"),
      std::string::npos);
  EXPECT_NE(ErrorOf("llama3-405b-16k", {{"parallelism.pp", "-2"}}).find("key 'parallelism.pp'"), std::string::npos);
  EXPECT_NE(ErrorOf("llama3-405b-16k", {{"parallelism.ep", "2"}}).find("needs a mixture-of-experts"),
            std::string::npos);
}

TEST(Simulate, DpDerivedFromClusterWhenOmitted) {
  ConfigNode cfg = Shipped().LoadString(
      "scenario",
      "model: llama3-8b\ncluster: dgx-h100-ndr\nparallelism: {tp: 2}\ntraining: {seq_len: 8192, global_batch: 8192}\n",
      "inline.yaml", {{"cluster.gpus", "64"}});
  Scenario s = ScenarioFromConfig(cfg);
  EXPECT_EQ(s.par.dp, 32);
}

// Every shipped scenario simulates (configs/ is loaded by a test, always).
TEST(Simulate, EveryShippedScenarioRuns) {
  ConfigLoader loader = Shipped();
  auto names = loader.Available("scenario");
  ASSERT_GE(names.size(), 30u);
  for (const auto& name : names) {
    SCOPED_TRACE(name);
    SimResult r = Simulate(ScenarioFromConfig(loader.Load("scenario", name)));
    EXPECT_GT(r.step_time_s, 0);
    EXPECT_GT(r.mfu, 0.05);
    EXPECT_LT(r.mfu, 0.85);
  }
}

// With every replica healthy, simulating each data-parallel replica's
// pipeline gives exactly the symmetric answer.
TEST(FullMode, HealthyEqualsSymmetric) {
  Scenario s = Load("gpt3-175b-128");
  SimResult sym = Simulate(s);
  SimOptions full;
  full.full = true;
  SimResult all = Simulate(s, full);
  EXPECT_EQ(all.replicas_simulated, s.par.dp);
  EXPECT_DOUBLE_EQ(all.step_time_s, sym.step_time_s);
  EXPECT_GT(all.events, sym.events);
}

// A straggler of x on one replica (pp = 1): its micro-batches take (1 + x)
// as long, the gradient reduction waits for it, so the step grows by
// x times the compute-and-TP part of the step (closed form, no overlap).
TEST(FullMode, StragglerSlowsStepByExpectedAmount) {
  Scenario s = Load("gpt-22b-8", {{"parallelism.dp", "2"}, {"cluster.gpus", "16"}, {"training.global_batch", "8"}});
  ASSERT_EQ(s.par.pp, 1);
  ASSERT_FALSE(s.fw.overlap_grad_reduce);
  SimOptions o;
  o.full = true;
  SimResult healthy = Simulate(s, o);
  o.stragglers = {{1, 0, 0.2}};
  SimResult slow = Simulate(s, o);
  double busy = healthy.breakdown.compute_s + healthy.breakdown.tp_comm_exposed_s;
  EXPECT_NEAR(slow.step_time_s - healthy.step_time_s, 0.2 * busy, 1e-6 * healthy.step_time_s);
  EXPECT_EQ(slow.critical_replica, 1);
}

// NVLink SHARP inside an 8-GPU domain: S / B_sharp + 2 alpha when faster
// than the ring; never used across domains.
TEST(Collectives, SharpAllReduceInsideDomain) {
  FabricTiers f{.up_bandwidth = 369e9,
                .up_latency = 2e-6,
                .nic_bandwidth = 46e9,
                .out_latency = 5e-6,
                .domain_gpus = 8,
                .sharp_bandwidth = 274e9};
  const double S = 1e9;
  EXPECT_NEAR(CollectiveTime(Collective::kAllReduce, S, {8, 8}, f), S / 274e9 + 4e-6, 1e-12);
  FabricTiers ring = f;
  ring.sharp_bandwidth = 0;
  EXPECT_GT(CollectiveTime(Collective::kAllReduce, S, {8, 8}, ring),
            CollectiveTime(Collective::kAllReduce, S, {8, 8}, f));
  EXPECT_DOUBLE_EQ(CollectiveTime(Collective::kAllReduce, S, {16, 8}, f),
                   CollectiveTime(Collective::kAllReduce, S, {16, 8}, ring));
}

// Expert state: EP divides the routed experts' weights by ep, and ZeRO-1
// shards their optimizer state over the expert data-parallel group dp·cp/ep,
// so per GPU it is routed·12/(t·ep·dp·cp/ep) = routed·12/(t·dp·cp) — the same
// as without EP. Weights (not sharded by ZeRO-1) do shrink with ep.
TEST(Simulate, ExpertStateShardsOverExpertDataParallelGroup) {
  SimResult ep8 = Simulate(Load("mixtral-8x7b-64"));
  SimResult ep1 = Simulate(Load("mixtral-8x7b-64", {{"parallelism.ep", "1"}}));
  ASSERT_EQ(Load("mixtral-8x7b-64").par.ep, 8);
  EXPECT_NEAR(ep8.memory.optimizer / ep1.memory.optimizer, 1.0, 1e-9);
  EXPECT_LT(ep8.memory.weights, ep1.memory.weights / 4);
}

TEST(ExpectedCollective, AllReduceInsideOneDomainMatchesTheRingClosedForm) {
  // 4 ranks in one domain of 10 GB/s at efficiency 0.8: B = 8 GB/s; ring
  // latency 2(n-1)·alpha = 6 us. t = 2·3/4 · S / B + 6 us; busbw = 1.5·S / t.
  ClusterSpec c;
  c.name = "test";
  c.gpus = c.gpus_per_node = c.domain_gpus = 4;
  c.nics_per_node = 1;
  c.up_bandwidth = 10e9;
  c.up_latency = 1e-6;
  c.nic_bandwidth = 1.25e9;
  c.out_latency = 5e-6;
  Efficiencies e;
  e.scale_up = 0.8;
  e.scale_out = 0.9;
  const double s = 1 << 20;
  const double t = 1.5 * s / 8e9 + 6e-6;
  ExpectedCollective x = ExpectCollective(c, e, CollectiveOp::kAllReduce, s, 4, 4);
  EXPECT_NEAR(x.time_s, t, 1e-15);
  EXPECT_NEAR(x.busbw, 1.5 * s / t, 1e-3);
  EXPECT_NE(x.how.find("inside one domain"), std::string::npos) << x.how;
  // One rank per domain (a rail across 4 nodes): B = min(8 GB/s, 1 x NIC share
  // 1.25 GB/s x 1 NIC / 4 GPUs x 0.9); the tree's latency 2·log2(4)·5 us beats
  // the ring's 2·3·5 us.
  const double nic = 1.25e9 / 4 * 0.9;
  ExpectedCollective y = ExpectCollective(c, e, CollectiveOp::kAllReduce, s, 4, 1);
  EXPECT_NEAR(y.time_s, 1.5 * s / nic + 2 * 2 * 5e-6, 1e-12);
  // Nothing to move: no figure, and why.
  EXPECT_EQ(ExpectCollective(c, e, CollectiveOp::kAllReduce, s, 1, 1).busbw, 0);
}

TEST(ExpectedCollective, DomainMembersComeFromTheHostsThatRan) {
  // 8-GPU nodes, domain = node: a rail group (one member per host) has k = 1,
  // an intra-node group of 8 on one host k = 8. NVL72 (4 GPUs per node, 72
  // per domain): one member on each of 4 hosts shares one domain, k = 4.
  ClusterSpec dgx;
  dgx.gpus_per_node = dgx.domain_gpus = 8;
  EXPECT_EQ(DomainMembersOfHosts({"a", "b", "c", "d"}, dgx), 1);
  EXPECT_EQ(DomainMembersOfHosts(std::vector<std::string>(8, "a"), dgx), 8);
  EXPECT_EQ(DomainMembersOfHosts({"a", "a", "b", "b"}, dgx), 2);
  ClusterSpec nvl72;
  nvl72.gpus_per_node = 4;
  nvl72.domain_gpus = 72;
  EXPECT_EQ(DomainMembersOfHosts({"a", "b", "c", "d"}, nvl72), 4);
}

// ------------------------------------------------------- measured fleet

TEST(MeasuredFleet, SlowUnitsBecomeStragglersOnTheirScenarioNodes) {
  // llama3-8b-64: 8 nodes of 8 GPUs, TP2 DP32 (rank = tp_r + 2·dp_r). Evidence:
  // GPU 3 of node n1 at 50 of a healthy median 100 (GEMM): slowdown 100/50 - 1
  // = 1, GPU 1·8 + 3 = 11, replica 11 / 2 = 5. Node n2's host STREAM at 80 of
  // 100: the whole node, slowdown 0.25, GPUs 16..23 = replicas 8..11. A slow
  // collective group is noted, not placed; a passing unit is no culprit.
  Scenario s = Load("llama3-8b-64");
  auto unit = [](std::string check, std::string bench, std::string scope, std::string node, std::string device,
                 std::string verdict, double value) {
    MeasuredUnit u;
    u.check = std::move(check);
    u.benchmark = ParseBench(bench);
    u.scope = std::move(scope);
    u.node = std::move(node);
    u.device = std::move(device);
    u.label = u.node + " " + u.device;
    u.verdict = std::move(verdict);
    u.value = value;
    return u;
  };
  std::vector<MeasuredUnit> units = {
      unit("gemm", "gemm", "device", "n0", "0 NVIDIA H100", "PASS", 100),
      unit("gemm", "gemm", "device", "n1", "3 NVIDIA H100", "FAIL", 50),
      unit("gemm", "gemm", "device", "n2", "0 NVIDIA H100", "PASS", 100),
      unit("triad", "stream", "node", "n0", "cpu", "PASS", 100),
      unit("triad", "stream", "node", "n2", "cpu", "WARN", 80),
      unit("rails", "all_reduce", "fabric", "group 1", "", "FAIL", 10),
  };
  // n1's GPU 3 was slow in STREAM too (20 of 100): GEMM sets its pace.
  units.push_back(unit("hbm", "stream", "device", "n0", "0 NVIDIA H100", "PASS", 100));
  units.push_back(unit("hbm", "stream", "device", "n1", "3 NVIDIA H100", "FAIL", 20));
  FleetEvidence f = PlaceEvidence(units, {"n0", "n1", "n2"}, s);
  ASSERT_EQ(f.culprits.size(), 2u);
  EXPECT_EQ(f.culprits[0].gpus, std::vector<int64_t>{11});
  EXPECT_DOUBLE_EQ(f.culprits[0].slowdown, 1.0);
  EXPECT_EQ(f.culprits[0].why.size(), 2u);
  ASSERT_EQ(f.culprits[0].stragglers.size(), 1u);
  EXPECT_EQ(f.culprits[0].stragglers[0].replica, 5);
  EXPECT_EQ(f.culprits[0].stragglers[0].stage, 0);
  EXPECT_EQ(f.culprits[1].gpus.size(), 8u);
  EXPECT_EQ(f.culprits[1].gpus.front(), 16);
  EXPECT_DOUBLE_EQ(f.culprits[1].slowdown, 0.25);
  EXPECT_EQ(f.culprits[1].stragglers.size(), 4u);  // 8 GPUs, TP pairs: replicas 8..11
  ASSERT_EQ(f.notes.size(), 2u);                   // the fabric group, and the 5 nodes not in the evidence
  EXPECT_NE(f.notes[0].find("does not say which link"), std::string::npos) << f.notes[0];

  // Priced: each culprit alone costs something, the fleet at least the worst one.
  FleetPrice p = PriceFleet(s, {}, f);
  ASSERT_EQ(p.each.size(), 2u);
  EXPECT_GT(p.each[0].cost_s, 0);
  EXPECT_GE(p.fleet.step_s, std::max(p.each[0].step_s, p.each[1].step_s));
  EXPECT_DOUBLE_EQ(p.fleet.cost_s, p.fleet.step_s - p.healthy.step_s);

  // A culprit beyond the scenario's job is an error naming it.
  units[1].node = "n9";
  EXPECT_THROW(PlaceEvidence(units, {"n0", "n1", "n2", "n3", "n4", "n5", "n6", "n7", "n8", "n9"}, s), ConfigError);
}

TEST(MeasuredFleet, FabricCulpritsBecomeDegradedLinksOnTheFlowNetwork) {
  // The pairs check named node 1's rail-3 NIC at 0.5 of the fleet's pairs:
  // with the flow network, the up link of the NIC that GPU 1·8 + 3 = 11 uses
  // carries half its bandwidth. A slow link between two nodes is a path of
  // switch links: noted, not placed. Without --network flow nothing is placed.
  Scenario s = Load("llama3-8b-64");
  ASSERT_TRUE(s.fabric.has_value());
  const std::vector<MeasuredFabricCulprit> fabric = {
      {"pairs", CulpritMethod::kPairs, CulpritKind::kNic, "n1/rail 3", 1, 3, 0.5},
      {"pairs", CulpritMethod::kPairs, CulpritKind::kLink, "n0<->n2", -1, -1, 0.4}};
  FleetEvidence f = PlaceEvidence({}, {"n0", "n1", "n2"}, s, fabric, /*flow=*/true);
  ASSERT_EQ(f.culprits.size(), 1u);
  ASSERT_EQ(f.culprits[0].links.size(), 1u);
  EXPECT_DOUBLE_EQ(f.culprits[0].links[0].fraction, 0.5);
  const FatTree tree = FatTree::Build(*s.fabric);
  const int64_t nic = tree.NicOfGpu(11);
  const int64_t other = nic == 0 ? 1 : 0;
  EXPECT_EQ(f.culprits[0].links[0].physical, tree.Route(nic, other).front() / 2);
  EXPECT_NE(f.notes[0].find("path of several switch links"), std::string::npos) << f.notes[0];

  SimOptions flow;
  flow.flow_network = true;
  FleetPrice p = PriceFleet(s, flow, f);
  ASSERT_EQ(p.each.size(), 1u);
  EXPECT_GE(p.each[0].cost_s, 0);
  EXPECT_DOUBLE_EQ(p.fleet.step_s, p.each[0].step_s);

  FleetEvidence analytical = PlaceEvidence({}, {"n0", "n1", "n2"}, s, fabric, /*flow=*/false);
  EXPECT_TRUE(analytical.culprits.empty());
  EXPECT_NE(analytical.notes[0].find("--network flow"), std::string::npos) << analytical.notes[0];
}

}  // namespace
}  // namespace cb::sim
