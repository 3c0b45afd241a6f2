#include "acceptance/model/model_adapter.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>

#include "calibrate/profile.h"
#include "core/collective_op.h"
#include "core/error.h"
#include "core/units.h"
#include "simulator/network/expected_collective.h"
#include "simulator/topology/fat_tree.h"

namespace cb::acc {

std::function<ModelFigure(const Check&, const std::vector<coll::RankInfo>&)> ModelExpectations(
    const Suite& suite, const std::string& calibration) {
  bool wanted = false;
  for (const auto& c : suite.checks) {
    if (!c.judged_by_model()) continue;
    wanted = true;
    if (!suite.cluster && calibration.empty()) {
      throw ConfigError(
          fmt::format("{}: check '{}': threshold.fraction_of_model needs a model: name the suite's cluster (cluster: "
                      "dgx-h100-ndr, configs/clusters) or give validate --calibration PROFILE",
                      c.where, c.name));
    }
  }
  if (!wanted) return nullptr;
  if (!calibration.empty()) {
    auto profile = std::make_shared<calib::Profile>(calib::LoadProfile(calibration));
    return [profile, calibration](const Check& c, const std::vector<coll::RankInfo>& members) {
      const auto n = static_cast<int64_t>(members.size());
      try {
        const calib::CollectivePrediction p =
            calib::PredictCollective(*profile, c.benchmark, n, static_cast<double>(c.bytes));
        std::string notes;
        for (const auto& x : p.notes) notes += "; " + x;
        return ModelFigure{
            p.busbw, fmt::format("calibration {}: {} of {} over {} ranks ({}, measured on {} ranks; {}){}", calibration,
                                 c.benchmark, FormatBytes(static_cast<double>(c.bytes)), n,
                                 calib::CollectiveTierName(p.tier), p.measured_ranks, p.how, notes)};
      } catch (const Error& e) {
        return ModelFigure{0, fmt::format("calibration {}: {}", calibration, e.what())};
      }
    };
  }
  const sim::ClusterSpec cluster = sim::ClusterFromConfig(*suite.cluster);
  const sim::Efficiencies eff = sim::EfficienciesFor(sim::GpuOfCluster(*suite.cluster));
  return [cluster, eff](const Check& c, const std::vector<coll::RankInfo>& members) {
    const auto op = FindCollectiveOp(c.benchmark);  // the suite admits only modelled collectives
    // Hosts are what ran, whatever --nodes calls a node.
    std::vector<std::string> hosts;
    for (const auto& m : members) hosts.push_back(m.host);
    const sim::ExpectedCollective x =
        sim::ExpectCollective(cluster, eff, *op, static_cast<double>(c.bytes), static_cast<int64_t>(members.size()),
                              sim::DomainMembersOfHosts(hosts, cluster));
    return ModelFigure{x.busbw, x.how};
  };
}

std::function<FabricTopology(int, int)> PairsTopology(const Suite& suite) {
  const bool wanted =
      std::any_of(suite.checks.begin(), suite.checks.end(), [](const Check& c) { return c.is_pairs(); });
  if (!wanted || !suite.cluster) return nullptr;
  const ConfigNode cluster = *suite.cluster;
  return [cluster](int nodes, int rails) {
    FabricTopology t;
    sim::FabricSpec spec;
    try {
      spec = sim::FabricFromConfig(cluster);
    } catch (const Error& e) {
      t.note = fmt::format("no topology: {}", e.what());
      return t;
    }
    const int64_t cluster_nodes = spec.gpus / std::max<int64_t>(1, spec.gpus_per_node);
    if (nodes > cluster_nodes || rails > spec.nics_per_node) {
      t.note = fmt::format(
          "no topology: the job has {} node(s) of {} rail(s), the cluster '{}' {} node(s) of {} NIC(s); pairs are "
          "scheduled and judged without switches and links",
          nodes, rails, spec.name, cluster_nodes, spec.nics_per_node);
      return t;
    }
    auto tree = std::make_shared<sim::FatTree>(sim::FatTree::Build(spec));
    const int64_t nics = spec.nics_per_node;
    std::set<int> leaves;
    for (int i = 0; i < nodes; ++i) {
      const int64_t nic = i * nics;
      t.switch_of.push_back(static_cast<int>(tree->PlaneOfNic(nic) * 1000000 + tree->LeafOfNic(nic)));
      leaves.insert(t.switch_of.back());
    }
    auto names = std::make_shared<std::map<int, std::string>>();
    t.route = [tree, nics, names](int a, int b, int rail) {
      std::vector<std::string> out;
      try {
        std::vector<int> links = tree->Route(a * nics + rail, b * nics + rail);
        for (int l : tree->Route(b * nics + rail, a * nics + rail)) links.push_back(l);
        std::set<int> physical;
        for (int l : links) physical.insert(l / 2);
        for (int p : physical) {
          auto [it, fresh] = names->emplace(p, "");
          if (fresh) it->second = tree->DescribeLink(sim::FatTree::UpLinkOf(p));
          out.push_back(it->second);
        }
      } catch (const Error&) {
        out.clear();  // no path between them (different planes): nothing to blame on a link
      }
      return out;
    };
    t.note =
        fmt::format("topology of cluster '{}': {} node(s) under {} leaf switch(es)", spec.name, nodes, leaves.size());
    return t;
  };
}

}  // namespace cb::acc
