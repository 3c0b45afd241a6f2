#include "simulator/report/evidence_report.h"

#include <fmt/format.h>

#include "core/units.h"

namespace cb::sim {
namespace {

std::string SignedDays(double d) { return fmt::format("{:+.2f} days", d); }

}  // namespace

// `simulate SCENARIO --evidence EV.h5`: the healthy step, the fleet's as
// measured, each culprit's cost and what replacing them saves (JSON, then
// the terminal text).
nlohmann::json EvidenceJson(const EvidenceSource& e, const Scenario& s, const FleetEvidence& fleet,
                            const FleetPrice& p) {
  const int64_t g = s.cluster.gpus_per_node;
  const double tokens = s.train.tokens;
  nlohmann::json culprits = nlohmann::json::array();
  for (size_t i = 0; i < fleet.culprits.size(); ++i) {
    const auto& c = fleet.culprits[i];
    const auto& k = p.each[i];
    culprits.push_back({{"name", c.name},
                        {"why", c.why},
                        {"evidence_node", c.evidence_node},
                        {"scenario_node", c.evidence_node},
                        {"gpus", c.gpus},
                        {"links",
                         [&c] {
                           nlohmann::json l = nlohmann::json::array();
                           for (const auto& f : c.links) l.push_back({{"link", f.physical}, {"fraction", f.fraction}});
                           return l;
                         }()},
                        {"where", c.where},
                        {"slowdown", c.slowdown},
                        {"step_time_s", k.step_s},
                        {"cost_s", k.cost_s},
                        {"cost_fraction", k.cost_s / p.healthy.step_s},
                        {"days", tokens > 0 ? nlohmann::json(k.days) : nlohmann::json(nullptr)}});
  }
  auto ttt = [&](const StepCost& c) {
    return tokens > 0 ? nlohmann::json(c.time_to_train_s / 86400) : nlohmann::json(nullptr);
  };
  return {{"evidence", e.path},
          {"run", e.run_id},
          {"suite", e.suite},
          {"evidence_nodes", fleet.nodes},
          {"scenario", s.effective_yaml},
          {"model", s.model.name},
          {"cluster", s.cluster.name},
          {"gpus_per_node", g},
          {"healthy_step_time_s", p.healthy.step_s},
          {"fleet_step_time_s", p.fleet.step_s},
          {"fleet_cost_s", p.fleet.cost_s},
          {"fleet_cost_fraction", p.fleet.cost_s / p.healthy.step_s},
          {"tokens", tokens > 0 ? nlohmann::json(tokens) : nlohmann::json(nullptr)},
          {"healthy_days", ttt(p.healthy)},
          {"fleet_days", ttt(p.fleet)},
          {"fleet_cost_days", tokens > 0 ? nlohmann::json(p.fleet.days) : nlohmann::json(nullptr)},
          {"culprits", culprits},
          {"notes", fleet.notes}};
}

void PrintEvidence(std::ostream& out, const EvidenceSource& e, const Scenario& s, const FleetEvidence& fleet,
                   const FleetPrice& p) {
  const int64_t g = s.cluster.gpus_per_node;
  const double tokens = s.train.tokens;
  out << fmt::format("{} on {} ({} GPUs: TP{} PP{} DP{} CP{}), as measured by {} ({}, run {}, {} node(s))\n",
                     s.model.name, s.cluster.name, s.par.tp * s.par.pp * s.par.dp * s.par.cp, s.par.tp, s.par.pp,
                     s.par.dp, s.par.cp, e.path, e.suite.empty() ? "validate" : e.suite, e.run_id, fleet.nodes);
  out << fmt::format("  evidence node i is the scenario's node i (GPUs i x {} .. i x {} + {})\n", g, g, g - 1);
  out << fmt::format("\n  healthy step       {}\n", FormatQuantity(p.healthy.step_s, Dimension::kTime));
  out << fmt::format("  fleet's step       {}  ({:+.2f}%: every culprit at once)\n",
                     FormatQuantity(p.fleet.step_s, Dimension::kTime), 100 * p.fleet.cost_s / p.healthy.step_s);
  if (tokens > 0) {
    out << fmt::format("  time to train      {:.2f} days healthy, {:.2f} days as measured ({}) for {:.3g} tokens\n",
                       p.healthy.time_to_train_s / 86400, p.fleet.time_to_train_s / 86400, SignedDays(p.fleet.days),
                       tokens);
  } else {
    out << "  time to train      - (the scenario has no training.tokens: --set training.tokens=N)\n";
  }
  if (fleet.culprits.empty()) {
    out << "\n  culprits: none (every node-local unit of the evidence passed)\n";
  } else {
    out << fmt::format("\n  culprits ({}), each alone against the healthy step:\n", fleet.culprits.size());
    for (size_t i = 0; i < fleet.culprits.size(); ++i) {
      const auto& c = fleet.culprits[i];
      const auto& k = p.each[i];
      std::string why;
      for (const auto& w : c.why) why += (why.empty() ? "" : "; ") + w;
      out << fmt::format("    {}: {}\n", c.name, why);
      out << fmt::format("      -> {}: costs {} per step ({:+.2f}%){}\n", c.where,
                         FormatQuantity(k.cost_s, Dimension::kTime), 100 * k.cost_s / p.healthy.step_s,
                         tokens > 0 ? fmt::format(", {} of training", SignedDays(k.days)) : "");
    }
    out << fmt::format("\n  replace the {} culprit(s) or train as is: replacing saves {} per step{}\n",
                       fleet.culprits.size(), FormatQuantity(p.fleet.cost_s, Dimension::kTime),
                       tokens > 0 ? fmt::format(" and {:.2f} days of training", p.fleet.days) : "");
  }
  for (const auto& n : fleet.notes) out << "  note: " << n << "\n";
}

}  // namespace cb::sim
