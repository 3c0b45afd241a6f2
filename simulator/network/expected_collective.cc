#include "simulator/network/expected_collective.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "core/units.h"

namespace cb::sim {

FabricTiers TiersOf(const ClusterSpec& c, const Efficiencies& e) {
  FabricTiers f;
  f.up_bandwidth = c.up_bandwidth * e.scale_up;
  f.up_alltoall_bandwidth = c.up_bandwidth * (e.scale_up_alltoall > 0 ? e.scale_up_alltoall : e.scale_up);
  f.up_latency = c.up_latency;
  f.nic_bandwidth =
      c.nic_bandwidth * static_cast<double>(c.nics_per_node) / static_cast<double>(c.gpus_per_node) * e.scale_out;
  f.out_latency = c.out_latency;
  f.domain_gpus = c.domain_gpus;
  // NVLS reaches ~0.61 of the per-direction link bandwidth as algbw (see
  // network/collective_model.h).
  if (c.sharp) f.sharp_bandwidth = c.up_bandwidth * 0.61;
  return f;
}

int64_t DomainMembersOfHosts(const std::vector<std::string>& hosts, const ClusterSpec& cluster) {
  std::map<std::string, int64_t> per_host;
  int64_t most = 0;
  for (const auto& h : hosts) most = std::max(most, ++per_host[h]);
  const int64_t nodes_per_domain =
      std::max<int64_t>(1, cluster.domain_gpus / std::max<int64_t>(1, cluster.gpus_per_node));
  return std::min<int64_t>(static_cast<int64_t>(hosts.size()), most * nodes_per_domain);
}

ExpectedCollective ExpectCollective(const ClusterSpec& cluster, const Efficiencies& eff, CollectiveOp op, double bytes,
                                    int64_t n, int64_t per_domain) {
  ExpectedCollective x;
  x.group = {n, std::clamp<int64_t>(per_domain, 1, std::max<int64_t>(n, 1))};
  if (n < 2 || bytes <= 0) {
    x.how =
        fmt::format("no model: {} over {} rank(s) of {} moves nothing", CollectiveOpName(op), n, FormatBytes(bytes));
    return x;
  }
  const FabricTiers f = TiersOf(cluster, eff);
  x.time_s = CollectiveTime(op, bytes, x.group, f);
  x.algbw = bytes / x.time_s;
  x.busbw = x.algbw * CollectiveBusFactor(op, static_cast<double>(n));
  const bool inside = x.group.per_domain >= n;
  const double b = GroupBusBandwidth(x.group, f);
  x.how = fmt::format("collective model of {}: {} of {} over {} ranks, {} per scale-up domain ({}): B = {}{}, t = {}",
                      cluster.name, CollectiveOpName(op), FormatBytes(bytes), n, x.group.per_domain,
                      inside ? "inside one domain" : "across domains", FormatQuantity(b, Dimension::kBandwidth),
                      inside ? fmt::format(" (scale-up {} x {:.2f})",
                                           FormatQuantity(cluster.up_bandwidth, Dimension::kBandwidth), eff.scale_up)
                             : fmt::format(" (min of scale-up, {} x NIC share {})", x.group.per_domain,
                                           FormatQuantity(f.nic_bandwidth, Dimension::kBandwidth)),
                      FormatQuantity(x.time_s, Dimension::kTime));
  return x;
}

}  // namespace cb::sim
