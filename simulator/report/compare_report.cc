#include "simulator/report/compare_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"
#include "core/markup.h"
#include "core/svg_chart.h"
#include "core/units.h"
#include "simulator/report/layout_columns.h"

namespace cb::sim {
namespace {

constexpr double kGiB = 1 << 30;

std::string Days(double s) { return fmt::format("{:.1f} days", s / 86400); }
std::string Usd(double v) {
  if (std::abs(v) >= 1e9) return fmt::format("${:.2f}B", v / 1e9);
  if (std::abs(v) >= 1e6) return fmt::format("${:.1f}M", v / 1e6);
  if (std::abs(v) >= 1e3) return fmt::format("${:.1f}k", v / 1e3);
  return fmt::format("${:.2f}", v);
}
std::string Gwh(double j) { return fmt::format("{:.2f} GWh", j / kJoulesPerKwh / 1e6); }
std::string Na() { return "n/a"; }

// One row of the `compare` table, read by column name.
struct BuildoutRow {
  const Table& t;
  size_t i;
  int64_t I(const char* c) const { return t.Int(i, c); }
  double F(const char* c) const { return t.Float(i, c); }
  const std::string& S(const char* c) const { return t.Str(i, c); }
  // NaN marks what the cluster does not give: failure rates, a TDP, prices.
  bool Has(const char* c) const { return std::isfinite(F(c)); }
};

// The job (the same on every row) and the best buildout's row.
struct CompareJob {
  std::string model, precision, objective, best;
  double tokens = 0;
  int64_t seq_len = 0, global_batch = 0;
};
CompareJob JobOf(const Table& t) {
  if (t.size() == 0) throw RuntimeError("compare: no buildouts to render");
  CompareJob j{t.Str(0, "model"),   t.Str(0, "precision"),   t.Str(0, "objective"), "", t.Float(0, "training_tokens"),
               t.Int(0, "seq_len"), t.Int(0, "global_batch")};
  for (size_t i = 0; i < t.size(); ++i) {
    if (t.Int(i, "best")) j.best = t.Str(i, "cluster");
  }
  return j;
}

// Rows of the side-by-side table: metric, then one cell per buildout.
std::vector<std::pair<std::string, std::vector<std::string>>> Rows(const Table& t) {
  std::vector<std::pair<std::string, std::vector<std::string>>> rows;
  auto row = [&](std::string name, auto cell) {
    std::vector<std::string> cells;
    for (size_t i = 0; i < t.size(); ++i) cells.push_back(cell(BuildoutRow{t, i}));
    rows.emplace_back(std::move(name), std::move(cells));
  };
  using B = const BuildoutRow&;
  row("GPU", [](B b) { return b.S("gpu"); });
  row("GPUs used", [](B b) { return fmt::format("{} of {}", b.I("gpus"), b.I("cluster_gpus")); });
  row("best plan", [](B b) { return b.S("layout"); });
  row("step time", [](B b) { return fmt::format("{:.3f} s", b.F("step_time")); });
  row("expected range", [](B b) {
    return b.I("band_known") ? fmt::format("{:.3f}..{:.3f} s{}", b.F("step_time_low"), b.F("step_time_high"),
                                           b.I("validated") ? "" : " (!)")
                             : Na();
  });
  row("MFU", [](B b) { return fmt::format("{:.1f}%", 100 * b.F("mfu")); });
  row("memory per GPU", [](B b) { return fmt::format("{:.1f} GiB", b.F("memory_per_gpu") / kGiB); });
  row("time to train (ideal)", [](B b) { return Days(b.F("ideal_time")); });
  row("job MTBF", [](B b) { return b.Has("goodput") ? fmt::format("{:.2f} h", b.F("mtbf") / 3600) : Na(); });
  row("checkpoint (size, save, every)", [](B b) {
    return b.Has("goodput") ? fmt::format("{}, {:.0f} s, {:.0f} min", FormatBytes(b.F("checkpoint_size")),
                                          b.F("checkpoint_time"), b.F("checkpoint_interval") / 60)
                            : Na();
  });
  row("expected failures",
      [](B b) { return b.Has("goodput") ? fmt::format("{:.0f}", b.F("expected_failures")) : Na(); });
  row("goodput", [](B b) { return b.Has("goodput") ? fmt::format("{:.1f}%", 100 * b.F("goodput")) : Na(); });
  row("effective time to train", [](B b) { return b.Has("goodput") ? Days(b.F("effective_time")) : Na(); });
  row("GPU-hours", [](B b) { return fmt::format("{:.3g}M", b.F("gpu_hours") / 1e6); });
  row("GPU power (busy share)", [](B b) {
    return b.Has("energy") ? fmt::format("{:.0f} W ({:.0f}%)", b.F("gpu_power"), 100 * b.F("busy_fraction")) : Na();
  });
  row("facility power",
      [](B b) { return b.Has("energy") ? fmt::format("{:.1f} MW", b.F("facility_power") / 1e6) : Na(); });
  row("energy", [](B b) { return b.Has("energy") ? Gwh(b.F("energy")) : Na(); });
  row("cost", [](B b) {
    if (!b.Has("cost")) return Na();
    std::string s = fmt::format("{} ({} ${:.2f}/GPU-h", Usd(b.F("cost")), b.S("cost_basis"), b.F("gpu_hour_rate"));
    if (b.F("subsidy") > 0) s += fmt::format(", −{} subsidy", Usd(b.F("subsidy")));
    if (b.Has("energy_cost")) s += fmt::format(", {} power", Usd(b.F("energy_cost")));
    return s + ")";
  });
  return rows;
}

// The plots (core/svg_chart.h, shared with validate's report): axes with
// ticks and units, every buildout labelled.
std::string Plots(const Table& t) {
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
  for (size_t i = 0; i < t.size(); ++i) {
    const BuildoutRow b{t, i};
    const bool best = b.I("best") != 0;
    const std::string name = b.S("cluster") + (best ? " (best)" : "");
    const std::string color = best ? "#2e7d32" : "#1565c0";
    const double ideal = b.F("ideal_time"), effective = b.F("effective_time");
    days.bars.push_back({name, effective / 86400,
                         b.Has("goodput") ? fmt::format("{} ({} ideal)", Days(effective), Days(ideal))
                                          : Days(ideal) + " (ideal; no failure rates)",
                         color, "", 0});
    usd.bars.push_back(
        {name, b.Has("cost") ? b.F("cost") : 0, b.Has("cost") ? Usd(b.F("cost")) : "n/a (no prices)", color, "", 0});
    mfu.points.push_back({name, static_cast<double>(b.I("gpus")), b.F("mfu"),
                          fmt::format("{}: {} GPUs, MFU {:.1f}%", b.S("cluster"), b.I("gpus"), 100 * b.F("mfu"))});
  }
  return RenderBarChart(days) + RenderBarChart(usd) + RenderScatterChart(mfu);
}

std::string Method() {
  return "Each buildout's layout is the best the planner (clusterbench plan) finds for the model on the GPUs used. "
         "Time to train = tokens / simulated tokens per second. Goodput: failures at the cluster's per-GPU and "
         "per-node rates, checkpoints of 14 bytes per parameter (6 in pure bf16) at the storage bandwidth, every "
         "Daly-optimal interval; "
         "effective time = ideal time / goodput. Energy: GPUs at idle + (TDP − idle) × the step's compute share, plus "
         "node overhead, times PUE, over the wall clock (waiting GPUs during checkpoints and restarts). Cost: rental "
         "or amortised capital per GPU-hour over the wall clock, less any subsidy, plus electricity where priced. "
         "docs/simulator-model.md, \"Cost, energy and failures\", has the maths and sources.";
}

// A buildout's reliability and cost in SI units and USD: NaN (and "" for the
// basis) where the cluster gives no failure rates or no prices.
NamedCells ReliabilityAndCostCells(const Buildout& b) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const GoodputEstimate* g = b.goodput ? &*b.goodput : nullptr;
  const CostEstimate* c = b.cost ? &*b.cost : nullptr;
  auto rel = [&](double GoodputEstimate::*field) { return g ? g->*field : nan; };
  auto usd = [&](double CostEstimate::*field) { return c ? c->*field : nan; };
  return {
      {{"mtbf", ColumnType::kFloat64, "s", "the job's mean time between failures"}, rel(&GoodputEstimate::mtbf_s)},
      {{"checkpoint_size", ColumnType::kFloat64, "B", "one checkpoint"}, rel(&GoodputEstimate::checkpoint_bytes)},
      {{"checkpoint_time", ColumnType::kFloat64, "s", "saving one checkpoint"}, rel(&GoodputEstimate::checkpoint_s)},
      {{"restart_time", ColumnType::kFloat64, "s", "a restart: detect, reschedule, initialise, restore"},
       rel(&GoodputEstimate::restart_s)},
      {{"checkpoint_interval", ColumnType::kFloat64, "s", "between checkpoints (Daly)"},
       rel(&GoodputEstimate::interval_s)},
      {{"young_interval", ColumnType::kFloat64, "s", "between checkpoints by Young's rule, for reference"},
       rel(&GoodputEstimate::young_interval_s)},
      {{"expected_failures", ColumnType::kFloat64, "1", "failures expected over the run"},
       rel(&GoodputEstimate::expected_failures)},
      {{"checkpoint_total_time", ColumnType::kFloat64, "s", "time spent saving checkpoints"},
       rel(&GoodputEstimate::checkpoint_total_s)},
      {{"lost_work_time", ColumnType::kFloat64, "s", "work redone after failures"}, rel(&GoodputEstimate::lost_work_s)},
      {{"restart_total_time", ColumnType::kFloat64, "s", "time spent restarting"},
       rel(&GoodputEstimate::restart_total_s)},
      {{"cost_basis", ColumnType::kString, "", "rental or capital; empty without prices"},
       c ? c->basis : std::string()},
      {{"gpu_hour_rate", ColumnType::kFloat64, "USD/GPU-h", "price of one GPU-hour"},
       usd(&CostEstimate::rate_usd_per_gpu_hour)},
      {{"gpu_cost", ColumnType::kFloat64, "USD", "GPU-hours x rate"}, usd(&CostEstimate::gpu_usd)},
      {{"subsidy", ColumnType::kFloat64, "USD", "subsidy taken off the GPU cost"}, usd(&CostEstimate::subsidy_usd)},
      {{"energy_cost", ColumnType::kFloat64, "USD", "electricity (NaN: not priced)"},
       c && c->energy_priced ? c->energy_usd : nan},
  };
}

// The `compare` table's columns up to session 11, then (session 12, issue
// 16: the JSON, the text and the reports are the table) the rest of what
// compare's own JSON held: the job (the same on every row), the plan, its
// expected range, power, reliability, cost and notes.
NamedCells BuildoutCells(const BuildoutRequest& o, double tokens, const Buildout& b, bool best) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const Parallelism& p = b.plan.par;
  const SimResult& r = b.plan.result;
  NamedCells cells = {
      {{"cluster", ColumnType::kString, "", "cluster name"}, b.name},
      {{"gpus", ColumnType::kInt64, "1", "GPUs used"}, b.gpus},
      {{"tp", ColumnType::kInt64, "1", ""}, p.tp},
      {{"pp", ColumnType::kInt64, "1", ""}, p.pp},
      {{"dp", ColumnType::kInt64, "1", ""}, p.dp},
      {{"cp", ColumnType::kInt64, "1", ""}, p.cp},
      {{"ep", ColumnType::kInt64, "1", ""}, p.ep},
      {{"vpp", ColumnType::kInt64, "1", ""}, p.vpp},
      {{"step_time", ColumnType::kFloat64, "s", "simulated step of the best plan"}, r.step_time_s},
      {{"mfu", ColumnType::kFloat64, "1", "model FLOPs utilisation"}, r.mfu},
      {{"ideal_time", ColumnType::kFloat64, "s", "time to train without failures"}, b.ideal_s},
      {{"goodput", ColumnType::kFloat64, "1", "ideal / effective time (NaN: no failure rates)"},
       b.goodput ? b.goodput->goodput : nan},
      {{"effective_time", ColumnType::kFloat64, "s", "time to train with failures, checkpoints and restarts"},
       b.effective_s()},
      {{"gpu_hours", ColumnType::kFloat64, "1", "GPUs x effective time in hours"}, b.gpu_hours},
      {{"energy", ColumnType::kFloat64, "J", "facility energy (NaN: no GPU TDP)"}, b.energy ? b.energy->energy_j : nan},
      {{"cost", ColumnType::kFloat64, "USD", "total cost (NaN: no prices)"}, b.cost ? b.cost->total_usd : nan},
      {{"best", ColumnType::kInt64, "1", "1 for the best buildout by the objective"}, int64_t{best ? 1 : 0}},
      // Appended in session 12.
      {{"model", ColumnType::kString, "", "--model as given"}, o.model},
      {{"training_tokens", ColumnType::kFloat64, "1", "--tokens: tokens to train on"}, tokens},
      {{"objective", ColumnType::kString, "", "--objective: what best means"}, o.objective},
      {{"file", ColumnType::kString, "", "the cluster's file"}, b.file},
      {{"gpu", ColumnType::kString, "", "GPU name"}, b.gpu},
      {{"cluster_gpus", ColumnType::kInt64, "1", "GPUs of the cluster"}, b.cluster_gpus},
      {{"layout", ColumnType::kString, "", "the best plan's layout in one line"}, DescribeLayout(p, b.plan.train)},
      {{"band_known", ColumnType::kInt64, "1", "1 when a validation band was found for the plan's class"},
       int64_t{b.band.known ? 1 : 0}},
      {{"step_time_low", ColumnType::kFloat64, "s", "expected range, validation band of its class (low; NaN: none)"},
       b.band.known ? b.band.low_s : nan},
      {{"step_time_high", ColumnType::kFloat64, "s", "expected range (high; NaN: none)"},
       b.band.known ? b.band.high_s : nan},
      {{"band_class", ColumnType::kString, "", "validation class whose band was used"}, b.band.band_class},
      {{"validated", ColumnType::kInt64, "1", "1 when inside the validated region"}, int64_t{b.band.validated ? 1 : 0}},
      {{"tokens_per_s", ColumnType::kFloat64, "1/s", "tokens per second, whole job"}, r.tokens_per_s},
      {{"memory_per_gpu", ColumnType::kFloat64, "B", "memory of the most loaded GPU"}, r.memory.Total()},
      {{"busy_fraction", ColumnType::kFloat64, "1", "share of the step the GPUs compute"}, b.busy_fraction},
      {{"gpu_power", ColumnType::kFloat64, "W", "one GPU at that share (NaN: no GPU TDP)"},
       b.energy ? b.gpu_power_w : nan},
      {{"facility_power", ColumnType::kFloat64, "W", "the job's facility power (NaN: no GPU TDP)"},
       b.energy ? b.facility_power_w : nan},
  };
  const NamedCells money = ReliabilityAndCostCells(b);
  cells.insert(cells.end(), money.begin(), money.end());
  cells.push_back({{"notes", ColumnType::kString, "", "compare's notes, one per line"}, JoinCell(b.notes, "\n")});
  cells.push_back({{"simulator_notes", ColumnType::kString, "", "the simulation's notes, one per line"},
                   JoinCell(b.simulator_notes, "\n")});
  AppendLayoutCells(p, b.plan.train, &cells);
  return cells;
}

}  // namespace

// Every name and cell is escaped (core/markup.h): cluster and model names
// come from files and may hold '|', newlines or HTML.
std::string CompareMarkdown(const Table& t) {
  const CompareJob job = JobOf(t);
  std::string s =
      fmt::format("# Buildouts compared: {} on {:.3g}T tokens\n\n", EscapeMarkdown(job.model), job.tokens / 1e12);
  s += fmt::format("Sequence {} tokens, global batch {} sequences, {}; objective {}: best **{}**.\n\n", job.seq_len,
                   job.global_batch, EscapeMarkdown(job.precision), EscapeMarkdown(job.objective),
                   EscapeMarkdown(job.best));
  s += "| |";
  for (size_t i = 0; i < t.size(); ++i) {
    s += " " + EscapeMarkdown(t.Str(i, "cluster")) + (t.Int(i, "best") ? " (best)" : "") + " |";
  }
  s += "\n|---|";
  for (size_t i = 0; i < t.size(); ++i) s += "---|";
  s += "\n";
  for (const auto& [name, cells] : Rows(t)) {
    s += "| " + EscapeMarkdown(name) + " |";
    for (const auto& c : cells) s += " " + EscapeMarkdown(c) + " |";
    s += "\n";
  }
  s += "\n## Notes\n\n";
  for (size_t i = 0; i < t.size(); ++i) {
    const std::string name = EscapeMarkdown(t.Str(i, "cluster"));
    for (const auto& n : SplitCell(t.Str(i, "notes"), "\n")) s += fmt::format("- {}: {}\n", name, EscapeMarkdown(n));
    for (const auto& n : SplitCell(t.Str(i, "simulator_notes"), "\n")) {
      s += fmt::format("- {} (simulator): {}\n", name, EscapeMarkdown(n));
    }
  }
  s += "\n## Method\n\n" + Method() + "\n";
  return s;
}

std::string CompareHtml(const Table& t) {
  const CompareJob job = JobOf(t);
  std::string s = R"(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Buildouts compared</title>
<style>
body{font-family:sans-serif;margin:24px;color:#212121;background:#fff}
table{border-collapse:collapse;margin:8px 0 24px}td,th{border:1px solid #ccc;padding:4px 8px;font-size:13px;text-align:left}
th.best{background:#e8f5e9}
</style></head><body>
)";
  s += fmt::format("<h1>Buildouts compared: {} on {:.3g}T tokens</h1>\n", EscapeHtml(job.model), job.tokens / 1e12);
  s += fmt::format("<p>Sequence {} tokens, global batch {} sequences, {}; objective {}: best <b>{}</b>.</p>\n",
                   job.seq_len, job.global_batch, EscapeHtml(job.precision), EscapeHtml(job.objective),
                   EscapeHtml(job.best));
  s += "<table><tr><th></th>";
  for (size_t i = 0; i < t.size(); ++i) {
    // The winner in words, not only in colour.
    const std::string name = EscapeHtml(t.Str(i, "cluster"));
    s += t.Int(i, "best")
             ? fmt::format("<th class=\"best\">{}<br><small>best by {}</small></th>", name, EscapeHtml(job.objective))
             : fmt::format("<th>{}</th>", name);
  }
  s += "</tr>\n";
  for (const auto& [name, cells] : Rows(t)) {
    s += "<tr><th>" + EscapeHtml(name) + "</th>";
    for (const auto& c : cells) s += "<td>" + EscapeHtml(c) + "</td>";
    s += "</tr>\n";
  }
  s += "</table>\n<h2>Plots</h2>\n";
  s += Plots(t);
  s += "<h2>Notes</h2>\n<ul>\n";
  for (size_t i = 0; i < t.size(); ++i) {
    const std::string name = EscapeHtml(t.Str(i, "cluster"));
    for (const auto& n : SplitCell(t.Str(i, "notes"), "\n")) s += fmt::format("<li>{}: {}</li>\n", name, EscapeHtml(n));
    for (const auto& n : SplitCell(t.Str(i, "simulator_notes"), "\n")) {
      s += fmt::format("<li>{} (simulator): {}</li>\n", name, EscapeHtml(n));
    }
  }
  s += "</ul>\n<h2>Method</h2>\n<p>" + EscapeHtml(Method()) + "</p>\n</body></html>\n";
  return s;
}

// One row per buildout, in SI units; NaN where a figure needs what the
// cluster does not give (prices, failure rates).
Table CompareTable(const BuildoutRequest& o, double tokens, const std::vector<Buildout>& bs, size_t best) {
  std::vector<NamedCells> rows;
  for (size_t i = 0; i < bs.size(); ++i) rows.push_back(BuildoutCells(o, tokens, bs[i], i == best));
  return TableOfRows("compare", "buildouts side by side: best plan, time to train, energy, cost, goodput", rows);
}

// --evidence: the table of the two options, one row each (train as is,
// then replace), and where the evidence came from (the same on both rows).
Table FleetTable(const EvidenceSource& e, const std::string& scenario, const FleetEvidence& fleet,
                 const ReplaceOrTrain& r) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<NamedCells> rows;
  for (const auto* x : {&r.as_is, &r.replace}) {
    const bool trained = x->train_s > 0;
    rows.push_back({
        {{"option", ColumnType::kString, "", "train as is, or replace N nodes"}, x->name},
        {{"nodes_replaced", ColumnType::kInt64, "1", "nodes replaced (0: as is)"},
         int64_t{x == &r.as_is ? 0 : r.nodes}},
        {{"gpus", ColumnType::kInt64, "1", "the job's GPUs"}, r.gpus},
        {{"step_time", ColumnType::kFloat64, "s", "training step"}, x->step_s},
        {{"time_to_train", ColumnType::kFloat64, "s", "training alone (NaN: no tokens)"}, trained ? x->train_s : nan},
        {{"wait", ColumnType::kFloat64, "s", "waiting for the replacements, GPUs held"}, x->wait_s},
        {{"wall_clock", ColumnType::kFloat64, "s", "wait + time to train (NaN: no tokens)"}, trained ? x->wall_s : nan},
        {{"gpu_hours", ColumnType::kFloat64, "GPU-h", "GPUs x wall clock (NaN: no tokens)"},
         trained ? x->gpu_hours : nan},
        {{"energy", ColumnType::kFloat64, "J", "facility energy (NaN: no TDP or tokens)"},
         x->energy ? x->energy->energy_j : nan},
        {{"cost", ColumnType::kFloat64, "USD", "GPU bill, electricity and replacements (NaN: no prices)"},
         x->cost ? x->total_usd() : nan},
        {{"best", ColumnType::kInt64, "1", "1: the cheaper option (the faster one without prices)"},
         int64_t{x == &r.best() ? 1 : 0}},
        // Appended in session 12 (issue 16: the JSON and the text are the tables).
        {{"gpu_cost", ColumnType::kFloat64, "USD", "the GPU bill and electricity alone (NaN: no prices)"},
         x->cost ? x->cost->total_usd : nan},
        {{"replacement_cost", ColumnType::kFloat64, "USD", "the replacements' own price"}, x->replace_usd},
        {{"best_by", ColumnType::kString, "", "why the best option is best"}, r.best_by},
        {{"scenario", ColumnType::kString, "", "the scenario's name"}, scenario},
        {{"evidence", ColumnType::kString, "", "the evidence file (--evidence)"}, e.path},
        {{"evidence_run", ColumnType::kString, "", "its validate run"}, e.run_id},
        {{"suite", ColumnType::kString, "", "that run's suite"}, e.suite},
        {{"notes", ColumnType::kString, "", "what could not be priced and why, one per line"}, JoinCell(r.notes, "\n")},
        {{"placement_notes", ColumnType::kString, "", "evidence not placed on the scenario and why, one per line"},
         JoinCell(fleet.notes, "\n")},
    });
  }
  return TableOfRows("compare_fleet", "compare --evidence: train as is against replacing the culprits' nodes", rows);
}

std::vector<Table> FleetTables(const EvidenceSource& e, const std::string& scenario, const FleetEvidence& fleet,
                               const ReplaceOrTrain& r) {
  Table culprits("compare_culprits", "compare --evidence: the culprits placed on the scenario",
                 {{"name", ColumnType::kString, "", "the node, GPU or NIC validate found too slow"},
                  {"where", ColumnType::kString, "", "how it is placed on the scenario, in words"}});
  for (const auto& c : fleet.culprits) culprits.AddRow({c.name, c.where});
  return {FleetTable(e, scenario, fleet, r), culprits};
}

void PrintFleet(std::ostream& out, const std::vector<Table>& tables) {
  const Table& t = TableNamed(tables, "compare_fleet");
  const Table& culprits = TableNamed(tables, "compare_culprits");
  if (t.size() != 2) throw RuntimeError("compare: the fleet table holds two options");
  const BuildoutRow as_is{t, 0}, replace{t, 1};
  const bool trained = as_is.Has("time_to_train"), priced = as_is.Has("cost") && replace.Has("cost");
  const std::string suite = as_is.S("suite");
  out << fmt::format("{} ({} GPUs) on the fleet {} measured ({}, run {}): replace {} node(s) or train as is\n",
                     as_is.S("scenario"), as_is.I("gpus"), as_is.S("evidence"), suite.empty() ? "validate" : suite,
                     as_is.S("evidence_run"), replace.I("nodes_replaced"));
  for (size_t i = 0; i < culprits.size(); ++i) {
    out << fmt::format("  culprit {}: {}\n", culprits.Str(i, "name"), culprits.Str(i, "where"));
  }
  if (culprits.size() == 0) out << "  culprits: none (every node-local unit of the evidence passed)\n";
  out << fmt::format("\n  {:<18}{:>12}{:>16}{:>10}{:>12}{:>12}{:>12}\n", "option", "step time", "time to train", "wait",
                     "wall clock", "GPU-hours", "cost");
  std::string best;
  for (const BuildoutRow& x : {as_is, replace}) {
    if (x.I("best")) best = x.S("option");
    out << fmt::format("  {:<18}{:>12}{:>16}{:>10}{:>12}{:>12}{:>12}{}\n", x.S("option"),
                       FormatQuantity(x.F("step_time"), Dimension::kTime), trained ? Days(x.F("time_to_train")) : Na(),
                       fmt::format("{:.1f} d", x.F("wait") / 86400), trained ? Days(x.F("wall_clock")) : Na(),
                       trained ? fmt::format("{:.0f}", x.F("gpu_hours")) : Na(),
                       x.Has("cost") ? Usd(x.F("cost")) : Na(), x.I("best") ? "  *" : "");
  }
  if (culprits.size() > 0) {
    std::string saves =
        fmt::format("{} per step", FormatQuantity(as_is.F("step_time") - replace.F("step_time"), Dimension::kTime));
    if (trained)
      saves += fmt::format(", {:+.2f} days of wall clock", (as_is.F("wall_clock") - replace.F("wall_clock")) / 86400);
    if (priced) saves += fmt::format(", {}", Usd(as_is.F("cost") - replace.F("cost")));
    const double replacements = replace.F("replacement_cost");
    out << fmt::format("\n  replacing saves {}{}\n", saves,
                       replacements > 0 ? fmt::format(" (the replacements' {} included)", Usd(replacements)) : "");
  }
  out << fmt::format("  * best: {} ({})\n", best, as_is.S("best_by"));
  for (const auto& n : SplitCell(as_is.S("notes"), "\n")) out << "  note: " << n << "\n";
  for (const auto& n : SplitCell(as_is.S("placement_notes"), "\n")) out << "  note: " << n << "\n";
}

// The terminal table: the job, then one column per buildout, the best
// starred, and every buildout's notes.
void PrintCompare(std::ostream& out, const Table& t) {
  const CompareJob job = JobOf(t);
  out << fmt::format("{} on {:.3g}T tokens (seq {}, batch {}, {}); objective {}\n\n", job.model, job.tokens / 1e12,
                     job.seq_len, job.global_batch, job.precision, job.objective);
  const auto rows = Rows(t);
  std::vector<size_t> width(t.size() + 1, 0);
  width[0] = 30;
  for (size_t i = 0; i < t.size(); ++i) {
    width[i + 1] = t.Str(i, "cluster").size();
    for (const auto& [n, cells] : rows) width[i + 1] = std::max(width[i + 1], cells[i].size());
  }
  out << fmt::format("{:<{}}", "", width[0]);
  for (size_t i = 0; i < t.size(); ++i) {
    out << fmt::format("  {:<{}}", t.Str(i, "cluster") + (t.Int(i, "best") ? " *" : ""), width[i + 1]);
  }
  out << "\n";
  for (const auto& [n, cells] : rows) {
    out << fmt::format("{:<{}}", n, width[0]);
    for (size_t i = 0; i < cells.size(); ++i) out << fmt::format("  {:<{}}", cells[i], width[i + 1]);
    out << "\n";
  }
  out << fmt::format("\n* best by {}\n", job.objective);
  for (size_t i = 0; i < t.size(); ++i) {
    for (const auto& n : SplitCell(t.Str(i, "notes"), "\n"))
      out << fmt::format("  note: {}: {}\n", t.Str(i, "cluster"), n);
  }
}

}  // namespace cb::sim
