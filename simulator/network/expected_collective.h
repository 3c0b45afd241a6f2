// What the collective model expects of one collective on a cluster: the bus
// bandwidth that `validate`'s threshold.fraction_of_model holds a measured
// group against (docs/acceptance.md), from the same tiers the step simulator
// uses (network/collective_model.h).
//
// Tiers of a cluster (ClusterSpec) with a GPU's efficiencies e:
//   B_up  = scale_up.bandwidth · e.scale_up
//   B_nic = scale_out.nic_bandwidth · nics_per_node / gpus_per_node · e.scale_out
//   SHARP (scale_up.sharp): algbw 0.61 · scale_up.bandwidth inside a domain
// Expected bus bandwidth of op on S bytes over a group of n ranks, k of them
// per scale-up domain (nccl-tests' definition, doc/PERFORMANCE.md):
//   busbw = S · f_op(n) / t(S),   t from CollectiveTime (latency included,
//   so a small message expects less than B).
#ifndef CLUSTERBENCH_SIMULATOR_NETWORK_EXPECTED_COLLECTIVE_H_
#define CLUSTERBENCH_SIMULATOR_NETWORK_EXPECTED_COLLECTIVE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "simulator/cluster.h"
#include "simulator/compute/gpu_perf.h"
#include "simulator/network/collective_model.h"

namespace cb::sim {

// The tiers above (the one place CostModel and validate take them from).
FabricTiers TiersOf(const ClusterSpec& cluster, const Efficiencies& eff);

struct ExpectedCollective {
  double time_s = 0, algbw = 0, busbw = 0;
  Group group;
  std::string how;  // "model of CLUSTER: ... B = ..., latency ...", for reasons and reports
};

// Members of a group per scale-up domain from where its ranks ran (one host
// name per member): the most members on one host, times the nodes one domain
// spans (domain_gpus / gpus_per_node: NVL72), at most the group.
int64_t DomainMembersOfHosts(const std::vector<std::string>& hosts, const ClusterSpec& cluster);

// `per_domain` is clipped to [1, n]. n < 2 or bytes <= 0: all zero, `how` says why.
ExpectedCollective ExpectCollective(const ClusterSpec& cluster, const Efficiencies& eff, CollectiveOp op, double bytes,
                                    int64_t n, int64_t per_domain);

}  // namespace cb::sim

#endif  // CLUSTERBENCH_SIMULATOR_NETWORK_EXPECTED_COLLECTIVE_H_
