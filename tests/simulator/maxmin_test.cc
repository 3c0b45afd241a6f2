// Max-min fair sharing: each test states the scenario and its closed form.
#include "simulator/network/maxmin.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "core/error.h"

namespace cb::sim {
namespace {

// Incast: n flows into one link of capacity C share it evenly, C/n each.
TEST(MaxMin, IncastSharesEvenly) {
  for (int n : {1, 2, 7, 64}) {
    MaxMinSolver s;
    int link = s.AddLink(100e9);
    for (int i = 0; i < n; ++i) s.AddFlow({link});
    s.Solve();
    for (double r : s.rates()) EXPECT_DOUBLE_EQ(r, 100e9 / n);
    EXPECT_DOUBLE_EQ(s.LinkLoads()[0], 100e9);
  }
}

// Bertsekas & Gallager's example: link A (capacity 1) carries flows 1, 2;
// link B (capacity 2) carries flows 2, 3. A fills first at 1/2 for flows 1
// and 2; flow 3 then takes what B has left, 2 - 1/2 = 3/2.
TEST(MaxMin, TwoBottlenecks) {
  MaxMinSolver s;
  int a = s.AddLink(1), b = s.AddLink(2);
  s.AddFlow({a});
  s.AddFlow({a, b});
  s.AddFlow({b});
  s.Solve();
  EXPECT_DOUBLE_EQ(s.rates()[0], 0.5);
  EXPECT_DOUBLE_EQ(s.rates()[1], 0.5);
  EXPECT_DOUBLE_EQ(s.rates()[2], 1.5);
  EXPECT_EQ(s.rounds(), 2);
}

// 2:1 oversubscription: 8 hosts at 100 behind a leaf whose uplink has 400.
// When all 8 flows cross the uplink, each gets half its NIC: 50.
TEST(MaxMin, OversubscribedUplinkHalvesCrossTraffic) {
  MaxMinSolver s;
  int uplink = s.AddLink(400);
  for (int h = 0; h < 8; ++h) s.AddFlow({s.AddLink(100), uplink});
  s.Solve();
  for (double r : s.rates()) EXPECT_DOUBLE_EQ(r, 50);
}

// Random instances: no link carries more than its capacity, and every flow
// has a bottleneck — a saturated link on which no flow is faster than it —
// which characterises the max-min fair allocation (Bertsekas & Gallager).
TEST(MaxMin, RandomInstancesAreFeasibleAndMaxMinFair) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    MaxMinSolver s;
    const int L = 1 + static_cast<int>(rng() % 20), F = 1 + static_cast<int>(rng() % 40);
    std::vector<double> cap;
    for (int l = 0; l < L; ++l) {
      cap.push_back(1.0 + static_cast<double>(rng() % 100));
      s.AddLink(cap.back());
    }
    std::vector<std::vector<int>> routes;
    for (int f = 0; f < F; ++f) {
      std::vector<int> r;
      for (int l = 0; l < L; ++l) {
        if (rng() % 3 == 0) r.push_back(l);
      }
      if (r.empty()) r.push_back(static_cast<int>(rng() % static_cast<unsigned>(L)));
      routes.push_back(r);
      s.AddFlow(r);
    }
    s.Solve();
    const auto load = s.LinkLoads();
    for (int l = 0; l < L; ++l) EXPECT_LE(load[l], cap[l] * (1 + 1e-9));
    for (int f = 0; f < F; ++f) {
      bool has_bottleneck = false;
      for (int l : routes[f]) {
        bool saturated = load[l] >= cap[l] * (1 - 1e-9);
        double fastest = 0;
        for (int g = 0; g < F; ++g) {
          if (std::find(routes[g].begin(), routes[g].end(), l) != routes[g].end()) {
            fastest = std::max(fastest, s.rates()[g]);
          }
        }
        has_bottleneck |= saturated && s.rates()[f] >= fastest * (1 - 1e-9);
      }
      EXPECT_TRUE(has_bottleneck) << "trial " << trial << " flow " << f;
    }
  }
}

TEST(MaxMin, BadInput) {
  MaxMinSolver s;
  EXPECT_THROW(s.AddLink(0), RuntimeError);
  EXPECT_THROW(s.AddFlow({3}), RuntimeError);
}

}  // namespace
}  // namespace cb::sim
