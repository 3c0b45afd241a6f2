#include "simulator/cluster.h"

#include <fmt/format.h>

#include <algorithm>

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
  c.planes = cluster.GetInt("scale_out.planes", 1);
  // A run on part of one node (4 of a DGX's 8 GPUs, 2 of a GB200 tray's 4): one node of that many GPUs with
  // their share of its NICs, so single-node benchmarks on fewer GPUs than a node simulate as they ran. A share
  // that is not whole NICs (1 GPU of a node with a NIC per 2) stays as it is, and a fabric refuses it.
  if (c.gpus > 0 && c.gpus < c.gpus_per_node && c.gpus_per_node % c.gpus == 0 &&
      (c.nics_per_node * c.gpus) % c.gpus_per_node == 0) {
    c.nics_per_node = c.nics_per_node * c.gpus / c.gpus_per_node;
    if (c.domain_gpus == c.gpus_per_node) c.domain_gpus = c.gpus;  // a node-sized NVLink domain shrinks with it
    c.gpus_per_node = c.gpus;
    c.planes = std::min(c.planes, c.nics_per_node);  // its NICs attach to as many planes as there are NICs
  }
  return c;
}

}  // namespace cb::sim
