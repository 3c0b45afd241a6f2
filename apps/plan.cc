// `clusterbench plan SCENARIO.yaml`: the best parallelism layouts of the
// scenario's model and training on its cluster (simulator/plan/search.h).
// Under mpirun/srun the candidates are screened across ranks (and threads in
// each), and rank 0 merges, simulates the best and prints — the same plans
// as one process.
// The search, the merge of the ranks' shares and the renderings are the
// simulator's (simulator/plan/search.h, shard_records.h,
// report/plan_report.h); this file reads the flags, joins the job and writes
// the outputs.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <memory>
#include <optional>

#include "apps/command.h"
#include "collectives/backend.h"
#include "core/error.h"
#include "core/table.h"
#include "simulator/plan/objective.h"
#include "simulator/plan/search.h"
#include "simulator/plan/shard_records.h"
#include "simulator/report/plan_report.h"
#include "simulator/validation/error_band.h"

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

// Screens this process's share; under a launcher, merges every rank's best
// estimates and counts on rank 0. Returns nullopt on ranks other than 0.
std::optional<sim::PlanSearchResult> Search(const sim::Scenario& s, sim::PlanSearchOptions so, const AppContext& ctx,
                                            int* processes, bool* rank0) {
  *processes = 1;
  *rank0 = true;
  const coll::BackendFactory* mpi = ctx.backends.factories.Find(coll::BackendKey("mpi"));
  if (SeveralProcesses().empty() || mpi == nullptr) return sim::SearchPlans(s, so);
  auto backend = (*mpi)(coll::BackendOptions{});
  std::optional<sim::PlanSearchResult> out;
  backend->Run([&](coll::Communicator& comm) {
    *processes = comm.size();
    *rank0 = comm.rank() == 0;
    sim::PlanSearchOptions mine = so;
    mine.shard = comm.rank();
    mine.shards = comm.size();
    if (so.threads <= 0) mine.threads = 1;  // one process per core is the launcher's job
    sim::PlanSearchResult r = sim::SearchPlans(s, mine);
    const size_t K = static_cast<size_t>(std::max(so.simulate_top, so.top));
    const std::vector<double> all = comm.Gather(sim::ShardRecord(r, K));
    if (comm.rank() != 0) return;
    const int64_t gpus = so.gpus > 0 ? so.gpus : s.par.tp * s.par.pp * s.par.dp * s.par.cp;
    sim::PlanSearchResult merged = sim::MergeShardRecords(s, gpus, all, K);
    merged.screen_wall_s = r.screen_wall_s;
    out = sim::FinishPlans(s, so, std::move(merged));
  });
  return out;
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
  if (const std::string layout = sim::PipelineLayoutNote(s); !layout.empty()) notes.push_back(layout);
  so.objective = o.objective;
  so.top = o.top;
  so.simulate_top = o.simulate_top;
  so.threads = o.threads;
  int threads = o.threads > 0 ? o.threads : static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
  int processes = 1;
  bool rank0 = true;
  std::optional<sim::PlanSearchResult> found;
  // The scenario's own layout, for comparison, when it uses the same GPUs.
  std::optional<sim::SimResult> given;
  const int64_t gpus = so.gpus > 0 ? so.gpus : s.par.tp * s.par.pp * s.par.dp * s.par.cp;
  try {
    found = Search(s, so, ctx, &processes, &rank0);
    if (found && s.par.tp * s.par.pp * s.par.dp * s.par.cp == gpus) given = sim::Simulate(s);
  } catch (const InterruptedError& e) {
    run.config_yaml = s.effective_yaml;
    run.rank_count = processes;
    if (rank0) KeepInterruptedRun(o.out.output, run, e.what());
    throw;
  }
  if (!found) return 0;                              // not rank 0
  if (processes > 1 && o.threads <= 0) threads = 1;  // one process per core is the launcher's job
  const sim::PlanSearchResult& r = *found;
  const double per_s = r.screen_wall_s > 0 ? static_cast<double>(r.candidates) / r.screen_wall_s : 0;
  const std::vector<sim::BandRow> bands = sim::LoadErrorBands(loader.search_dirs());
  std::vector<sim::PlanBand> judged;
  for (const auto& p : r.plans) judged.push_back(sim::JudgePlan(bands, s, p, gpus, given));

  const sim::PlanReport rep{s, gpus, r, judged, given, notes, processes, threads, per_s, o.scenario, o.objective};
  // The tables, built once: printed as JSON or text, and stored with -o.
  const std::vector<Table> tables = sim::PlanTables(rep);
  run.config_yaml = s.effective_yaml;
  run.rank_count = processes;
  if (o.out.format == "json") {
    std::cout << JsonText(CompleteRunJson(run, tables)) << "\n";
  } else {
    sim::PrintPlanTable(std::cout, tables);
  }
  if (!o.out.output.empty()) WriteCompleteRun(o.out.output, run, tables);
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
