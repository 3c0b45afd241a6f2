// Localisation at scale (issue 19 part 5): the simulator's fat tree with one
// degraded link (FatTree::DegradeLink, as `simulate --degrade-link` does)
// stands in for a cluster; the pairs check's K random perfect matchings are
// "measured" on it with multiplicative noise, and acceptance's Localize, given
// the tree's routes, must name the degraded link and nothing else.
//
// Pair bandwidth. A pair check sends both ways between the two nodes; alone on
// the fabric, the flow model's rate of each direction is the smallest capacity
// on its route (one flow: max-min fairness gives it the bottleneck, maxmin.h),
// so the pair measures
//     v(a, b) = min over the links l of route(a->b) u route(b->a) of c_l.
// That is what a round measures when its pairs do not share links: with
// adaptive routing, or a schedule that keeps the pairs of a round apart. With
// static ECMP hashing all pairs of a round at once collide on shared up
// links; Contention::kConcurrentEcmp solves every round's flows together with
// the max-min solver (in G batches one after another) to show what that does
// (the table's last part).
// Noise: each measurement is multiplied by (1 + sigma z), z standard normal.
//
// The unit tests run the 4,096-node tree (a few hundred ms); the table of
// rounds and noise (docs/acceptance.md, "Localisation") is LocalizeTable,
// run by the CTest entry localize_rounds_table (label slow).
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <numeric>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "acceptance/localize.h"
#include "simulator/network/maxmin.h"
#include "simulator/topology/fat_tree.h"

namespace cb::sim {
namespace {

using acceptance::Culprit;
using acceptance::LocalizeInput;
using acceptance::PairSample;

constexpr double kNic = 50e9;  // 400 Gb/s NICs and links, in bytes/s

// A non-blocking fat tree of radix-64 switches, one NIC per rail,
// rail-optimised: 2 tiers up to k²/2 = 2,048 NICs per plane, else 3 tiers
// (k³/4 = 65,536: pods of 1,024 NICs).
FatTree BuildTree(int64_t nodes, int rails) {
  FabricSpec f;
  f.name = "localize";
  f.gpus = nodes * rails;
  f.gpus_per_node = f.nics_per_node = f.domain_gpus = rails;
  f.nic_bandwidth = kNic;
  f.rail_optimized = true;
  f.tiers = {{64, 1, kNic, 0}, {64, 1, kNic, 0}};
  if (f.gpus > 2048) f.tiers.push_back({64, 1, kNic, 0});
  return FatTree::Build(f);
}

enum class Contention { kIsolated, kConcurrentEcmp };

struct Scenario {
  int64_t nodes = 4096;
  int rails = 1;
  int rounds = 4;       // K random perfect matchings
  double noise = 0.02;  // sigma of the multiplicative noise
  uint64_t seed = 1;
  Contention contention = Contention::kIsolated;
  int groups = 1;  // kConcurrentEcmp: a round's pairs run in this many batches, one after another
  std::vector<std::pair<int, int>> slow_pairs;  // (a, b) measured at slow_pair_fraction (a pair alone)
  double slow_pair_fraction = 0.5;
  // Confirmation: every pair slow after the K rounds is measured this many
  // times more (and at least once more than the rounds measured it), alone on
  // its links (a round of slow pairs that share no link).
  int confirm = 0;
  double slow_ratio = 0.8;  // what "slow" means for the confirmation (Localize's default)
};

// z ~ N(0, 1) by Box-Muller on the generator's bits (the same numbers with
// every standard library, unlike std::normal_distribution).
double Normal(std::mt19937_64& rng) {
  constexpr double kTwoPi = 6.283185307179586;
  const double u1 = (static_cast<double>(rng() >> 11) + 1) * 0x1p-53;  // (0, 1]
  const double u2 = static_cast<double>(rng() >> 11) * 0x1p-53;
  return std::sqrt(-2 * std::log(u1)) * std::cos(kTwoPi * u2);
}

int64_t NicOf(int node, int rail, int rails) { return static_cast<int64_t>(node) * rails + rail; }

// Both directions of the pair's traffic, as physical link ids.
std::vector<int> PairLinks(const FatTree& tree, int a, int b, int rail, int rails) {
  std::vector<int> up = tree.Route(NicOf(a, rail, rails), NicOf(b, rail, rails));
  const std::vector<int> down = tree.Route(NicOf(b, rail, rails), NicOf(a, rail, rails));
  up.insert(up.end(), down.begin(), down.end());
  for (int& l : up) l /= 2;
  std::sort(up.begin(), up.end());
  up.erase(std::unique(up.begin(), up.end()), up.end());
  return up;
}

// A pair alone on the fabric: its bottleneck (see the top of this file).
double Isolated(const FatTree& tree, const PairSample& p, int rails) {
  double v = kNic;
  for (int l : PairLinks(tree, p.a, p.b, p.rail, rails))
    v = std::min(v, tree.links()[static_cast<size_t>(2 * l)].capacity);
  return v / 1e9;
}

// What the measurement adds to the fabric's rate: an injected slow pair, noise.
double Disturb(const Scenario& s, const PairSample& p, double gbps, std::mt19937_64& rng) {
  for (const auto& [a, b] : s.slow_pairs) {
    if (p.a == std::min(a, b) && p.b == std::max(a, b)) gbps *= s.slow_pair_fraction;
  }
  return gbps * std::max(0.05, 1 + s.noise * Normal(rng));
}

// The pairs slow after the rounds (median of rounds < slow_ratio x the rail's
// median pair, as Localize judges them), each measured `confirm` times more alone.
void Confirm(const FatTree& tree, const Scenario& s, std::mt19937_64& rng, std::vector<PairSample>* samples) {
  std::map<std::tuple<int, int, int>, std::vector<double>> per_pair;
  for (const PairSample& p : *samples) per_pair[{p.rail, p.a, p.b}].push_back(p.gbps);
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
  };
  std::vector<std::vector<double>> rail_values(static_cast<size_t>(s.rails));
  std::map<std::tuple<int, int, int>, double> value;
  for (const auto& [key, v] : per_pair) {
    value[key] = median(v);
    rail_values[static_cast<size_t>(std::get<0>(key))].push_back(value[key]);
  }
  std::vector<double> fleet;
  for (const auto& v : rail_values) fleet.push_back(v.empty() ? 0 : median(v));
  for (const auto& [key, v] : value) {
    const auto [rail, a, b] = key;
    if (v >= s.slow_ratio * fleet[static_cast<size_t>(rail)]) continue;
    PairSample p{a, b, rail, 0};
    // At least once more than the rounds measured it, so that its measurements
    // alone are the majority and set its median.
    const int times = std::max(s.confirm, static_cast<int>(per_pair[key].size()) + 1);
    for (int i = 0; i < times; ++i) {
      p.gbps = Disturb(s, p, Isolated(tree, p, s.rails), rng);
      samples->push_back(p);
    }
  }
}

// The samples of K seeded random perfect matchings (round-major: the first
// K' x nodes/2 x rails samples are the first K' rounds).
std::vector<PairSample> MeasurePairs(const FatTree& tree, const Scenario& s) {
  std::mt19937_64 rng(s.seed);
  std::vector<int> order(static_cast<size_t>(s.nodes));
  std::iota(order.begin(), order.end(), 0);
  std::vector<PairSample> out;
  for (int k = 0; k < s.rounds; ++k) {
    std::shuffle(order.begin(), order.end(), rng);
    std::vector<PairSample> round;
    for (size_t i = 0; i + 1 < order.size(); i += 2) {
      const int a = std::min(order[i], order[i + 1]), b = std::max(order[i], order[i + 1]);
      for (int r = 0; r < s.rails; ++r) round.push_back({a, b, r, 0});
    }
    if (s.contention == Contention::kIsolated) {
      for (PairSample& p : round) p.gbps = Isolated(tree, p, s.rails);
    } else {
      // The round's pairs in `groups` batches, one after another; the pairs
      // of a batch send both ways at once on ECMP-hashed routes.
      const size_t batch = (round.size() + static_cast<size_t>(s.groups) - 1) / static_cast<size_t>(s.groups);
      for (size_t first = 0; first < round.size(); first += batch) {
        const size_t last = std::min(round.size(), first + batch);
        MaxMinSolver solver;
        for (const DirectedLink& l : tree.links()) solver.AddLink(l.capacity);
        for (size_t i = first; i < last; ++i) {
          const PairSample& p = round[i];
          solver.AddFlow(tree.Route(NicOf(p.a, p.rail, s.rails), NicOf(p.b, p.rail, s.rails)));
          solver.AddFlow(tree.Route(NicOf(p.b, p.rail, s.rails), NicOf(p.a, p.rail, s.rails)));
        }
        const std::vector<double>& x = solver.Solve();
        for (size_t i = first; i < last; ++i) {
          round[i].gbps = std::min(x[2 * (i - first)], x[2 * (i - first) + 1]) / 1e9;
        }
      }
    }
    for (PairSample& p : round) p.gbps = Disturb(s, p, p.gbps, rng);
    out.insert(out.end(), round.begin(), round.end());
  }
  if (s.confirm > 0) Confirm(tree, s, rng, &out);
  return out;
}

// The name a link goes by in routes and verdicts: the topology report's words.
std::string LinkName(const FatTree& tree, int physical) { return tree.DescribeLink(2 * physical); }

LocalizeInput Input(const FatTree& tree, const Scenario& s, std::vector<PairSample> samples) {
  LocalizeInput in;
  for (int64_t i = 0; i < s.nodes; ++i) in.nodes.push_back(fmt::format("node{:05d}", i));
  in.rails = s.rails;
  in.samples = std::move(samples);
  // Names cached per physical link: a route asks for a handful of them per pair.
  auto names = std::make_shared<std::vector<std::string>>(tree.links().size() / 2);
  const int rails = s.rails;
  in.route = [&tree, names, rails](int a, int b, int rail) {
    std::vector<std::string> r;
    for (int l : PairLinks(tree, a, b, rail, rails)) {
      std::string& n = (*names)[static_cast<size_t>(l)];
      if (n.empty()) n = LinkName(tree, l);
      r.push_back(n);
    }
    return r;
  };
  return in;
}

std::string Describe(const std::vector<Culprit>& c) {
  std::string s;
  for (const Culprit& x : c) {
    s += fmt::format("  {} {}: {} of {} — {}\n", acceptance::CulpritKindName(x.kind), x.name, x.supporting_pairs,
                     x.examined_pairs, x.reason);
  }
  return s;
}

// The physical link between a NIC and its leaf.
int NicLink(const FatTree& tree, int64_t nic) {
  for (size_t p = 0; p < tree.links().size() / 2; ++p) {
    if (tree.links()[2 * p].tier == 0 && tree.links()[2 * p].from == nic) return static_cast<int>(p);
  }
  return -1;
}

// Physical links above the NICs (leaf-spine and spine-core), in id order.
std::vector<int> FabricLinks(const FatTree& tree) {
  std::vector<int> out;
  for (size_t p = 0; p < tree.links().size() / 2; ++p) {
    if (tree.links()[2 * p].tier >= 1) out.push_back(static_cast<int>(p));
  }
  return out;
}

// 4,096 nodes, one rail: a leaf-spine link at half speed. In a non-blocking
// tree each up link of a leaf carries about 1/32 of its 32 NICs' traffic both
// ways, so each round puts about 2 pairs on it; 8 rounds give ~16 slow pairs
// crossing it and none of its neighbours is predominantly slow.
TEST(LocalizeAtScale, NamesTheDegradedLeafSpineLink) {
  FatTree tree = BuildTree(4096, 1);
  const std::vector<int> fabric = FabricLinks(tree);
  const int bad = fabric[1000];  // a leaf-spine link (tier 1 comes first)
  ASSERT_EQ(tree.links()[static_cast<size_t>(2 * bad)].tier, 1);
  tree.DegradeLink(FatTree::UpLinkOf(bad), 0.5);
  Scenario s;
  s.rounds = 8;
  s.noise = 0.03;
  s.seed = 19;
  const std::vector<Culprit> c = acceptance::Localize(Input(tree, s, MeasurePairs(tree, s)));
  ASSERT_EQ(c.size(), 1u) << Describe(c);
  EXPECT_EQ(c[0].kind, Culprit::Kind::kLink);
  EXPECT_EQ(c[0].name, LinkName(tree, bad));
  EXPECT_GE(c[0].supporting_pairs, 2);
  EXPECT_NEAR(c[0].ratio, 0.5, 0.1);
}

TEST(LocalizeAtScale, NamesTheDegradedSpineCoreLink) {
  FatTree tree = BuildTree(4096, 1);
  const std::vector<int> fabric = FabricLinks(tree);
  const int bad = fabric[fabric.size() - 300];  // spine-core links come last
  ASSERT_EQ(tree.links()[static_cast<size_t>(2 * bad)].tier, 2);
  tree.DegradeLink(FatTree::UpLinkOf(bad), 0.4);
  Scenario s;
  s.rounds = 8;
  s.noise = 0.03;
  s.seed = 5;
  const std::vector<Culprit> c = acceptance::Localize(Input(tree, s, MeasurePairs(tree, s)));
  ASSERT_EQ(c.size(), 1u) << Describe(c);
  EXPECT_EQ(c[0].kind, Culprit::Kind::kLink);
  EXPECT_EQ(c[0].name, LinkName(tree, bad));
}

// Two rails: node 1234's two NIC links at 0.3 make every pair of it slow on
// both rails: the node (its NICs, cables and leaf ports are indistinguishable
// from the node by pair measurements; the verdict is the node).
TEST(LocalizeAtScale, NamesANodeWhoseLinksAreAllSlow) {
  FatTree tree = BuildTree(4096, 2);
  for (int rail = 0; rail < 2; ++rail) tree.DegradeLink(FatTree::UpLinkOf(NicLink(tree, NicOf(1234, rail, 2))), 0.3);
  Scenario s;
  s.rails = 2;
  s.rounds = 4;
  s.noise = 0.03;
  s.seed = 7;
  const std::vector<Culprit> c = acceptance::Localize(Input(tree, s, MeasurePairs(tree, s)));
  ASSERT_EQ(c.size(), 1u) << Describe(c);
  EXPECT_EQ(c[0].kind, Culprit::Kind::kNode);
  EXPECT_EQ(c[0].name, "node01234");
  EXPECT_EQ(c[0].supporting_pairs, 8);  // 4 partners x 2 rails
  EXPECT_EQ(c[0].examined_pairs, 8);
}

TEST(LocalizeAtScale, NamesANicSlowOnOneRail) {
  FatTree tree = BuildTree(4096, 2);
  tree.DegradeLink(FatTree::UpLinkOf(NicLink(tree, NicOf(77, 1, 2))), 0.5);
  Scenario s;
  s.rails = 2;
  s.rounds = 4;
  s.noise = 0.03;
  s.seed = 8;
  const std::vector<Culprit> c = acceptance::Localize(Input(tree, s, MeasurePairs(tree, s)));
  ASSERT_EQ(c.size(), 1u) << Describe(c);
  EXPECT_EQ(c[0].kind, Culprit::Kind::kNic);
  EXPECT_EQ(c[0].name, "node00077/rail 1");
}

// Noise: at sigma = 6% a healthy pair measured once falls below 0.8x the
// median with probability Phi(-0.2/0.06) = 4.3e-4, so 8 rounds of 2,048 pairs
// name about 7 healthy pairs as culprits. Measuring each slow pair twice more,
// alone (a confirmation round), leaves the median of three, which a healthy
// pair almost never loses: exactly the link again.
TEST(LocalizeAtScale, ConfirmationRoundRemovesNoisyPairs) {
  FatTree tree = BuildTree(4096, 1);
  const int bad = FabricLinks(tree)[2500];
  tree.DegradeLink(FatTree::UpLinkOf(bad), 0.5);
  Scenario s;
  s.rounds = 8;
  s.noise = 0.06;
  s.seed = 23;
  const std::vector<Culprit> noisy = acceptance::Localize(Input(tree, s, MeasurePairs(tree, s)));
  EXPECT_GT(noisy.size(), 1u) << Describe(noisy);
  s.confirm = 2;
  const std::vector<Culprit> c = acceptance::Localize(Input(tree, s, MeasurePairs(tree, s)));
  ASSERT_EQ(c.size(), 1u) << Describe(c);
  EXPECT_EQ(c[0].kind, Culprit::Kind::kLink);
  EXPECT_EQ(c[0].name, LinkName(tree, bad));
}

// A pair slow alone (as `--inject slowlink:A:B` makes it): the pair, not a
// node (their other pairs are fine) and not a link (its links carry healthy pairs).
TEST(LocalizeAtScale, NamesAPairSlowAlone) {
  FatTree tree = BuildTree(4096, 1);
  Scenario s;
  s.rounds = 4;
  s.noise = 0.03;
  s.seed = 11;
  // Find the partner node 100 gets in the first round, and slow that pair.
  s.rounds = 1;
  const std::vector<PairSample> first = MeasurePairs(tree, s);
  s.rounds = 4;
  const auto it =
      std::find_if(first.begin(), first.end(), [](const PairSample& p) { return p.a == 100 || p.b == 100; });
  ASSERT_NE(it, first.end());
  s.slow_pairs = {{it->a, it->b}};
  const std::vector<Culprit> c = acceptance::Localize(Input(tree, s, MeasurePairs(tree, s)));
  ASSERT_EQ(c.size(), 1u) << Describe(c);
  EXPECT_EQ(c[0].kind, Culprit::Kind::kPair);
  EXPECT_EQ(c[0].name, fmt::format("node{:05d}<->node{:05d}", it->a, it->b));
}

// The table in docs/acceptance.md ("Localisation"): for each fleet size, the
// share of trials (each: a random leaf-spine or spine-core link degraded,
// fresh matchings and noise) in which exactly the degraded link is named after
// K rounds; then, at 4,096 nodes, the noise and the degradation it tolerates
// with and without a confirmation round, and what concurrent ECMP-hashed pairs
// do. Printed, not asserted beyond the plainest expectation; run by
// `ctest -L slow -R localize_rounds_table`.
struct Outcome {
  int exact = 0, trials = 0;
  int found = 0;     // trials naming the link (perhaps with others)
  double extra = 0;  // culprits named besides the degraded link, per trial
};

Outcome RunTrials(Scenario s, double fraction, int trials) {
  Outcome o;
  FatTree base = BuildTree(s.nodes, 1);
  const std::vector<int> fabric = FabricLinks(base);
  std::mt19937_64 pick(s.seed);
  const uint64_t seed0 = s.seed;
  for (int t = 0; t < trials; ++t) {
    FatTree tree = base;
    const int bad = fabric[static_cast<size_t>(pick() % fabric.size())];
    tree.DegradeLink(FatTree::UpLinkOf(bad), fraction);
    s.seed = seed0 * 1000 + static_cast<uint64_t>(t);
    const std::vector<Culprit> c = acceptance::Localize(Input(tree, s, MeasurePairs(tree, s)));
    const std::string want = LinkName(tree, bad);
    const bool found = std::any_of(c.begin(), c.end(), [&](const Culprit& x) { return x.name == want; });
    o.exact += found && c.size() == 1 ? 1 : 0;
    o.found += found ? 1 : 0;
    o.extra += static_cast<double>(c.size()) - (found ? 1 : 0);
    ++o.trials;
  }
  o.extra /= trials;
  return o;
}

std::string Cell(const Outcome& o) { return fmt::format("{}/{} ({:.1f})", o.exact, o.trials, o.extra); }

TEST(LocalizeTable, RoundsAndNoise) {
  if (!std::getenv("CB_LOCALIZE_TABLE")) GTEST_SKIP() << "set CB_LOCALIZE_TABLE=1 (ctest -R localize_rounds_table)";
  const int trials = 20;
  const std::vector<int> ks = {1, 2, 3, 4, 6, 8};
  std::printf(
      "\nTable 1. One link (leaf-spine or spine-core) at 0.5x, noise sigma 2%%, no confirmation, %d trials "
      "per cell:\ntrials naming exactly that link (other culprits named per trial)\n",
      trials);
  std::printf("%7s", "nodes");
  for (int k : ks) std::printf(" %12s", fmt::format("K={}", k).c_str());
  std::printf("  %s\n", "K for >= 95%");
  for (int64_t nodes : {1024, 4096, 16384}) {
    std::printf("%7lld", static_cast<long long>(nodes));
    int needed = -1;
    for (int k : ks) {
      Scenario s;
      s.nodes = nodes;
      s.rounds = k;
      s.noise = 0.02;
      s.seed = 100 + static_cast<uint64_t>(k);
      const Outcome o = RunTrials(s, 0.5, trials);
      std::printf(" %12s", Cell(o).c_str());
      if (needed < 0 && o.exact >= 0.95 * o.trials) needed = k;
      std::fflush(stdout);
    }
    std::printf("  %s\n", needed < 0 ? "> 8" : std::to_string(needed).c_str());
  }

  const int k = 8;
  std::printf(
      "\nTable 2. 4,096 nodes, K=%d, %d trials per cell: trials naming exactly the link (other culprits "
      "per trial);\nconfirm: each pair slow after the K rounds measured again alone on its links, twice (or once more "
      "than the rounds measured it)\n",
      k, trials);
  const std::vector<double> fractions = {0.5, 0.7};
  std::printf("%6s", "sigma");
  for (int confirm : {0, 2}) {
    for (double f : fractions) {
      std::printf(" %18s", fmt::format("{:.1f}x{}", f, confirm ? " confirm" : "").c_str());
    }
  }
  std::printf("\n");
  for (double sigma : {0.0, 0.02, 0.04, 0.06, 0.08, 0.10, 0.12}) {
    std::printf("%5.0f%%", sigma * 100);
    for (int confirm : {0, 2}) {
      for (double f : fractions) {
        Scenario s;
        s.rounds = k;
        s.noise = sigma;
        s.confirm = confirm;
        s.seed = 200;
        std::printf(" %18s", Cell(RunTrials(s, f, trials)).c_str());
        std::fflush(stdout);
      }
    }
    std::printf("\n");
  }

  std::printf(
      "\nTable 3. Pairs of a round at once on ECMP-hashed routes, in G batches one after another (4,096 nodes, "
      "K=8, link at 0.5x, sigma 2%%, 5 trials per cell)\n");
  for (int groups : {1, 4, 16, 64}) {
    // How many pairs of one round on the healthy tree collide (below 0.8x the NIC).
    Scenario one;
    one.rounds = 1;
    one.noise = 0;
    one.contention = Contention::kConcurrentEcmp;
    one.groups = groups;
    const std::vector<PairSample> round = MeasurePairs(BuildTree(one.nodes, 1), one);
    const auto slow =
        std::count_if(round.begin(), round.end(), [](const PairSample& p) { return p.gbps < 0.8 * kNic / 1e9; });
    std::printf("  G=%-3d healthy round: %4lld of %zu pairs below 0.8x the NIC;", groups, static_cast<long long>(slow),
                round.size());
    for (int confirm : {0, 2}) {
      Scenario s;
      s.rounds = 8;
      s.contention = Contention::kConcurrentEcmp;
      s.groups = groups;
      s.confirm = confirm;
      s.seed = 300;
      const Outcome o = RunTrials(s, 0.5, 5);
      std::printf("  %s %s, found %d", confirm ? "confirm" : "direct", Cell(o).c_str(), o.found);
      std::fflush(stdout);
    }
    std::printf("\n");
  }
  // The plainest expectation: with enough rounds and little noise the method works.
  Scenario s;
  s.rounds = 8;
  s.seed = 400;
  EXPECT_EQ(RunTrials(s, 0.5, 5).exact, 5);
}

}  // namespace
}  // namespace cb::sim
