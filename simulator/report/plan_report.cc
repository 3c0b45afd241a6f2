#include "simulator/report/plan_report.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "core/error.h"
#include "core/units.h"
#include "simulator/report/layout_columns.h"

namespace cb::sim {
namespace {

constexpr double kGiB = 1 << 30;

// The `plans` table's columns up to session 11, then (session 12, issue 16:
// the JSON is the tables) what plan's own JSON held beside them.
NamedCells PlanCells(const Plan& p, const PlanBand& judged, const std::string& objective) {
  const PredictionBand& b = judged.band;
  const SimResult& r = p.result;
  const double kNaN = std::numeric_limits<double>::quiet_NaN();
  NamedCells cells = {
      {{"tp", ColumnType::kInt64, "1", ""}, p.par.tp},
      {{"pp", ColumnType::kInt64, "1", ""}, p.par.pp},
      {{"dp", ColumnType::kInt64, "1", ""}, p.par.dp},
      {{"cp", ColumnType::kInt64, "1", ""}, p.par.cp},
      {{"ep", ColumnType::kInt64, "1", ""}, p.par.ep},
      {{"vpp", ColumnType::kInt64, "1", ""}, p.par.vpp},
      {{"micro_batch", ColumnType::kInt64, "1", ""}, p.train.micro_batch},
      {{"recompute", ColumnType::kString, "", "none, selective or full"}, RecomputeName(p.train.recompute)},
      {{"zero", ColumnType::kInt64, "1", "ZeRO stage"}, int64_t{p.par.zero}},
      {{"step_time", ColumnType::kFloat64, "s", "discrete-event simulation"}, r.step_time_s},
      {{"step_time_low", ColumnType::kFloat64, "s", "expected range, validation band of its class (low)"},
       b.known ? b.low_s : 0.0},
      {{"step_time_high", ColumnType::kFloat64, "s", "expected range, validation band of its class (high)"},
       b.known ? b.high_s : 0.0},
      {{"unvalidated", ColumnType::kInt64, "1", "1 when outside the validated region or beyond the band"},
       int64_t{judged.unvalidated ? 1 : 0}},
      {{"estimate_step_time", ColumnType::kFloat64, "s", "closed-form screen"}, p.estimate_step_s},
      {{"mfu", ColumnType::kFloat64, "1", ""}, r.mfu},
      {{"memory_per_gpu", ColumnType::kFloat64, "B", "most loaded GPU"}, r.memory.Total()},
      // Appended in session 12.
      {{"band_known", ColumnType::kInt64, "1", "1 when a validation band was found for the plan's class"},
       int64_t{b.known ? 1 : 0}},
      {{"band_class", ColumnType::kString, "", "validation class whose band was used"}, b.band_class},
      {{"unvalidated_reason", ColumnType::kString, "", "why the plan is unvalidated; empty when it is not"},
       judged.why},
      {{"tokens_per_s", ColumnType::kFloat64, "1/s", "tokens per second, whole job"}, r.tokens_per_s},
      {{"fits_in_memory", ColumnType::kInt64, "1", "1 when it fits"}, int64_t{r.fits_in_memory ? 1 : 0}},
      {{"time_to_train", ColumnType::kFloat64, "s", "time to train on training.tokens; NaN when not given"},
       r.time_to_train_s > 0 ? r.time_to_train_s : kNaN},
      {{"objective_value", ColumnType::kFloat64, objective == "cost" ? "USD" : "s",
        "what --objective ranks by, lower first: step time (throughput), cost or time to train"},
       p.objective_value},
      {{"candidate", ColumnType::kInt64, "1", "the layout's index in the enumeration"}, p.index},
      {{"layout", ColumnType::kString, "", "the layout in one line"}, DescribeLayout(p.par, p.train)},
  };
  AppendLayoutCells(p.par, p.train, &cells);
  return cells;
}

// `plan_search`: the job, what the search screened and how fast, and the
// scenario's own layout when it runs on the same GPUs (NaN, -1 and "" when
// it does not).
Table SearchTable(const PlanReport& rep) {
  const Scenario& s = rep.s;
  const PlanSearchResult& r = rep.r;
  const double kNaN = std::numeric_limits<double>::quiet_NaN();
  const std::optional<SimResult>& g = rep.given;
  const NamedCells cells = {
      {{"scenario", ColumnType::kString, "", "the scenario as named on the command line"}, rep.scenario},
      {{"model", ColumnType::kString, "", "model name"}, s.model.name},
      {{"cluster", ColumnType::kString, "", "cluster name"}, s.cluster.name},
      {{"gpu", ColumnType::kString, "", "GPU name"}, s.gpu.name},
      {{"gpus", ColumnType::kInt64, "1", "GPUs planned for"}, rep.gpus},
      {{"objective", ColumnType::kString, "", "throughput, cost or time-to-train"}, rep.objective},
      {{"candidates", ColumnType::kInt64, "1", "layouts enumerated"}, r.candidates},
      {{"valid", ColumnType::kInt64, "1", "layouts that passed the divisibility checks"}, r.valid},
      {{"fit_in_memory", ColumnType::kInt64, "1", "valid layouts that fit in memory"}, r.fit},
      {{"plans", ColumnType::kInt64, "1", "rows of the plans table"}, static_cast<int64_t>(r.plans.size())},
      {{"screen_wall_time", ColumnType::kFloat64, "s", "wall-clock time of the closed-form screen"}, r.screen_wall_s},
      {{"simulate_wall_time", ColumnType::kFloat64, "s", "wall-clock time simulating the best estimates"},
       r.simulate_wall_s},
      {{"candidates_per_s", ColumnType::kFloat64, "1/s", "candidates screened per wall-clock second"}, rep.per_s},
      {{"processes", ColumnType::kInt64, "1", "processes that screened"}, int64_t{rep.processes}},
      {{"threads_per_process", ColumnType::kInt64, "1", "screening threads per process"}, int64_t{rep.threads}},
      {{"notes", ColumnType::kString, "", "what the objective left out, one per line"}, JoinCell(rep.notes, "\n")},
      {{"scenario_layout", ColumnType::kString, "", "the scenario's own layout; empty when not on these GPUs"},
       g ? DescribeLayout(s.par, s.train) : std::string()},
      {{"scenario_step_time", ColumnType::kFloat64, "s", "its simulated step (NaN: not simulated)"},
       g ? g->step_time_s : kNaN},
      {{"scenario_mfu", ColumnType::kFloat64, "1", "its MFU (NaN: not simulated)"}, g ? g->mfu : kNaN},
      {{"scenario_memory_per_gpu", ColumnType::kFloat64, "B", "its most loaded GPU (NaN: not simulated)"},
       g ? g->memory.Total() : kNaN},
      {{"scenario_fits_in_memory", ColumnType::kInt64, "1", "1 when it fits, 0 when not, -1: not simulated"},
       int64_t{g ? (g->fits_in_memory ? 1 : 0) : -1}},
  };
  return TableOfRows("plan_search", "what plan searched: the job, the counts, the scenario's own layout", {cells});
}

Table RejectedTable(const PlanSearchResult& r) {
  Table t("plan_rejected", "candidate layouts rejected, by reason",
          {{"reason", ColumnType::kString, "", "why the layouts were rejected"},
           {"candidates", ColumnType::kInt64, "1", "layouts rejected for it"}});
  for (const auto& [why, n] : r.rejected) t.AddRow({why, n});
  return t;
}

}  // namespace

PlanBand JudgePlan(const std::vector<BandRow>& bands, const Scenario& s, const Plan& p, int64_t gpus,
                   const std::optional<SimResult>& given) {
  PlanBand out;
  out.band = BandFor(bands, ClassOf(s, p.par.zero, gpus), gpus, p.result.step_time_s);
  if (!out.band.validated) {
    out.unvalidated = true;
    out.why = out.band.warning;
  }
  if (given && given->fits_in_memory && out.band.known) {
    const double gain = 1 - p.result.step_time_s / given->step_time_s;
    const double width = out.band.high - out.band.low;
    if (gain > width) {
      out.unvalidated = true;
      out.why = fmt::format(
          "{:.0f}% faster than the scenario's own layout, more than the {:.0f}% width of the "
          "validation band of class {}: no published run supports it",
          100 * gain, 100 * width, out.band.band_class);
    }
  }
  return out;
}

Table PlansTable(const PlanReport& rep) {
  std::vector<NamedCells> rows;
  for (size_t i = 0; i < rep.r.plans.size(); ++i)
    rows.push_back(PlanCells(rep.r.plans[i], rep.judged[i], rep.objective));
  return TableOfRows("plans", "best layouts, best first", rows);
}

std::vector<Table> PlanTables(const PlanReport& rep) {
  return {PlansTable(rep), SearchTable(rep), RejectedTable(rep.r)};
}

void PrintPlanTable(std::ostream& out, const std::vector<Table>& tables) {
  const Table& plans = TableNamed(tables, "plans");
  const Table& search = TableNamed(tables, "plan_search");
  const Table& rejected = TableNamed(tables, "plan_rejected");
  auto I = [&](const char* c) { return search.Int(0, c); };
  auto F = [&](const char* c) { return search.Float(0, c); };
  auto S = [&](const char* c) { return search.Str(0, c); };
  out << fmt::format(
      "{} on {} GPUs of {} ({}): {} candidates, {} valid, {} fit in memory; screened in {} "
      "({:.3g} candidates/s, {} process(es)), best {} simulated in {}\n\n",
      S("model"), I("gpus"), S("cluster"), S("gpu"), I("candidates"), I("valid"), I("fit_in_memory"),
      FormatQuantity(F("screen_wall_time"), Dimension::kTime), F("candidates_per_s"), I("processes"), plans.size(),
      FormatQuantity(F("simulate_wall_time"), Dimension::kTime));
  out << fmt::format("  {:>3}  {:<44} {:>10} {:>21} {:>10} {:>6} {:>9}\n", "#", "layout", "step", "expected range",
                     "estimate", "MFU", "memory");
  for (size_t i = 0; i < plans.size(); ++i) {
    const std::string range =
        plans.Int(i, "band_known")
            ? fmt::format("{}..{}", FormatQuantity(plans.Float(i, "step_time_low"), Dimension::kTime),
                          FormatQuantity(plans.Float(i, "step_time_high"), Dimension::kTime))
            : "-";
    out << fmt::format("  {:>3}  {:<44} {:>10} {:>21} {:>10} {:>5.1f}% {:>6.1f} GiB{}\n", i + 1, plans.Str(i, "layout"),
                       FormatQuantity(plans.Float(i, "step_time"), Dimension::kTime), range,
                       FormatQuantity(plans.Float(i, "estimate_step_time"), Dimension::kTime),
                       100 * plans.Float(i, "mfu"), plans.Float(i, "memory_per_gpu") / kGiB,
                       plans.Int(i, "unvalidated") ? "  UNVALIDATED" : "");
  }
  for (size_t i = 0; i < plans.size(); ++i) {
    if (plans.Int(i, "unvalidated"))
      out << fmt::format("  #{} unvalidated: {}\n", i + 1, plans.Str(i, "unvalidated_reason"));
  }
  if (!S("scenario_layout").empty()) {
    out << fmt::format("\n  the scenario's layout, {}: {} per step, MFU {:.1f}%, {:.1f} GiB{}\n", S("scenario_layout"),
                       FormatQuantity(F("scenario_step_time"), Dimension::kTime), 100 * F("scenario_mfu"),
                       F("scenario_memory_per_gpu") / kGiB, I("scenario_fits_in_memory") ? "" : " (does not fit)");
  }
  if (rejected.size() > 0) {
    out << "\n  rejected:";
    for (size_t i = 0; i < rejected.size(); ++i) {
      out << fmt::format(" {} ({});", rejected.Str(i, "reason"), rejected.Int(i, "candidates"));
    }
    out << "\n";
  }
  for (const std::string& line : SplitCell(S("notes"), "\n")) out << "  note: " << line << "\n";
}

}  // namespace cb::sim
