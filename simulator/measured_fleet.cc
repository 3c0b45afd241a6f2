#include "simulator/measured_fleet.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <tuple>

#include "core/error.h"
#include "core/stats.h"
#include "core/units.h"
#include "simulator/topology/fat_tree.h"

namespace cb::sim {
namespace {

Dimension DimensionOf(Bench benchmark) { return Computes(benchmark) ? Dimension::kFlopRate : Dimension::kBandwidth; }

// The GPU index a device unit names ("3 NVIDIA H100 80GB HBM3" -> 3); -1 for
// a host unit ("cpu") or a device without an index.
int64_t DeviceIndex(const std::string& device) {
  size_t i = 0;
  while (i < device.size() && std::isdigit(static_cast<unsigned char>(device[i]))) ++i;
  if (i == 0 || (i < device.size() && device[i] != ' ')) return -1;
  return std::stoll(device.substr(0, i));
}

}  // namespace

Straggler StragglerOfRank(const Parallelism& p, int64_t rank, double slowdown) {
  // rank = tp_r + tp·(cp_r + cp·(dp_r + dp·stage)): its TP and CP peers wait
  // for it in every collective, so its (replica, stage) slows down.
  const int64_t inner = rank / (p.tp * p.cp);
  return {inner % p.dp, inner / p.dp, slowdown};
}

namespace {

std::string GpuRange(const std::vector<int64_t>& gpus) {
  if (gpus.size() == 1) return fmt::format("GPU {}", gpus.front());
  return fmt::format("GPUs {}..{}", gpus.front(), gpus.back());
}

// The physical link a NIC sends on: the first hop of any route out of it.
int64_t UpLinkOfNic(const FatTree& tree, int64_t nic) {
  for (int64_t other = 0; other < tree.endpoints(); ++other) {
    if (other == nic || tree.PlaneOfNic(other) != tree.PlaneOfNic(nic)) continue;
    return tree.Route(nic, other).front() / 2;
  }
  return -1;
}

void PlaceFabricCulprits(const std::vector<MeasuredFabricCulprit>& fabric, const std::vector<std::string>& nodes,
                         const Scenario& s, bool flow, FleetEvidence* out) {
  if (fabric.empty()) return;
  if (!flow || !s.fabric) {
    for (const auto& f : fabric) {
      out->notes.push_back(fmt::format("{} ({} of {}): {} at {:.2f} of the fleet: not placed: {}", f.name,
                                       CulpritMethodName(f.method), f.check, CulpritKindName(f.kind), f.ratio,
                                       !s.fabric ? "the scenario's cluster has no scale_out.tiers (no fabric graph)"
                                                 : "give --network flow to put it on the fabric graph"));
    }
    return;
  }
  const FatTree tree = FatTree::Build(*s.fabric);
  const int64_t g = s.cluster.gpus_per_node, nics = s.cluster.nics_per_node;
  std::map<std::tuple<CulpritKind, int64_t, int64_t>, size_t> seen;  // (kind, node, rail): pairs and bisection agree
  for (const auto& f : fabric) {
    const char* method = CulpritMethodName(f.method);
    const bool nic = f.kind == CulpritKind::kNic;
    if (!OfNode(f.kind)) {
      out->notes.push_back(
          fmt::format("{} ({} of {}): a {} between two nodes is a path of several switch links, not "
                      "one: not placed",
                      f.name, method, f.check, CulpritKindName(f.kind)));
      continue;
    }
    if (!(f.ratio > 0 && f.ratio < 1) || f.node < 0 || f.node >= static_cast<int64_t>(nodes.size())) {
      out->notes.push_back(fmt::format("{} ({} of {}): ratio {:.2f}, node {}: nothing to place", f.name, method,
                                       f.check, f.ratio, f.node));
      continue;
    }
    const int64_t fabric_nodes = tree.endpoints() / std::max<int64_t>(1, nics);
    if (f.node >= fabric_nodes) {
      throw ConfigError(fmt::format("evidence: {} is node {} of the evidence, beyond the scenario's fabric of {} nodes",
                                    f.name, f.node, fabric_nodes));
    }
    const auto key = std::make_tuple(f.kind, f.node, nic ? f.rail : -1);
    if (auto it = seen.find(key); it != seen.end()) {
      // Named again (by the other method): one culprit, at the slower figure.
      Culprit& c = out->culprits[it->second];
      c.name += std::string(", ") + method;
      c.why.push_back(fmt::format("{} at {:.2f} of the fleet's", f.check, f.ratio));
      for (auto& l : c.links) l.fraction = std::min(l.fraction, f.ratio);
      continue;
    }
    seen[key] = out->culprits.size();
    Culprit c;
    c.name = fmt::format("{} {} ({}", nic ? "NIC" : "node", f.name, method);
    c.why.push_back(fmt::format("{} at {:.2f} of the fleet's", f.check, f.ratio));
    c.evidence_node = f.node;
    std::string links;
    for (int64_t rail = 0; rail < std::min(g, nics); ++rail) {
      if (nic && rail != f.rail % std::max<int64_t>(1, nics)) continue;
      const int64_t link = UpLinkOfNic(tree, tree.NicOfGpu(f.node * g + rail));
      if (link < 0) continue;
      c.links.push_back({link, f.ratio});
      links += (links.empty() ? "" : ", ") + std::to_string(link);
    }
    c.where = fmt::format("scenario node {}'s {} (link{} {})", f.node,
                          nic ? fmt::format("rail-{} NIC", f.rail) : std::string("NICs"),
                          c.links.size() == 1 ? "" : "s", links);
    out->culprits.push_back(std::move(c));
  }
  for (auto& c : out->culprits) {
    if (c.links.empty()) continue;
    c.name += ")";
    c.where += fmt::format(" at {:.0f}% of {} bandwidth", 100 * c.links.front().fraction,
                           c.links.size() == 1 ? "its" : "their");
  }
}

}  // namespace

FleetEvidence PlaceEvidence(const std::vector<MeasuredUnit>& units, const std::vector<std::string>& nodes,
                            const Scenario& s, const std::vector<MeasuredFabricCulprit>& fabric, bool flow) {
  FleetEvidence out;
  out.nodes = static_cast<int64_t>(nodes.size());
  const int64_t g = s.cluster.gpus_per_node;
  const int64_t job = s.par.tp * s.par.cp * s.par.dp * s.par.pp;

  // Each check's healthy speed: the median of its passing units (of all its
  // measured units when none passed), so the slow ones do not drag it down.
  std::map<std::string, std::vector<double>> passing, measured;
  for (const auto& u : units) {
    if (u.verdict == "SKIPPED" || u.value <= 0) continue;
    measured[u.check].push_back(u.value);
    if (u.verdict == "PASS") passing[u.check].push_back(u.value);
  }
  std::map<std::string, double> median;
  for (const auto& [check, v] : measured) median[check] = Median(passing.count(check) ? passing[check] : v);

  // Checks whose slow units the fabric checks localised: their units are the
  // culprits' (validate_culprits), placed below.
  std::set<std::string> localised;
  for (const auto& f : fabric) localised.insert(f.check);

  // Culprits keyed by (node, device index or -1 for the whole node), in evidence order.
  std::map<std::pair<int64_t, int64_t>, size_t> index;
  for (const auto& u : units) {
    const bool slow = u.verdict == "FAIL" || u.verdict == "WARN";
    if (!slow) continue;
    if (u.benchmark == Bench::kHealth) {
      out.notes.push_back(
          fmt::format("{}: {}: a health failure, not a speed: not priced ({})", u.check, u.label, u.reason));
      continue;
    }
    if (!IsNodeLocal(u.benchmark) && localised.count(u.check)) continue;  // placed from validate_culprits
    if (!IsNodeLocal(u.benchmark)) {
      out.notes.push_back(fmt::format(
          "{}: {} was slow; a collective group's figure does not say which link, so it is not placed (price a "
          "known link with --network flow --degrade-link LINK:FRACTION)",
          u.check, u.label));
      continue;
    }
    if (u.reason.find("wrong results") != std::string::npos) {
      out.notes.push_back(
          fmt::format("{}: {}: wrong results: replace it; a wrong answer has no speed to price", u.check, u.label));
      continue;
    }
    const auto node_it = std::find(nodes.begin(), nodes.end(), u.node);
    if (node_it == nodes.end() || u.value <= 0 || median[u.check] <= 0) {
      out.notes.push_back(fmt::format("{}: {}: no node or figure in the evidence: not placed", u.check, u.label));
      continue;
    }
    const int64_t node = node_it - nodes.begin();
    const int64_t device = u.scope == "device" ? DeviceIndex(u.device) : -1;
    const double slowdown = median[u.check] / u.value - 1;
    if (slowdown <= 0) {
      out.notes.push_back(fmt::format("{}: {} failed at or above the healthy median ({}): nothing to price", u.check,
                                      u.label, u.reason));
      continue;
    }
    if (device >= g) {
      throw ConfigError(fmt::format("evidence: {} is GPU {} of its node; the scenario's cluster has {} per node",
                                    u.label, device, g));
    }
    auto [it, fresh] = index.emplace(std::make_pair(node, device), out.culprits.size());
    if (fresh) {
      Culprit c;
      c.name = u.label;
      c.evidence_node = node;
      for (int64_t k = 0; k < g; ++k) {
        if (device < 0 || k == device) c.gpus.push_back(node * g + k);
      }
      if (c.gpus.back() >= job) {
        throw ConfigError(fmt::format(
            "evidence: {} is node {} of the evidence (GPUs {}..{} of the scenario), beyond the scenario's job of {} "
            "GPUs ({} nodes of {}): give a scenario with at least {} nodes",
            u.label, node, node * g, node * g + g - 1, job, (job + g - 1) / g, g, out.nodes));
      }
      out.culprits.push_back(std::move(c));
    }
    Culprit& c = out.culprits[it->second];
    const Dimension d = DimensionOf(u.benchmark);
    c.why.push_back(fmt::format("{} at {:.2f} of the healthy median ({}; median {})", u.check,
                                u.value / median[u.check], FormatQuantity(u.value, d, 4),
                                FormatQuantity(median[u.check], d, 4)));
    // GEMM (compute) speed sets a training step's pace where it was found
    // slow; memory or copy figures only where it was not.
    const bool compute = Computes(u.benchmark);
    if (compute && !c.by_compute) c.slowdown = 0;
    if (compute || !c.by_compute) c.slowdown = std::max(c.slowdown, slowdown);
    c.by_compute |= compute;
  }
  for (auto& c : out.culprits) {
    c.where = fmt::format("scenario node {} ({}) {:.0f}% slower", c.evidence_node, GpuRange(c.gpus), 100 * c.slowdown);
    for (int64_t gpu : c.gpus) {
      const Straggler sg = StragglerOfRank(s.par, gpu, c.slowdown);
      const bool seen = std::any_of(c.stragglers.begin(), c.stragglers.end(),
                                    [&](const Straggler& x) { return x.replica == sg.replica && x.stage == sg.stage; });
      if (!seen) c.stragglers.push_back(sg);
    }
  }
  PlaceFabricCulprits(fabric, nodes, s, flow, &out);
  if (out.nodes * g < job) {
    out.notes.push_back(fmt::format(
        "the evidence has {} node(s), the scenario's job {} ({} GPUs): its other nodes are taken as healthy", out.nodes,
        (job + g - 1) / g, job));
  }
  return out;
}

namespace {

StepCost Cost(const Scenario& s, SimOptions o, const std::vector<Straggler>& stragglers,
              const std::vector<LinkFault>& links, double healthy_step, double healthy_ttt) {
  o.stragglers = stragglers;
  o.link_faults = links;
  o.trace = false;
  const SimResult r = Simulate(s, o);
  StepCost c;
  c.step_s = r.step_time_s;
  c.busy_fraction = BusyFraction(r);
  c.cost_s = r.step_time_s - healthy_step;
  c.time_to_train_s = r.time_to_train_s;
  c.days = r.time_to_train_s > 0 && healthy_ttt > 0 ? (r.time_to_train_s - healthy_ttt) / 86400 : 0;
  return c;
}

// Several culprits on one link: the slowest figure.
std::vector<LinkFault> MergeLinks(const std::vector<Culprit>& culprits) {
  std::vector<LinkFault> out;
  for (const auto& c : culprits) {
    for (const auto& l : c.links) {
      auto it = std::find_if(out.begin(), out.end(), [&](const LinkFault& x) { return x.physical == l.physical; });
      if (it == out.end()) {
        out.push_back(l);
      } else {
        it->fraction = std::min(it->fraction, l.fraction);
      }
    }
  }
  return out;
}

// Several culprits on one (replica, stage): the slowest sets its pace.
std::vector<Straggler> Merge(const std::vector<Culprit>& culprits) {
  std::vector<Straggler> out;
  for (const auto& c : culprits) {
    for (const auto& sg : c.stragglers) {
      auto it = std::find_if(out.begin(), out.end(),
                             [&](const Straggler& x) { return x.replica == sg.replica && x.stage == sg.stage; });
      if (it == out.end()) {
        out.push_back(sg);
      } else {
        it->slowdown = std::max(it->slowdown, sg.slowdown);
      }
    }
  }
  return out;
}

}  // namespace

FleetPrice PriceFleet(const Scenario& s, const SimOptions& base, const FleetEvidence& fleet) {
  SimOptions o = base;
  o.full = true;
  FleetPrice p;
  o.link_faults.clear();
  p.healthy = Cost(s, o, {}, {}, 0, 0);
  p.healthy.cost_s = 0;
  const double h = p.healthy.step_s, httt = p.healthy.time_to_train_s;
  p.fleet = Cost(s, o, Merge(fleet.culprits), MergeLinks(fleet.culprits), h, httt);
  for (const auto& c : fleet.culprits) p.each.push_back(Cost(s, o, c.stragglers, c.links, h, httt));
  const double per_step = static_cast<double>(s.train.global_batch * s.train.seq_len);
  p.steps = s.train.tokens > 0 && per_step > 0 ? s.train.tokens / per_step : 0;
  return p;
}

namespace {

// One option over the job's GPUs: the wait (idle) then the training.
FleetOption PriceOption(const std::string& name, const Scenario& s, const PowerSpec& power,
                        const std::optional<PriceSpec>& price, const StepCost& step, double wait_s, int64_t gpus,
                        std::vector<std::string>* notes) {
  FleetOption o;
  o.name = name;
  o.step_s = step.step_s;
  o.train_s = step.time_to_train_s;
  o.wait_s = wait_s;
  o.wall_s = wait_s + o.train_s;
  o.gpu_hours = static_cast<double>(gpus) * o.wall_s / 3600;
  if (o.train_s <= 0) return o;
  const int64_t g = std::max<int64_t>(1, s.cluster.gpus_per_node);
  try {
    EnergyEstimate e = EstimateEnergy(power, gpus, g, step.busy_fraction, o.train_s);
    const EnergyEstimate idle = EstimateEnergy(power, gpus, g, 0, wait_s);
    e.energy_j += idle.energy_j;
    e.seconds += idle.seconds;
    o.energy = e;
  } catch (const ConfigError& err) {
    if (notes->empty() || notes->back().rfind("no energy", 0) != 0)
      notes->push_back(fmt::format("no energy: {}", err.what()));
  }
  if (!price) return o;
  try {
    PowerSpec priced = power;
    if (!o.energy) priced.electricity_usd_per_kwh.reset();
    o.cost = EstimateCost(*price, priced, gpus, o.wall_s, o.energy.value_or(EnergyEstimate{}));
  } catch (const ConfigError& err) {
    if (notes->empty() || notes->back().rfind("no cost", 0) != 0) {
      notes->push_back(fmt::format("no cost: {} (e.g. --set cluster.price.gpu_hour=2)", err.what()));
    }
  }
  return o;
}

}  // namespace

ReplaceOrTrain PriceReplaceOrTrain(const Scenario& s, const ConfigNode& cluster, const FleetEvidence& fleet,
                                   const FleetPrice& price, double wait_s, double usd_per_node) {
  ReplaceOrTrain r;
  std::set<int64_t> nodes;
  for (const auto& c : fleet.culprits) {
    if (c.evidence_node >= 0) nodes.insert(c.evidence_node);
  }
  r.nodes = static_cast<int64_t>(nodes.size());
  r.gpus = s.par.tp * s.par.pp * s.par.dp * s.par.cp;
  const PowerSpec power = PowerFromConfig(cluster);
  std::optional<PriceSpec> spec;
  try {
    spec = PriceFromConfig(cluster);
  } catch (const ConfigError& err) {
    r.notes.push_back(fmt::format("no cost: {}", err.what()));
  }
  r.as_is = PriceOption("train as is", s, power, spec, price.fleet, 0, r.gpus, &r.notes);
  r.replace = PriceOption(fmt::format("replace {} node{}", r.nodes, r.nodes == 1 ? "" : "s"), s, power, spec,
                          price.healthy, wait_s, r.gpus, &r.notes);
  r.replace.replace_usd = usd_per_node * static_cast<double>(r.nodes);
  if (s.train.tokens <= 0) {
    r.notes.push_back("the scenario has no training.tokens: only the steps are compared (--tokens N)");
  }
  const bool priced = r.as_is.cost && r.replace.cost, trained = r.as_is.train_s > 0;
  r.best_by = priced ? "the cheaper" : trained ? "done sooner; no prices" : "the faster step; no tokens, no prices";
  r.replace_best = !fleet.culprits.empty() && (priced    ? r.replace.total_usd() < r.as_is.total_usd()
                                               : trained ? r.replace.wall_s < r.as_is.wall_s
                                                         : r.replace.step_s < r.as_is.step_s);
  return r;
}

}  // namespace cb::sim
