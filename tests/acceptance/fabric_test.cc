// The pairs schedule, the fabric injections and the bisection search
// (acceptance/fabric.h), without measurement: bisection runs on a fake fleet
// whose group figure is 1 unless a bad node or link is in the group.
#include "acceptance/fabric.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>
#include <tuple>

#include "acceptance/fabric_report.h"
#include "acceptance/suite.h"
#include "core/error.h"

namespace cb::acc {
namespace {

// Every pair of n nodes meets exactly once; every round is a matching (no
// node twice); n-1 rounds for even n, n for odd n with one bye each round.
TEST(Fabric, RoundRobinCoversEveryPairOnce) {
  for (int n : {2, 3, 4, 5, 8, 9, 16, 33}) {
    SCOPED_TRACE(n);
    const auto rounds = RoundRobinSchedule(n);
    EXPECT_EQ(rounds.size(), static_cast<size_t>(n % 2 == 0 ? n - 1 : n));
    std::map<std::pair<int, int>, int> met;
    std::map<int, int> byes;
    for (const auto& round : rounds) {
      std::set<int> seen;
      for (const auto& [a, b] : round) {
        EXPECT_LT(a, b);
        EXPECT_TRUE(seen.insert(a).second && seen.insert(b).second) << "a node twice in one round";
        ++met[{a, b}];
      }
      EXPECT_EQ(seen.size(), static_cast<size_t>(n - n % 2));
      for (int x = 0; x < n; ++x) byes[x] += seen.count(x) ? 0 : 1;
    }
    EXPECT_EQ(met.size(), static_cast<size_t>(n * (n - 1) / 2));
    for (const auto& [pair, count] : met) EXPECT_EQ(count, 1);
    for (int x = 0; x < n; ++x) EXPECT_EQ(byes[x], n % 2);
  }
  EXPECT_TRUE(RoundRobinSchedule(1).empty());
}

// K sampled matchings: perfect (odd n: one node out), reproducible from the
// seed, different for another seed, and with no repeated pair while fresh
// partners remain (K <= n-1 here, so none repeats).
TEST(Fabric, SampledMatchingsArePerfectAndReproducible) {
  const auto a = SampledMatchings(64, 5, 7), b = SampledMatchings(64, 5, 7), c = SampledMatchings(64, 5, 8);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  ASSERT_EQ(a.size(), 5u);
  std::set<std::pair<int, int>> met;
  for (const auto& m : a) {
    std::set<int> seen;
    for (const auto& [x, y] : m) {
      EXPECT_TRUE(seen.insert(x).second && seen.insert(y).second);
      EXPECT_TRUE(met.insert({x, y}).second) << x << "-" << y << " sampled twice";
    }
    EXPECT_EQ(seen.size(), 64u);
  }
  for (const auto& m : SampledMatchings(7, 3, 1)) EXPECT_EQ(m.size(), 3u);
}

// With switches known (8 leaves of 4 nodes), every sampled pair crosses
// switches: a same-leaf pair would never load the spine.
TEST(Fabric, SampledMatchingsCrossSwitches) {
  std::vector<int> leaf(32);
  for (int i = 0; i < 32; ++i) leaf[static_cast<size_t>(i)] = i / 4;
  for (const auto& m : SampledMatchings(32, 4, 3, leaf)) {
    for (const auto& [x, y] : m) EXPECT_NE(leaf[static_cast<size_t>(x)], leaf[static_cast<size_t>(y)]);
  }
}

// batches: G without switches is the round-robin split (pair i in batch
// i mod G), every pair in exactly one batch, in the round's order; G = 1 is
// the round itself and G above the round's pairs measures each pair alone.
TEST(Fabric, BatchesSplitARoundRoundRobin) {
  const Matching round = {{0, 1}, {2, 3}, {4, 5}, {6, 7}, {8, 9}};
  EXPECT_EQ(SplitIntoBatches(round, 1), std::vector<Matching>{round});
  const std::vector<Matching> two = SplitIntoBatches(round, 2);
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[0], (Matching{{0, 1}, {4, 5}, {8, 9}}));
  EXPECT_EQ(two[1], (Matching{{2, 3}, {6, 7}}));
  const std::vector<Matching> alone = SplitIntoBatches(round, 16);
  ASSERT_EQ(alone.size(), 5u);  // empty batches dropped
  for (const auto& b : alone) EXPECT_EQ(b.size(), 1u);
  EXPECT_TRUE(SplitIntoBatches({}, 4).front().empty());
}

// With switches, a batch takes the pair whose switches it loads least. Leaves
// by parity (even nodes under leaf 0, odd under leaf 1): (0,1) and (3,6) cross
// the leaves, (2,4) and (5,7) stay under one. Round-robin would put both
// crossing pairs in batch 0 (two pairs on each leaf's up links at once); the
// split by switch puts one in each batch.
TEST(Fabric, BatchesSpreadPairsOverSwitches) {
  const std::vector<int> leaf = {0, 1, 0, 1, 0, 1, 0, 1};
  const Matching round = {{0, 1}, {2, 4}, {3, 6}, {5, 7}};
  EXPECT_EQ(SplitIntoBatches(round, 2)[0], (Matching{{0, 1}, {3, 6}}));  // round-robin: both crossing
  const std::vector<Matching> b = SplitIntoBatches(round, 2, leaf);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0], (Matching{{0, 1}, {5, 7}}));
  EXPECT_EQ(b[1], (Matching{{2, 4}, {3, 6}}));
  // 64 nodes under 8 leaves of 8, sampled rounds (all pairs crossing leaves),
  // 4 batches: every pair once, at most ceil(32/4) = 8 per batch, and each
  // leaf's 8 nodes spread over the batches: at most ceil(8/4) + 1 = 3 of
  // them sending up in one batch (the greedy's bound: an even 2 needs an
  // equitable edge colouring, which a leaf graph need not have), where the
  // round-robin split puts 4 of a leaf's nodes in one batch here.
  std::vector<int> leaves(64);
  for (int i = 0; i < 64; ++i) leaves[static_cast<size_t>(i)] = i / 8;
  auto most = [&](const std::vector<Matching>& batches) {
    int worst = 0;
    for (const Matching& x : batches) {
      std::map<int, int> load;
      for (const auto& [a, c] : x) {
        worst = std::max(worst, ++load[leaves[static_cast<size_t>(a)]]);
        worst = std::max(worst, ++load[leaves[static_cast<size_t>(c)]]);
      }
    }
    return worst;
  };
  int worst_split = 0, worst_round_robin = 0;
  for (const Matching& m : SampledMatchings(64, 6, 5, leaves)) {
    const std::vector<Matching> batches = SplitIntoBatches(m, 4, leaves);
    ASSERT_EQ(batches.size(), 4u);
    std::multiset<std::pair<int, int>> seen;
    for (const Matching& x : batches) {
      EXPECT_LE(x.size(), 8u);
      seen.insert(x.begin(), x.end());
    }
    const std::multiset<std::pair<int, int>> want(m.begin(), m.end());
    EXPECT_EQ(seen, want);
    worst_split = std::max(worst_split, most(batches));
    worst_round_robin = std::max(worst_round_robin, most(SplitIntoBatches(m, 4)));
  }
  EXPECT_LE(worst_split, 3);
  EXPECT_GT(worst_round_robin, worst_split) << worst_round_robin;
}

// The confirmation picks exactly the pairs Localize calls slow: a pair's
// median below slow_ratio x its rail's median pair (rails judged apart), and
// measures each at least once more than the most-measured of them, twice at
// least, so that its new measurements set its median.
TEST(Fabric, ConfirmationSelectsThePairsBelowSlowRatio) {
  std::vector<PairValue> v;
  // Rail 0: five pairs at 10, one (0,1) at 10, 2, 3 (median 3: slow), one
  // (2,3) at 10, 7.9, 7.9 (median 7.9: slow at 0.8, as 7.9 < 8).
  for (int a = 4; a < 9; ++a) v.push_back({a, a + 10, 0, 10});
  for (double x : {10.0, 2.0, 3.0}) v.push_back({0, 1, 0, x});
  for (double x : {10.0, 7.9, 7.9}) v.push_back({2, 3, 0, x});
  // Rail 1 is slower (5) and judged against its own median: (0,1) at 4.1 is fine there, (2,3) at 3 is slow.
  for (int a = 4; a < 9; ++a) v.push_back({a, a + 10, 1, 5});
  v.push_back({0, 1, 1, 4.1});
  v.push_back({2, 3, 1, 3});
  v.push_back({2, 3, 1, 3});
  v.push_back({5, 15, 1, 0});  // a failed measurement (no bandwidth) is ignored
  const std::vector<PairToConfirm> slow = SlowPairs(v, 0.8);
  ASSERT_EQ(slow.size(), 3u);
  EXPECT_EQ(std::make_tuple(slow[0].a, slow[0].b, slow[0].rail, slow[0].measured), std::make_tuple(0, 1, 0, 3));
  EXPECT_DOUBLE_EQ(slow[0].value, 3);
  EXPECT_DOUBLE_EQ(slow[0].reference, 10);
  EXPECT_EQ(std::make_tuple(slow[1].a, slow[1].b, slow[1].rail), std::make_tuple(2, 3, 0));
  EXPECT_EQ(std::make_tuple(slow[2].a, slow[2].b, slow[2].rail, slow[2].measured), std::make_tuple(2, 3, 1, 2));
  EXPECT_DOUBLE_EQ(slow[2].reference, 5);
  EXPECT_EQ(ConfirmRepeats(slow), 4);  // three measurements at most, so four more
  EXPECT_EQ(ConfirmRepeats({}), 0);
  EXPECT_EQ(ConfirmRepeats({{0, 1, 0, 1, 1, 2}}), 2);  // at least twice
  EXPECT_TRUE(SlowPairs(v, 0.2).empty());
}

// Confirmation rounds: pairs that share a node never run together (node 3's
// three pairs take three rounds), a round holds at most max_per_round pairs,
// with switches no two pairs of a round touch one switch, every pair is
// measured once per call, and a rotation changes who runs beside whom.
TEST(Fabric, ConfirmationRoundsShareNoNode) {
  const std::vector<std::pair<int, int>> star = {{0, 3}, {1, 3}, {3, 7}};
  const std::vector<Matching> s = ConfirmationRounds(star, 4);
  ASSERT_EQ(s.size(), 3u);
  for (const auto& m : s) EXPECT_EQ(m.size(), 1u);
  const std::vector<std::pair<int, int>> apart = {{0, 1}, {2, 3}, {4, 5}, {6, 7}, {8, 9}};
  const std::vector<Matching> r = ConfirmationRounds(apart, 2);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0], (Matching{{0, 1}, {2, 3}}));
  EXPECT_EQ(r[2], (Matching{{8, 9}}));
  const std::vector<Matching> rotated = ConfirmationRounds(apart, 2, {}, 1);
  EXPECT_EQ(rotated[0], (Matching{{2, 3}, {4, 5}}));
  EXPECT_EQ(rotated[2], (Matching{{0, 1}}));
  // Leaves of two nodes: (0,1) and (2,3) are under leaves 0 and 1, (4,6)
  // under leaves 2 and 3, (5,9) under 2 and 4: (0,1) may run beside (4,6)
  // but not beside (2,3)... and (4,6) not beside (5,9).
  const std::vector<int> leaf = {0, 0, 1, 1, 2, 2, 3, 3, 4, 4};
  const std::vector<Matching> t = ConfirmationRounds({{0, 2}, {1, 3}, {4, 6}, {5, 8}}, 8, leaf);
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0], (Matching{{0, 2}, {4, 6}}));
  EXPECT_EQ(t[1], (Matching{{1, 3}, {5, 8}}));
  EXPECT_TRUE(ConfirmationRounds({}, 2).empty());
  EXPECT_EQ(ConfirmationRounds(apart, 0).size(), apart.size());  // at least one pair per round
}

// The confirmation's yardstick: a pair slow on no rail (a node's pairs on a
// slow rail are out), sharing no node with the round (nor, with switches, a
// switch), a different one on each call while others fit; none when nothing
// fits (the round is then judged as measured).
TEST(Fabric, ConfirmationYardstickIsAHealthyPairApart) {
  std::vector<PairValue> v;
  for (const auto& [a, b] : std::vector<std::pair<int, int>>{{0, 1}, {4, 5}, {6, 7}, {0, 6}, {1, 7}}) {
    v.push_back({a, b, 0, 10});
    v.push_back({a, b, 1, 10});
  }
  v.push_back({2, 3, 0, 10});
  v.push_back({2, 3, 1, 2});  // slow on rail 1: not a yardstick
  EXPECT_EQ(HealthyPairs(v, 0.8), (std::vector<std::pair<int, int>>{{0, 1}, {0, 6}, {1, 7}, {4, 5}, {6, 7}}));
  const std::vector<std::pair<int, int>> healthy = HealthyPairs(v, 0.8);
  size_t cursor = 0;
  EXPECT_EQ(ReferencePair({{0, 3}}, healthy, {}, &cursor), std::make_pair(1, 7));  // (0,1), (0,6) share node 0
  EXPECT_EQ(ReferencePair({{0, 3}}, healthy, {}, &cursor), std::make_pair(4, 5));  // the next one
  EXPECT_EQ(ReferencePair({{0, 3}}, healthy, {}, &cursor), std::make_pair(6, 7));
  EXPECT_EQ(ReferencePair({{0, 3}}, healthy, {}, &cursor), std::make_pair(1, 7));  // wrapped
  // Leaves of two nodes: the round (0,3) holds leaves 0 and 1, so (4,5) (leaf 2) is the only one apart.
  const std::vector<int> leaf = {0, 0, 1, 1, 2, 2, 3, 3};
  cursor = 0;
  EXPECT_EQ(ReferencePair({{0, 3}, {6, 2}}, healthy, leaf, &cursor), std::make_pair(4, 5));
  // Every healthy pair shares a switch with the round: one sharing no node is still better than none.
  cursor = 0;
  EXPECT_EQ(ReferencePair({{0, 2}, {4, 6}}, healthy, leaf, &cursor), std::make_pair(1, 7));
  EXPECT_EQ(ReferencePair({{0, 5}, {1, 6}, {4, 7}}, healthy, {}, &cursor), std::make_pair(-1, -1));
}

// The pairs check's schedule: the tournament (3 rounds for 4 nodes) or K
// sampled matchings, either of them `passes` times over.
TEST(Fabric, PairsScheduleRunsTheRoundsPassesTimes) {
  const std::vector<Matching> rr = RoundRobinSchedule(4);
  const std::vector<Matching> two = PairsSchedule(4, 0, 2, 1);
  ASSERT_EQ(two.size(), 6u);
  for (size_t i = 0; i < 6; ++i) EXPECT_EQ(two[i], rr[i % 3]);
  const std::vector<int> leaf = {0, 0, 1, 1, 2, 2};
  const std::vector<Matching> sampled = SampledMatchings(6, 2, 7, leaf);
  const std::vector<Matching> three = PairsSchedule(6, 2, 3, 7, leaf);
  ASSERT_EQ(three.size(), 6u);
  for (size_t i = 0; i < 6; ++i) EXPECT_EQ(three[i], sampled[i % 2]);
}

// The confirmation's plan. Six nodes, node 5 slow with everyone: its five
// pairs at 50, the ten others at 100, so the rail's median pair is 100 and
// the five are below 0.8 x 100. Each was measured once, so each is measured
// twice more (ConfirmRepeats); they all share node 5, so one per round: ten
// rounds, each beside a healthy pair that shares no node with it, the
// yardsticks taken in turn.
TEST(Fabric, ConfirmationPlanMeasuresEachSlowPairBesideAYardstick) {
  std::vector<PairValue> v;
  for (int a = 0; a < 6; ++a) {
    for (int b = a + 1; b < 6; ++b) v.push_back({a, b, 0, b == 5 ? 50.0 : 100.0});
  }
  const ConfirmationPlan plan = PlanConfirmation(v, 0.8, 6, 1);
  ASSERT_EQ(plan.slow.size(), 5u);
  EXPECT_EQ(plan.repeats, 2);
  EXPECT_DOUBLE_EQ(plan.rail_median.at(0), 100);
  ASSERT_EQ(plan.rounds.size(), 10u);
  std::map<std::pair<int, int>, int> times;
  for (const ConfirmationRound& r : plan.rounds) {
    ASSERT_EQ(r.pairs.size(), 1u);
    ++times[r.pairs[0]];
    const auto [a, b] = r.pairs[0];
    const auto [ya, yb] = r.yardstick;
    EXPECT_GE(ya, 0);
    EXPECT_NE(yb, 5);  // healthy
    EXPECT_TRUE(ya != a && ya != b && yb != a && yb != b) << a << "," << b << " beside " << ya << "," << yb;
  }
  for (int a = 0; a < 5; ++a) EXPECT_EQ(times[std::make_pair(a, 5)], 2) << a;
  EXPECT_NE(plan.rounds[0].yardstick, plan.rounds[1].yardstick);
}

// A round holds at most a quarter of a batch's pairs (at least one): 16
// nodes make 8 pairs a round; in one batch that allows 2 pairs per
// confirmation round, in two batches of 4 only 1. Three disjoint slow pairs,
// each twice: 4 rounds, or 6. A healthy fleet plans nothing.
TEST(Fabric, ConfirmationPlanRoundsHoldAQuarterOfABatch) {
  std::vector<PairValue> v;
  for (int a = 0; a < 16; ++a) {
    for (int b = a + 1; b < 16; ++b) {
      const bool slow = (a == 0 && b == 1) || (a == 2 && b == 3) || (a == 4 && b == 5);
      v.push_back({a, b, 0, slow ? 10.0 : 100.0});
    }
  }
  const ConfirmationPlan one = PlanConfirmation(v, 0.8, 16, 1);
  ASSERT_EQ(one.rounds.size(), 4u);
  EXPECT_EQ(one.rounds[0].pairs.size(), 2u);
  EXPECT_EQ(PlanConfirmation(v, 0.8, 16, 2).rounds.size(), 6u);
  for (auto& p : v) p.value = 100;
  const ConfirmationPlan none = PlanConfirmation(v, 0.8, 16, 1);
  EXPECT_TRUE(none.slow.empty());
  EXPECT_EQ(none.repeats, 0);
  EXPECT_TRUE(none.rounds.empty());
}

TEST(Fabric, SlowFractionCompounds) {
  FabricInjections inj;
  inj.links.push_back({2, 5, 0.5});
  inj.nics.push_back({5, 0.5});
  EXPECT_DOUBLE_EQ(SlowFraction(inj, {2, 3}), 0);
  EXPECT_DOUBLE_EQ(SlowFraction(inj, {3, 5}), 0.5);         // the NIC
  EXPECT_DOUBLE_EQ(SlowFraction(inj, {2, 5}), 0.75);        // link and NIC: time x 2 x 2
  EXPECT_DOUBLE_EQ(SlowFraction(inj, {0, 1, 2, 4}), 0);     // one end of the link only
  EXPECT_DOUBLE_EQ(SlowFraction(inj, {0, 2, 5, 7}), 0.75);  // a group with both ends
}

// A fake fleet: a group's figure is 1, or 0.4 when it holds a bad node or
// both ends of a bad link.
struct Fleet {
  std::set<int> bad_nodes;
  std::set<std::pair<int, int>> bad_links;
  int calls = 0;
  MeasureGroups Measure() {
    return [this](const std::vector<std::vector<int>>& groups) {
      ++calls;
      std::vector<double> out;
      for (const auto& g : groups) {
        EXPECT_GE(g.size(), 2u);
        std::set<int> in(g.begin(), g.end());
        bool bad = false;
        for (int x : bad_nodes) bad |= in.count(x) > 0;
        for (const auto& [a, b] : bad_links) bad |= in.count(a) && in.count(b);
        out.push_back(bad ? 0.4 : 1.0);
      }
      return out;
    };
  }
};

std::string Text(double v) { return std::to_string(v); }

TEST(Fabric, BisectionFindsABadNodeInAboutLog2NRounds) {
  for (int n : {4, 8, 13, 64, 1024}) {
    for (int bad : {0, n / 3, n - 1}) {
      SCOPED_TRACE(testing::Message() << n << " nodes, bad node " << bad);
      Fleet f{{bad}, {}};
      const BisectionResult r = Bisect(n, f.Measure(), 0.8, std::nullopt, Text);
      ASSERT_EQ(r.culprits.size(), 1u) << r.note;
      EXPECT_FALSE(r.culprits[0].link);
      EXPECT_EQ(r.culprits[0].a, bad);
      // Halving to a set of 2 or 3, then one resolving round; each slow step
      // confirmed by a second round: about 2 log2 N.
      EXPECT_LE(r.rounds.size(), 2 * static_cast<size_t>(std::ceil(std::log2(n))) + 2);
      EXPECT_TRUE(r.note.empty()) << r.note;
    }
  }
}

TEST(Fabric, BisectionFindsABadLinkAcrossOrWithinHalvesInAbout2Log2NRounds) {
  for (int n : {8, 16, 64, 1000}) {
    for (const auto& link : {std::pair<int, int>{1, 2}, std::pair<int, int>{2, n - 3}, std::pair<int, int>{0, n - 1}}) {
      SCOPED_TRACE(testing::Message() << n << " nodes, bad link " << link.first << "-" << link.second);
      Fleet f{{}, {link}};
      const BisectionResult r = Bisect(n, f.Measure(), 0.8, std::nullopt, Text);
      ASSERT_EQ(r.culprits.size(), 1u) << r.note;
      EXPECT_TRUE(r.culprits[0].link);
      EXPECT_EQ(std::make_pair(r.culprits[0].a, r.culprits[0].b), link);
      // Per level the two cross rounds and the confirmation of the slow one,
      // then the resolving round: about 3 log2 N.
      EXPECT_LE(r.rounds.size(), 3 * static_cast<size_t>(std::ceil(std::log2(n))) + 2);
    }
  }
}

// A healthy fleet costs the halves and the two cross rounds, and names nobody.
TEST(Fabric, BisectionOfAHealthyFleetNamesNobodyInThreeRounds) {
  Fleet f;
  const BisectionResult r = Bisect(32, f.Measure(), 0.8, std::nullopt, Text);
  EXPECT_TRUE(r.culprits.empty());
  EXPECT_EQ(r.rounds.size(), 3u);
  EXPECT_TRUE(r.note.empty());
}

// Two bad nodes in different halves: both found.
TEST(Fabric, BisectionFindsTwoBadNodes) {
  Fleet f{{3, 12}, {}};
  const BisectionResult r = Bisect(16, f.Measure(), 0.8, std::nullopt, Text);
  std::set<int> named;
  for (const auto& c : r.culprits) named.insert(c.a);
  EXPECT_EQ(named, (std::set<int>{3, 12}));
}

// With an absolute bound every group below it is slow: a fleet below the
// bound everywhere is searched down and stopped, with a note, not looped.
TEST(Fabric, BisectionOfAFleetBelowItsBoundStops) {
  Fleet f;
  const BisectionResult r = Bisect(64, f.Measure(), 0.8, 2.0, Text, /*max_rounds=*/10);
  EXPECT_LE(r.rounds.size(), 10u);
  EXPECT_FALSE(r.note.empty());
}

// Two bad nodes in one half: the cleared half's nodes are the reference.
TEST(Fabric, BisectionFindsTwoBadNodesInOneHalf) {
  Fleet f{{1, 3}, {}};
  const BisectionResult r = Bisect(16, f.Measure(), 0.8, std::nullopt, Text);
  std::set<int> named;
  for (const auto& c : r.culprits) {
    EXPECT_FALSE(c.link);
    named.insert(c.a);
  }
  EXPECT_EQ(named, (std::set<int>{1, 3}));
}

// A disturbed measurement that makes a healthy group look slow once is not
// followed: the confirmation measures the round again.
TEST(Fabric, BisectionConfirmsASlowGroupBeforeFollowingIt) {
  int call = 0;
  const MeasureGroups flaky = [&call](const std::vector<std::vector<int>>& groups) {
    std::vector<double> out(groups.size(), 1.0);
    if (++call == 1) out[0] = 0.3;  // the first round's first half, once
    return out;
  };
  const BisectionResult r = Bisect(16, flaky, 0.8, std::nullopt, Text);
  EXPECT_TRUE(r.culprits.empty()) << r.culprits.front().reason;
  ASSERT_GE(r.rounds.size(), 2u);
  EXPECT_EQ(r.rounds[1].purpose.rfind("confirm: ", 0), 0u) << r.rounds[1].purpose;
}

TEST(Fabric, BisectionNeedsFourNodes) {
  Fleet f;
  const BisectionResult r = Bisect(3, f.Measure(), 0.8, std::nullopt, Text);
  EXPECT_TRUE(r.rounds.empty());
  EXPECT_NE(r.note.find("at least 4 nodes"), std::string::npos);
}

// Suite settings of the fabric checks: rounds means sampled matchings only
// when written, and settings that do not apply are errors naming the check.
TEST(FabricSuite, PairsSettingsAndErrors) {
  ConfigLoader loader({std::string(CB_SOURCE_DIR) + "/configs"});
  const Suite shipped = LoadSuite(loader, "fabric-pairs");
  ASSERT_EQ(shipped.checks.size(), 2u);
  EXPECT_TRUE(shipped.checks[0].is_pairs());
  EXPECT_EQ(shipped.checks[0].pair_rounds, 0);  // the full tournament
  EXPECT_TRUE(shipped.checks[1].bisect);
  const Suite sampled = SuiteFromConfig(loader.LoadString(
      "suite", "name: x\nchecks:\n  - {name: p, benchmark: pairs, scope: fabric, bytes: 1MiB, rounds: 4, seed: 9}\n",
      "x.yaml"));
  EXPECT_EQ(sampled.checks[0].pair_rounds, 4);
  EXPECT_EQ(sampled.checks[0].rounds, 1);
  EXPECT_EQ(sampled.checks[0].seed, 9u);
  auto expect_error = [&](const std::string& check, const std::string& needle) {
    try {
      SuiteFromConfig(loader.LoadString("suite", "name: x\nchecks:\n  - " + check + "\n", "bad.yaml"));
      ADD_FAILURE() << "no error for: " << check;
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("bad.yaml:3"), std::string::npos) << e.what();
    }
  };
  expect_error("{name: p, benchmark: pairs, scope: fabric, bytes: 1MiB, threshold: {relative: 0.2}}",
               "threshold.relative does not apply to pairs");
  expect_error("{name: p, benchmark: pairs, scope: fabric, bytes: 1MiB, split: inter}", "split does not apply");
  expect_error("{name: p, benchmark: pairs, scope: node, bytes: 1MiB}", "scope must be fabric");
  expect_error("{name: p, benchmark: pairs, scope: fabric}", "pairs needs bytes");
  expect_error("{name: p, benchmark: pairs, scope: fabric, bytes: 1MiB, bisect: true}", "bisect applies to");
  expect_error("{name: p, benchmark: pairs, scope: fabric, bytes: 1MiB, slow_ratio: 1.5}", "slow_ratio");
  expect_error("{name: a, benchmark: all_reduce, scope: fabric, bytes: 1MiB, split: inter, bisect: true}",
               "bisect searches the whole job");
  expect_error("{name: a, benchmark: all_reduce, scope: fabric, bytes: 1MiB, passes: 3}", "passes applies to pairs");
  expect_error("{name: s, benchmark: stream, scope: node, bisect: true}", "bisect applies to whole-job");
  // batches and confirm: a bad count, or either on a check that is not pairs.
  expect_error("{name: p, benchmark: pairs, scope: fabric, bytes: 1MiB, batches: 0}", "batches");
  expect_error("{name: a, benchmark: all_reduce, scope: fabric, bytes: 1MiB, confirm: false}",
               "key 'checks.0.confirm': check 'a': confirm applies to pairs checks");
  expect_error("{name: s, benchmark: stream, scope: node, batches: 4}",
               "key 'checks.0.batches': check 's': batches applies to pairs checks");
  const Suite batched = SuiteFromConfig(loader.LoadString(
      "suite", "name: x\nchecks:\n  - {name: p, benchmark: pairs, scope: fabric, bytes: 1MiB, batches: 16}\n",
      "x.yaml"));
  EXPECT_EQ(batched.checks[0].batches, 16);
  EXPECT_TRUE(batched.checks[0].confirm);  // on by default: it measures only pairs already slow
  EXPECT_EQ(shipped.checks[0].batches, 1);
}

// The report of a 300-node pairs check: every pair in the evidence table, and
// a heat map of blocks of 4 nodes (75 x 75 cells, not 90,000), each its
// slowest pair, so the slow node's block stays dark and outlined.
TEST(FabricReport, LargeFleetHeatMapIsBlocked) {
  ValidationReport r;
  Check c;
  c.name = "pairs";
  c.benchmark = "pairs";
  c.scope = Scope::kFabric;
  c.bytes = 1 << 20;
  r.suite.checks.push_back(c);
  const int n = 300, bad = 123;
  for (int i = 0; i < n; ++i) r.fabric_nodes.push_back("n" + std::to_string(i));
  for (int a = 0; a < n; ++a) {
    for (int b = a + 1; b < n; ++b) {
      PairMeasurement p;
      p.a = a;
      p.b = b;
      p.value = a == bad || b == bad ? 2e9 : 10e9;
      p.samples = 1;
      r.pairs.push_back(p);
    }
  }
  FabricCulprit f;
  f.method = CulpritMethod::kPairs;
  f.kind = CulpritKind::kNode;
  f.name = "n123";
  f.node = bad;
  r.culprits.push_back(f);
  const std::string html = FabricHtml(r);
  EXPECT_NE(html.find("4 nodes per cell, its slowest pair"), std::string::npos);
  size_t cells = 0;
  for (size_t at = html.find("stroke-width=\"1\"><title>"); at != std::string::npos;
       at = html.find("stroke-width=\"1\"><title>", at + 1)) {
    ++cells;
  }
  EXPECT_EQ(cells, 75u * 75u);
  EXPECT_NE(html.find("n120 .. n123 - n0 .. n3, rail 0: 2 GB/s each way, slowest pair"), std::string::npos);
  EXPECT_EQ(html.find("class=\"marked\" x="), html.rfind("class=\"marked\" x="));  // one outline
  const auto tables = FabricTables(r);
  ASSERT_EQ(tables.size(), 5u);
  EXPECT_EQ(tables[0].name(), "validate_pairs");
  EXPECT_EQ(tables[0].size(), static_cast<size_t>(n * (n - 1) / 2));
  EXPECT_EQ(tables[1].name(), "validate_culprits");
  EXPECT_EQ(tables[1].Str(0, "name"), "n123");
  EXPECT_EQ(tables[1].Int(0, "a"), -1);
  EXPECT_EQ(tables[4].name(), "validate_fabric_nodes");
  ASSERT_EQ(tables[4].size(), static_cast<size_t>(n));
  EXPECT_EQ(tables[4].Str(123, "node"), "n123");
}

}  // namespace
}  // namespace cb::acc
