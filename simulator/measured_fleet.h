// The measured fleet, predicted (issue 18 part 4): what validate found slow,
// placed on a scenario's GPUs as stragglers, and what each culprit costs the
// training run. The evidence arrives as plain rows (apps/simulate.cc reads
// them from validate's evidence file through store/), so the simulator still
// depends on core only.
//
// Which units are culprits: those validate judged too slow (verdict FAIL or
// WARN on a node-local check: gemm, peak, stream, copy). A unit that passed
// is within the suite's tolerance and runs at the healthy speed; wrong
// results and health failures are not speeds (the node must be replaced, not
// priced) and are listed in the notes.
//
// How slow: a unit at v where its check's healthy units (the median of those
// that passed; of all when none did) give M takes M / v times as long, so its
// straggler slowdown is
//   s = M / v - 1            (0.5 of the median: s = 1, twice as long)
// A node or GPU that several checks found slow takes its GEMM (or peak)
// checks' largest s where they found it slow: a training step's passes are
// mostly GEMMs, and a straggler slows its whole pass alike. Where only memory
// or copy checks found it slow, their largest s.
//
// Where: evidence node i (validate's nodes, in their order) is the scenario's
// node i, GPUs i·g .. i·g + g − 1 (g = the cluster's gpus_per_node). A device
// unit "d NAME" is GPU i·g + d; a node unit (a host measurement) slows every
// GPU of node i. A GPU rank r = tp_r + tp·(cp_r + cp·(dp_r + dp·stage)) slows
// its (replica dp_r, stage): its TP and CP peers wait for it (RankOf).
// Fabric units (collective groups) say which group was slow, not which link;
// they are noted, not placed. What the fabric checks localised
// (validate_culprits: pairs, bisection) is placed where the fabric graph has
// it (the cluster's scale_out.tiers, simulate --network flow): a NIC (node
// i, rail r) is the up link of the NIC GPU i·g + r uses (FatTree::NicOfGpu),
// at `ratio` of its bandwidth (its figure over the fleet's); a node, every
// NIC of node i at its ratio. A link or pair between two nodes is a path of
// several switch links, not one: noted, not placed.
//
// Cost: the step with every culprit at once (the fleet) and with each alone,
// against the healthy step (no stragglers), all with every replica simulated
// (SimOptions::full); days of training = (t_with − t_healthy) · steps, with
// steps = tokens / (global_batch · seq_len) when the scenario has tokens.
//
// Replace or train as is (`compare SCENARIO --evidence`): two options priced
// alike over the job's N GPUs (plan/cost.h):
//   train as is:        wall clock T_a = time to train with every culprit
//   replace the nodes:  T_r = W + time to train healthy
// with W the wait for the replacements (the job's GPUs held, idle), then
// GPU-hours H = N · T / 3600, energy E = training at the step's busy fraction
// plus the wait at u = 0, cost C = H · r · (1 − σ) + E · p_e, plus the
// replacement's own price per node for the second. Replacing pays when
// C_r < C_a (and, for time, when T_r < T_a).
#ifndef CLUSTERBENCH_SIMULATOR_MEASURED_FLEET_H_
#define CLUSTERBENCH_SIMULATOR_MEASURED_FLEET_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/bench.h"
#include "core/fabric_culprit.h"
#include "simulator/plan/cost.h"
#include "simulator/simulate.h"

namespace cb::sim {

// One unit of one check of validate's evidence (validate_verdicts joined with
// validate_measurements for benchmark and scope).
struct MeasuredUnit {
  std::string check;
  Bench benchmark = Bench::kCollective;  // the stored name parsed (core/bench.h ParseBench)
  std::string scope;                     // device, node, fabric
  std::string label, node, device;       // as validate named them; device "3 NVIDIA H100 ..." or "cpu"
  std::string ranks;                     // "2" or "0,1,2,3"
  std::string verdict;                   // PASS, WARN, FAIL, SKIPPED
  double value = 0;                      // SI, the median of its rounds
  std::string reason;
};

// One culprit the fabric checks named (validate_culprits).
struct MeasuredFabricCulprit {
  std::string check;
  CulpritMethod method = CulpritMethod::kPairs;
  CulpritKind kind = CulpritKind::kNode;
  std::string name;
  int64_t node = -1, rail = -1;  // node index in the evidence's nodes; a NIC's rail
  double ratio = 0;              // its figure over the fleet's
};

struct Culprit {
  std::string name;                   // "node vm:2 (rank 2)", "rank 9 (n1, GPU 1 NVIDIA H100 ...)"
  std::vector<std::string> why;       // "gemm-fp64 at 0.50 of the healthy median (21.6 GFLOP/s; median 43.3 GFLOP/s)"
  int64_t evidence_node = -1;         // index in the evidence's nodes
  std::vector<int64_t> gpus;          // the scenario's GPU ranks it slows
  double slowdown = 0;                // s above
  bool by_compute = false;            // s comes from a GEMM or peak check
  std::vector<Straggler> stragglers;  // (replica, stage) of those GPUs, each once
  std::vector<LinkFault> links;       // a fabric culprit's links, at its ratio
  std::string where;                  // how it is placed, in words ("scenario node 2 (GPUs 16..23) 104% slower")
};

struct FleetEvidence {
  int64_t nodes = 0;  // in the evidence
  std::vector<Culprit> culprits;
  std::vector<std::string> notes;  // units not placed and why
};

// The replica and stage GPU `rank` belongs to, slowed by `slowdown`.
Straggler StragglerOfRank(const Parallelism& p, int64_t rank, double slowdown);

// `nodes`: the evidence's node names in order (validate_nodes). Throws
// ConfigError when a culprit's node or GPU lies beyond the scenario's job.
// `fabric`: the fabric checks' culprits, placed only when `flow` (the
// simulation runs with --network flow) and the cluster has a fabric graph;
// else each is a note saying so.
FleetEvidence PlaceEvidence(const std::vector<MeasuredUnit>& units, const std::vector<std::string>& nodes,
                            const Scenario& s, const std::vector<MeasuredFabricCulprit>& fabric = {},
                            bool flow = false);

struct StepCost {
  double step_s = 0;
  double busy_fraction = 1;    // plan/cost.h BusyFraction of that step
  double cost_s = 0;           // step_s - the healthy step
  double days = 0;             // of training over the scenario's tokens (0 without tokens)
  double time_to_train_s = 0;  // 0 without tokens
};

struct FleetPrice {
  StepCost healthy, fleet;
  std::vector<StepCost> each;  // per culprit, alone
  double steps = 0;            // tokens / tokens per step; 0 without tokens
};

// Simulates the healthy step, the fleet's and each culprit's alone (with
// `base`'s network options; full is forced on, stragglers replaced).
FleetPrice PriceFleet(const Scenario& s, const SimOptions& base, const FleetEvidence& fleet);

// One way to go on with the measured fleet, priced.
struct FleetOption {
  std::string name;                      // "train as is", "replace 1 node"
  double step_s = 0;                     // the training step
  double train_s = 0;                    // time to train (0: the scenario has no tokens)
  double wait_s = 0;                     // W: waiting for the replacement nodes
  double wall_s = 0;                     // wait + train
  double gpu_hours = 0;                  // N · wall / 3600
  std::optional<EnergyEstimate> energy;  // training plus the wait (nullopt: no GPU TDP)
  std::optional<CostEstimate> cost;      // over the wall clock (nullopt: no prices)
  double replace_usd = 0;                // the replacements' own price
  double total_usd() const { return (cost ? cost->total_usd : 0) + replace_usd; }
};

struct ReplaceOrTrain {
  int64_t nodes = 0;  // distinct evidence nodes among the culprits
  int64_t gpus = 0;   // the job's
  FleetOption as_is, replace;
  // Replacing is best when it is cheaper; without prices when it is done
  // sooner; without tokens when its step is faster; never without culprits.
  bool replace_best = false;
  std::string best_by;             // "the cheaper", "done sooner; no prices", ...
  std::vector<std::string> notes;  // what could not be priced and why
  const FleetOption& best() const { return replace_best ? replace : as_is; }
};

// Prices "train as is" (the fleet's step) against "replace the culprits'
// nodes" (the healthy step after `wait_s`, plus `usd_per_node` per node) with
// the cluster's power and price (`cluster`, the scenario's `cluster` node).
ReplaceOrTrain PriceReplaceOrTrain(const Scenario& s, const ConfigNode& cluster, const FleetEvidence& fleet,
                                   const FleetPrice& price, double wait_s, double usd_per_node);

}  // namespace cb::sim

#endif  // CLUSTERBENCH_SIMULATOR_MEASURED_FLEET_H_
