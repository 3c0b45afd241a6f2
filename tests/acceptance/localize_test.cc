// Localisation rules (acceptance/localize.h): each test builds the pair
// bandwidths of a small fleet with one known culprit, states what the rules
// must conclude, and asserts that exactly that culprit is named with its
// evidence. The simulated 4,096-node fat tree is tests/simulator/localize_scale_test.cc.
#include "acceptance/localize.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/error.h"

namespace cb::acceptance {
namespace {

constexpr double kHealthy = 50;  // GB/s

LocalizeInput Fleet(int nodes, int rails = 1) {
  LocalizeInput in;
  for (int i = 0; i < nodes; ++i) in.nodes.push_back("n" + std::to_string(i));
  in.rails = rails;
  return in;
}

// Every pair on every rail once (the round-robin schedule's N-1 rounds), at
// kHealthy x speed(a, b, rail).
template <typename Speed>
void AllPairs(LocalizeInput* in, Speed speed) {
  const int n = static_cast<int>(in->nodes.size());
  for (int r = 0; r < in->rails; ++r) {
    for (int a = 0; a < n; ++a) {
      for (int b = a + 1; b < n; ++b) in->samples.push_back({a, b, r, kHealthy * speed(a, b, r)});
    }
  }
}

TEST(Localize, HealthyFleetNamesNothing) {
  // Bandwidths within +-5% of each other: no pair below 0.8 x the median.
  LocalizeInput in = Fleet(8, 2);
  AllPairs(&in, [](int a, int b, int r) { return 1 + 0.01 * ((a * 7 + b * 3 + r) % 11 - 5); });
  EXPECT_TRUE(Localize(in).empty());
}

TEST(Localize, NodeSlowWithEveryPartnerOnEveryRail) {
  // Node 3 at half speed on both rails: its 7 pairs per rail are slow, every
  // other node has 1 slow pair of 7 (1/7 < 0.75), so node 3 alone is named.
  LocalizeInput in = Fleet(8, 2);
  AllPairs(&in, [](int a, int b, int) { return a == 3 || b == 3 ? 0.5 : 1.0; });
  const std::vector<Culprit> c = Localize(in);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].kind, Culprit::Kind::kNode);
  EXPECT_EQ(c[0].name, "n3");
  EXPECT_EQ(c[0].node, 3);
  EXPECT_EQ(c[0].supporting_pairs, 14);
  EXPECT_EQ(c[0].examined_pairs, 14);
  EXPECT_DOUBLE_EQ(c[0].ratio, 0.5);
  EXPECT_NE(c[0].reason.find("14 of its 14 pairs"), std::string::npos) << c[0].reason;
}

TEST(Localize, NicSlowOnOneRailOnly) {
  // Node 5's rail-1 NIC at 0.4: slow with its 7 rail-1 partners, healthy on rail 0.
  LocalizeInput in = Fleet(8, 2);
  AllPairs(&in, [](int a, int b, int r) { return r == 1 && (a == 5 || b == 5) ? 0.4 : 1.0; });
  const std::vector<Culprit> c = Localize(in);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].kind, Culprit::Kind::kNic);
  EXPECT_EQ(c[0].name, "n5/rail 1");
  EXPECT_EQ(c[0].node, 5);
  EXPECT_EQ(c[0].rail, 1);
  EXPECT_EQ(c[0].supporting_pairs, 7);
  EXPECT_EQ(c[0].examined_pairs, 7);
  EXPECT_DOUBLE_EQ(c[0].ratio, 0.4);
}

TEST(Localize, NodeSlowWithNearlyEveryPartner) {
  // One of node 2's 7 partners happens to look fine (6 of 7 slow = 0.86 >= 0.75):
  // still the node. The single-rail fleet's node is a node, not a NIC.
  LocalizeInput in = Fleet(8);
  AllPairs(&in, [](int a, int b, int) { return (a == 2 || b == 2) && !(a == 2 && b == 7) ? 0.6 : 1.0; });
  const std::vector<Culprit> c = Localize(in);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].kind, Culprit::Kind::kNode);
  EXPECT_EQ(c[0].name, "n2");
  EXPECT_EQ(c[0].supporting_pairs, 6);
  EXPECT_EQ(c[0].examined_pairs, 7);
}

TEST(Localize, PairSlowAlone) {
  // Only n1<->n6 is slow (0.3), on both rails: one pair culprit; its evidence
  // is the 2 slow measurements against the 6 + 6 other pairs of n1 and n6 per rail.
  LocalizeInput in = Fleet(8, 2);
  AllPairs(&in, [](int a, int b, int) { return a == 1 && b == 6 ? 0.3 : 1.0; });
  const std::vector<Culprit> c = Localize(in);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].kind, Culprit::Kind::kPair);
  EXPECT_EQ(c[0].name, "n1<->n6");
  EXPECT_EQ(c[0].a, 1);
  EXPECT_EQ(c[0].b, 6);
  EXPECT_EQ(c[0].rail, -1);  // both rails
  EXPECT_EQ(c[0].supporting_pairs, 2);
  EXPECT_EQ(c[0].examined_pairs, 2 * 13);
  EXPECT_NE(c[0].reason.find("slow alone"), std::string::npos);
}

TEST(Localize, OnePartnerCannotConvictANode) {
  // A single round (a perfect matching): every node has one partner, so a slow
  // pair may be either node or the path between them. It is named as the pair.
  LocalizeInput in = Fleet(4);
  in.samples = {{0, 1, 0, 25}, {2, 3, 0, 50}};
  const std::vector<Culprit> c = Localize(in);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].kind, Culprit::Kind::kPair);
  EXPECT_EQ(c[0].name, "n0<->n1");
}

TEST(Localize, MedianOverRoundsIgnoresOneDisturbedRound) {
  // n0<->n1 measured in three rounds, one of them at 0.3: its median (1.0) is
  // healthy. Measured twice more at 0.3 it becomes slow (median 0.3).
  LocalizeInput in = Fleet(4);
  AllPairs(&in, [](int, int, int) { return 1.0; });
  in.samples.push_back({0, 1, 0, 50});
  in.samples.push_back({0, 1, 0, 15});
  EXPECT_TRUE(Localize(in).empty());
  in.samples.push_back({0, 1, 0, 15});
  in.samples.push_back({0, 1, 0, 15});
  const std::vector<Culprit> c = Localize(in);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].name, "n0<->n1");
  EXPECT_NE(c[0].reason.find("slow in 3 of 5 rounds"), std::string::npos) << c[0].reason;
}

TEST(Localize, HealthyNodeThatMetTwoBadOnesIsCleared) {
  // Rounds give n0 exactly two partners, n1 and n2, both bad (every pair of
  // theirs slow): n0's raw count is 2 of 2 slow, but once n1 and n2 explain
  // those pairs nothing is left against n0. (16 nodes, so that the slow pairs
  // stay a minority and the fleet median is a healthy pair's.)
  LocalizeInput in = Fleet(16);
  auto speed = [](int a, int b) { return a == 1 || b == 1 || a == 2 || b == 2 ? 0.5 : 1.0; };
  for (int a = 1; a < 16; ++a) {
    for (int b = a + 1; b < 16; ++b) in.samples.push_back({a, b, 0, kHealthy * speed(a, b)});
  }
  in.samples.push_back({0, 1, 0, 25});
  in.samples.push_back({0, 2, 0, 25});
  const std::vector<Culprit> c = Localize(in);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].name, "n1");
  EXPECT_EQ(c[1].name, "n2");
}

// Two-level tree: 4 leaves of 4 nodes, 2 spines. A pair under one leaf
// crosses its two access links; across leaves it goes up to spine (a + b) % 2
// and down again: access a, leaf(a)-spine s, leaf(b)-spine s, access b.
std::vector<std::string> TreeRoute(int a, int b, int) {
  const int la = a / 4, lb = b / 4, s = (a + b) % 2;
  std::vector<std::string> r = {"access " + std::to_string(a), "access " + std::to_string(b)};
  if (la != lb) {
    r.push_back("leaf" + std::to_string(la) + "-spine" + std::to_string(s));
    r.push_back("leaf" + std::to_string(lb) + "-spine" + std::to_string(s));
  }
  return r;
}

TEST(Localize, LinkExplainsThePairsWhoseRouteCrossesIt) {
  // leaf0-spine1 at 0.5: slow are the pairs between leaf 0 and another leaf
  // with a + b odd: 4 x 12 / 2 = 24 pairs, all that cross it. Every node of
  // leaf 0 has 6 slow of 15 pairs (0.4 < 0.75: no node); leaf2-spine1 carries
  // 24 pairs, 8 of them slow (1/3 < 0.5: not a candidate).
  LocalizeInput in = Fleet(16);
  in.route = TreeRoute;
  AllPairs(&in, [](int a, int b, int) { return a / 4 == 0 && b / 4 != 0 && (a + b) % 2 == 1 ? 0.5 : 1.0; });
  const std::vector<Culprit> c = Localize(in);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].kind, Culprit::Kind::kLink);
  EXPECT_EQ(c[0].name, "leaf0-spine1");
  EXPECT_EQ(c[0].supporting_pairs, 24);
  EXPECT_EQ(c[0].examined_pairs, 24);
  EXPECT_DOUBLE_EQ(c[0].ratio, 0.5);
  EXPECT_EQ(c[0].reason.find("indistinguishable"), std::string::npos) << c[0].reason;
}

TEST(Localize, ASwitchIsAnElementLikeALink) {
  // Routes that list the spine too; spine 1 at half speed: every pair across
  // leaves with a + b odd is slow (48 of 120). Each leafX-spine1 link explains
  // 24 of them, the spine all 48: the greedy cover takes the spine, and the
  // links then explain nothing more.
  LocalizeInput in = Fleet(16);
  in.route = [](int a, int b, int rail) {
    std::vector<std::string> r = TreeRoute(a, b, rail);
    if (a / 4 != b / 4) r.push_back("spine" + std::to_string((a + b) % 2));
    return r;
  };
  AllPairs(&in, [](int a, int b, int) { return a / 4 != b / 4 && (a + b) % 2 == 1 ? 0.5 : 1.0; });
  const std::vector<Culprit> c = Localize(in);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].kind, Culprit::Kind::kLink);
  EXPECT_EQ(c[0].name, "spine1");
  EXPECT_EQ(c[0].supporting_pairs, 48);
  EXPECT_EQ(c[0].examined_pairs, 48);
}

TEST(Localize, WithoutRoutesTheLinksPairsAreNamedOneByOne) {
  // The same fleet without topology cannot name a link: its 24 pairs are pair culprits.
  LocalizeInput in = Fleet(16);
  AllPairs(&in, [](int a, int b, int) { return a / 4 == 0 && b / 4 != 0 && (a + b) % 2 == 1 ? 0.5 : 1.0; });
  const std::vector<Culprit> c = Localize(in);
  ASSERT_EQ(c.size(), 24u);
  for (const Culprit& x : c) EXPECT_EQ(x.kind, Culprit::Kind::kPair);
}

TEST(Localize, OneSlowPairOnALinkIsAPairNotALink) {
  // A single slow pair crossing leaf0-spine1 (the others crossing it are fine)
  // is below the link's support (2 pairs) and fraction: it is the pair.
  LocalizeInput in = Fleet(16);
  in.route = TreeRoute;
  AllPairs(&in, [](int a, int b, int) { return a == 0 && b == 5 ? 0.5 : 1.0; });
  const std::vector<Culprit> c = Localize(in);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].kind, Culprit::Kind::kPair);
  EXPECT_EQ(c[0].name, "n0<->n5");
}

TEST(Localize, LinksCrossedByTheSamePairsAreReportedAsIndistinguishable) {
  // Only n0<->n5 and n2<->n7 measured across leaves 0 and 1 (both odd sums:
  // spine 1), both slow: leaf0-spine1 and leaf1-spine1 carry exactly these two
  // pairs, so either explains them; the verdict names one and lists the other.
  LocalizeInput in = Fleet(8);
  in.route = TreeRoute;
  in.samples = {{0, 1, 0, 50}, {0, 2, 0, 50}, {1, 2, 0, 50}, {4, 6, 0, 50},
                {5, 6, 0, 50}, {0, 5, 0, 20}, {2, 7, 0, 20}, {4, 7, 0, 50}};
  const std::vector<Culprit> c = Localize(in);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].kind, Culprit::Kind::kLink);
  EXPECT_EQ(c[0].name, "leaf0-spine1");
  EXPECT_NE(c[0].reason.find("indistinguishable from leaf1-spine1"), std::string::npos) << c[0].reason;
}

TEST(Localize, RejectsMalformedSamples) {
  LocalizeInput in = Fleet(4);
  in.samples = {{2, 1, 0, 50}};
  EXPECT_THROW(Localize(in), UsageError);  // a >= b
  in.samples = {{0, 4, 0, 50}};
  EXPECT_THROW(Localize(in), UsageError);  // no node 4
  in.samples = {{0, 1, 1, 50}};
  EXPECT_THROW(Localize(in), UsageError);  // one rail only
  in.samples = {{0, 1, 0, 0}};
  EXPECT_THROW(Localize(in), UsageError);  // no bandwidth
}

}  // namespace
}  // namespace cb::acceptance
