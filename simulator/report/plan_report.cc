#include "simulator/report/plan_report.h"

#include <fmt/format.h>

#include "core/units.h"
#include "simulator/report/layout_json.h"

namespace cb::sim {
namespace {

nlohmann::json PlanJson(const Plan& p, const PlanBand& b) {
  const SimResult& r = p.result;
  return {
      {"expected_step_time_s", b.band.known ? nlohmann::json({b.band.low_s, b.band.high_s}) : nlohmann::json(nullptr)},
      {"band_class", b.band.band_class},
      {"unvalidated", b.unvalidated},
      {"unvalidated_reason", b.why},
      {"parallelism", ParallelismJson(p.par)},
      {"training", TrainingJson(p.train)},
      {"step_time_s", r.step_time_s},
      {"estimate_step_s", p.estimate_step_s},
      {"mfu", r.mfu},
      {"tokens_per_s", r.tokens_per_s},
      {"memory_gib_per_gpu", r.memory_gib_per_gpu},
      {"fits_in_memory", r.fits_in_memory},
      {"time_to_train_s", r.time_to_train_s > 0 ? nlohmann::json(r.time_to_train_s) : nlohmann::json(nullptr)},
      {"objective_value", p.objective_value},
      {"candidate", p.index}};
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

nlohmann::json PlanReportJson(const PlanReport& rep) {
  const Scenario& s = rep.s;
  const PlanSearchResult& r = rep.r;
  const int64_t gpus = rep.gpus;
  const auto& judged = rep.judged;
  const auto& given = rep.given;
  const auto& notes = rep.notes;
  const int processes = rep.processes, threads = rep.threads;
  const double per_s = rep.per_s;
  nlohmann::json j = {{"scenario", rep.scenario},   {"model", s.model.name},
                      {"cluster", s.cluster.name},  {"gpus", gpus},
                      {"objective", rep.objective}, {"plans", nlohmann::json::array()}};
  for (size_t i = 0; i < r.plans.size(); ++i) j["plans"].push_back(PlanJson(r.plans[i], judged[i]));
  j["notes"] = notes;
  j["search"] = {{"candidates", r.candidates},       {"valid", r.valid},
                 {"fit_in_memory", r.fit},           {"rejected", r.rejected},
                 {"screen_wall_s", r.screen_wall_s}, {"simulate_wall_s", r.simulate_wall_s},
                 {"candidates_per_s", per_s},        {"processes", processes},
                 {"threads_per_process", threads}};
  if (given) {
    j["scenario_layout"] = {{"layout", DescribeLayout(s.par, s.train)},
                            {"step_time_s", given->step_time_s},
                            {"mfu", given->mfu},
                            {"fits_in_memory", given->fits_in_memory}};
  }
  return j;
}

void PrintPlanTable(std::ostream& out, const PlanReport& rep) {
  const Scenario& s = rep.s;
  const PlanSearchResult& r = rep.r;
  const int64_t gpus = rep.gpus;
  const auto& judged = rep.judged;
  const auto& given = rep.given;
  const int processes = rep.processes;
  const double per_s = rep.per_s;
  out << fmt::format(
      "{} on {} GPUs of {} ({}): {} candidates, {} valid, {} fit in memory; screened in {} "
      "({:.3g} candidates/s, {} process(es)), best {} simulated in {}\n\n",
      s.model.name, gpus, s.cluster.name, s.gpu.name, r.candidates, r.valid, r.fit,
      FormatQuantity(r.screen_wall_s, Dimension::kTime), per_s, processes, r.plans.size(),
      FormatQuantity(r.simulate_wall_s, Dimension::kTime));
  out << fmt::format("  {:>3}  {:<44} {:>10} {:>21} {:>10} {:>6} {:>9}\n", "#", "layout", "step", "expected range",
                     "estimate", "MFU", "memory");
  for (size_t i = 0; i < r.plans.size(); ++i) {
    const auto& p = r.plans[i];
    const auto& b = judged[i].band;
    const std::string range = b.known ? fmt::format("{}..{}", FormatQuantity(b.low_s, Dimension::kTime),
                                                    FormatQuantity(b.high_s, Dimension::kTime))
                                      : "-";
    out << fmt::format("  {:>3}  {:<44} {:>10} {:>21} {:>10} {:>5.1f}% {:>6.1f} GiB{}\n", i + 1,
                       DescribeLayout(p.par, p.train), FormatQuantity(p.result.step_time_s, Dimension::kTime), range,
                       FormatQuantity(p.estimate_step_s, Dimension::kTime), 100 * p.result.mfu,
                       p.result.memory_gib_per_gpu, judged[i].unvalidated ? "  UNVALIDATED" : "");
  }
  for (size_t i = 0; i < r.plans.size(); ++i) {
    if (judged[i].unvalidated) out << fmt::format("  #{} unvalidated: {}\n", i + 1, judged[i].why);
  }
  if (given) {
    out << fmt::format("\n  the scenario's layout, {}: {} per step, MFU {:.1f}%, {:.1f} GiB{}\n",
                       DescribeLayout(s.par, s.train), FormatQuantity(given->step_time_s, Dimension::kTime),
                       100 * given->mfu, given->memory_gib_per_gpu, given->fits_in_memory ? "" : " (does not fit)");
  }
  if (!r.rejected.empty()) {
    out << "\n  rejected:";
    for (const auto& [why, n] : r.rejected) out << fmt::format(" {} ({});", why, n);
    out << "\n";
  }
}

Table PlansTable(const PlanReport& rep) {
  const PlanSearchResult& r = rep.r;
  const auto& judged = rep.judged;
  Table t("plans", "best layouts, best first",
          {{"tp", ColumnType::kInt64, "1", ""},
           {"pp", ColumnType::kInt64, "1", ""},
           {"dp", ColumnType::kInt64, "1", ""},
           {"cp", ColumnType::kInt64, "1", ""},
           {"ep", ColumnType::kInt64, "1", ""},
           {"vpp", ColumnType::kInt64, "1", ""},
           {"micro_batch", ColumnType::kInt64, "1", ""},
           {"recompute", ColumnType::kString, "", "none, selective or full"},
           {"zero", ColumnType::kInt64, "1", "ZeRO stage"},
           {"step_time", ColumnType::kFloat64, "s", "discrete-event simulation"},
           {"step_time_low", ColumnType::kFloat64, "s", "expected range, validation band of its class (low)"},
           {"step_time_high", ColumnType::kFloat64, "s", "expected range, validation band of its class (high)"},
           {"unvalidated", ColumnType::kInt64, "1", "1 when outside the validated region or beyond the band"},
           {"estimate_step_time", ColumnType::kFloat64, "s", "closed-form screen"},
           {"mfu", ColumnType::kFloat64, "1", ""},
           {"memory_per_gpu", ColumnType::kFloat64, "B", "most loaded GPU"}});
  for (size_t i = 0; i < r.plans.size(); ++i) {
    const auto& p = r.plans[i];
    const auto& b = judged[i].band;
    t.AddRow({p.par.tp, p.par.pp, p.par.dp, p.par.cp, p.par.ep, p.par.vpp, p.train.micro_batch,
              RecomputeName(p.train.recompute), int64_t{p.par.zero}, p.result.step_time_s, b.known ? b.low_s : 0.0,
              b.known ? b.high_s : 0.0, int64_t{judged[i].unvalidated ? 1 : 0}, p.estimate_step_s, p.result.mfu,
              p.result.memory.Total()});
  }
  return t;
}

}  // namespace cb::sim
