// Fabric graphs and the flow model: closed forms in the comments.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "core/config.h"
#include "core/error.h"
#include "simulator/network/collective_model.h"
#include "simulator/network/flow_model.h"
#include "simulator/network/maxmin.h"
#include "simulator/simulate.h"
#include "simulator/topology/fat_tree.h"

namespace cb::sim {
namespace {

ConfigLoader Shipped() { return ConfigLoader({std::string(CB_SOURCE_DIR) + "/configs"}); }

FabricSpec Spec(int64_t gpus, std::vector<TierSpec> tiers, bool rail = true, int64_t planes = 1) {
  FabricSpec f;
  f.name = "test";
  f.gpus = gpus;
  f.gpus_per_node = 8;
  f.nics_per_node = 8;
  f.planes = planes;
  f.nic_bandwidth = 50e9;
  f.rail_optimized = rail;
  f.tiers = std::move(tiers);
  for (auto& t : f.tiers) {
    if (t.bandwidth == 0) t.bandwidth = 50e9;
  }
  return f;
}

// One cluster reader (simulator/cluster.h): a cluster that does not say its
// scale-up domain has NVLink only inside its node, for the scenario and the
// fat tree alike (they used to default to 8 and to gpus_per_node).
TEST(ClusterConfig, DomainDefaultsToTheNodeForEveryReader) {
  const std::string yaml =
      "name: four per node\ngpu: h100-sxm\ngpus: 1024\ngpus_per_node: 4\n"
      "scale_up: {bandwidth: 450GB/s, latency: 3us}\n"
      "scale_out: {nics_per_node: 4, nic_bandwidth: 400Gb/s, latency: 5us, topology: rail-optimized,\n"
      "            tiers: [{radix: 64}, {radix: 64}]}\n";
  const ConfigNode cluster = Shipped().LoadString("cluster", yaml, "four.yaml");
  EXPECT_EQ(ClusterFromConfig(cluster).domain_gpus, 4);
  EXPECT_EQ(FabricFromConfig(cluster).domain_gpus, 4);
  const ConfigNode nvl = Shipped().Load("cluster", "gb200-nvl72");
  EXPECT_EQ(ClusterFromConfig(nvl).domain_gpus, 72);
}

// A run on part of one node (a benchmark on 4 of a DGX's 8 GPUs, 2 of a GB200 tray's 4) is one node of
// that many GPUs with their share of its NICs; a node-sized NVLink domain shrinks with it, an NVL72 does
// not, and a 2-plane fabric puts one GPU's one NIC on one plane. A share that is not whole NICs (1 GPU of Jean
// Zay's nodes, one NIC per 2 GPUs) is left as the whole node; GPUs that are no share of a node (3 of 8) still
// cannot build a fabric (a cluster without scale_out.tiers builds none and simulates them).
TEST(ClusterConfig, PartOfOneNodeIsANodeOfThatMany) {
  const ConfigNode four = Shipped().Load("cluster", "dgx-h100-ndr", {{"gpus", "4"}});
  const ClusterSpec c = ClusterFromConfig(four);
  EXPECT_EQ(c.gpus_per_node, 4);
  EXPECT_EQ(c.nics_per_node, 4);
  EXPECT_EQ(c.domain_gpus, 4);
  const FatTree t = FatTree::Build(FabricFromConfig(four));
  EXPECT_EQ(t.endpoints(), 4);
  const ClusterSpec two = ClusterFromConfig(Shipped().Load("cluster", "gb200-nvl72", {{"gpus", "2"}}));
  EXPECT_EQ(two.gpus_per_node, 2);
  EXPECT_EQ(two.nics_per_node, 2);
  EXPECT_EQ(two.domain_gpus, 72);
  const FabricSpec one = FabricFromConfig(Shipped().Load("cluster", "gb200-nvl72-72k", {{"gpus", "1"}}));
  EXPECT_EQ(one.nics_per_node, 1);
  EXPECT_EQ(one.planes, 1);
  const ClusterSpec half_nic = ClusterFromConfig(Shipped().Load("cluster", "dgx-a100-hdr-jeanzay", {{"gpus", "1"}}));
  EXPECT_EQ(half_nic.gpus_per_node, 8);  // one GPU's share of 4 NICs per 8 GPUs is half a NIC: left whole
  EXPECT_EQ(half_nic.nics_per_node, 4);
  try {
    FabricFromConfig(Shipped().Load("cluster", "dgx-h100-ndr", {{"gpus", "3"}}));
    ADD_FAILURE() << "3 of 8 GPUs built a fabric";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("3 GPUs are not whole nodes of 8"), std::string::npos) << e.what();
  }
}

// 131,072 NICs on radix-128, 3 tiers, non-blocking: 64 down / 64 up.
// Leaves 131072/64 = 2048; pods 2048/64 = 32; spines 32·64 = 2048;
// cores 64·64 = 4096, each using 32 ports (one per pod). Full bisection.
TEST(FatTree, H100_131kCountsAndBisection) {
  FatTree t = FatTree::Build(FabricFromConfig(Shipped().Load("cluster", "h100-131k-rail")));
  ASSERT_EQ(t.tiers().size(), 3u);
  EXPECT_EQ(t.endpoints(), 131072);
  EXPECT_EQ(t.tiers()[0].switches, 2048);
  EXPECT_EQ(t.tiers()[1].switches, 2048);
  EXPECT_EQ(t.tiers()[2].switches, 4096);
  EXPECT_EQ(t.tiers()[2].ports_used_down, 32);
  EXPECT_EQ(t.physical_links(), 131072 + 2048 * 64 + 2048 * 64);
  EXPECT_DOUBLE_EQ(t.bisection_bandwidth(), 131072 * 50e9 / 2);
  EXPECT_DOUBLE_EQ(t.tiers()[0].oversubscription, 1.0);
}

// 2:1 at the leaf (radix 48: 32 down, 16 up) halves the bisection:
// min(E·b, L1·u1·b)/2 = min(1024, 32·16)·b/2.
TEST(FatTree, OversubscriptionHalvesBisection) {
  FatTree t = FatTree::Build(Spec(1024, {{48, 2, 0, 0}, {64, 1, 0, 0}}));
  EXPECT_EQ(t.tiers()[0].down_ports, 32);
  EXPECT_EQ(t.tiers()[0].up_ports, 16);
  EXPECT_DOUBLE_EQ(t.tiers()[0].oversubscription, 2.0);
  EXPECT_DOUBLE_EQ(t.bisection_bandwidth(), 512 * 50e9 / 2);
}

// A 3-tier fat tree of radix k holds k³/4 hosts: 131,072 NICs on radix 64
// need 128 pods, so cores of radix 128 — the error says so.
TEST(FatTree, TooFewPortsNamesTheRadixNeeded) {
  try {
    FatTree::Build(Spec(131072, {{64, 1, 0, 0}, {64, 1, 0, 0}, {64, 1, 0, 0}}));
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("need core switches of radix 128"), std::string::npos) << e.what();
  }
  EXPECT_THROW(FatTree::Build(Spec(4096, {{64, 1, 0, 0}, {64, 1, 0, 0}})), ConfigError);  // 2 tiers: 64²/2 = 2048
  EXPECT_NO_THROW(FatTree::Build(Spec(2048, {{64, 1, 0, 0}, {64, 1, 0, 0}})));
}

// Routes: up to the lowest common tier and down again, 2, 4 or 6 links.
TEST(FatTree, RoutesClimbOnlyAsFarAsNeeded) {
  FatTree t = FatTree::Build(FabricFromConfig(Shipped().Load("cluster", "dgx-h100-ndr")));
  // Rail 0 of nodes 0 and 1 share a leaf (32 NICs of rail 0 per leaf).
  EXPECT_EQ(t.Route(t.NicOfGpu(0), t.NicOfGpu(8)).size(), 2u);
  // Nodes 0 and 32: next leaf, same pod.
  EXPECT_EQ(t.Route(t.NicOfGpu(0), t.NicOfGpu(32 * 8)).size(), 4u);
  // Node 0 and node 1024 (32 leaves of 32 nodes later): another pod.
  EXPECT_EQ(t.Route(t.NicOfGpu(0), t.NicOfGpu(1024 * 8)).size(), 6u);
  // Deterministic ECMP: the same flow always takes the same path.
  EXPECT_EQ(t.Route(5, 9000, 3), t.Route(5, 9000, 3));
  for (int l : t.Route(t.NicOfGpu(0), t.NicOfGpu(1024 * 8))) EXPECT_GT(t.links()[static_cast<size_t>(l)].capacity, 0);
}

// Ring all-reduce on a non-blocking fat tree (one GPU per node, rail 0):
// 2(n-1)/n·S/B + 2(n-1)·alpha, the analytical model's answer exactly.
TEST(FlowModel, RingAllReduceOnNonBlockingTreeMatchesClosedForm) {
  FatTree t = FatTree::Build(FabricFromConfig(Shipped().Load("cluster", "dgx-h100-ndr")));
  std::vector<int64_t> ring;
  const int n = 64;
  for (int i = 0; i < n; ++i) ring.push_back(static_cast<int64_t>(i) * 8);  // GPU 0 of nodes 0..63
  const double S = 1e9, alpha = 5e-6, B = 50e9;
  RingResult r = ConcurrentRingAllReduce(t, {ring}, S, alpha);
  EXPECT_NEAR(r.slowest_s, 2.0 * (n - 1) / n * S / B + 2 * (n - 1) * alpha, 1e-12);
  // The analytical model (one member per domain, ring latency) agrees.
  FabricTiers f{.up_bandwidth = 400e9, .up_latency = 0, .nic_bandwidth = B, .out_latency = alpha, .domain_gpus = 8};
  double analytic_bw = CollectiveTime(Collective::kAllReduce, S, {n, 1}, f) - 0;  // includes its latency term
  EXPECT_NEAR(r.slowest_s - 2 * (n - 1) * alpha,
              analytic_bw - std::min(2.0 * (n - 1) * alpha, 2 * std::log2(n) * alpha), 1e-12);
}

// 2:1 oversubscription at the leaf and every flow crossing it: 32 NICs send
// through 16 uplinks, so each flow gets half its NIC (closed form with the
// flows spread over the uplinks); ECMP hashing can only do worse.
TEST(FlowModel, OversubscribedCrossLeafTrafficHalves) {
  FatTree t = FatTree::Build(Spec(512, {{48, 2, 0, 0}, {64, 1, 0, 0}}));
  // Rail 0 of nodes 0..31 sits on leaf 0, nodes 32..63 on leaf 1: 32 rings
  // of two, each pairing node i with node 32 + i, every flow crossing.
  std::vector<std::vector<int64_t>> rings;
  for (int64_t i = 0; i < 32; ++i) rings.push_back({i * 8, (32 + i) * 8});
  const double S = 1e9;
  RingResult spread = ConcurrentRingAllReduce(t, rings, S, 0, Routing::kSpread);
  for (double g : spread.time_s) EXPECT_NEAR(g, 2.0 * 1 / 2 * S / 25e9, 1e-12);  // n = 2, B_eff = b/2
  RingResult hashed = ConcurrentRingAllReduce(t, rings, S, 0, Routing::kEcmpHash);
  EXPECT_GE(hashed.slowest_s, spread.slowest_s * (1 - 1e-12));
}

// Incast on one NIC: k senders into one receiver share its link evenly.
TEST(FlowModel, LinkLoadsNeverExceedCapacity) {
  FatTree t = FatTree::Build(FabricFromConfig(Shipped().Load("cluster", "dgx-h100-ndr")));
  std::vector<std::vector<int64_t>> rings;
  for (int64_t g = 0; g < 64; ++g) rings.push_back({g * 8, (g + 512) * 8, (g + 1024) * 8});
  RingResult r = ConcurrentRingAllReduce(t, rings, 1e8, 0);
  for (size_t l = 0; l < t.links().size(); ++l) EXPECT_LE(r.link_load[l], t.links()[l].capacity * (1 + 1e-9));
}

TEST(FatTree, BadInputNamesTheKey) {
  ConfigLoader loader = Shipped();
  try {
    FabricFromConfig(loader.Load("cluster", "dgx-a100-hdr"));  // no tiers
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("scale_out.tiers"), std::string::npos) << e.what();
  }
  EXPECT_THROW(loader.Load("cluster", "h100-131k-rail", {{"scale_out.tiers.0.radix", "0"}}), ConfigError);
  EXPECT_THROW(loader.Load("cluster", "h100-131k-rail", {{"scale_out.tiers.0.bandwidth", "0Gb/s"}}), ConfigError);
}

// Where contention is impossible (non-blocking tree; ring neighbours share a
// leaf except at leaf boundaries, one flow per up-link), the flow model gives
// exactly the analytical answer.
TEST(FlowModel, SimulateFlowEqualsAnalyticalWithoutContention) {
  ConfigLoader loader({std::string(CB_SOURCE_DIR) + "/configs"});
  Scenario s = ScenarioFromConfig(loader.Load("scenario", "llama3-405b-16k"));
  SimOptions flow;
  flow.flow_network = true;
  SimResult a = Simulate(s), f = Simulate(s, flow);
  EXPECT_EQ(f.network_model, "flow");
  EXPECT_DOUBLE_EQ(f.dp_contention, 1.0);
  EXPECT_DOUBLE_EQ(f.step_time_s, a.step_time_s);
}

// A 4:1 oversubscribed leaf (radix 10: 8 ports down, 2 up) holding one
// node's 8 NICs (fat-tree, node-major). TP2 DP32 has two DP rings, each
// leaving every node once: 2 flows for 2 uplinks. Hashed (ECMP) they can
// share one uplink (factor 1/2 here); spread evenly (balanced) each gets its
// own and nothing is slowed. TP8 DP8: 8 rings, 8 flows per node through 2
// uplinks of the NIC's bandwidth: spread evenly every flow gets 2/8, factor
// 1/4; hashed, an uplink can take more than 4 and the slowest flow less.
// Contention can only make the step slower.
TEST(FlowModel, SimulateFlowSeesOversubscription) {
  ConfigLoader loader({std::string(CB_SOURCE_DIR) + "/configs"});
  auto scenario = [&](const std::string& routing, const std::string& tp, const std::string& dp) {
    return ScenarioFromConfig(loader.Load("scenario", "llama3-8b-64",
                                          {{"cluster.scale_out.topology", "fat-tree"},
                                           {"cluster.scale_out.routing", routing},
                                           {"cluster.scale_out.tiers.0.radix", "10"},
                                           {"cluster.scale_out.tiers.0.oversubscription", "4"},
                                           {"cluster.scale_out.tiers.1.radix", "64"},
                                           {"cluster.scale_out.tiers.2.radix", "64"},
                                           {"parallelism.tp", tp},
                                           {"parallelism.dp", dp}}));
  };
  SimOptions flow;
  flow.flow_network = true;
  Scenario s = scenario("ecmp", "2", "32");
  SimResult a = Simulate(s), f = Simulate(s, flow);
  EXPECT_DOUBLE_EQ(f.dp_contention, 0.5);
  EXPECT_GT(f.step_time_s, a.step_time_s);
  EXPECT_DOUBLE_EQ(Simulate(scenario("balanced", "2", "32"), flow).dp_contention, 1.0);
  for (const char* routing : {"ecmp", "balanced"}) {
    Scenario wide = scenario(routing, "8", "8");
    SimResult w = Simulate(wide, flow);
    if (std::string(routing) == "balanced") {
      EXPECT_DOUBLE_EQ(w.dp_contention, 0.25);
    } else {
      EXPECT_LE(w.dp_contention, 0.25);
    }
    ASSERT_FALSE(w.traffic.empty());
    EXPECT_EQ(w.traffic.back().kind, "dp");
    EXPECT_NE(w.traffic.back().bottleneck.find("leaf"), std::string::npos) << w.traffic.back().bottleneck;
    EXPECT_GT(w.step_time_s, Simulate(wide).step_time_s);
  }
  // Without tiers there is no graph to put flows on.
  Scenario plain = ScenarioFromConfig(loader.Load("scenario", "gpt-22b-8"));
  EXPECT_THROW(Simulate(plain, flow), ConfigError);
}

// One flow between two leaves of a non-blocking 2-tier tree runs at the NIC
// rate b. Degrading the leaf uplink it uses to half halves it (the uplink is
// now its bottleneck: b/2); failing that uplink reroutes it through the next
// spine and it runs at b again; failing every uplink of the leaf leaves no path.
TEST(FatTree, DegradedAndFailedLinks) {
  FatTree t = FatTree::Build(Spec(1024, {{64, 1, 0, 0}, {64, 1, 0, 0}}));
  const int64_t a = t.NicOfGpu(0), b = t.NicOfGpu(64 * 8);  // rail 0 of nodes 0 and 64: leaves 0 and 2
  auto rate = [&](const FatTree& tree) {
    MaxMinSolver s;
    for (const auto& l : tree.links()) s.AddLink(l.capacity);
    s.AddFlow(tree.Route(a, b, 1));
    return s.Solve()[0];
  };
  EXPECT_DOUBLE_EQ(rate(t), 50e9);
  const std::vector<int> path = t.Route(a, b, 1);
  ASSERT_EQ(path.size(), 4u);
  const int uplink = path[1];
  t.DegradeLink(uplink, 0.5);
  EXPECT_DOUBLE_EQ(rate(t), 25e9);
  t.FailLink(uplink);
  const std::vector<int> rerouted = t.Route(a, b, 1);
  EXPECT_EQ(std::find(rerouted.begin(), rerouted.end(), uplink), rerouted.end());
  EXPECT_DOUBLE_EQ(rate(t), 50e9);
  // Every uplink of the source leaf down: no path, and the error says so.
  for (int tries = 0; tries < 64; ++tries) {
    try {
      const std::vector<int> p = t.Route(a, b, static_cast<uint64_t>(tries) * 7919);
      t.FailLink(p[1]);
    } catch (const RuntimeError& e) {
      EXPECT_NE(std::string(e.what()).find("no healthy path"), std::string::npos) << e.what();
      return;
    }
  }
  FAIL() << "expected the leaf to run out of uplinks";
}

TEST(FatTree, HeterogeneityBadInput) {
  FatTree t = FatTree::Build(Spec(64, {{64, 1, 0, 0}, {64, 1, 0, 0}}));
  EXPECT_THROW(t.DegradeLink(0, 0), RuntimeError);
  EXPECT_THROW(t.DegradeLink(0, 1.5), RuntimeError);
  EXPECT_THROW(t.DegradeLink(1, 0.5), RuntimeError);  // a down direction
  EXPECT_THROW(t.FailLink(-1), RuntimeError);
}

}  // namespace
}  // namespace cb::sim

namespace cb::sim {
namespace {

// All-to-all between the 16 GPUs of two nodes, each node alone on its leaf
// (node-major fat tree). Every GPU sends to the 8 GPUs of the other node
// through that node's NIC of the destination's rail (PXN), so each NIC link
// carries 8 flows at b/8: a GPU's 8 transfers take 8·m/b, as uncontended —
// factor 1. With a 2:1 leaf (radix 12: 8 down, 4 up) the 64 flows leaving a
// leaf share 4 uplinks of b: b/16 each, a GPU's 8 transfers take 16·m/b,
// factor 1/2 (balanced spreading; hashing can only do worse).
TEST(FlowModel, AllToAllContentionClosedForm) {
  const std::vector<std::vector<int64_t>> group = {{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}};
  const auto pairs = AllToAllPairs(group);
  ASSERT_EQ(pairs.size(), 16u * 15u);
  FatTree open = FatTree::Build(Spec(16, {{16, 1, 0, 0}, {16, 1, 0, 0}}, /*rail=*/false));
  Contention c = PatternContention(open, pairs, Routing::kSpread);
  EXPECT_EQ(c.fabric_flows, 128);  // 16 GPUs x 8 remote peers; same-node pairs use NVLink
  EXPECT_DOUBLE_EQ(c.factor, 1.0);
  FatTree thin = FatTree::Build(Spec(16, {{12, 2, 0, 0}, {16, 1, 0, 0}}, /*rail=*/false));
  ASSERT_EQ(thin.tiers()[0].up_ports, 4);
  Contention t = PatternContention(thin, pairs, Routing::kSpread);
  EXPECT_DOUBLE_EQ(t.factor, 0.5);
  EXPECT_NE(t.bottleneck.find("leaf"), std::string::npos) << t.bottleneck;
  EXPECT_DOUBLE_EQ(t.bottleneck_utilisation, 1.0);
  EXPECT_LE(PatternContention(thin, pairs, Routing::kEcmpHash).factor, 0.5);
}

// Pipeline sends between stages on different nodes: each GPU one transfer,
// to the same-rail GPU of the next stage's node. On a non-blocking,
// balanced fabric nothing is slowed; failing one leaf uplink moves its flow
// onto the next port, which then carries two flows: factor 1/2, and the
// report names that port's link.
TEST(FlowModel, PipelineSendsAndAFailedUplink) {
  FatTree tree = FatTree::Build(Spec(1024, {{64, 1, 0, 0}, {64, 1, 0, 0}}));
  std::vector<GpuPair> pairs;
  for (int64_t g = 0; g < 512; ++g) pairs.push_back({g, g + 512, 0});  // stage 0 -> stage 1
  EXPECT_DOUBLE_EQ(PatternContention(tree, pairs, Routing::kSpread).factor, 1.0);
  const std::vector<int> path = tree.RouteVia(tree.NicOfGpu(0), tree.NicOfGpu(512), 0, 0);
  tree.FailLink(path[1]);
  // Leaf 0's flows that used port 0 now take port 1: that uplink is the bottleneck.
  const int next_port = tree.RouteVia(tree.NicOfGpu(0), tree.NicOfGpu(512), 1, 0)[1];
  Contention c = PatternContention(tree, pairs, Routing::kSpread);
  EXPECT_DOUBLE_EQ(c.factor, 0.5);
  EXPECT_EQ(c.bottleneck_link, next_port);
  EXPECT_EQ(c.bottleneck.rfind("link " + std::to_string(next_port / 2) + " plane 0 leaf 0 -> plane 0 spine", 0), 0u)
      << c.bottleneck;
}

}  // namespace
}  // namespace cb::sim
