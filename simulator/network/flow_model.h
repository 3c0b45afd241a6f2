// Collectives as flows on a fabric graph, shared max-min fairly
// (network/maxmin.h), for when groups contend for links.
//
// A ring all-reduce of S bytes over n ranks is 2(n-1) steps; in each step
// every rank sends S/n to its ring successor, all at once, and the step ends
// when its slowest flow has (bulk-synchronous, as NCCL's ring proceeds at the
// pace of its slowest link):
//   t = 2(n-1) · ( max_f (S/n) / x_f + alpha )
// with x_f the flow's max-min fair rate among every flow of every group that
// runs at the same time. On a non-blocking fat tree without collisions each
// x_f is the NIC bandwidth b and t = 2(n-1)/n · S/b + 2(n-1)·alpha — the
// analytical model's formula (network/collective_model.h), which the tests
// check both give.
//
// Other patterns are sets of simultaneous GPU-to-GPU transfers of equal size
// (one algorithm step): a ring's hops (ring all-reduce, all-gather,
// reduce-scatter, ring attention), pairwise exchange (all-to-all: every
// member to every other), pipeline sends (stage s to stage s+1). A GPU g with
// n_g transfers across the fabric finishes them, uncontended, in n_g·m/b_g
// (m bytes each, b_g its share of the node's NICs); contended, in
// max_f m/x_f. The pattern's contention factor is the worst GPU's ratio
//   F = min_g  n_g · min_{f from g} x_f / b_g      (1 = no contention),
// by which the analytical model's scale-out bandwidth is multiplied. For a
// ring n_g = 1 and F = min_f x_f / b_g.
// Transfers between GPUs of one scale-up domain (a node, or a rack of nodes
// for NVL72) use NVLink and are left out. A transfer to another rail goes through the sending node's NIC of the
// destination's rail (NCCL's PXN: NVLink to the local GPU of that rail
// first), so rail-optimised planes never need a cross-plane path.
#ifndef CLUSTERBENCH_SIMULATOR_NETWORK_FLOW_MODEL_H_
#define CLUSTERBENCH_SIMULATOR_NETWORK_FLOW_MODEL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "simulator/topology/fat_tree.h"

namespace cb::sim {

enum class Routing { kEcmpHash, kSpread };

struct RingResult {
  std::vector<double> time_s;  // per group
  double slowest_s = 0;
  std::vector<double> link_load;  // bytes/s per directed link during a step
};

// Every group (GPU ids in ring order) runs one ring all-reduce of `bytes` at
// the same time. GPUs of one group on one node exchange over the scale-up
// domain (not modelled here: such a flow is left out).
RingResult ConcurrentRingAllReduce(const FatTree& tree, const std::vector<std::vector<int64_t>>& groups, double bytes,
                                   double alpha, Routing routing = Routing::kEcmpHash);

// How much the slowest fabric flow of concurrent rings is slowed by
// contention: min_f x_f / b_gpu, where b_gpu is one GPU's uncontended share of
// its node's NICs. 1 when no flow is slowed (or no flow crosses the fabric).
double RingContentionFactor(const FatTree& tree, const std::vector<std::vector<int64_t>>& groups,
                            Routing routing = Routing::kEcmpHash);

// One transfer of a pattern; `salt` feeds the ECMP hash (flows of one group
// share it, as one communicator's connections do).
struct GpuPair {
  int64_t src = 0, dst = 0;
  uint64_t salt = 0;
};
// Ring hops i -> i+1 of every group; salt = group index.
std::vector<GpuPair> RingPairs(const std::vector<std::vector<int64_t>>& groups);
// Every ordered pair of members of every group (pairwise-exchange all-to-all).
std::vector<GpuPair> AllToAllPairs(const std::vector<std::vector<int64_t>>& groups);

struct Contention {
  double factor = 1;                  // F above
  int64_t fabric_flows = 0;           // transfers that cross the fabric
  int64_t slowest_gpu = -1;           // the GPU that sets F (-1: no fabric flow)
  int bottleneck_link = -1;           // most utilised directed link on that GPU's slowest flow
  double bottleneck_utilisation = 0;  // its load / capacity
  std::string bottleneck;             // FatTree::DescribeLink of it
};
Contention PatternContention(const FatTree& tree, const std::vector<GpuPair>& pairs,
                             Routing routing = Routing::kEcmpHash);

}  // namespace cb::sim

#endif  // CLUSTERBENCH_SIMULATOR_NETWORK_FLOW_MODEL_H_
