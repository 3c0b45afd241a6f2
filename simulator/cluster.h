// The cluster document read once (issue 16: one owner per rule). Every part of
// the simulator that needs a cluster's nodes, scale-up domain or NICs takes
// them from ClusterFromConfig, so defaults cannot drift between readers (the
// scenario and the fat-tree builder used to default scale_up.domain_gpus
// differently: 8 and gpus_per_node).
#ifndef CLUSTERBENCH_SIMULATOR_CLUSTER_H_
#define CLUSTERBENCH_SIMULATOR_CLUSTER_H_

#include <cstdint>
#include <string>

#include "core/config.h"

namespace cb::sim {

struct ClusterSpec {
  std::string name;
  int64_t gpus = 0, gpus_per_node = 8, domain_gpus = 8, nics_per_node = 8;
  int64_t planes = 1;  // scale-out planes the NICs attach to
  double up_bandwidth = 0, up_latency = 0, nic_bandwidth = 0, out_latency = 0;
  bool sharp = false;           // NVLink SHARP in the scale-up switches
  double gpu_variation = 0;     // relative std. dev. of GPU speed (slowest-of-N); config default 1.75%
  double overlap_slowdown = 0;  // compute slowdown beside a running collective; config default 18.9%
};

// From a validated cluster document. scale_up.domain_gpus defaults to the
// node (gpus_per_node): without it, GPUs talk over NVLink only inside their
// node.
ClusterSpec ClusterFromConfig(const ConfigNode& cluster);

}  // namespace cb::sim

#endif  // CLUSTERBENCH_SIMULATOR_CLUSTER_H_
