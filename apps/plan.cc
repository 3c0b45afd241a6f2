// `clusterbench plan SCENARIO.yaml`: the best parallelism layouts of the
// scenario's model and training on its cluster (simulator/plan/search.h).
// Under mpirun/srun the candidates are screened across ranks (and threads in
// each), and rank 0 merges, simulates the best and prints — the same plans
// as one process.
#include <fmt/format.h>
#include <unistd.h>

#include <any>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "apps/command.h"
#include "apps/layout_json.h"
#include "collectives/backend.h"
#include "core/error.h"
#include "core/table.h"
#include "core/units.h"
#include "simulator/plan/cost.h"
#include "simulator/plan/objective.h"
#include "simulator/plan/reliability.h"
#include "simulator/plan/search.h"
#include "simulator/validation/error_band.h"
#include "store/hdf5_store.h"

namespace cb {
namespace {

struct PlanOptions {
  OutputOptions out;
  std::string scenario;
  std::vector<std::string> sets;
  int64_t gpus = -1;  // -1: the scenario's job size
  std::string objective = "throughput";
  int top = 10;
  int simulate_top = 32;
  int threads = 0;
};

// A plan's expected range and whether it can be trusted: outside the
// validated region, or faster than the scenario's own (usually published)
// layout by more than the width of its class's validation band, it is
// "unvalidated" (docs/simulator-model.md, "Error bands").
struct PlanBand {
  sim::PredictionBand band;
  bool unvalidated = false;
  std::string why;
};

PlanBand JudgePlan(const std::vector<sim::BandRow>& bands, const sim::Scenario& s, const sim::Plan& p, int64_t gpus,
                   const std::optional<sim::SimResult>& given) {
  PlanBand out;
  out.band = sim::BandFor(bands, sim::ClassOf(s, p.par.zero, gpus), gpus, p.result.step_time_s);
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

nlohmann::json PlanJson(const sim::Plan& p, const PlanBand& b) {
  const sim::SimResult& r = p.result;
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

// Screens this process's share; under a launcher, merges every rank's best
// estimates and counts on rank 0. Returns nullopt on ranks other than 0.
std::optional<sim::PlanSearchResult> Search(const sim::Scenario& s, sim::PlanSearchOptions so, const AppContext& ctx,
                                            int* processes) {
  *processes = 1;
  const bool mpi = !SeveralProcesses().empty() && ctx.backends.factories.count("collectives:mpi");
  if (!mpi) return sim::SearchPlans(s, so);
  auto backend =
      std::any_cast<coll::BackendFactory>(ctx.backends.factories.at("collectives:mpi"))(coll::BackendOptions{});
  std::optional<sim::PlanSearchResult> out;
  backend->Run([&](coll::Communicator& comm) {
    *processes = comm.size();
    sim::PlanSearchOptions mine = so;
    mine.shard = comm.rank();
    mine.shards = comm.size();
    if (so.threads <= 0) mine.threads = 1;  // one process per core is the launcher's job
    sim::PlanSearchResult r = sim::SearchPlans(s, mine);
    // Fixed-size records: (index, estimate) for the best K, -1 padded; then
    // the counts, so every rank sends the same length.
    const size_t K = static_cast<size_t>(std::max(so.simulate_top, so.top));
    const auto& reasons = sim::RejectionReasons();
    std::vector<double> rec(2 * K + 3 + reasons.size(), -1);
    for (size_t i = 0; i < r.plans.size() && i < K; ++i) {
      rec[2 * i] = static_cast<double>(r.plans[i].index);
      rec[2 * i + 1] = r.plans[i].estimate_step_s;
    }
    rec[2 * K] = static_cast<double>(r.candidates);
    rec[2 * K + 1] = static_cast<double>(r.valid);
    rec[2 * K + 2] = static_cast<double>(r.fit);
    for (size_t q = 0; q < reasons.size(); ++q) {
      auto it = r.rejected.find(reasons[q]);
      rec[2 * K + 3 + q] = it == r.rejected.end() ? 0 : static_cast<double>(it->second);
    }
    const std::vector<double> all = comm.Gather(rec);
    if (comm.rank() != 0) return;
    sim::PlanSearchResult merged;
    merged.screen_wall_s = r.screen_wall_s;
    const int64_t gpus = so.gpus > 0 ? so.gpus : s.par.tp * s.par.pp * s.par.dp * s.par.cp;
    for (size_t off = 0; off < all.size(); off += rec.size()) {
      for (size_t i = 0; i < K; ++i) {
        if (all[off + 2 * i] < 0) break;
        sim::Plan p = sim::PlanAt(s, gpus, static_cast<int64_t>(all[off + 2 * i]));
        p.estimate_step_s = all[off + 2 * i + 1];
        merged.plans.push_back(p);
      }
      merged.candidates += static_cast<int64_t>(all[off + 2 * K]);
      merged.valid += static_cast<int64_t>(all[off + 2 * K + 1]);
      merged.fit += static_cast<int64_t>(all[off + 2 * K + 2]);
      for (size_t q = 0; q < reasons.size(); ++q) {
        if (all[off + 2 * K + 3 + q] > 0) merged.rejected[reasons[q]] += static_cast<int64_t>(all[off + 2 * K + 3 + q]);
      }
    }
    out = sim::FinishPlans(s, so, std::move(merged));
  });
  return out;
}

// What one plan search found, as the three renderings need it.
struct PlanReport {
  const sim::Scenario& s;
  int64_t gpus;
  const sim::PlanSearchResult& r;
  const std::vector<PlanBand>& judged;
  const std::optional<sim::SimResult>& given;  // the scenario's own layout, when on the same GPUs
  const std::vector<std::string>& notes;
  int processes, threads;
  double per_s;  // candidates screened per second
};

void PrintPlanJson(const PlanOptions& o, const PlanReport& rep) {
  const sim::Scenario& s = rep.s;
  const sim::PlanSearchResult& r = rep.r;
  const int64_t gpus = rep.gpus;
  const auto& judged = rep.judged;
  const auto& given = rep.given;
  const auto& notes = rep.notes;
  const int processes = rep.processes, threads = rep.threads;
  const double per_s = rep.per_s;
  nlohmann::json j = {{"scenario", o.scenario}, {"model", s.model.name},    {"cluster", s.cluster.name},
                      {"gpus", gpus},           {"objective", o.objective}, {"plans", nlohmann::json::array()}};
  for (size_t i = 0; i < r.plans.size(); ++i) j["plans"].push_back(PlanJson(r.plans[i], judged[i]));
  j["notes"] = notes;
  j["search"] = {{"candidates", r.candidates},
                 {"valid", r.valid},
                 {"fit_in_memory", r.fit},
                 {"rejected", r.rejected},
                 {"screen_wall_s", r.screen_wall_s},
                 {"simulate_wall_s", r.simulate_wall_s},
                 {"candidates_per_s", per_s},
                 {"processes", processes},
                 {"threads_per_process", processes > 1 && o.threads <= 0 ? 1 : threads}};
  if (given) {
    j["scenario_layout"] = {{"layout", sim::DescribeLayout(s.par, s.train)},
                            {"step_time_s", given->step_time_s},
                            {"mfu", given->mfu},
                            {"fits_in_memory", given->fits_in_memory}};
  }
  std::cout << JsonText(j) << "\n";
}

void PrintPlanTable(const PlanReport& rep) {
  const sim::Scenario& s = rep.s;
  const sim::PlanSearchResult& r = rep.r;
  const int64_t gpus = rep.gpus;
  const auto& judged = rep.judged;
  const auto& given = rep.given;
  const int processes = rep.processes;
  const double per_s = rep.per_s;
  std::cout << fmt::format(
      "{} on {} GPUs of {} ({}): {} candidates, {} valid, {} fit in memory; screened in {} "
      "({:.3g} candidates/s, {} process(es)), best {} simulated in {}\n\n",
      s.model.name, gpus, s.cluster.name, s.gpu.name, r.candidates, r.valid, r.fit,
      FormatQuantity(r.screen_wall_s, Dimension::kTime), per_s, processes, r.plans.size(),
      FormatQuantity(r.simulate_wall_s, Dimension::kTime));
  std::cout << fmt::format("  {:>3}  {:<44} {:>10} {:>21} {:>10} {:>6} {:>9}\n", "#", "layout", "step",
                           "expected range", "estimate", "MFU", "memory");
  for (size_t i = 0; i < r.plans.size(); ++i) {
    const auto& p = r.plans[i];
    const auto& b = judged[i].band;
    const std::string range = b.known ? fmt::format("{}..{}", FormatQuantity(b.low_s, Dimension::kTime),
                                                    FormatQuantity(b.high_s, Dimension::kTime))
                                      : "-";
    std::cout << fmt::format("  {:>3}  {:<44} {:>10} {:>21} {:>10} {:>5.1f}% {:>6.1f} GiB{}\n", i + 1,
                             sim::DescribeLayout(p.par, p.train),
                             FormatQuantity(p.result.step_time_s, Dimension::kTime), range,
                             FormatQuantity(p.estimate_step_s, Dimension::kTime), 100 * p.result.mfu,
                             p.result.memory_gib_per_gpu, judged[i].unvalidated ? "  UNVALIDATED" : "");
  }
  for (size_t i = 0; i < r.plans.size(); ++i) {
    if (judged[i].unvalidated) std::cout << fmt::format("  #{} unvalidated: {}\n", i + 1, judged[i].why);
  }
  if (given) {
    std::cout << fmt::format("\n  the scenario's layout, {}: {} per step, MFU {:.1f}%, {:.1f} GiB{}\n",
                             sim::DescribeLayout(s.par, s.train), FormatQuantity(given->step_time_s, Dimension::kTime),
                             100 * given->mfu, given->memory_gib_per_gpu,
                             given->fits_in_memory ? "" : " (does not fit)");
  }
  if (!r.rejected.empty()) {
    std::cout << "\n  rejected:";
    for (const auto& [why, n] : r.rejected) std::cout << fmt::format(" {} ({});", why, n);
    std::cout << "\n";
  }
}

void WritePlans(const PlanOptions& o, const PlanReport& rep, RunInfo run) {
  const sim::Scenario& s = rep.s;
  const sim::PlanSearchResult& r = rep.r;
  const auto& judged = rep.judged;
  const int processes = rep.processes;
  Hdf5Writer writer(o.out.output);
  run.config_yaml = s.effective_yaml;
  run.rank_count = processes;
  writer.BeginRun(run);
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
              sim::RecomputeName(p.train.recompute), int64_t{p.par.zero}, p.result.step_time_s, b.known ? b.low_s : 0.0,
              b.known ? b.high_s : 0.0, int64_t{judged[i].unvalidated ? 1 : 0}, p.estimate_step_s, p.result.mfu,
              p.result.memory.Total()});
  }
  writer.WriteTable(t);
  writer.EndRun(RunStatus::kComplete, "");
}

int RunPlan(const PlanOptions& o, const AppContext& ctx) {
  CheckOutputWritable(o.out.output);
  // The run starts now, not when its results are written (issue 17: start and end times).
  RunInfo run = MakeRunInfo("plan", ctx.command_line);
  if (o.gpus == 0 || o.gpus < -1) throw UsageError(fmt::format("--gpus {}: must be at least 1", o.gpus));
  ConfigLoader loader;
  const ConfigNode cfg = loader.Load("scenario", o.scenario, ParseOverrides(o.sets));
  sim::Scenario s = sim::ScenarioFromConfig(cfg);
  sim::PlanSearchOptions so;
  so.gpus = std::max<int64_t>(o.gpus, 0);
  const int64_t job = so.gpus > 0 ? so.gpus : s.par.tp * s.par.pp * s.par.dp * s.par.cp;
  std::vector<std::string> notes;
  so.objective_value = sim::ObjectiveFunction(o.objective, s, cfg.at("cluster"), job, cfg.where(), &notes);
  so.objective = o.objective;
  so.top = o.top;
  so.simulate_top = o.simulate_top;
  so.threads = o.threads;
  const int threads = o.threads > 0 ? o.threads : static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
  int processes = 1;
  std::optional<sim::PlanSearchResult> found = Search(s, so, ctx, &processes);
  if (!found) return 0;  // not rank 0
  const sim::PlanSearchResult& r = *found;
  // The scenario's own layout, for comparison, when it uses the same GPUs.
  std::optional<sim::SimResult> given;
  const int64_t gpus = so.gpus > 0 ? so.gpus : s.par.tp * s.par.pp * s.par.dp * s.par.cp;
  if (s.par.tp * s.par.pp * s.par.dp * s.par.cp == gpus) given = sim::Simulate(s);
  const double per_s = r.screen_wall_s > 0 ? static_cast<double>(r.candidates) / r.screen_wall_s : 0;
  const std::vector<sim::BandRow> bands = sim::LoadErrorBands(loader.search_dirs());
  std::vector<PlanBand> judged;
  for (const auto& p : r.plans) judged.push_back(JudgePlan(bands, s, p, gpus, given));

  const PlanReport rep{s, gpus, r, judged, given, notes, processes, threads, per_s};
  if (o.out.format == "json") {
    PrintPlanJson(o, rep);
  } else {
    PrintPlanTable(rep);
  }
  if (!o.out.output.empty()) WritePlans(o, rep, run);
  return 0;
}

}  // namespace

void RegisterPlanCommand(CLI::App& app, AppContext& ctx, Action* action) {
  auto* cmd = app.add_subcommand("plan",
                                 "search parallelism layouts (TP, PP, DP, CP, EP, VPP, micro-batch, "
                                 "recompute, ZeRO) and rank those that fit");
  auto o = std::make_shared<PlanOptions>();
  cmd->add_option("SCENARIO", o->scenario, "a scenario (model, cluster, training); its layout is the baseline")
      ->required();
  AddOverrideOption(cmd, &o->sets);
  AddOutputOptions(cmd, &o->out);
  cmd->add_option("--gpus", o->gpus, "GPUs to plan for (default: the scenario's job size)");
  cmd->add_option("--objective", o->objective,
                  "throughput, cost or time-to-train (with a fixed GPU count all three rank by step time)")
      ->check(CLI::IsMember({"throughput", "cost", "time-to-train"}))
      ->capture_default_str();
  cmd->add_option("--top", o->top, "plans to show")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--simulate-top", o->simulate_top,
                  "best estimates re-simulated with the discrete-event schedule before ranking")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--threads", o->threads,
                  "threads screening candidates (default: all CPUs; 1 per rank under mpirun; at most 1024)")
      ->check(Bounded(0, 1024));
  *action = [o, &ctx]() { return RunPlan(*o, ctx); };
}

}  // namespace cb
