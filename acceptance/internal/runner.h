// The runner behind RunSuite (runner.h), private to acceptance/: the class
// whose phases run a suite's checks on every rank, and the control-plane
// helpers its two source files share. runner.cc holds the node-local,
// health and whole-job collective checks and the run itself;
// runner_fabric.cc the fabric localisation (the pairs check with its
// confirmation, and bisection).
#ifndef CLUSTERBENCH_ACCEPTANCE_INTERNAL_RUNNER_H_
#define CLUSTERBENCH_ACCEPTANCE_INTERNAL_RUNNER_H_

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "acceptance/device_kernels.h"
#include "acceptance/fabric.h"
#include "acceptance/runner.h"
#include "acceptance/suite.h"
#include "collectives/backend.h"
#include "collectives/communicator.h"
#include "kernels/harness.h"

namespace cb::acc::internal {

using Clock = std::chrono::steady_clock;

// Seconds since t0.
double Since(Clock::time_point t0);

// Rank 0's list of ints to every rank (O(size) broadcasts: lists are short).
std::vector<int> BroadcastInts(coll::Communicator& comm, const std::vector<int>& mine);

// Every rank waits for the others, sleeping; a rank missing after
// `timeout_s` ends the job (exit code kTimeout), rank 0 first writing the
// report so far with `keep`.
void QuietBarrier(coll::Communicator& comm, double timeout_s, const std::string& what,
                  const std::function<void(const std::string&)>& keep);

// Whether any rank was interrupted (a signal), the same answer on every rank.
bool AnyInterrupted(coll::Communicator& comm);

// One unit this rank measures in a node-local check.
struct LocalUnit {
  int device = -1;  // GPU index, -1 for the host
  std::string device_name;
  std::string skipped;
};

class Runner {
 public:
  Runner(coll::Communicator& comm, const Suite& suite, const RunOptions& o) : comm_(comm), suite_(suite), o_(o) {}

  ValidationReport Run();

 private:
  void Identify();
  void RunLocalCheck(int index);
  // The phases of a node-local check: this rank's units (and its turn on a
  // shared host), rank 0's result per unit of every rank, one round of
  // this rank's measurements, rank 0's verdicts after a round (returns the
  // ranks to measure again), and the final verdicts.
  std::vector<LocalUnit> LocalUnitsOfRank(const Check& c, int* slot) const;
  std::vector<UnitResult> GatherLocalUnits(int index, const std::vector<LocalUnit>& units,
                                           std::vector<std::pair<int, size_t>>* owner);
  std::vector<Round> MeasureMyUnits(const Check& c, int slot, int slots, size_t max_units, bool measuring,
                                    std::vector<LocalUnit>* units);
  std::vector<int> JudgeLocalRound(int index, int round, double round_start, const std::vector<double>& all,
                                   size_t max_units, const std::vector<std::pair<int, size_t>>& owner,
                                   std::vector<UnitResult>* results);
  void FinishLocalCheck(int index, const std::vector<LocalUnit>& units,
                        const std::vector<std::pair<int, size_t>>& owner, std::vector<UnitResult>* results);
  void RunFabricCheck(int index);
  // Rank 0: one unit per group of a fabric check (the whole job, or each
  // split group), with what the model expects of it; `colors` gets each
  // unit's group.
  std::vector<UnitResult> FabricGroupUnits(int index, const std::map<int, std::vector<int>>& groups,
                                           std::vector<int>* colors) const;
  void RunHealthCheck(int index);
  // Fabric localisation (issue 19): the pairs check, and bisection after a
  // whole-job collective check (acceptance/fabric.h).
  void FabricNodes();
  void CheckFabricInjections();
  void RunPairsCheck(int index);
  // One round (or batch) of pairs at once: every rank exchanges with its
  // partner in `m`, the others wait; rank 0 appends the pairs' figures.
  void MeasurePairs(int index, const Matching& m, int round, int batch, bool confirm, void* send, void* recv,
                    const std::string& what, std::vector<PairMeasurement>* measured);
  // The schedule's rounds, each in its batches; rank 0 appends the figures.
  void MeasurePairRounds(int index, const std::vector<Matching>& schedule, const FabricTopology& topo, void* send,
                         void* recv, std::vector<PairMeasurement>* measured);
  void ConfirmSlowPairs(int index, const FabricTopology& topo, int first_round, void* send, void* recv,
                        std::vector<PairMeasurement>* measured);
  // The confirmation's rounds, each beside its yardstick; rank 0 keeps the
  // pairs' figures and, per rail, the yardsticks'. Returns the rounds measured.
  int MeasureConfirmation(int index, const std::vector<ConfirmationRound>& rounds, int first_round, void* send,
                          void* recv, std::vector<PairMeasurement>* pending,
                          std::map<int, std::vector<double>>* beside);
  void JudgePairs(int index, const FabricTopology& topo, int rounds, const std::vector<PairMeasurement>& measured);
  UnitResult NodePairsUnit(int index, int node, const std::vector<PairMeasurement>& measured, double fleet) const;
  void RunBisection(int index);
  std::vector<double> MeasureGroups(const Check& c, const std::vector<std::vector<int>>& groups, int round);
  void AddCulpritUnit(int index, const FabricCulprit& f, double value, double expected);
  void SkipCheck(int index, const std::string& why);
  void Progress(int index, double took);
  double Planned(const Check& c) const;
  MeasureOptions Options() const;

  coll::Communicator& comm_;
  const Suite& suite_;
  const RunOptions& o_;
  ValidationReport rep_;
  std::vector<std::string> node_of_;   // per rank
  std::vector<int> local_index_;       // per rank: index among ranks on its host
  std::vector<int> ranks_on_host_;     // per rank
  std::unique_ptr<DeviceKernels> dk_;  // this rank's GPU kernels, if any
  std::vector<DeviceIdentity> my_devices_;
  std::string why_no_devices_;
  // NCCL fabric checks: the job's NCCL communicator, made at the first one;
  // why_no_nccl_ says why there is none (then every such check is SKIPPED).
  std::unique_ptr<coll::Backend> nccl_;
  std::string why_no_nccl_;
  bool nccl_tried_ = false;
  bool OpenNccl();
  bool stop_ = false;
  double timeout_s_ = 0;
  // Rank 0: writes the report of the checks done so far (a watchdog ends the
  // job); set while Run() runs.
  std::function<void(const std::string&)> keep_;
  Clock::time_point start_ = Clock::now();
  double planned_done_ = 0, planned_total_ = 0;
  // Fabric nodes (every rank): node index per rank, its ranks per node by
  // rail (index among the node's ranks), and the rails.
  std::vector<std::string> fabric_nodes_;
  std::vector<int> fabric_node_of_, rail_of_;
  std::vector<std::vector<int>> node_ranks_;
  int rails_ = 0;
};

}  // namespace cb::acc::internal

#endif  // CLUSTERBENCH_ACCEPTANCE_INTERNAL_RUNNER_H_
