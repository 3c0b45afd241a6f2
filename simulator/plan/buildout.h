// A buildout evaluated for `clusterbench compare`: the best parallel layout
// the planner finds for a model on a cluster (plan/search.h, ranked by the
// objective of plan/objective.h), its time to train, goodput under failures
// (reliability.h), energy and cost (cost.h), and the expected range of its
// step (validation/error_band.h); and which of several buildouts is best by
// the objective. docs/simulator-model.md, "Cost, energy and failures", has
// the maths and sources.
#ifndef CLUSTERBENCH_SIMULATOR_PLAN_BUILDOUT_H_
#define CLUSTERBENCH_SIMULATOR_PLAN_BUILDOUT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/log.h"
#include "simulator/plan/cost.h"
#include "simulator/plan/reliability.h"
#include "simulator/plan/search.h"
#include "simulator/validation/error_band.h"

namespace cb::sim {

// The job every buildout is asked to train (compare's flags).
struct BuildoutRequest {
  std::string model;  // a file or the name of a shipped model
  int64_t seq_len = 8192;
  int64_t global_batch = 2048;
  int64_t gpus = -1;  // -1: chosen per cluster
  std::string precision = "bf16";
  std::string objective = "time-to-train";  // throughput | cost | time-to-train
  std::vector<Override> overrides;          // --set, applied to each buildout's scenario
};

struct Buildout {
  std::string name, file, gpu;
  int64_t cluster_gpus = 0, gpus = 0, gpus_per_node = 8;
  Plan plan;
  double ideal_s = 0, gpu_hours = 0;
  std::optional<GoodputEstimate> goodput;
  std::optional<EnergyEstimate> energy;  // whole run, wall clock
  double busy_fraction = 0, gpu_power_w = 0, facility_power_w = 0;
  std::optional<CostEstimate> cost;
  std::vector<std::string> notes;            // compare's own: what is missing, what was assumed
  std::vector<std::string> simulator_notes;  // the simulation's of the chosen plan
  PredictionBand band;                       // expected step-time range (validation band of its class)
  double effective_s() const { return goodput ? goodput->effective_s : ideal_s; }
};

// "15T", "1.5e13", "500B" (billion), "2G": a positive token count, at most
// 1e16. Throws UsageError naming --tokens.
double ParseTokens(const std::string& text);

// Job sizes to try, largest first (at most three).
std::vector<int64_t> JobSizes(int64_t cluster_gpus, int64_t gpus_per_node);

// `cluster_arg` (a file or a shipped name) evaluated for the request's job:
// the best layout by the objective, then time, goodput, energy and cost.
// Throws ConfigError when no layout fits, or when the objective is cost and
// the cluster lacks prices or failure rates.
Buildout Evaluate(const BuildoutRequest& o, const std::string& cluster_arg, double tokens,
                  const std::vector<BandRow>& bands, const Logger& log);

// The index of the best buildout by `objective`: the most tokens per second
// (throughput), the lowest cost (cost; a buildout without prices never
// wins), or the shortest effective time to train (time-to-train). Ties go to
// the first. `bs` is not empty.
size_t BestBuildout(const std::vector<Buildout>& bs, const std::string& objective);

}  // namespace cb::sim

#endif  // CLUSTERBENCH_SIMULATOR_PLAN_BUILDOUT_H_
