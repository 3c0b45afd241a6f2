#include "simulator/report/compare_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/markup.h"
#include "core/svg_chart.h"
#include "core/units.h"
#include "simulator/report/layout_json.h"

namespace cb::sim {
namespace {

std::string Days(double s) { return fmt::format("{:.1f} days", s / 86400); }
std::string Usd(double v) {
  if (std::abs(v) >= 1e9) return fmt::format("${:.2f}B", v / 1e9);
  if (std::abs(v) >= 1e6) return fmt::format("${:.1f}M", v / 1e6);
  if (std::abs(v) >= 1e3) return fmt::format("${:.1f}k", v / 1e3);
  return fmt::format("${:.2f}", v);
}
std::string Gwh(double j) { return fmt::format("{:.2f} GWh", j / kJoulesPerKwh / 1e6); }
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
  row("best plan", [](const Buildout& b) { return DescribeLayout(b.plan.par, b.plan.train); });
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

}  // namespace

nlohmann::json CompareJson(const BuildoutRequest& o, double tokens, const std::vector<Buildout>& bs, size_t best) {
  auto opt = [](bool has, double v) { return has ? nlohmann::json(v) : nlohmann::json(nullptr); };
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& b : bs) {
    const SimResult& r = b.plan.result;
    const auto& p = b.plan.par;
    const auto& t = b.plan.train;
    nlohmann::json j = {
        {"cluster", b.name},
        {"file", b.file},
        {"gpu", b.gpu},
        {"cluster_gpus", b.cluster_gpus},
        {"gpus", b.gpus},
        {"plan",
         {{"layout", DescribeLayout(p, t)}, {"parallelism", ParallelismJson(p)}, {"training", TrainingJson(t)}}},
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

// Every name and cell is escaped (core/markup.h): cluster and model names
// come from files and may hold '|', newlines or HTML.
std::string CompareMarkdown(const BuildoutRequest& o, double tokens, const std::vector<Buildout>& bs, size_t best) {
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

std::string CompareHtml(const BuildoutRequest& o, double tokens, const std::vector<Buildout>& bs, size_t best) {
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
    const Parallelism& p = b.plan.par;
    t.AddRow({b.name, b.gpus, p.tp, p.pp, p.dp, p.cp, p.ep, p.vpp, b.plan.result.step_time_s, b.plan.result.mfu,
              b.ideal_s, b.goodput ? b.goodput->goodput : nan, b.effective_s(), b.gpu_hours,
              b.energy ? b.energy->energy_j : nan, b.cost ? b.cost->total_usd : nan, int64_t{i == best ? 1 : 0}});
  }
  return t;
}

// --evidence: the table of the two options, one row each.
Table FleetTable(const ReplaceOrTrain& r) {
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

nlohmann::json FleetJson(const EvidenceSource& e, const std::string& scenario, const FleetEvidence& fleet,
                         const ReplaceOrTrain& r) {
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
  return {{"evidence", e.path},
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

void PrintFleet(std::ostream& out, const EvidenceSource& e, const std::string& scenario, const FleetEvidence& fleet,
                const ReplaceOrTrain& r) {
  const bool trained = r.as_is.train_s > 0, priced = r.as_is.cost && r.replace.cost;
  out << fmt::format("{} ({} GPUs) on the fleet {} measured ({}, run {}): replace {} node(s) or train as is\n",
                     scenario, r.gpus, e.path, e.suite.empty() ? "validate" : e.suite, e.run_id, r.nodes);
  for (const auto& c : fleet.culprits) out << fmt::format("  culprit {}: {}\n", c.name, c.where);
  if (fleet.culprits.empty()) out << "  culprits: none (every node-local unit of the evidence passed)\n";
  out << fmt::format("\n  {:<18}{:>12}{:>16}{:>10}{:>12}{:>12}{:>12}\n", "option", "step time", "time to train", "wait",
                     "wall clock", "GPU-hours", "cost");
  for (const auto* x : {&r.as_is, &r.replace}) {
    out << fmt::format("  {:<18}{:>12}{:>16}{:>10}{:>12}{:>12}{:>12}{}\n", x->name,
                       FormatQuantity(x->step_s, Dimension::kTime), trained ? Days(x->train_s) : Na(),
                       fmt::format("{:.1f} d", x->wait_s / 86400), trained ? Days(x->wall_s) : Na(),
                       trained ? fmt::format("{:.0f}", x->gpu_hours) : Na(), x->cost ? Usd(x->total_usd()) : Na(),
                       x == &r.best() ? "  *" : "");
  }
  if (!fleet.culprits.empty()) {
    std::string saves = fmt::format("{} per step", FormatQuantity(r.as_is.step_s - r.replace.step_s, Dimension::kTime));
    if (trained) saves += fmt::format(", {:+.2f} days of wall clock", (r.as_is.wall_s - r.replace.wall_s) / 86400);
    if (priced) saves += fmt::format(", {}", Usd(r.as_is.total_usd() - r.replace.total_usd()));
    out << fmt::format(
        "\n  replacing saves {}{}\n", saves,
        r.replace.replace_usd > 0 ? fmt::format(" (the replacements' {} included)", Usd(r.replace.replace_usd)) : "");
  }
  out << fmt::format("  * best: {} ({})\n", r.best().name, r.best_by);
  for (const auto& n : r.notes) out << "  note: " << n << "\n";
  for (const auto& n : fleet.notes) out << "  note: " << n << "\n";
}

// The terminal table: the job, then one column per buildout, the best
// starred, and every buildout's notes.
void PrintCompare(std::ostream& out, const BuildoutRequest& o, double tokens, const std::vector<Buildout>& bs,
                  size_t best) {
  out << fmt::format("{} on {:.3g}T tokens (seq {}, batch {}, {}); objective {}\n\n", o.model, tokens / 1e12, o.seq_len,
                     o.global_batch, o.precision, o.objective);
  const auto rows = Rows(bs);
  std::vector<size_t> width(bs.size() + 1, 0);
  width[0] = 30;
  for (size_t i = 0; i < bs.size(); ++i) {
    width[i + 1] = bs[i].name.size();
    for (const auto& [n, cells] : rows) width[i + 1] = std::max(width[i + 1], cells[i].size());
  }
  out << fmt::format("{:<{}}", "", width[0]);
  for (size_t i = 0; i < bs.size(); ++i) {
    out << fmt::format("  {:<{}}", bs[i].name + (i == best ? " *" : ""), width[i + 1]);
  }
  out << "\n";
  for (const auto& [n, cells] : rows) {
    out << fmt::format("{:<{}}", n, width[0]);
    for (size_t i = 0; i < cells.size(); ++i) out << fmt::format("  {:<{}}", cells[i], width[i + 1]);
    out << "\n";
  }
  out << fmt::format("\n* best by {}\n", o.objective);
  for (const auto& b : bs) {
    for (const auto& n : b.notes) out << fmt::format("  note: {}: {}\n", b.name, n);
  }
}

}  // namespace cb::sim
