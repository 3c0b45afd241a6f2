// Scale-out fabric as a graph: folded-Clos (fat-tree) switch tiers, built
// from the cluster YAML, with deterministic ECMP routes.
//
// Construction (per plane; NIC rail r attaches to plane r mod planes):
//   endpoints E (NICs), ordered rail-major when rail-optimised (all rail-0
//   NICs, then rail 1, ...: every leaf serves one rail) or node-major.
//   A tier-t switch of radix R with oversubscription o has
//     d_t = round(R·o/(1+o)) ports down and u_t = R - d_t up;
//   the top tier has all R ports down.
//   1 tier:  one switch, E <= R.
//   2 tiers: L1 = ceil(E/d1) leaves; u1 spines, each leaf linked once to
//            every spine, so a spine needs L1 <= R2 ports.
//   3 tiers: pods of d2 leaves and u1 spines (leaf-spine complete inside the
//            pod); P = ceil(L1/d2) pods; u1·u2 cores, core (j, m) linked to
//            spine j of every pod, so a core needs P <= R3 ports.
//   (Al-Fares, Loukissas, Vahdat, "A Scalable, Commodity Data Center Network
//   Architecture", SIGCOMM 2008: a 3-tier fat tree of radix k holds k³/4
//   hosts.) A cluster needing more ports is a ConfigError naming the radix it
//   would need.
// Capacities: NIC-leaf links at the NIC bandwidth, tier t's uplinks at
// tiers[t].bandwidth (default: the NIC bandwidth). Every physical link is two
// directed links, one per direction, each with the full capacity.
// Bisection bandwidth (balanced halves of a Clos): min over the cuts above each
// tier of the capacity crossing it, halved:
//   B_bis = min(E·b, L1·u1·b1, S2·u2·b2) / 2.
// Routing: up to the lowest common tier, then down; the up port at each tier
// is chosen by hashing (src, dst, salt) — ECMP — so one flow always takes one
// path and different flows spread (or collide) as on real switches.
#ifndef CLUSTERBENCH_SIMULATOR_TOPOLOGY_FAT_TREE_H_
#define CLUSTERBENCH_SIMULATOR_TOPOLOGY_FAT_TREE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/config.h"
#include "simulator/cluster.h"

namespace cb::sim {

struct TierSpec {
  int64_t radix = 0;
  double oversubscription = 1;
  double bandwidth = 0;  // of this tier's uplinks
  double latency = 0;
};

struct FabricSpec {
  std::string name;
  int64_t gpus = 0, gpus_per_node = 8, nics_per_node = 8, planes = 1;
  int64_t domain_gpus = 8;  // scale-up domain (NVLink): GPUs that talk without the fabric
  double nic_bandwidth = 0, nic_latency = 0;
  bool rail_optimized = true;
  bool balanced_routing = false;  // scale_out.routing: balanced (else ecmp hashing)
  std::vector<TierSpec> tiers;
};

// From a validated cluster document; throws ConfigError naming the key when
// scale_out.tiers is missing or the numbers do not fit together.
FabricSpec FabricFromConfig(const ConfigNode& cluster);

struct DirectedLink {
  int64_t from = 0, to = 0;  // vertex ids: NICs 0..E-1, then switches
  int tier = 0;              // 0: NIC-leaf, 1: leaf-spine, 2: spine-core
  bool up = true;
  double capacity = 0;
};

struct TierSummary {
  int tier = 1;  // 1 = leaf
  int64_t switches = 0, radix = 0, down_ports = 0, up_ports = 0;
  int64_t ports_used_down = 0;  // most ports any switch of the tier uses downward
  double oversubscription = 1;  // down capacity / up capacity (0 at the top)
};

class FatTree {
 public:
  static FatTree Build(const FabricSpec& spec);

  const FabricSpec& spec() const { return spec_; }
  int64_t endpoints() const { return endpoints_; }  // NICs
  const std::vector<TierSummary>& tiers() const { return tiers_; }
  const std::vector<DirectedLink>& links() const { return links_; }
  int64_t physical_links() const { return static_cast<int64_t>(links_.size() / 2); }
  double bisection_bandwidth() const { return bisection_; }

  // The NIC a GPU uses: its node's NIC of rail (local index mod NICs).
  int64_t NicOfGpu(int64_t gpu) const;
  int64_t PlaneOfNic(int64_t nic) const;
  // Heterogeneity. A degraded link carries `fraction` of its capacity (both
  // directions of the physical link whose up direction is `up_link`); a
  // failed link carries nothing and routes avoid it: the next healthy up
  // port (j+1, j+2, ... at the leaf; m+1, ... at the spine) takes its flows,
  // as ECMP does once the link drops out of the group. Throws RuntimeError
  // when no healthy path is left.
  void DegradeLink(int up_link, double fraction);
  void FailLink(int up_link);
  bool failed(int link) const { return failed_[static_cast<size_t>(link)]; }
  // Physical link p (row p of `clusterbench topology`'s links table) is the
  // directed pair (2p up, 2p + 1 down).
  static int UpLinkOf(int64_t physical) { return static_cast<int>(2 * physical); }
  // "link 8200 plane 0 leaf 17 -> plane 0 spine 3": the physical link's id
  // and what its direction joins, in the words of the topology report.
  std::string DescribeLink(int link) const;

  // The leaf switch (index within its plane) a NIC hangs off.
  int64_t LeafOfNic(int64_t nic) const;
  // Directed link ids from src NIC to dst NIC (empty when src == dst);
  // throws RuntimeError when they are on different planes (no path).
  std::vector<int> Route(int64_t src_nic, int64_t dst_nic, uint64_t salt = 0) const;
  // The same path with the up ports given (j at the leaf, m at the spine,
  // each taken modulo the ports there): adaptive routing or packet spraying
  // spreads flows this way instead of hashing.
  std::vector<int> RouteVia(int64_t src_nic, int64_t dst_nic, uint64_t j, uint64_t m) const;

 private:
  struct Plane {
    std::vector<int64_t> nics;  // position -> NIC id
    int64_t leaves = 0, pods = 1, spines_per_pod = 0, cores_per_spine = 0;
    int64_t d1 = 0, u1 = 0, d2 = 0, u2 = 0;
    int64_t leaf_base = 0, spine_base = 0, core_base = 0;  // vertex ids
    std::vector<int> leaf_up, leaf_down;                   // [leaf * u1 + j]
    std::vector<int> spine_up, spine_down;                 // [spine * u2 + m]
  };
  int AddLinkPair(int64_t a, int64_t b, int tier, double capacity);  // returns the up link; down = up + 1
  // Build's steps, in order.
  void AssignNicsToPlanes();        // NIC order per plane (rail-major when rail-optimised)
  void SizePlane(Plane& p) const;   // ports per tier, leaves, pods; ConfigError when they do not fit
  void AddPlaneVertices(Plane& p);  // vertex ids of its switches
  struct Cuts {
    double endpoints = 0, tier1 = 0, tier2 = 0;  // capacity crossing each cut, for the bisection
  };
  void WirePlane(Plane& p, Cuts* cuts);  // NIC-leaf, leaf-spine (inside pods), spine-core links
  void Summarise(const Plane& p, std::vector<TierSummary>* summary) const;  // switch and port counts

  FabricSpec spec_;
  int64_t endpoints_ = 0, vertices_ = 0;
  std::vector<Plane> planes_;
  std::vector<int64_t> nic_plane_, nic_pos_;  // per NIC
  std::vector<int> nic_up_;                   // per NIC: its up link (down = +1)
  std::vector<DirectedLink> links_;
  std::vector<bool> failed_;  // per directed link
  std::vector<TierSummary> tiers_;
  double bisection_ = 0;
  int levels_ = 0;
};

}  // namespace cb::sim

#endif  // CLUSTERBENCH_SIMULATOR_TOPOLOGY_FAT_TREE_H_
