#include "simulator/network/flow_model.h"

#include <algorithm>
#include <limits>
#include <map>

#include "simulator/network/maxmin.h"

namespace cb::sim {

namespace {

struct Flows {
  MaxMinSolver solver;
  std::vector<int> flow_of_pair;  // -1 when the pair stays inside a node
};

// Adds one flow per pair that crosses the fabric. Spreading: each leaf hands
// its outgoing flows to its up ports in turn.
Flows AddPairFlows(const FatTree& tree, const std::vector<GpuPair>& pairs, Routing routing) {
  Flows out;
  for (const auto& l : tree.links()) out.solver.AddLink(l.capacity);
  out.flow_of_pair.assign(pairs.size(), -1);
  std::map<std::pair<int64_t, int64_t>, uint64_t> next_port;
  const FabricSpec& f = tree.spec();
  const int64_t per_node = f.gpus_per_node;
  const int64_t domain = std::max(f.domain_gpus, per_node);
  for (size_t i = 0; i < pairs.size(); ++i) {
    const int64_t a = pairs[i].src, b = pairs[i].dst;
    if (a / domain == b / domain) continue;  // NVLink (a domain can span nodes: NVL72)
    // PXN: leave through this node's NIC of the destination's rail.
    const int64_t nb = tree.NicOfGpu(b);
    const int64_t na = (a / per_node) * f.nics_per_node + nb % f.nics_per_node;
    std::vector<int> path;
    if (routing == Routing::kSpread) {
      const uint64_t k = next_port[{tree.PlaneOfNic(na), tree.LeafOfNic(na)}]++;
      path = tree.RouteVia(na, nb, k, k + static_cast<uint64_t>(tree.LeafOfNic(na)));
    } else {
      path = tree.Route(na, nb, pairs[i].salt);
    }
    out.flow_of_pair[i] = out.solver.AddFlow(std::move(path));
  }
  return out;
}

double GpuShare(const FabricSpec& f) {
  return f.nic_bandwidth * std::min(1.0, static_cast<double>(f.nics_per_node) / static_cast<double>(f.gpus_per_node));
}

}  // namespace

std::vector<GpuPair> RingPairs(const std::vector<std::vector<int64_t>>& groups) {
  std::vector<GpuPair> pairs;
  for (size_t g = 0; g < groups.size(); ++g) {
    const auto& ring = groups[g];
    const size_t n = ring.size();
    for (size_t i = 0; i < n && n > 1; ++i) pairs.push_back({ring[i], ring[(i + 1) % n], g});
  }
  return pairs;
}

std::vector<GpuPair> AllToAllPairs(const std::vector<std::vector<int64_t>>& groups) {
  std::vector<GpuPair> pairs;
  for (size_t g = 0; g < groups.size(); ++g) {
    for (int64_t a : groups[g]) {
      for (int64_t b : groups[g]) {
        if (a != b) pairs.push_back({a, b, g});
      }
    }
  }
  return pairs;
}

RingResult ConcurrentRingAllReduce(const FatTree& tree, const std::vector<std::vector<int64_t>>& groups, double bytes,
                                   double alpha, Routing routing) {
  const std::vector<GpuPair> pairs = RingPairs(groups);
  Flows flows = AddPairFlows(tree, pairs, routing);
  flows.solver.Solve();
  RingResult r;
  r.time_s.assign(groups.size(), 0);
  std::vector<double> step(groups.size(), 0);
  for (size_t i = 0; i < pairs.size(); ++i) {
    const int f = flows.flow_of_pair[i];
    if (f < 0) continue;
    const size_t g = pairs[i].salt;
    const double n = static_cast<double>(groups[g].size());
    step[g] = std::max(step[g], bytes / n / flows.solver.rates()[static_cast<size_t>(f)]);
  }
  for (size_t g = 0; g < groups.size(); ++g) {
    const double n = static_cast<double>(groups[g].size());
    if (n <= 1) continue;
    r.time_s[g] = 2 * (n - 1) * (step[g] + alpha);
    r.slowest_s = std::max(r.slowest_s, r.time_s[g]);
  }
  r.link_load = flows.solver.LinkLoads();
  return r;
}

double RingContentionFactor(const FatTree& tree, const std::vector<std::vector<int64_t>>& groups, Routing routing) {
  return PatternContention(tree, RingPairs(groups), routing).factor;
}

Contention PatternContention(const FatTree& tree, const std::vector<GpuPair>& pairs, Routing routing) {
  Flows flows = AddPairFlows(tree, pairs, routing);
  Contention c;
  c.fabric_flows = static_cast<int64_t>(flows.solver.flows());
  if (c.fabric_flows == 0) return c;
  const std::vector<double>& x = flows.solver.Solve();
  // Per source GPU: fabric transfers and its slowest one.
  std::map<int64_t, std::pair<int64_t, int>> per_gpu;  // gpu -> (n_g, slowest flow)
  for (size_t i = 0; i < pairs.size(); ++i) {
    const int f = flows.flow_of_pair[i];
    if (f < 0) continue;
    auto [it, fresh] = per_gpu.try_emplace(pairs[i].src, 0, f);
    ++it->second.first;
    if (x[static_cast<size_t>(f)] < x[static_cast<size_t>(it->second.second)]) it->second.second = f;
  }
  const double share = GpuShare(tree.spec());
  int slowest_flow = -1;
  c.factor = std::numeric_limits<double>::infinity();
  for (const auto& [gpu, v] : per_gpu) {
    const double fg = static_cast<double>(v.first) * x[static_cast<size_t>(v.second)] / share;
    if (fg < c.factor) {
      c.factor = fg;
      c.slowest_gpu = gpu;
      slowest_flow = v.second;
    }
  }
  c.factor = std::min(1.0, c.factor);
  // The link that holds the slowest flow back: the most utilised on its path.
  const std::vector<double> load = flows.solver.LinkLoads();
  const std::vector<int>& path = flows.solver.route(slowest_flow);
  for (int l : path) {
    const double u = load[static_cast<size_t>(l)] / tree.links()[static_cast<size_t>(l)].capacity;
    if (u > c.bottleneck_utilisation + 1e-12) {
      c.bottleneck_utilisation = u;
      c.bottleneck_link = l;
    }
  }
  if (c.bottleneck_link >= 0) c.bottleneck = tree.DescribeLink(c.bottleneck_link);
  return c;
}

}  // namespace cb::sim
