// `plan`'s results of one layout search (plan/search.h), each plan judged
// against the validation bands, built once as the results file's tables:
// `plans` (the best layouts, best first), `plan_search` (one row: the job,
// what was screened and how fast, the scenario's own layout) and
// `plan_rejected` (the candidates rejected, by reason). `--format json`
// prints them, `-o` stores them, and the terminal text reads their cells by
// name, so a renamed column fails loudly.
#ifndef CLUSTERBENCH_SIMULATOR_REPORT_PLAN_REPORT_H_
#define CLUSTERBENCH_SIMULATOR_REPORT_PLAN_REPORT_H_

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "core/table.h"
#include "simulator/plan/search.h"
#include "simulator/validation/error_band.h"

namespace cb::sim {

// A plan's expected range and whether it can be trusted: outside the
// validated region, or faster than the scenario's own (usually published)
// layout by more than the width of its class's validation band, it is
// "unvalidated" (docs/simulator-model.md, "Error bands").
struct PlanBand {
  PredictionBand band;
  bool unvalidated = false;
  std::string why;
};

// `given`: the scenario's own layout simulated, when on the same `gpus`.
PlanBand JudgePlan(const std::vector<BandRow>& bands, const Scenario& s, const Plan& p, int64_t gpus,
                   const std::optional<SimResult>& given);

// What one plan search found, as its tables need it.
struct PlanReport {
  const Scenario& s;
  int64_t gpus;
  const PlanSearchResult& r;
  const std::vector<PlanBand>& judged;
  const std::optional<SimResult>& given;  // the scenario's own layout, when on the same GPUs
  const std::vector<std::string>& notes;
  int processes, threads;        // threads: per process
  double per_s;                  // candidates screened per second
  const std::string& scenario;   // as named on the command line
  const std::string& objective;  // throughput, cost or time-to-train
};

// The `plans` table: the best layouts, best first.
Table PlansTable(const PlanReport& rep);
// `plans`, `plan_search` and `plan_rejected`: what -o writes and --format json prints.
std::vector<Table> PlanTables(const PlanReport& rep);
// The terminal text of PlanTables' tables.
void PrintPlanTable(std::ostream& out, const std::vector<Table>& tables);

}  // namespace cb::sim

#endif  // CLUSTERBENCH_SIMULATOR_REPORT_PLAN_REPORT_H_
