#include "simulator/network/flow_model.h"

#include <algorithm>
#include <limits>
#include <map>

#include "simulator/network/maxmin.h"

namespace cb::sim {

RingResult ConcurrentRingAllReduce(const FatTree& tree, const std::vector<std::vector<int64_t>>& groups, double bytes,
                                   double alpha, Routing routing) {
  MaxMinSolver solver;
  for (const auto& l : tree.links()) solver.AddLink(l.capacity);
  std::vector<std::vector<int>> group_flows(groups.size());
  // Spreading: each leaf hands its outgoing flows to its up ports in turn.
  std::map<std::pair<int64_t, int64_t>, uint64_t> next_port;
  for (size_t g = 0; g < groups.size(); ++g) {
    const auto& ring = groups[g];
    const size_t n = ring.size();
    for (size_t i = 0; i < n && n > 1; ++i) {
      int64_t a = ring[i], b = ring[(i + 1) % n];
      if (a / tree.spec().gpus_per_node == b / tree.spec().gpus_per_node) continue;  // scale-up, not the fabric
      int64_t na = tree.NicOfGpu(a), nb = tree.NicOfGpu(b);
      std::vector<int> path;
      if (routing == Routing::kSpread) {
        uint64_t k = next_port[{tree.PlaneOfNic(na), tree.LeafOfNic(na)}]++;
        path = tree.RouteVia(na, nb, k, k + static_cast<uint64_t>(tree.LeafOfNic(na)));
      } else {
        path = tree.Route(na, nb, g);
      }
      group_flows[g].push_back(solver.AddFlow(std::move(path)));
    }
  }
  solver.Solve();
  RingResult r;
  r.time_s.assign(groups.size(), 0);
  for (size_t g = 0; g < groups.size(); ++g) {
    const double n = static_cast<double>(groups[g].size());
    if (n <= 1) continue;
    double step = 0;
    for (int f : group_flows[g]) step = std::max(step, bytes / n / solver.rates()[static_cast<size_t>(f)]);
    r.time_s[g] = 2 * (n - 1) * (step + alpha);
    r.slowest_s = std::max(r.slowest_s, r.time_s[g]);
  }
  r.link_load = solver.LinkLoads();
  return r;
}

double RingContentionFactor(const FatTree& tree, const std::vector<std::vector<int64_t>>& groups, Routing routing) {
  const FabricSpec& f = tree.spec();
  const double share =
      f.nic_bandwidth * std::min(1.0, static_cast<double>(f.nics_per_node) / static_cast<double>(f.gpus_per_node));
  // One step of S = n bytes per group: a flow's time is 1/x_f, so the
  // slowest step gives the smallest rate.
  MaxMinSolver solver;
  for (const auto& l : tree.links()) solver.AddLink(l.capacity);
  std::map<std::pair<int64_t, int64_t>, uint64_t> next_port;
  size_t flows = 0;
  for (size_t g = 0; g < groups.size(); ++g) {
    const auto& ring = groups[g];
    for (size_t i = 0; i < ring.size() && ring.size() > 1; ++i) {
      int64_t a = ring[i], b = ring[(i + 1) % ring.size()];
      if (a / f.gpus_per_node == b / f.gpus_per_node) continue;
      int64_t na = tree.NicOfGpu(a), nb = tree.NicOfGpu(b);
      if (routing == Routing::kSpread) {
        uint64_t k = next_port[{tree.PlaneOfNic(na), tree.LeafOfNic(na)}]++;
        solver.AddFlow(tree.RouteVia(na, nb, k, k + static_cast<uint64_t>(tree.LeafOfNic(na))));
      } else {
        solver.AddFlow(tree.Route(na, nb, g));
      }
      ++flows;
    }
  }
  if (flows == 0) return 1.0;
  solver.Solve();
  double slowest = share;
  for (double x : solver.rates()) slowest = std::min(slowest, x);
  return std::min(1.0, slowest / share);
}

}  // namespace cb::sim
