#include "simulator/topology/fat_tree.h"

#include <fmt/format.h>
#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace cb::sim {
namespace {

uint64_t Mix(uint64_t x) {  // splitmix64: a fixed, well-spread hash
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

int64_t Down(const TierSpec& t, bool top) {
  if (top) return t.radix;
  return std::clamp<int64_t>(std::llround(static_cast<double>(t.radix) * t.oversubscription / (1 + t.oversubscription)),
                             1, t.radix - 1);
}

}  // namespace

FabricSpec FabricFromConfig(const ConfigNode& cluster) {
  // The fields every reader shares come from the one cluster reader.
  const ClusterSpec c = ClusterFromConfig(cluster);
  FabricSpec f;
  f.name = c.name;
  f.gpus = c.gpus;
  f.gpus_per_node = c.gpus_per_node;
  f.domain_gpus = c.domain_gpus;
  f.nics_per_node = c.nics_per_node;
  f.nic_bandwidth = c.nic_bandwidth;
  f.nic_latency = c.out_latency;
  f.rail_optimized = cluster.at("scale_out.topology").AsString() == "rail-optimized";
  f.planes = c.planes;
  f.balanced_routing = cluster.GetString("scale_out.routing", "ecmp") == "balanced";
  const ConfigNode* tiers = cluster.Find("scale_out.tiers");
  if (!tiers || tiers->items().empty()) {
    throw ConfigError(
        fmt::format("{}: key '{}': the cluster has no scale_out.tiers (switch radix and "
                    "oversubscription per tier), which a topology needs",
                    cluster.where(), cluster.path().empty() ? "scale_out.tiers" : cluster.path() + ".scale_out.tiers"));
  }
  if (tiers->items().size() > 3) {
    throw ConfigError(fmt::format("{}: key '{}': {} tiers; up to 3 are supported", tiers->where(), tiers->path(),
                                  tiers->items().size()));
  }
  if (f.nics_per_node < 1) {
    throw ConfigError(fmt::format("{}: key '{}': a scale-out topology needs at least one NIC per node",
                                  cluster.at("scale_out.nics_per_node").where(),
                                  cluster.at("scale_out.nics_per_node").path()));
  }
  if (f.planes > f.nics_per_node) {
    throw ConfigError(fmt::format("{}: key '{}': {} planes but only {} NICs per node to attach to them",
                                  cluster.at("scale_out.planes").where(), cluster.at("scale_out.planes").path(),
                                  f.planes, f.nics_per_node));
  }
  if (f.gpus % f.gpus_per_node != 0) {
    throw ConfigError(fmt::format("{}: key '{}': {} GPUs are not whole nodes of {}", cluster.at("gpus").where(),
                                  cluster.at("gpus").path(), f.gpus, f.gpus_per_node));
  }
  for (const ConfigNode& t : tiers->items()) {
    TierSpec s;
    s.radix = t.at("radix").AsInt();
    s.oversubscription = t.GetDouble("oversubscription", 1);
    s.bandwidth = t.GetDouble("bandwidth", f.nic_bandwidth);
    s.latency = t.GetDouble("latency", 600e-9);
    f.tiers.push_back(s);
  }
  return f;
}

int FatTree::AddLinkPair(int64_t a, int64_t b, int tier, double capacity) {
  links_.push_back({a, b, tier, true, capacity});
  links_.push_back({b, a, tier, false, capacity});
  failed_.push_back(false);
  failed_.push_back(false);
  return static_cast<int>(links_.size() - 2);
}

void FatTree::AssignNicsToPlanes() {
  const FabricSpec& spec = spec_;
  const int64_t nodes = spec.gpus / spec.gpus_per_node;
  nic_plane_.assign(static_cast<size_t>(endpoints_), 0);
  nic_pos_.assign(static_cast<size_t>(endpoints_), 0);
  nic_up_.assign(static_cast<size_t>(endpoints_), -1);
  planes_.resize(static_cast<size_t>(spec.planes));
  auto place = [&](int64_t nic, int64_t plane) {
    Plane& p = planes_[static_cast<size_t>(plane)];
    nic_plane_[static_cast<size_t>(nic)] = plane;
    nic_pos_[static_cast<size_t>(nic)] = static_cast<int64_t>(p.nics.size());
    p.nics.push_back(nic);
  };
  if (spec.rail_optimized) {
    // Rail-major: every node's rail-r NIC sits under the same leaves.
    for (int64_t rail = 0; rail < spec.nics_per_node; ++rail) {
      for (int64_t node = 0; node < nodes; ++node) place(node * spec.nics_per_node + rail, rail % spec.planes);
    }
  } else {
    for (int64_t nic = 0; nic < endpoints_; ++nic) place(nic, (nic % spec.nics_per_node) % spec.planes);
  }
}

void FatTree::SizePlane(Plane& p) const {
  const FabricSpec& spec = spec_;
  const int L = levels_;
  const int64_t E = static_cast<int64_t>(p.nics.size());
  const TierSpec& t1 = spec.tiers[0];
  p.d1 = Down(t1, L == 1);
  p.u1 = L == 1 ? 0 : t1.radix - p.d1;
  p.leaves = (E + p.d1 - 1) / p.d1;
  if (L == 1 && E > t1.radix) {
    throw ConfigError(
        fmt::format("cluster '{}': {} NICs on one plane need one switch of radix {}, but "
                    "scale_out.tiers.0.radix is {} (add tiers)",
                    spec.name, E, E, t1.radix));
  }
  if (L < 2) return;
  const TierSpec& t2 = spec.tiers[1];
  p.d2 = Down(t2, L == 2);
  p.u2 = L == 2 ? 0 : t2.radix - p.d2;
  if (L == 2) {
    p.pods = 1;
    if (p.leaves > t2.radix) {
      throw ConfigError(fmt::format(
          "cluster '{}': {} leaves per plane need spines of radix {}, but scale_out.tiers.1.radix is {} (a 2-tier "
          "fat tree of radix k holds k²/2 hosts; add a tier or raise the radix)",
          spec.name, p.leaves, p.leaves, t2.radix));
    }
  } else {
    p.pods = (p.leaves + p.d2 - 1) / p.d2;
    const TierSpec& t3 = spec.tiers[2];
    if (p.pods > t3.radix) {
      throw ConfigError(fmt::format(
          "cluster '{}': {} pods per plane need core switches of radix {}, but scale_out.tiers.2.radix is {} (a "
          "3-tier fat tree of radix k holds k³/4 hosts)",
          spec.name, p.pods, p.pods, t3.radix));
    }
  }
  p.spines_per_pod = p.u1;
  p.cores_per_spine = p.u2;
}

void FatTree::AddPlaneVertices(Plane& p) {
  p.leaf_base = vertices_;
  vertices_ += p.leaves;
  p.spine_base = vertices_;
  vertices_ += p.pods * p.spines_per_pod;
  p.core_base = vertices_;
  vertices_ += p.spines_per_pod * p.cores_per_spine;
}

void FatTree::WirePlane(Plane& p, Cuts* cuts) {
  const FabricSpec& spec = spec_;
  const int L = levels_;
  const int64_t E = static_cast<int64_t>(p.nics.size());
  // NIC <-> leaf.
  for (int64_t i = 0; i < E; ++i) {
    int64_t nic = p.nics[static_cast<size_t>(i)];
    nic_up_[static_cast<size_t>(nic)] = AddLinkPair(nic, p.leaf_base + i / p.d1, 0, spec.nic_bandwidth);
  }
  cuts->endpoints += static_cast<double>(E) * spec.nic_bandwidth;
  // Leaf <-> spine: complete inside each pod.
  if (L >= 2) {
    const double b1 = spec.tiers[0].bandwidth;
    p.leaf_up.assign(static_cast<size_t>(p.leaves * p.u1), -1);
    for (int64_t leaf = 0; leaf < p.leaves; ++leaf) {
      int64_t pod = L == 2 ? 0 : leaf / p.d2;
      for (int64_t j = 0; j < p.u1; ++j) {
        p.leaf_up[static_cast<size_t>(leaf * p.u1 + j)] =
            AddLinkPair(p.leaf_base + leaf, p.spine_base + pod * p.spines_per_pod + j, 1, b1);
      }
    }
    cuts->tier1 += static_cast<double>(p.leaves * p.u1) * b1;
  }
  // Spine <-> core: core (j, m) to spine j of every pod.
  if (L == 3) {
    const double b2 = spec.tiers[1].bandwidth;
    p.spine_up.assign(static_cast<size_t>(p.pods * p.spines_per_pod * p.u2), -1);
    for (int64_t pod = 0; pod < p.pods; ++pod) {
      for (int64_t j = 0; j < p.spines_per_pod; ++j) {
        int64_t spine = pod * p.spines_per_pod + j;
        for (int64_t m = 0; m < p.u2; ++m) {
          p.spine_up[static_cast<size_t>(spine * p.u2 + m)] =
              AddLinkPair(p.spine_base + spine, p.core_base + j * p.cores_per_spine + m, 2, b2);
        }
      }
    }
    cuts->tier2 += static_cast<double>(p.pods * p.spines_per_pod * p.u2) * b2;
  }
}

void FatTree::Summarise(const Plane& p, std::vector<TierSummary>* summary) const {
  // Planes are identical in shape; counts add up.
  const int L = levels_;
  const int64_t E = static_cast<int64_t>(p.nics.size());
  std::vector<TierSummary>& s = *summary;
  s[0].switches += p.leaves;
  s[0].down_ports = p.d1;
  s[0].up_ports = p.u1;
  s[0].ports_used_down = std::max(s[0].ports_used_down, std::min(E, p.d1));
  if (L >= 2) {
    s[1].switches += p.pods * p.spines_per_pod;
    s[1].down_ports = L == 2 ? spec_.tiers[1].radix : p.d2;
    s[1].up_ports = p.u2;
    s[1].ports_used_down = std::max(s[1].ports_used_down, L == 2 ? p.leaves : std::min(p.leaves, p.d2));
  }
  if (L == 3) {
    s[2].switches += p.spines_per_pod * p.cores_per_spine;
    s[2].down_ports = spec_.tiers[2].radix;
    s[2].ports_used_down = std::max(s[2].ports_used_down, p.pods);
  }
}

FatTree FatTree::Build(const FabricSpec& spec) {
  FatTree t;
  t.spec_ = spec;
  t.levels_ = static_cast<int>(spec.tiers.size());
  t.endpoints_ = spec.gpus / spec.gpus_per_node * spec.nics_per_node;
  t.AssignNicsToPlanes();
  t.vertices_ = t.endpoints_;
  const int L = t.levels_;
  std::vector<TierSummary> summary(static_cast<size_t>(L));
  for (int i = 0; i < L; ++i) {
    summary[static_cast<size_t>(i)].tier = i + 1;
    summary[static_cast<size_t>(i)].radix = spec.tiers[static_cast<size_t>(i)].radix;
  }
  Cuts cuts;
  for (Plane& p : t.planes_) {
    if (p.nics.empty()) continue;
    t.SizePlane(p);
    t.AddPlaneVertices(p);
    t.WirePlane(p, &cuts);
    t.Summarise(p, &summary);
  }
  // Oversubscription per tier: capacity in from below over capacity up.
  for (int i = 0; i + 1 < L; ++i) {
    TierSummary& s = summary[static_cast<size_t>(i)];
    double below = i == 0 ? spec.nic_bandwidth : spec.tiers[static_cast<size_t>(i - 1)].bandwidth;
    s.oversubscription = (static_cast<double>(s.down_ports) * below) /
                         (static_cast<double>(s.up_ports) * spec.tiers[static_cast<size_t>(i)].bandwidth);
  }
  if (L > 0) summary[static_cast<size_t>(L - 1)].oversubscription = 0;
  t.tiers_ = summary;
  double cut = cuts.endpoints;
  if (L >= 2) cut = std::min(cut, cuts.tier1);
  if (L == 3) cut = std::min(cut, cuts.tier2);
  t.bisection_ = cut / 2;
  return t;
}

void FatTree::DegradeLink(int up, double fraction) {
  if (up < 0 || static_cast<size_t>(up) + 1 >= links_.size() || !links_[static_cast<size_t>(up)].up) {
    throw RuntimeError(fmt::format("fabric: {} is not the up direction of a link", up));
  }
  if (!(fraction > 0) || fraction > 1) {
    throw RuntimeError(
        fmt::format("fabric: a degraded link keeps a fraction in (0, 1] of its bandwidth, not {}", fraction));
  }
  links_[static_cast<size_t>(up)].capacity *= fraction;
  links_[static_cast<size_t>(up) + 1].capacity *= fraction;
}

void FatTree::FailLink(int up) {
  if (up < 0 || static_cast<size_t>(up) + 1 >= links_.size() || !links_[static_cast<size_t>(up)].up) {
    throw RuntimeError(fmt::format("fabric: {} is not the up direction of a link", up));
  }
  failed_[static_cast<size_t>(up)] = failed_[static_cast<size_t>(up) + 1] = true;
}

std::string FatTree::DescribeLink(int link) const {
  if (link < 0 || static_cast<size_t>(link) >= links_.size()) return fmt::format("link {} (none such)", link);
  auto vertex = [&](int64_t v) -> std::string {
    if (v < endpoints_) return fmt::format("NIC {} (node {})", v, v / spec_.nics_per_node);
    for (size_t pi = 0; pi < planes_.size(); ++pi) {
      const Plane& p = planes_[pi];
      if (v >= p.leaf_base && v < p.leaf_base + p.leaves) return fmt::format("plane {} leaf {}", pi, v - p.leaf_base);
      if (v >= p.spine_base && v < p.spine_base + p.pods * p.spines_per_pod)
        return fmt::format("plane {} spine {}", pi, v - p.spine_base);
      if (v >= p.core_base && v < p.core_base + p.spines_per_pod * p.cores_per_spine)
        return fmt::format("plane {} core {}", pi, v - p.core_base);
    }
    return fmt::format("vertex {}", v);
  };
  const DirectedLink& l = links_[static_cast<size_t>(link)];
  return fmt::format("link {} {} -> {}{}", link / 2, vertex(l.from), vertex(l.to),
                     failed_[static_cast<size_t>(link)] ? " (failed)" : "");
}

int64_t FatTree::NicOfGpu(int64_t gpu) const {
  int64_t node = gpu / spec_.gpus_per_node, local = gpu % spec_.gpus_per_node;
  return node * spec_.nics_per_node + local % spec_.nics_per_node;
}

int64_t FatTree::PlaneOfNic(int64_t nic) const { return nic_plane_[static_cast<size_t>(nic)]; }

int64_t FatTree::LeafOfNic(int64_t nic) const {
  const Plane& p = planes_[static_cast<size_t>(nic_plane_[static_cast<size_t>(nic)])];
  return nic_pos_[static_cast<size_t>(nic)] / p.d1;
}

std::vector<int> FatTree::Route(int64_t src, int64_t dst, uint64_t salt) const {
  const uint64_t h = Mix(Mix(static_cast<uint64_t>(src) * 0x100000001b3ull ^ static_cast<uint64_t>(dst)) + salt);
  return RouteVia(src, dst, h, h >> 32);
}

std::vector<int> FatTree::RouteVia(int64_t src, int64_t dst, uint64_t jj, uint64_t mm) const {
  std::vector<int> path;
  if (src == dst) return path;
  const int64_t ps = nic_plane_[static_cast<size_t>(src)], pd = nic_plane_[static_cast<size_t>(dst)];
  if (ps != pd) {
    throw RuntimeError(fmt::format("no scale-out path from NIC {} (plane {}) to NIC {} (plane {})", src, ps, dst, pd));
  }
  const Plane& p = planes_[static_cast<size_t>(ps)];
  const int64_t ls = nic_pos_[static_cast<size_t>(src)] / p.d1, ld = nic_pos_[static_cast<size_t>(dst)] / p.d1;
  if (failed_[static_cast<size_t>(nic_up_[static_cast<size_t>(src)])] ||
      failed_[static_cast<size_t>(nic_up_[static_cast<size_t>(dst)])]) {
    throw RuntimeError(fmt::format("fabric: NIC {} or NIC {} has lost its link", src, dst));
  }
  path.push_back(nic_up_[static_cast<size_t>(src)]);
  if (ls != ld) {
    const int64_t pod_s = levels_ == 3 ? ls / p.d2 : 0, pod_d = levels_ == 3 ? ld / p.d2 : 0;
    // The hashed port first, then the next ones: a failed link drops out of
    // the ECMP group and its flows move on.
    for (int64_t tj = 0; tj < p.u1; ++tj) {
      const int64_t j = static_cast<int64_t>((jj + static_cast<uint64_t>(tj)) % static_cast<uint64_t>(p.u1));
      const int up1 = p.leaf_up[static_cast<size_t>(ls * p.u1 + j)];
      const int down1 = p.leaf_up[static_cast<size_t>(ld * p.u1 + j)] + 1;  // spine -> leaf
      if (failed_[static_cast<size_t>(up1)] || failed_[static_cast<size_t>(down1)]) continue;
      if (pod_s == pod_d) {
        path.push_back(up1);
        path.push_back(down1);
        break;
      }
      const int64_t spine_s = pod_s * p.spines_per_pod + j, spine_d = pod_d * p.spines_per_pod + j;
      for (int64_t tm = 0; tm < p.u2; ++tm) {
        const int64_t m = static_cast<int64_t>((mm + static_cast<uint64_t>(tm)) % static_cast<uint64_t>(p.u2));
        const int up2 = p.spine_up[static_cast<size_t>(spine_s * p.u2 + m)];
        const int down2 = p.spine_up[static_cast<size_t>(spine_d * p.u2 + m)] + 1;  // core -> spine
        if (failed_[static_cast<size_t>(up2)] || failed_[static_cast<size_t>(down2)]) continue;
        path.insert(path.end(), {up1, up2, down2, down1});
        break;
      }
      if (path.size() > 1) break;
    }
    if (path.size() == 1) {
      throw RuntimeError(fmt::format("fabric: no healthy path from NIC {} to NIC {} (failed links)", src, dst));
    }
  }
  path.push_back(nic_up_[static_cast<size_t>(dst)] + 1);  // leaf -> NIC
  return path;
}

}  // namespace cb::sim
