#include "simulator/cluster.h"

#include <fmt/format.h>

#include "core/error.h"

namespace cb::sim {

ClusterSpec ClusterFromConfig(const ConfigNode& cluster) {
  ClusterSpec c;
  c.name = cluster.at("name").AsString();
  c.gpus = cluster.at("gpus").AsInt();
  c.gpus_per_node = cluster.at("gpus_per_node").AsInt();
  c.domain_gpus = cluster.GetInt("scale_up.domain_gpus", c.gpus_per_node);
  c.up_bandwidth = cluster.at("scale_up.bandwidth").AsDouble();
  c.up_latency = cluster.at("scale_up.latency").AsDouble();
  c.sharp = cluster.GetBool("scale_up.sharp", false);
  c.gpu_variation = cluster.at("gpu_variation").AsDouble();        // default and its source: the cluster schema
  c.overlap_slowdown = cluster.at("overlap_slowdown").AsDouble();  // likewise
  c.nics_per_node = cluster.at("scale_out.nics_per_node").AsInt();
  c.nic_bandwidth = cluster.at("scale_out.nic_bandwidth").AsDouble();
  c.out_latency = cluster.at("scale_out.latency").AsDouble();
  return c;
}

}  // namespace cb::sim
