#include "simulator/network/flow_model.h"

#include <algorithm>
#include <limits>
#include <map>

#include "simulator/network/maxmin.h"

namespace cb::sim {

namespace {

// Adds one flow per ring hop that crosses the fabric (hops inside a node go
// over the scale-up domain) and returns each group's flow ids. Spreading:
// each leaf hands its outgoing flows to its up ports in turn.
std::vector<std::vector<int>> AddRingFlows(const FatTree& tree, const std::vector<std::vector<int64_t>>& groups,
                                           Routing routing, MaxMinSolver* solver) {
  for (const auto& l : tree.links()) solver->AddLink(l.capacity);
  std::vector<std::vector<int>> flows(groups.size());
  std::map<std::pair<int64_t, int64_t>, uint64_t> next_port;
  const int64_t per_node = tree.spec().gpus_per_node;
  for (size_t g = 0; g < groups.size(); ++g) {
    const auto& ring = groups[g];
    const size_t n = ring.size();
    for (size_t i = 0; i < n && n > 1; ++i) {
      const int64_t a = ring[i], b = ring[(i + 1) % n];
      if (a / per_node == b / per_node) continue;
      const int64_t na = tree.NicOfGpu(a), nb = tree.NicOfGpu(b);
      std::vector<int> path;
      if (routing == Routing::kSpread) {
        const uint64_t k = next_port[{tree.PlaneOfNic(na), tree.LeafOfNic(na)}]++;
        path = tree.RouteVia(na, nb, k, k + static_cast<uint64_t>(tree.LeafOfNic(na)));
      } else {
        path = tree.Route(na, nb, g);
      }
      flows[g].push_back(solver->AddFlow(std::move(path)));
    }
  }
  return flows;
}

}  // namespace

RingResult ConcurrentRingAllReduce(const FatTree& tree, const std::vector<std::vector<int64_t>>& groups, double bytes,
                                   double alpha, Routing routing) {
  MaxMinSolver solver;
  const std::vector<std::vector<int>> group_flows = AddRingFlows(tree, groups, routing, &solver);
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
  MaxMinSolver solver;
  AddRingFlows(tree, groups, routing, &solver);
  if (solver.flows() == 0) return 1.0;
  solver.Solve();
  double slowest = share;
  for (double x : solver.rates()) slowest = std::min(slowest, x);
  return std::min(1.0, slowest / share);
}

}  // namespace cb::sim
