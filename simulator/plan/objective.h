// What a plan is ranked by (`plan` and `compare --objective`), the one owner
// of the rule: lower is better.
//   throughput      step time (the default; tokens per step are fixed)
//   cost            the step's cost: GPU-hours at the cluster's price plus the
//                   energy at the step's busy fraction (plan/cost.h)
//   time-to-train   tokens / tokens per second, stretched by failures when the
//                   cluster gives failure rates (plan/reliability.h); without
//                   them the ideal time, with a note
// With a fixed GPU count cost and time to train follow step time closely but
// not exactly: energy depends on how busy the GPUs are (recomputation keeps
// them busy for no progress), and failures add more to a longer run.
#ifndef CLUSTERBENCH_SIMULATOR_PLAN_OBJECTIVE_H_
#define CLUSTERBENCH_SIMULATOR_PLAN_OBJECTIVE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/config.h"
#include "simulator/simulate.h"

namespace cb::sim {

// The objective's value function for plans of `s` on `job` GPUs, built from
// the scenario's `cluster` document. Throws ConfigError naming the key when
// the objective needs what the cluster or scenario does not give (prices and
// TDP for cost, training.tokens for time to train) and UsageError for an
// unknown objective. `notes` gets what was left out. Empty function for
// throughput (the search ranks by step time then).
std::function<double(const SimResult&)> ObjectiveFunction(const std::string& objective, const Scenario& s,
                                                          const ConfigNode& cluster, int64_t job,
                                                          const std::string& where, std::vector<std::string>* notes);

}  // namespace cb::sim

#endif  // CLUSTERBENCH_SIMULATOR_PLAN_OBJECTIVE_H_
