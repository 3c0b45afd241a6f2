#include "simulator/network/collective_model.h"

#include <algorithm>
#include <cmath>

namespace cb::sim {

double GroupBusBandwidth(const Group& g, const FabricTiers& f) {
  if (g.per_domain >= g.size) return f.up_bandwidth;
  return std::min(f.up_bandwidth, static_cast<double>(g.per_domain) * f.nic_bandwidth);
}

namespace {

double RingLatency(const Group& g, const FabricTiers& f) {
  const double n = static_cast<double>(g.size);
  if (g.per_domain >= g.size) return 2 * (n - 1) * f.up_latency;
  const double domains = n / static_cast<double>(g.per_domain);
  return 2 * (domains - 1) * f.out_latency + 2 * (n - domains) * f.up_latency;
}

double AllReduceLatency(const Group& g, const FabricTiers& f) {
  if (g.per_domain >= g.size) return RingLatency(g, f);
  const double k = static_cast<double>(g.per_domain);
  const double domains = static_cast<double>(g.size) / k;
  double tree = 2 * (std::log2(domains) * f.out_latency + (k - 1) * f.up_latency);
  return std::min(RingLatency(g, f), tree);
}

}  // namespace

double CollectiveTime(Collective op, double bytes, const Group& g, const FabricTiers& f) {
  if (g.size <= 1 || bytes <= 0) return 0;
  const double n = static_cast<double>(g.size);
  const double bw = GroupBusBandwidth(g, f);
  const bool inside = g.per_domain >= g.size;
  switch (op) {
    case Collective::kAllReduce: {
      double ring = CollectiveBusFactor(op, n) * bytes / bw + AllReduceLatency(g, f);
      if (inside && f.sharp_bandwidth > 0) return std::min(ring, bytes / f.sharp_bandwidth + 2 * f.up_latency);
      return ring;
    }
    case Collective::kAllGather:
    case Collective::kReduceScatter:
      // NCCL runs all-gather and reduce-scatter as rings only (its tree and
      // CollNet algorithms serve all-reduce): n - 1 steps of latency.
    case Collective::kBroadcast:
    case Collective::kReduce:
      // A pipelined ring too: every byte crosses each link once (bus factor 1).
      return CollectiveBusFactor(op, n) * bytes / bw + RingLatency(g, f) / 2;
    case Collective::kAllToAll:
    case Collective::kGather:
    case Collective::kScatter:
    case Collective::kAllToAllv:
      return AllToAllTime(bytes, g, f, 1.0);
    case Collective::kSendRecv:
      return inside ? bytes / f.up_bandwidth + f.up_latency : bytes / f.nic_bandwidth + f.out_latency;
  }
  return 0;
}

double AllToAllTime(double bytes, const Group& g, const FabricTiers& f, double remote_scale) {
  if (g.size <= 1 || bytes <= 0) return 0;
  const double n = static_cast<double>(g.size);
  const double up = f.up_alltoall_bandwidth > 0 ? f.up_alltoall_bandwidth : f.up_bandwidth;
  if (g.per_domain >= g.size) return (n - 1) / n * bytes / up + f.up_latency;
  const double k = static_cast<double>(g.per_domain);
  double out = (n - k) / n * bytes * remote_scale / f.nic_bandwidth;
  double in = (k - 1) / n * bytes / up;
  return std::max(out, in) + f.out_latency;
}

}  // namespace cb::sim
