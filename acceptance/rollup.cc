// RollUp (runner.h): unit verdicts rolled up to ranks, nodes, the cluster's
// status, its availability and the summary figures. Pure: it reads the units,
// ranks and suite of a report and fills in the rest, so a test can call it
// without measuring anything (tests/acceptance/evidence_test.cc).

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "acceptance/runner.h"
#include "core/stats.h"
#include "core/units.h"

namespace cb::acc {
namespace {

using DeviceKey = std::pair<std::string, std::string>;  // (node, device)

// "a;b;a" -> "a;b": each item once, in first-seen order, empty items dropped.
std::string KeepEachOnce(const std::string& list) {
  std::istringstream in(list);
  std::set<std::string> seen;
  std::string item, out;
  while (std::getline(in, item, ';')) {
    if (!item.empty() && seen.insert(item).second) out += (out.empty() ? "" : ";") + item;
  }
  return out;
}

// Each rank's verdict is its worst unit's; its reasons are those of its
// units that did not pass (each once); its device names the GPUs its units
// drove. Returns the classes of each rank's failures, each once.
std::map<int, std::vector<Failure>> RollUpRanks(ValidationReport* rep) {
  std::map<int, RankResult*> by_rank;
  std::map<int, std::vector<Failure>> rank_failures;
  for (auto& r : rep->ranks) {
    r.verdict = Verdict::kSkipped;
    r.reasons.clear();
    r.plain.clear();
    by_rank[r.rank] = &r;
  }
  for (const auto& u : rep->units) {
    const Check& c = rep->suite.checks[static_cast<size_t>(u.check)];
    for (int r : u.ranks) {
      auto it = by_rank.find(r);
      if (it == by_rank.end()) continue;
      RankResult& rr = *it->second;
      rr.verdict = Worst(rr.verdict, u.verdict.verdict);
      if (u.verdict.verdict != Verdict::kPass && !u.verdict.reason.empty()) {
        if (std::find(rr.reasons.begin(), rr.reasons.end(), u.verdict.reason) == rr.reasons.end()) {
          rr.reasons.push_back(u.verdict.reason);
          rr.plain.push_back(u.verdict.plain.empty() ? u.verdict.reason : u.verdict.plain);
        }
        auto& fs = rank_failures[r];
        if (u.verdict.failure != Failure::kNone && std::find(fs.begin(), fs.end(), u.verdict.failure) == fs.end())
          fs.push_back(u.verdict.failure);
      }
      if (!c.collective() && c.on_gpu && !u.device.empty() && u.device != "gpu") {
        rr.device += (rr.device.empty() ? "" : ";") + u.device;
      }
    }
  }
  for (auto& r : rep->ranks) {
    const std::string d = KeepEachOnce(r.device);
    r.device = d.empty() ? (r.devices.empty() ? "cpu" : "gpu") : d;
  }
  return rank_failures;
}

// A node per distinct RankResult::node, in the order of its first rank: its
// verdict is its worst rank's, its reasons its ranks' (prefixed "rank R: ").
void RollUpNodes(const std::map<int, std::vector<Failure>>& rank_failures, ValidationReport* rep) {
  rep->nodes.clear();
  std::map<std::string, size_t> node_index;
  for (const auto& r : rep->ranks) {
    auto [it, fresh] = node_index.emplace(r.node, rep->nodes.size());
    if (fresh) {
      NodeResult nr;
      nr.node = r.node;
      nr.host = r.host;
      rep->nodes.push_back(nr);
    }
    NodeResult& nr = rep->nodes[it->second];
    nr.ranks.push_back(r.rank);
    nr.verdict = Worst(nr.verdict, r.verdict);
    for (const auto& why : r.reasons) nr.reasons.push_back(fmt::format("rank {}: {}", r.rank, why));
    for (const auto& why : r.plain) nr.plain.push_back(fmt::format("rank {}: {}", r.rank, why));
    auto fs = rank_failures.find(r.rank);
    if (fs == rank_failures.end()) continue;
    for (Failure f : fs->second) {
      if (std::find(nr.failures.begin(), nr.failures.end(), f) == nr.failures.end()) nr.failures.push_back(f);
    }
  }
}

// The worst verdict of each (node, device) of node-local units (health and
// collective checks judge no device).
std::map<DeviceKey, Verdict> DeviceVerdicts(const ValidationReport& rep) {
  std::map<DeviceKey, Verdict> devices;
  for (const auto& u : rep.units) {
    const Check& c = rep.suite.checks[static_cast<size_t>(u.check)];
    if (c.collective() || c.is_health() || u.node == "*") continue;
    auto key = std::make_pair(u.node, u.device);
    auto it = devices.find(key);
    devices[key] = it == devices.end() ? u.verdict.verdict : Worst(it->second, u.verdict.verdict);
  }
  return devices;
}

// Devices and nodes judged and passing (SKIPPED ones are not judged).
// Returns the devices that warned.
int CountAvailability(const std::map<DeviceKey, Verdict>& devices, ValidationReport* rep) {
  rep->devices_total = rep->devices_passing = 0;
  int devices_warn = 0;
  for (const auto& [key, v] : devices) {
    if (v == Verdict::kSkipped) continue;
    ++rep->devices_total;
    rep->devices_passing += v == Verdict::kPass;
    devices_warn += v == Verdict::kWarn;
  }
  rep->nodes_total = rep->nodes_passing = 0;
  for (const auto& nr : rep->nodes) {
    if (nr.verdict == Verdict::kSkipped) continue;
    ++rep->nodes_total;
    rep->nodes_passing += nr.verdict == Verdict::kPass;
  }
  return devices_warn;
}

// One check's cluster figures: compute and memory as sums over passing nodes
// and over all nodes against nameplate x units; communication as the slowest
// group (or node, for pairs). None for a check without a judged unit.
void AddCheckFigures(const ValidationReport& rep, size_t ci, const std::set<std::string>& passing_nodes,
                     std::vector<SummaryFigure>* summary) {
  const Check& c = rep.suite.checks[ci];
  std::vector<double> bests;
  for (const auto& u : rep.units) {
    // A culprit a fabric check named is a verdict, not a unit's figure.
    if (u.check == static_cast<int>(ci) && u.verdict.verdict != Verdict::kSkipped && !u.culprit)
      bests.push_back(u.verdict.value);
  }
  if (bests.empty()) return;
  double sum = 0;
  for (double b : bests) sum += b;
  const std::string units = SiUnit(c.judge.dimension);
  // Over passing nodes: what the buyer gets once the failing nodes are
  // taken out; over all nodes: what was measured, failing nodes included.
  double sum_passing = 0;
  int n_passing = 0;
  for (const auto& u : rep.units) {
    if (u.check != static_cast<int>(ci) || u.verdict.verdict == Verdict::kSkipped) continue;
    if (passing_nodes.count(u.node)) {
      sum_passing += u.verdict.value;
      ++n_passing;
    }
  }
  const std::string nodes_note = fmt::format("{} of {} node(s) pass", passing_nodes.size(), rep.nodes_total);
  if (c.computes()) {
    const double spec = c.judge.spec.value_or(0);
    summary->push_back(
        {"compute scale", fmt::format("{} {} delivered by passing nodes ({})", c.benchmark, c.dtype, c.name),
         sum_passing, units, spec * n_passing,
         fmt::format("sum over the {} unit(s) on passing nodes ({}) of the measured {} (median of its rounds "
                     "each); nameplate = spec x those units",
                     n_passing, nodes_note, c.benchmark),
         "passing nodes"});
    summary->push_back(
        {"compute scale", fmt::format("{} {} delivered by all nodes ({})", c.benchmark, c.dtype, c.name), sum, units,
         spec * static_cast<double>(bests.size()),
         fmt::format("sum over all {} unit(s) measured, failing nodes included; nameplate = spec x units",
                     bests.size()),
         "all nodes"});
  } else if (c.kind() == Bench::kStream || c.kind() == Bench::kCopy) {
    summary->push_back({"memory", fmt::format("{} median per unit ({})", c.benchmark, c.name), Median(bests), units,
                        c.judge.spec.value_or(0),
                        fmt::format("median over {} unit(s); aggregate {} over all nodes", bests.size(),
                                    FormatQuantity(sum, Dimension::kBandwidth)),
                        ""});
    summary->push_back({"memory", fmt::format("{} aggregate over passing nodes ({})", c.benchmark, c.name), sum_passing,
                        units, c.judge.spec.value_or(0) * n_passing,
                        fmt::format("sum over the {} unit(s) on passing nodes ({})", n_passing, nodes_note),
                        "passing nodes"});
    summary->push_back({"memory", fmt::format("{} aggregate over all nodes ({})", c.benchmark, c.name), sum, units,
                        c.judge.spec.value_or(0) * static_cast<double>(bests.size()),
                        fmt::format("sum over all {} unit(s), failing nodes included", bests.size()), "all nodes"});
  } else if (c.is_pairs()) {
    summary->push_back({"communication performance",
                        fmt::format("node pairs: the slowest node's median pair bandwidth each way ({})", c.name),
                        *std::min_element(bests.begin(), bests.end()), units, 0,
                        fmt::format("{} each way per exchange; {} node(s) not named a culprit, median {}",
                                    FormatBytes(static_cast<double>(c.bytes)), bests.size(),
                                    FormatQuantity(Median(bests), Dimension::kBandwidth)),
                        ""});
  } else {
    std::set<std::string> hosts;
    for (const auto& r : rep.ranks) hosts.insert(r.host);
    std::string kind = c.split == "intra"   ? "intra-node"
                       : c.split == "inter" ? "inter-node"
                       : hosts.size() > 1   ? "inter-node (whole job)"
                                            : "intra-node (whole job)";
    summary->push_back(
        {"communication performance", fmt::format("{} {} bus bandwidth, slowest group ({})", kind, c.benchmark, c.name),
         *std::min_element(bests.begin(), bests.end()), units, 0,
         fmt::format("{} at {}; {} group(s), median {}", c.benchmark, FormatBytes(static_cast<double>(c.bytes)),
                     bests.size(), FormatQuantity(Median(bests), Dimension::kBandwidth)),
         ""});
  }
}

// The summary: each measured check's figures (health checks give verdicts
// only), then availability.
void Summarise(int devices_warn, ValidationReport* rep) {
  rep->summary.clear();
  std::set<std::string> passing_nodes;
  for (const auto& nr : rep->nodes) {
    if (nr.verdict == Verdict::kPass) passing_nodes.insert(nr.node);
  }
  for (size_t ci = 0; ci < rep->suite.checks.size(); ++ci) {
    if (rep->suite.checks[ci].is_health()) continue;  // verdicts only, no figure
    AddCheckFigures(*rep, ci, passing_nodes, &rep->summary);
  }
  rep->summary.push_back({"availability", "devices passing", static_cast<double>(rep->devices_passing), "1",
                          static_cast<double>(rep->devices_total),
                          fmt::format("devices (GPUs, or a host's CPU) with every check PASS, of those judged; {} "
                                      "with warnings",
                                      devices_warn),
                          ""});
  rep->summary.push_back({"availability", "nodes passing", static_cast<double>(rep->nodes_passing), "1",
                          static_cast<double>(rep->nodes_total), "nodes whose every rank passes, of those judged", ""});
}

}  // namespace

void RollUp(ValidationReport* rep) {
  const std::map<int, std::vector<Failure>> rank_failures = RollUpRanks(rep);
  RollUpNodes(rank_failures, rep);
  std::vector<Verdict> all;
  for (const auto& u : rep->units) all.push_back(u.verdict.verdict);
  rep->status = ClusterStatus(all);
  if (rep->partial && rep->status.exit_code == 0) rep->status = {"UNKNOWN", 3};
  const int devices_warn = CountAvailability(DeviceVerdicts(*rep), rep);
  Summarise(devices_warn, rep);
}

}  // namespace cb::acc
