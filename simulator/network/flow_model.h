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
#ifndef CLUSTERBENCH_SIMULATOR_NETWORK_FLOW_MODEL_H_
#define CLUSTERBENCH_SIMULATOR_NETWORK_FLOW_MODEL_H_

#include <cstdint>
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

}  // namespace cb::sim

#endif  // CLUSTERBENCH_SIMULATOR_NETWORK_FLOW_MODEL_H_
