// `clusterbench compare A.yaml B.yaml ... --model MODEL --tokens 15T`: buildouts
// side by side. For each cluster: the best parallel layout the planner finds,
// its step time and MFU, time to train, GPU-hours, energy, cost, and goodput
// under failures giving the effective time to train (simulator/plan/cost.h,
// reliability.h; docs/simulator-model.md "Cost, energy and failures").
// Reports in Markdown or HTML (inline SVG plots, no script, no network — the
// approach of `validate`'s report).
//
// `clusterbench compare SCENARIO --evidence EV.h5`: one scenario on the fleet
// validate measured, "train as is" against "replace the culprits' nodes"
// (simulator/measured_fleet.h PriceReplaceOrTrain): step, days, GPU-hours,
// energy and cost of each.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "apps/command.h"
#include "apps/evidence_file.h"
#include "apps/layout_json.h"
#include "core/error.h"
#include "core/markup.h"
#include "core/svg_chart.h"
#include "core/table.h"
#include "core/units.h"
#include "simulator/measured_fleet.h"
#include "simulator/plan/cost.h"
#include "simulator/plan/explain.h"
#include "simulator/plan/objective.h"
#include "simulator/plan/reliability.h"
#include "simulator/plan/search.h"
#include "simulator/simulate.h"
#include "simulator/validation/error_band.h"
#include "store/hdf5_store.h"

namespace cb {
namespace {

namespace fs = std::filesystem;

struct CompareOptions {
  OutputOptions out;
  std::vector<std::string> clusters;
  std::string model;
  std::string tokens;
  int64_t seq_len = 8192;
  int64_t global_batch = 2048;
  int64_t gpus = -1;  // -1: chosen per cluster
  std::string precision = "bf16";
  std::string objective = "time-to-train";
  std::string report;
  std::vector<std::string> sets;
  std::string evidence;  // --evidence: replace the culprits or train as is
  double replace_wait_days = 0;
  double replace_usd = 0;  // per node
  std::string network = "analytic";
};

struct Buildout {
  std::string name, file, gpu;
  int64_t cluster_gpus = 0, gpus = 0, gpus_per_node = 8;
  sim::Plan plan;
  double ideal_s = 0, gpu_hours = 0;
  std::optional<sim::GoodputEstimate> goodput;
  std::optional<sim::EnergyEstimate> energy;  // whole run, wall clock
  double busy_fraction = 0, gpu_power_w = 0, facility_power_w = 0;
  std::optional<sim::CostEstimate> cost;
  std::vector<std::string> notes;            // compare's own: what is missing, what was assumed
  std::vector<std::string> simulator_notes;  // the simulation's of the chosen plan
  sim::PredictionBand band;                  // expected step-time range (validation band of its class)
  double effective_s() const { return goodput ? goodput->effective_s : ideal_s; }
};

// "15T", "1.5e13", "500B" (billion), "2G": a positive token count.
double ParseTokens(const std::string& text) {
  std::string s = text;
  double mult = 1;
  if (!s.empty()) {
    switch (s.back()) {
      case 'K':
      case 'k':
        mult = 1e3;
        break;
      case 'M':
        mult = 1e6;
        break;
      case 'G':
      case 'B':
        mult = 1e9;
        break;
      case 'T':
        mult = 1e12;
        break;
      case 'P':
        mult = 1e15;
        break;
      default:
        break;
    }
    if (mult != 1) s.pop_back();
  }
  size_t used = 0;
  double v = 0;
  try {
    v = std::stod(s, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != s.size() || !std::isfinite(v)) {
    throw UsageError(fmt::format("--tokens '{}': expected a token count such as 15T, 500B or 1.5e13", text));
  }
  if (v * mult <= 0) throw UsageError(fmt::format("--tokens '{}': the token count must be positive", text));
  if (v * mult > 1e16) {
    throw UsageError(
        fmt::format("--tokens '{}': at most 1e16 tokens (10 quadrillion; the largest runs use ~1e13)", text));
  }
  return v * mult;
}

// A document named on the command line: a path (made absolute, so the
// scenario text built below resolves it from anywhere) or a shipped name.
std::string DocumentRef(const std::string& name_or_path) {
  const bool path =
      name_or_path.find('/') != std::string::npos || name_or_path.ends_with(".yaml") || name_or_path.ends_with(".yml");
  return path ? fs::absolute(name_or_path).lexically_normal().string() : name_or_path;
}

// Job sizes to try, largest first: multiples of the node size of the form
// q·2^a with q odd and at most 63, no larger than the cluster. Power-of-two
// batches and head counts then leave layouts to find (100,000 GPUs → 98,304).
std::vector<int64_t> JobSizes(int64_t cluster_gpus, int64_t gpus_per_node) {
  std::vector<int64_t> sizes;
  for (int64_t q = 1; q <= 63; q += 2) {
    for (int64_t n = q; n <= cluster_gpus; n *= 2) {
      if (n * 2 > cluster_gpus && n % gpus_per_node == 0) sizes.push_back(n);
    }
  }
  std::sort(sizes.rbegin(), sizes.rend());
  sizes.erase(std::unique(sizes.begin(), sizes.end()), sizes.end());
  if (sizes.size() > 3) sizes.resize(3);
  return sizes;
}

Buildout Evaluate(const CompareOptions& o, const std::string& cluster_arg, double tokens,
                  const std::vector<sim::BandRow>& bands, const Logger& log) {
  // The base scenario as YAML text, loaded like a file so every key is validated; the
  // planner replaces its (one-GPU) layout.
  const std::string yaml = fmt::format(
      "name: compare\nmodel: {}\ncluster: {}\nparallelism: {{tp: 1, pp: 1, dp: 1}}\n"
      "training: {{seq_len: {}, global_batch: {}, micro_batch: 1, precision: {}, tokens: {}}}\n",
      JsonText(DocumentRef(o.model), -1), JsonText(DocumentRef(cluster_arg), -1), o.seq_len, o.global_batch,
      JsonText(o.precision, -1), tokens);
  ConfigLoader loader;
  const ConfigNode cfg = loader.LoadString("scenario", yaml, "compare " + cluster_arg, ParseOverrides(o.sets));
  const sim::Scenario base = sim::ScenarioFromConfig(cfg);
  const ConfigNode& cluster = cfg.at("cluster");

  Buildout b;
  b.name = base.cluster.name;
  b.file = cluster.source_file();
  b.gpu = base.gpu.name;
  b.cluster_gpus = base.cluster.gpus;
  b.gpus_per_node = base.cluster.gpus_per_node;

  sim::PlanSearchOptions so;
  so.objective = o.objective;
  so.top = 1;
  std::vector<int64_t> sizes = o.gpus >= 0 ? std::vector<int64_t>{o.gpus} : JobSizes(b.cluster_gpus, b.gpus_per_node);
  std::vector<std::string> objective_notes;  // of the job size chosen
  if (sizes.empty()) sizes.push_back(b.cluster_gpus);
  for (size_t i = 0; i < sizes.size(); ++i) {
    so.gpus = sizes[i];
    if (so.gpus < 1) throw UsageError(fmt::format("--gpus {}: the GPU count must be at least 1", so.gpus));
    try {
      // Layouts ranked by the objective (plan/objective.h), as `plan` ranks them.
      objective_notes.clear();
      so.objective_value = sim::ObjectiveFunction(o.objective, base, cluster, so.gpus, cfg.where(), &objective_notes);
      log.Info("{}: searching layouts of {} on {} GPUs", b.name, base.model.name, so.gpus);
      sim::PlanSearchResult r = sim::SearchPlans(base, so);
      if (r.plans.empty() || !r.plans.front().result.fits_in_memory) continue;
      b.plan = r.plans.front();
      b.gpus = so.gpus;
      break;
    } catch (const ConfigError&) {
      if (i + 1 == sizes.size()) throw;  // the last size's reason is the user's
    }
  }
  if (b.gpus == 0) throw ConfigError(fmt::format("compare: no layout of {} fits on '{}'", base.model.name, b.name));
  b.notes.insert(b.notes.end(), objective_notes.begin(), objective_notes.end());
  if (b.gpus < b.cluster_gpus) {
    b.notes.push_back(
        fmt::format("uses {} of the cluster's {} GPUs (the largest job size with layouts that divide "
                    "the batch and the model)",
                    b.gpus, b.cluster_gpus));
  }
  const sim::SimResult& r = b.plan.result;
  b.ideal_s = tokens / r.tokens_per_s;
  {
    // Why the MFU is what it is: the step's largest loss and the layout behind it.
    sim::Scenario chosen = base;
    chosen.par = b.plan.par;
    chosen.train = b.plan.train;
    b.notes.push_back(sim::LargestLoss(chosen, r).sentence);
  }

  // Goodput: failures stretch the run to T_w.
  try {
    b.goodput =
        sim::EstimateGoodput(sim::ReliabilityFromConfig(cluster), b.gpus, b.gpus_per_node, base.model, b.ideal_s);
  } catch (const ConfigError& e) {
    if (o.objective == "cost") throw;  // a cost over the wall clock needs the failure rates
    b.notes.push_back(fmt::format("no goodput: {}", e.what()));
  }
  b.gpu_hours = static_cast<double>(b.gpus) * b.effective_s() / 3600;

  // Energy: the training math and the work redone after failures at the step's busy fraction u;
  // checkpoints and restarts with the GPUs waiting (u = 0).
  const sim::PowerSpec power = sim::PowerFromConfig(cluster);
  b.busy_fraction = sim::BusyFraction(r);
  try {
    const double busy_s = b.ideal_s + (b.goodput ? b.goodput->lost_work_s : 0);
    const double idle_s = b.goodput ? b.goodput->checkpoint_total_s + b.goodput->restart_total_s : 0;
    sim::EnergyEstimate run = sim::EstimateEnergy(power, b.gpus, b.gpus_per_node, b.busy_fraction, busy_s);
    const sim::EnergyEstimate wait = sim::EstimateEnergy(power, b.gpus, b.gpus_per_node, 0, idle_s);
    b.gpu_power_w = run.gpu_power_w;
    b.facility_power_w = run.facility_power_w;
    run.energy_j += wait.energy_j;
    run.seconds += wait.seconds;
    b.energy = run;
  } catch (const ConfigError& e) {
    b.notes.push_back(fmt::format("no energy: {}", e.what()));
  }

  // Cost over the wall clock: the GPUs are held through failures too.
  try {
    const sim::PriceSpec price = sim::PriceFromConfig(cluster);
    sim::PowerSpec priced = power;
    if (!b.energy) priced.electricity_usd_per_kwh.reset();
    b.cost = sim::EstimateCost(price, priced, b.gpus, b.effective_s(), b.energy.value_or(sim::EnergyEstimate{}));
    if (!b.energy && power.electricity_usd_per_kwh) b.notes.push_back("cost leaves out electricity (no energy)");
  } catch (const ConfigError& e) {
    if (o.objective == "cost") throw;  // cost was asked for: prices are required
    b.notes.push_back(fmt::format("no cost: {}", e.what()));
  }
  b.simulator_notes = r.notes;
  b.band = sim::BandFor(bands, sim::ClassOf(base, b.plan.par.zero, b.gpus), b.gpus, b.plan.result.step_time_s);
  if (!b.band.validated) b.notes.push_back("outside the validated region: " + b.band.warning);
  return b;
}

// ------------------------------------------------------------------ output

std::string Days(double s) { return fmt::format("{:.1f} days", s / 86400); }
std::string Usd(double v) {
  if (std::abs(v) >= 1e9) return fmt::format("${:.2f}B", v / 1e9);
  if (std::abs(v) >= 1e6) return fmt::format("${:.1f}M", v / 1e6);
  if (std::abs(v) >= 1e3) return fmt::format("${:.1f}k", v / 1e3);
  return fmt::format("${:.2f}", v);
}
std::string Gwh(double j) { return fmt::format("{:.2f} GWh", j / sim::kJoulesPerKwh / 1e6); }
std::string Na() { return "n/a"; }

// Rows of the side-by-side table: metric, then one cell per buildout.
std::vector<std::pair<std::string, std::vector<std::string>>> Rows(const std::vector<Buildout>& bs) {
  std::vector<std::pair<std::string, std::vector<std::string>>> rows;
  auto row = [&](std::string name, auto cell) {
    std::vector<std::string> cells;
    for (const auto& b : bs) cells.push_back(cell(b));
    rows.emplace_back(std::move(name), std::move(cells));
  };
  row("GPU", [](const Buildout& b) { return b.gpu; });
  row("GPUs used", [](const Buildout& b) { return fmt::format("{} of {}", b.gpus, b.cluster_gpus); });
  row("best plan", [](const Buildout& b) { return sim::DescribeLayout(b.plan.par, b.plan.train); });
  row("step time", [](const Buildout& b) { return fmt::format("{:.3f} s", b.plan.result.step_time_s); });
  row("expected range", [](const Buildout& b) {
    return b.band.known ? fmt::format("{:.3f}..{:.3f} s{}", b.band.low_s, b.band.high_s, b.band.validated ? "" : " (!)")
                        : Na();
  });
  row("MFU", [](const Buildout& b) { return fmt::format("{:.1f}%", 100 * b.plan.result.mfu); });
  row("memory per GPU", [](const Buildout& b) { return fmt::format("{:.1f} GiB", b.plan.result.memory_gib_per_gpu); });
  row("time to train (ideal)", [](const Buildout& b) { return Days(b.ideal_s); });
  row("job MTBF",
      [](const Buildout& b) { return b.goodput ? fmt::format("{:.2f} h", b.goodput->mtbf_s / 3600) : Na(); });
  row("checkpoint (size, save, every)", [](const Buildout& b) {
    return b.goodput ? fmt::format("{}, {:.0f} s, {:.0f} min", FormatBytes(b.goodput->checkpoint_bytes),
                                   b.goodput->checkpoint_s, b.goodput->interval_s / 60)
                     : Na();
  });
  row("expected failures",
      [](const Buildout& b) { return b.goodput ? fmt::format("{:.0f}", b.goodput->expected_failures) : Na(); });
  row("goodput", [](const Buildout& b) { return b.goodput ? fmt::format("{:.1f}%", 100 * b.goodput->goodput) : Na(); });
  row("effective time to train", [](const Buildout& b) { return b.goodput ? Days(b.effective_s()) : Na(); });
  row("GPU-hours", [](const Buildout& b) { return fmt::format("{:.3g}M", b.gpu_hours / 1e6); });
  row("GPU power (busy share)", [](const Buildout& b) {
    return b.energy ? fmt::format("{:.0f} W ({:.0f}%)", b.gpu_power_w, 100 * b.busy_fraction) : Na();
  });
  row("facility power",
      [](const Buildout& b) { return b.energy ? fmt::format("{:.1f} MW", b.facility_power_w / 1e6) : Na(); });
  row("energy", [](const Buildout& b) { return b.energy ? Gwh(b.energy->energy_j) : Na(); });
  row("cost", [](const Buildout& b) {
    if (!b.cost) return Na();
    std::string s =
        fmt::format("{} ({} ${:.2f}/GPU-h", Usd(b.cost->total_usd), b.cost->basis, b.cost->rate_usd_per_gpu_hour);
    if (b.cost->subsidy_usd > 0) s += fmt::format(", −{} subsidy", Usd(b.cost->subsidy_usd));
    if (b.cost->energy_priced) s += fmt::format(", {} power", Usd(b.cost->energy_usd));
    return s + ")";
  });
  return rows;
}

nlohmann::json ToJson(const CompareOptions& o, double tokens, const std::vector<Buildout>& bs, size_t best) {
  auto opt = [](bool has, double v) { return has ? nlohmann::json(v) : nlohmann::json(nullptr); };
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& b : bs) {
    const sim::SimResult& r = b.plan.result;
    const auto& p = b.plan.par;
    const auto& t = b.plan.train;
    nlohmann::json j = {
        {"cluster", b.name},
        {"file", b.file},
        {"gpu", b.gpu},
        {"cluster_gpus", b.cluster_gpus},
        {"gpus", b.gpus},
        {"plan",
         {{"layout", sim::DescribeLayout(p, t)}, {"parallelism", ParallelismJson(p)}, {"training", TrainingJson(t)}}},
        {"step_time_s", r.step_time_s},
        {"expected_step_time_s",
         b.band.known ? nlohmann::json({b.band.low_s, b.band.high_s}) : nlohmann::json(nullptr)},
        {"band_class", b.band.band_class},
        {"validated", b.band.validated},
        {"tokens_per_s", r.tokens_per_s},
        {"mfu", r.mfu},
        {"memory_gib_per_gpu", r.memory_gib_per_gpu},
        {"time_to_train_s", b.ideal_s},
        {"gpu_hours", b.gpu_hours},
        {"busy_fraction", b.busy_fraction},
        {"gpu_power_w", opt(b.energy.has_value(), b.gpu_power_w)},
        {"facility_power_w", opt(b.energy.has_value(), b.facility_power_w)},
        {"energy_j", opt(b.energy.has_value(), b.energy ? b.energy->energy_j : 0)},
        {"energy_mwh", opt(b.energy.has_value(), b.energy ? b.energy->energy_kwh() / 1e3 : 0)},
        {"goodput", opt(b.goodput.has_value(), b.goodput ? b.goodput->goodput : 0)},
        {"effective_time_to_train_s", opt(b.goodput.has_value(), b.effective_s())},
        {"notes", b.notes},
        {"simulator_notes", b.simulator_notes}};
    if (b.goodput) {
      const auto& g = *b.goodput;
      j["reliability"] = {{"mtbf_s", g.mtbf_s},
                          {"checkpoint_bytes", g.checkpoint_bytes},
                          {"checkpoint_s", g.checkpoint_s},
                          {"restart_s", g.restart_s},
                          {"interval_s", g.interval_s},
                          {"young_interval_s", g.young_interval_s},
                          {"expected_failures", g.expected_failures},
                          {"checkpoint_total_s", g.checkpoint_total_s},
                          {"lost_work_s", g.lost_work_s},
                          {"restart_total_s", g.restart_total_s}};
    } else {
      j["reliability"] = nullptr;
    }
    if (b.cost) {
      const auto& c = *b.cost;
      j["cost"] = {{"usd", c.total_usd},
                   {"basis", c.basis},
                   {"rate_usd_per_gpu_hour", c.rate_usd_per_gpu_hour},
                   {"gpu_usd", c.gpu_usd},
                   {"subsidy_usd", c.subsidy_usd},
                   {"energy_usd", c.energy_priced ? nlohmann::json(c.energy_usd) : nlohmann::json(nullptr)}};
      j["cost_usd"] = c.total_usd;
    } else {
      j["cost"] = nullptr;
      j["cost_usd"] = nullptr;
    }
    arr.push_back(j);
  }
  return {{"model", o.model},         {"tokens", tokens},      {"seq_len", o.seq_len}, {"global_batch", o.global_batch},
          {"objective", o.objective}, {"best", bs[best].name}, {"buildouts", arr}};
}

// The plots (core/svg_chart.h, shared with validate's report): axes with
// ticks and units, every buildout labelled.
std::string Plots(const std::vector<Buildout>& bs, size_t best) {
  BarChart days{
      "Effective time to train", "days (with failures and checkpoints where the cluster gives rates)", "", {}, nullptr};
  BarChart usd{"Cost of the run", "US dollars", "", {}, [](double v) { return Usd(v); }};
  ScatterChart mfu{"MFU against GPU count",
                   "GPUs (log scale)",
                   "model FLOPs utilisation (%)",
                   true,
                   {},
                   [](double g) { return fmt::format("{}", static_cast<int64_t>(g)); },
                   [](double m) { return fmt::format("{:g}%", 100 * m); }};
  for (size_t i = 0; i < bs.size(); ++i) {
    const Buildout& b = bs[i];
    const std::string name = b.name + (i == best ? " (best)" : "");
    const std::string color = i == best ? "#2e7d32" : "#1565c0";
    days.bars.push_back({name, b.effective_s() / 86400,
                         b.goodput ? fmt::format("{} ({} ideal)", Days(b.effective_s()), Days(b.ideal_s))
                                   : Days(b.ideal_s) + " (ideal; no failure rates)",
                         color, "", 0});
    usd.bars.push_back(
        {name, b.cost ? b.cost->total_usd : 0, b.cost ? Usd(b.cost->total_usd) : "n/a (no prices)", color, "", 0});
    mfu.points.push_back({name, static_cast<double>(b.gpus), b.plan.result.mfu,
                          fmt::format("{}: {} GPUs, MFU {:.1f}%", b.name, b.gpus, 100 * b.plan.result.mfu)});
  }
  return RenderBarChart(days) + RenderBarChart(usd) + RenderScatterChart(mfu);
}

std::string Method() {
  return "Each buildout's layout is the best the planner (clusterbench plan) finds for the model on the GPUs used. "
         "Time to train = tokens / simulated tokens per second. Goodput: failures at the cluster's per-GPU and "
         "per-node rates, checkpoints of 14 bytes per parameter at the storage bandwidth, every Daly-optimal interval; "
         "effective time = ideal time / goodput. Energy: GPUs at idle + (TDP − idle) × the step's compute share, plus "
         "node overhead, times PUE, over the wall clock (waiting GPUs during checkpoints and restarts). Cost: rental "
         "or amortised capital per GPU-hour over the wall clock, less any subsidy, plus electricity where priced. "
         "docs/simulator-model.md, \"Cost, energy and failures\", has the maths and sources.";
}

// Every name and cell is escaped (core/markup.h): cluster and model names
// come from files and may hold '|', newlines or HTML.
std::string Markdown(const CompareOptions& o, double tokens, const std::vector<Buildout>& bs, size_t best) {
  std::string s = fmt::format("# Buildouts compared: {} on {:.3g}T tokens\n\n", EscapeMarkdown(o.model), tokens / 1e12);
  s += fmt::format("Sequence {} tokens, global batch {} sequences, {}; objective {}: best **{}**.\n\n", o.seq_len,
                   o.global_batch, EscapeMarkdown(o.precision), EscapeMarkdown(o.objective),
                   EscapeMarkdown(bs[best].name));
  s += "| |";
  for (size_t i = 0; i < bs.size(); ++i) s += " " + EscapeMarkdown(bs[i].name) + (i == best ? " (best)" : "") + " |";
  s += "\n|---|";
  for (size_t i = 0; i < bs.size(); ++i) s += "---|";
  s += "\n";
  for (const auto& [name, cells] : Rows(bs)) {
    s += "| " + EscapeMarkdown(name) + " |";
    for (const auto& c : cells) s += " " + EscapeMarkdown(c) + " |";
    s += "\n";
  }
  s += "\n## Notes\n\n";
  for (const auto& b : bs) {
    const std::string name = EscapeMarkdown(b.name);
    for (const auto& n : b.notes) s += fmt::format("- {}: {}\n", name, EscapeMarkdown(n));
    for (const auto& n : b.simulator_notes) s += fmt::format("- {} (simulator): {}\n", name, EscapeMarkdown(n));
  }
  s += "\n## Method\n\n" + Method() + "\n";
  return s;
}

std::string HtmlReport(const CompareOptions& o, double tokens, const std::vector<Buildout>& bs, size_t best) {
  std::string s = R"(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Buildouts compared</title>
<style>
body{font-family:sans-serif;margin:24px;color:#212121;background:#fff}
table{border-collapse:collapse;margin:8px 0 24px}td,th{border:1px solid #ccc;padding:4px 8px;font-size:13px;text-align:left}
th.best{background:#e8f5e9}
</style></head><body>
)";
  s += fmt::format("<h1>Buildouts compared: {} on {:.3g}T tokens</h1>\n", EscapeHtml(o.model), tokens / 1e12);
  s += fmt::format("<p>Sequence {} tokens, global batch {} sequences, {}; objective {}: best <b>{}</b>.</p>\n",
                   o.seq_len, o.global_batch, EscapeHtml(o.precision), EscapeHtml(o.objective),
                   EscapeHtml(bs[best].name));
  s += "<table><tr><th></th>";
  for (size_t i = 0; i < bs.size(); ++i) {
    // The winner in words, not only in colour.
    s += i == best ? fmt::format("<th class=\"best\">{}<br><small>best by {}</small></th>", EscapeHtml(bs[i].name),
                                 EscapeHtml(o.objective))
                   : fmt::format("<th>{}</th>", EscapeHtml(bs[i].name));
  }
  s += "</tr>\n";
  for (const auto& [name, cells] : Rows(bs)) {
    s += "<tr><th>" + EscapeHtml(name) + "</th>";
    for (const auto& c : cells) s += "<td>" + EscapeHtml(c) + "</td>";
    s += "</tr>\n";
  }
  s += "</table>\n<h2>Plots</h2>\n";
  s += Plots(bs, best);
  s += "<h2>Notes</h2>\n<ul>\n";
  for (const auto& b : bs) {
    for (const auto& n : b.notes) s += fmt::format("<li>{}: {}</li>\n", EscapeHtml(b.name), EscapeHtml(n));
    for (const auto& n : b.simulator_notes)
      s += fmt::format("<li>{} (simulator): {}</li>\n", EscapeHtml(b.name), EscapeHtml(n));
  }
  s += "</ul>\n<h2>Method</h2>\n<p>" + EscapeHtml(Method()) + "</p>\n</body></html>\n";
  return s;
}

// One row per buildout, in SI units; NaN where a figure needs what the
// cluster does not give (prices, failure rates).
Table CompareTable(const std::vector<Buildout>& bs, size_t best) {
  Table t("compare", "buildouts side by side: best plan, time to train, energy, cost, goodput",
          {{"cluster", ColumnType::kString, "", "cluster name"},
           {"gpus", ColumnType::kInt64, "1", "GPUs used"},
           {"tp", ColumnType::kInt64, "1", ""},
           {"pp", ColumnType::kInt64, "1", ""},
           {"dp", ColumnType::kInt64, "1", ""},
           {"cp", ColumnType::kInt64, "1", ""},
           {"ep", ColumnType::kInt64, "1", ""},
           {"vpp", ColumnType::kInt64, "1", ""},
           {"step_time", ColumnType::kFloat64, "s", "simulated step of the best plan"},
           {"mfu", ColumnType::kFloat64, "1", "model FLOPs utilisation"},
           {"ideal_time", ColumnType::kFloat64, "s", "time to train without failures"},
           {"goodput", ColumnType::kFloat64, "1", "ideal / effective time (NaN: no failure rates)"},
           {"effective_time", ColumnType::kFloat64, "s", "time to train with failures, checkpoints and restarts"},
           {"gpu_hours", ColumnType::kFloat64, "1", "GPUs x effective time in hours"},
           {"energy", ColumnType::kFloat64, "J", "facility energy (NaN: no GPU TDP)"},
           {"cost", ColumnType::kFloat64, "USD", "total cost (NaN: no prices)"},
           {"best", ColumnType::kInt64, "1", "1 for the best buildout by the objective"}});
  const double nan = std::nan("");
  for (size_t i = 0; i < bs.size(); ++i) {
    const Buildout& b = bs[i];
    const sim::Parallelism& p = b.plan.par;
    t.AddRow({b.name, b.gpus, p.tp, p.pp, p.dp, p.cp, p.ep, p.vpp, b.plan.result.step_time_s, b.plan.result.mfu,
              b.ideal_s, b.goodput ? b.goodput->goodput : nan, b.effective_s(), b.gpu_hours,
              b.energy ? b.energy->energy_j : nan, b.cost ? b.cost->total_usd : nan, int64_t{i == best ? 1 : 0}});
  }
  return t;
}

// --evidence: the table of the two options, one row each.
Table FleetTable(const sim::ReplaceOrTrain& r) {
  Table t("compare_fleet", "compare --evidence: train as is against replacing the culprits' nodes",
          {{"option", ColumnType::kString, "", "train as is, or replace N nodes"},
           {"nodes_replaced", ColumnType::kInt64, "1", "nodes replaced (0: as is)"},
           {"gpus", ColumnType::kInt64, "1", "the job's GPUs"},
           {"step_time", ColumnType::kFloat64, "s", "training step"},
           {"time_to_train", ColumnType::kFloat64, "s", "training alone (NaN: no tokens)"},
           {"wait", ColumnType::kFloat64, "s", "waiting for the replacements, GPUs held"},
           {"wall_clock", ColumnType::kFloat64, "s", "wait + time to train (NaN: no tokens)"},
           {"gpu_hours", ColumnType::kFloat64, "GPU-h", "GPUs x wall clock (NaN: no tokens)"},
           {"energy", ColumnType::kFloat64, "J", "facility energy (NaN: no TDP or tokens)"},
           {"cost", ColumnType::kFloat64, "USD", "GPU bill, electricity and replacements (NaN: no prices)"},
           {"best", ColumnType::kInt64, "1", "1: the cheaper option (the faster one without prices)"}});
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (const auto* x : {&r.as_is, &r.replace}) {
    const bool trained = x->train_s > 0;
    t.AddRow({x->name, int64_t{x == &r.as_is ? 0 : r.nodes}, r.gpus, x->step_s, trained ? x->train_s : nan, x->wait_s,
              trained ? x->wall_s : nan, trained ? x->gpu_hours : nan, x->energy ? x->energy->energy_j : nan,
              x->cost ? x->total_usd() : nan, int64_t{x == &r.best() ? 1 : 0}});
  }
  return t;
}

nlohmann::json FleetJson(const CompareOptions& o, const std::string& scenario, const EvidenceRun& e,
                         const sim::FleetEvidence& fleet, const sim::ReplaceOrTrain& r) {
  const bool trained = r.as_is.train_s > 0;
  auto num = [](bool ok, double v) { return ok ? nlohmann::json(v) : nlohmann::json(nullptr); };
  nlohmann::json opts = nlohmann::json::array();
  for (const auto* x : {&r.as_is, &r.replace}) {
    opts.push_back({{"option", x->name},
                    {"step_time_s", x->step_s},
                    {"time_to_train_days", num(trained, x->train_s / 86400)},
                    {"wait_days", x->wait_s / 86400},
                    {"wall_clock_days", num(trained, x->wall_s / 86400)},
                    {"gpu_hours", num(trained, x->gpu_hours)},
                    {"energy_kwh", num(x->energy.has_value(), x->energy ? x->energy->energy_kwh() : 0)},
                    {"gpu_usd", num(x->cost.has_value(), x->cost ? x->cost->total_usd : 0)},
                    {"replacement_usd", x->replace_usd},
                    {"cost_usd", num(x->cost.has_value(), x->total_usd())},
                    {"best", x == &r.best()}});
  }
  nlohmann::json culprits = nlohmann::json::array();
  for (const auto& c : fleet.culprits) culprits.push_back({{"name", c.name}, {"where", c.where}});
  return {{"evidence", o.evidence},
          {"run", e.run_id},
          {"scenario", scenario},
          {"gpus", r.gpus},
          {"nodes_replaced", r.nodes},
          {"culprits", culprits},
          {"options", opts},
          {"best", r.best().name},
          {"best_by", r.best_by},
          {"notes", r.notes},
          {"placement_notes", fleet.notes}};
}

void PrintFleet(const CompareOptions& o, const std::string& scenario, const EvidenceRun& e,
                const sim::FleetEvidence& fleet, const sim::ReplaceOrTrain& r) {
  const bool trained = r.as_is.train_s > 0, priced = r.as_is.cost && r.replace.cost;
  std::cout << fmt::format("{} ({} GPUs) on the fleet {} measured ({}, run {}): replace {} node(s) or train as is\n",
                           scenario, r.gpus, o.evidence, e.suite.empty() ? "validate" : e.suite, e.run_id, r.nodes);
  for (const auto& c : fleet.culprits) std::cout << fmt::format("  culprit {}: {}\n", c.name, c.where);
  if (fleet.culprits.empty()) std::cout << "  culprits: none (every node-local unit of the evidence passed)\n";
  std::cout << fmt::format("\n  {:<18}{:>12}{:>16}{:>10}{:>12}{:>12}{:>12}\n", "option", "step time", "time to train",
                           "wait", "wall clock", "GPU-hours", "cost");
  for (const auto* x : {&r.as_is, &r.replace}) {
    std::cout << fmt::format("  {:<18}{:>12}{:>16}{:>10}{:>12}{:>12}{:>12}{}\n", x->name,
                             FormatQuantity(x->step_s, Dimension::kTime), trained ? Days(x->train_s) : Na(),
                             fmt::format("{:.1f} d", x->wait_s / 86400), trained ? Days(x->wall_s) : Na(),
                             trained ? fmt::format("{:.0f}", x->gpu_hours) : Na(), x->cost ? Usd(x->total_usd()) : Na(),
                             x == &r.best() ? "  *" : "");
  }
  if (!fleet.culprits.empty()) {
    std::string saves = fmt::format("{} per step", FormatQuantity(r.as_is.step_s - r.replace.step_s, Dimension::kTime));
    if (trained) saves += fmt::format(", {:+.2f} days of wall clock", (r.as_is.wall_s - r.replace.wall_s) / 86400);
    if (priced) saves += fmt::format(", {}", Usd(r.as_is.total_usd() - r.replace.total_usd()));
    std::cout << fmt::format(
        "\n  replacing saves {}{}\n", saves,
        r.replace.replace_usd > 0 ? fmt::format(" (the replacements' {} included)", Usd(r.replace.replace_usd)) : "");
  }
  std::cout << fmt::format("  * best: {} ({})\n", r.best().name, r.best_by);
  for (const auto& n : r.notes) std::cout << "  note: " << n << "\n";
  for (const auto& n : fleet.notes) std::cout << "  note: " << n << "\n";
}

// `compare SCENARIO --evidence EV.h5`: the culprits placed as simulate
// --evidence places them, then the two options priced (measured_fleet.h).
int RunFleetCompare(const CompareOptions& o, const AppContext& ctx) {
  if (o.clusters.size() != 1) {
    throw UsageError(
        fmt::format("compare --evidence prices one scenario on the measured fleet: give one SCENARIO "
                    "(a file or a shipped name), not {}",
                    o.clusters.size()));
  }
  if (!o.model.empty() || o.gpus >= 0 || !o.report.empty()) {
    throw UsageError(
        "compare --evidence takes its model and layout from the SCENARIO: --model, --gpus and --report "
        "are for comparing buildouts");
  }
  CheckOutputWritable(o.out.output);
  RunInfo run = MakeRunInfo("compare", ctx.command_line);
  std::vector<Override> sets = ParseOverrides(o.sets);
  if (!o.tokens.empty()) {
    const auto extra = ParseOverrides({fmt::format("training.tokens={}", ParseTokens(o.tokens))});
    sets.insert(sets.end(), extra.begin(), extra.end());
  }
  ConfigLoader loader;
  const ConfigNode cfg = loader.Load("scenario", o.clusters.front(), sets);
  const sim::Scenario s = sim::ScenarioFromConfig(cfg);
  const std::string name = cfg.GetString("name", o.clusters.front());
  const EvidenceRun e = ReadEvidence(o.evidence);
  sim::SimOptions so;
  so.flow_network = o.network == "flow";
  const sim::FleetEvidence fleet = sim::PlaceEvidence(e.units, e.nodes, s, e.fabric, so.flow_network);
  const sim::FleetPrice p = sim::PriceFleet(s, so, fleet);
  const sim::ReplaceOrTrain r =
      sim::PriceReplaceOrTrain(s, cfg.at("cluster"), fleet, p, o.replace_wait_days * 86400, o.replace_usd);
  if (o.out.format == "json") {
    std::cout << JsonText(FleetJson(o, name, e, fleet, r)) << "\n";
  } else {
    PrintFleet(o, name, e, fleet, r);
  }
  if (!o.out.output.empty()) {
    Hdf5Writer writer(o.out.output);
    run.config_yaml = fmt::format("evidence: {}\nreplace_wait_days: {}\nreplace_usd_per_node: {}\n{}", o.evidence,
                                  o.replace_wait_days, o.replace_usd, s.effective_yaml);
    writer.BeginRun(run);
    writer.WriteTable(FleetTable(r));
    writer.EndRun(RunStatus::kComplete, "");
  }
  return 0;
}

int RunCompare(const CompareOptions& o, const AppContext& ctx) {
  if (!o.evidence.empty()) return RunFleetCompare(o, ctx);
  if (o.replace_wait_days != 0 || o.replace_usd != 0 || o.network != "analytic") {
    throw UsageError("--replace-wait, --replace-cost and --network price a measured fleet: they need --evidence");
  }
  if (o.model.empty() || o.tokens.empty()) {
    throw UsageError("compare: --model and --tokens are required (or give one SCENARIO with --evidence EV.h5)");
  }
  const double tokens = ParseTokens(o.tokens);
  CheckOutputWritable(o.out.output);
  // The run starts now, not when its results are written (issue 17: start and end times).
  RunInfo run = MakeRunInfo("compare", ctx.command_line);
  if (o.gpus == 0) throw UsageError("--gpus 0: the GPU count must be at least 1");
  if (o.seq_len < 1) throw UsageError(fmt::format("--seq-len {}: must be at least 1", o.seq_len));
  if (o.global_batch < 1) throw UsageError(fmt::format("--global-batch {}: must be at least 1", o.global_batch));
  std::string report_kind;
  if (!o.report.empty()) {
    const std::string ext = fs::path(o.report).extension().string();
    if (ext == ".html" || ext == ".htm") {
      report_kind = "html";
    } else if (ext == ".md" || ext == ".markdown") {
      report_kind = "md";
    } else {
      throw UsageError(fmt::format("--report {}: expected a file ending in .html or .md", o.report));
    }
    CheckOutputWritable(o.report);
  }
  const Logger log = o.out.logger();
  std::vector<Buildout> bs;
  const std::vector<sim::BandRow> bands = sim::LoadErrorBands(ConfigLoader().search_dirs());
  for (const auto& c : o.clusters) bs.push_back(Evaluate(o, c, tokens, bands, log));

  // The best buildout by the objective.
  auto key = [&](const Buildout& b) {
    if (o.objective == "throughput") return -b.plan.result.tokens_per_s;
    if (o.objective == "cost") return b.cost ? b.cost->total_usd : HUGE_VAL;
    return b.effective_s();
  };
  size_t best = 0;
  for (size_t i = 1; i < bs.size(); ++i) {
    if (key(bs[i]) < key(bs[best])) best = i;
  }

  if (o.out.format == "json") {
    std::cout << JsonText(ToJson(o, tokens, bs, best)) << "\n";
  } else {
    std::cout << fmt::format("{} on {:.3g}T tokens (seq {}, batch {}, {}); objective {}\n\n", o.model, tokens / 1e12,
                             o.seq_len, o.global_batch, o.precision, o.objective);
    const auto rows = Rows(bs);
    std::vector<size_t> width(bs.size() + 1, 0);
    width[0] = 30;
    for (size_t i = 0; i < bs.size(); ++i) {
      width[i + 1] = bs[i].name.size();
      for (const auto& [n, cells] : rows) width[i + 1] = std::max(width[i + 1], cells[i].size());
    }
    std::cout << fmt::format("{:<{}}", "", width[0]);
    for (size_t i = 0; i < bs.size(); ++i) {
      std::cout << fmt::format("  {:<{}}", bs[i].name + (i == best ? " *" : ""), width[i + 1]);
    }
    std::cout << "\n";
    for (const auto& [n, cells] : rows) {
      std::cout << fmt::format("{:<{}}", n, width[0]);
      for (size_t i = 0; i < cells.size(); ++i) std::cout << fmt::format("  {:<{}}", cells[i], width[i + 1]);
      std::cout << "\n";
    }
    std::cout << fmt::format("\n* best by {}\n", o.objective);
    for (const auto& b : bs) {
      for (const auto& n : b.notes) std::cout << fmt::format("  note: {}: {}\n", b.name, n);
    }
  }
  if (!o.report.empty()) {
    std::ofstream f(o.report);
    f << (report_kind == "html" ? HtmlReport(o, tokens, bs, best) : Markdown(o, tokens, bs, best));
    if (!f) throw IoError(fmt::format("{}: could not write the report", o.report));
    log.Info("report written to {}", o.report);
  }
  if (!o.out.output.empty()) {
    Hdf5Writer writer(o.out.output);
    run.config_yaml =
        fmt::format("model: {}\ntokens: {}\nseq_len: {}\nglobal_batch: {}\nprecision: {}\nobjective: {}\n", o.model,
                    tokens, o.seq_len, o.global_batch, o.precision, o.objective);
    writer.BeginRun(run);
    writer.WriteTable(CompareTable(bs, best));
    writer.EndRun(RunStatus::kComplete, "");
    log.Info("results: {} (run {})", o.out.output, run.id);
  }
  return 0;
}

}  // namespace

void RegisterCompareCommand(CLI::App& app, AppContext& ctx, Action* action) {
  auto* cmd = app.add_subcommand(
      "compare", "buildouts side by side: best plan, time to train, energy, cost and goodput under failures");
  auto o = std::make_shared<CompareOptions>();
  cmd->add_option("CLUSTERS", o->clusters,
                  "cluster files or names of shipped ones; with --evidence, one scenario (file or shipped name)")
      ->required();
  cmd->add_option("--model", o->model, "the model: a file or the name of a shipped one (required without --evidence)");
  cmd->add_option("--tokens", o->tokens,
                  "tokens to train on: 15T, 500B, 1.5e13 (required without --evidence; with it, default the "
                  "scenario's training.tokens)");
  cmd->add_option("--evidence", o->evidence,
                  "validate's evidence (-o EV.h5): price 'replace the culprits' nodes' against 'train as is' for the "
                  "SCENARIO (evidence node i = scenario node i, as simulate --evidence)");
  cmd->add_option("--replace-wait", o->replace_wait_days,
                  "with --evidence: days until the replacement nodes are in (the job's GPUs held, idle)")
      ->check(Bounded(0, 3650));
  cmd->add_option("--replace-cost", o->replace_usd, "with --evidence: USD per replaced node (parts, service)")
      ->check(Bounded(0, 1e12));
  cmd->add_option("--network", o->network,
                  "with --evidence: analytic, or flow to place NIC culprits on the fabric graph (as simulate)")
      ->check(CLI::IsMember({"analytic", "flow"}))
      ->capture_default_str();
  cmd->add_option("--seq-len", o->seq_len, "sequence length")->capture_default_str();
  cmd->add_option("--global-batch", o->global_batch, "global batch in sequences")->capture_default_str();
  cmd->add_option("--gpus", o->gpus,
                  "GPUs per buildout (default: the largest job size up to the cluster's that layouts can use)");
  cmd->add_option("--precision", o->precision, "GEMM precision")
      ->check(CLI::IsMember({"bf16", "fp16", "fp8"}))
      ->capture_default_str();
  cmd->add_option("--objective", o->objective,
                  "what 'best' means: throughput, cost (needs every cluster's prices) or time-to-train (effective)")
      ->check(CLI::IsMember({"throughput", "cost", "time-to-train"}))
      ->capture_default_str();
  cmd->add_option("--report", o->report, "also write a report: FILE.html (with plots) or FILE.md");
  AddOverrideOption(cmd, &o->sets);
  AddOutputOptions(cmd, &o->out);
  *action = [o, &ctx]() { return RunCompare(*o, ctx); };
}

}  // namespace cb
