// Parallelism search (`clusterbench plan`): every valid layout of a model on
// N GPUs — TP, PP, DP, CP, EP, virtual stages, micro-batch, recompute, ZeRO
// stage — screened with a fast closed-form estimate of the step, the ones
// that do not fit in memory dropped, the best re-simulated with the
// discrete-event schedule and ranked by the objective.
#ifndef CLUSTERBENCH_SIMULATOR_PLAN_SEARCH_H_
#define CLUSTERBENCH_SIMULATOR_PLAN_SEARCH_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "simulator/simulate.h"

namespace cb::sim {

struct PlanSearchOptions {
  int64_t gpus = 0;                      // 0: the scenario's job size (tp·pp·dp·cp)
  std::string objective = "throughput";  // throughput | cost | time-to-train
  int top = 10;                          // plans returned
  int simulate_top = 32;                 // best estimates re-simulated with the full schedule
  int threads = 0;                       // 0: every online CPU
  int64_t shard = 0, shards = 1;         // this process screens candidates i with i % shards == shard
  // What the simulated plans are ranked by (lower is better): the objective's
  // value of a plan, e.g. cost per step from plan/cost.h. Default: step time.
  // The screen always ranks by estimated step time.
  std::function<double(const SimResult&)> objective_value;
};

struct Plan {
  Parallelism par;
  Training train;
  double estimate_step_s = 0;  // fast estimate
  SimResult result;            // discrete-event simulation (when simulated)
  bool simulated = false;
  double objective_value = 0;  // options.objective_value of result (step time by default)
  int64_t index = 0;           // position in the enumeration (the same in every process)
};

struct PlanSearchResult {
  std::vector<Plan> plans;                  // best first
  int64_t candidates = 0;                   // layouts enumerated
  int64_t valid = 0;                        // passed divisibility checks
  int64_t fit = 0;                          // fit in memory
  std::map<std::string, int64_t> rejected;  // reason -> count
  double screen_wall_s = 0, simulate_wall_s = 0;
};

// Throws ConfigError when no layout is valid or none fits, saying why.
// With options.shards > 1 it only screens this shard's candidates and returns
// its best max(simulate_top, top) estimates, unsimulated: merge the shards'
// plans and counts, then call FinishPlans (same answer as one process: the
// global best estimates are among the shards' bests, ties broken by index).
PlanSearchResult SearchPlans(const Scenario& base, const PlanSearchOptions& options);
PlanSearchResult FinishPlans(const Scenario& base, const PlanSearchOptions& options, PlanSearchResult screened);

// The layout of enumeration index `index` for `gpus` GPUs (what a shard's
// plan index means in every process); throws RuntimeError when out of range.
Plan PlanAt(const Scenario& base, int64_t gpus, int64_t index);
// What the search does with the scenario's parallelism.pipeline_layout: it
// holds for the scenario's own pp x vpp, other candidates split evenly. Empty
// without a layout.
std::string PipelineLayoutNote(const Scenario& base);
// "TP4 PP8 DP128 CP4 VPP8 mb1 no-recompute ZeRO-2": a layout in one line.
std::string DescribeLayout(const Parallelism& p, const Training& t);
// Every reason a candidate can be rejected, in a fixed order (for merging
// shards' counts).
const std::vector<std::string>& RejectionReasons();

}  // namespace cb::sim

#endif  // CLUSTERBENCH_SIMULATOR_PLAN_SEARCH_H_
