// Runs a suite on every rank of a job and judges it (verdict.h).
//
// Every rank calls RunSuite with its communicator (MPI: one rank per node for
// host checks, or one per GPU; a single rank without MPI). Per check:
//  - node-local checks (device, node scope) are measured by the ranks that
//    own a unit: a node's first rank for node scope, each rank's devices for
//    device scope. Ranks on the same physical host measure host resources one
//    at a time (slots separated by a quiet barrier), with a fixed thread count,
//    so they do not contend; different hosts measure at the same time;
//  - fabric checks run the collective over the job or its --split groups;
//  - rank 0 gathers the figures and judges them; units whose latest round
//    missed a bound are measured again until they pass or have `repeats`
//    misses.
// Nodes: by default a node is a host name. With NodeMode::kRank (or kAuto
// when every rank runs on one host, as in CI's `mpirun -np 4` on one machine)
// each rank is its own node, named "host:rank", so one machine can act as a
// fleet.
#ifndef CLUSTERBENCH_ACCEPTANCE_RUNNER_H_
#define CLUSTERBENCH_ACCEPTANCE_RUNNER_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "acceptance/device_kernels.h"
#include "acceptance/fabric.h"
#include "acceptance/suite.h"
#include "acceptance/verdict.h"
#include "collectives/backend.h"
#include "collectives/communicator.h"
#include "core/fabric_culprit.h"
#include "core/node_info.h"

namespace cb::acc {

enum class NodeMode { kAuto, kHost, kRank };

// What makes a report evidence: when, with what tool, from which suite, by
// which command (filled by the caller; the runner adds the end time).
struct Provenance {
  std::string started_utc, finished_utc;  // ISO 8601, UTC
  std::string tool_version, git_revision, build_type;
  std::string command_line;
  std::string host;  // rank 0's
};

// What a model expects of one unit (threshold.fraction_of_model): the figure
// in SI units (0: none) and how it was derived, or why there is none.
struct ModelFigure {
  double value = 0;
  std::string how;
};

struct RunOptions {
  int slow_rank = -1;  // --inject slow:R:F: rank R's measured figures drop to (1 - F)
  double slow_fraction = 0;
  int corrupt_rank = -1;  // --inject corrupt:R: rank R's outputs fail verification
  NodeMode node_mode = NodeMode::kAuto;
  // With kRank: consecutive ranks that form one node ("host:i" for ranks
  // i*K .. i*K+K-1), so one machine can act as a fleet of multi-rail nodes.
  int ranks_per_node = 1;
  double timeout_s = 0;  // watchdog per slot; 0: 60 s + 20 x the suite's time budget
  // GPU kernels (null: none in this build); why_no_devices says why.
  DeviceKernelsFactory device_kernels;
  std::string why_no_devices = "no GPU kernels backend in this build";
  // NCCL for fabric checks with `backend: nccl` (null: none in this build).
  // Called on every rank at once, at the first such check, when the job runs
  // over MPI (one rank per GPU): it joins the job's ranks in an NCCL
  // communicator (collectives/nccl, bootstrapped over the same MPI).
  std::function<std::unique_ptr<coll::Backend>()> make_nccl;
  // threshold.fraction_of_model: rank 0 asks, once per group of such a check
  // before measuring it, what the model expects of that group (its members'
  // infos, in group order). The caller answers from the simulator's collective
  // model or a calibration profile (acceptance/model), so acceptance depends
  // on no model. Null: every such unit is SKIPPED ("no model").
  std::function<ModelFigure(const Check&, const std::vector<coll::RankInfo>& members)> expect_model;
  // --inject slowlink:A:B:F and slownic:R:F (acceptance/fabric.h): the pairs
  // check's exchanges and bisection's groups they touch really take longer
  // (a proportional sleep inside the timed region).
  FabricInjections fabric_injections;
  // The suite cluster's topology for the pairs check, from the caller
  // (acceptance knows no topology): given the job's fabric nodes (in the order
  // of their first ranks) and rails, each node's switch (sampled rounds pair
  // across switches first) and the links a pair's traffic crosses
  // (localisation can then name a link). Called on every rank alike. Null:
  // no topology.
  std::function<FabricTopology(int nodes, int rails)> topology;
  // Host facts of this rank: CPU model, versions (collected by the caller).
  std::string cpu_model;
  std::map<std::string, std::string> versions;
  // This rank's host inventory (core/node_info.h, with the backends' GPUs);
  // the first rank of each host sends it to rank 0.
  NodeInfo node_info;
  Provenance provenance;
  // Rank 0: one line per phase (check), with the time left.
  std::function<void(const std::string&)> progress;
  // Rank 0, from the progress watchdog's thread when a rank stops responding
  // (collectives/communicator.h WatchProgress), or from the keeper thread when
  // a signal arrives while a check runs: the report of the checks done so far,
  // marked partial with the reason (stalled: the job then ends with exit 6;
  // vanished: a rank was killed and the launcher is ending the job).
  std::function<void(const struct ValidationReport& so_far, const std::string& why)> on_stall;
};

// One measurement round of one unit, for the evidence file.
struct Round {
  double value = 0;  // SI
  double median_s = 0, min_s = 0, max_s = 0, iqr_spread = 0;
  int64_t samples = 0;
  int64_t checked = 0, wrong = 0;
  bool interrupted = false;
  double throttle = 0;  // the self-test throttle the harness put into its samples (Measurement::throttle)
};

// One unit of one check: a device, a node, or a collective group.
struct UnitResult {
  int check = 0;  // index into Suite::checks
  std::string label;
  std::vector<int> ranks;  // the rank that measured it, or the group's members
  std::string host, node, device;
  std::vector<Round> rounds;
  UnitData data;
  UnitVerdict verdict;
  bool culprit = false;  // a culprit a fabric check named (FabricCulprit), not a measured unit
};

struct RankResult {
  int rank = 0;
  std::string host, node, device;  // device: "cpu" or the GPU(s) it drives
  std::string cpu_model;
  std::vector<DeviceIdentity> devices;
  std::map<std::string, std::string> versions;
  Verdict verdict = Verdict::kSkipped;
  std::vector<std::string> reasons;  // every non-PASS unit verdict touching the rank
  std::vector<std::string> plain;    // the same in plain words (UnitVerdict::plain)
};

struct NodeResult {
  std::string node, host;
  std::vector<int> ranks;
  Verdict verdict = Verdict::kSkipped;
  std::vector<std::string> reasons;
  std::vector<std::string> plain;  // in plain words, one per reason
  std::vector<Failure> failures;   // the classes of its non-PASS units, each once (next steps)
};

// Cluster figures in the sections buyers use.
struct SummaryFigure {
  std::string section;  // compute scale, memory, communication performance, availability
  std::string name;     // e.g. "gemm fp64 delivered"
  double value = 0;
  std::string units;        // SI
  double nameplate = 0;     // 0 when unknown
  std::string description;  // how it is obtained
  std::string over;         // "passing nodes", "all nodes", or "" (not a sum over nodes)
};

// One exchange between two nodes of a pairs check (or a bisection probe):
// the pair, its rail, its schedule round, and what it carried.
struct PairMeasurement {
  int check = 0;
  int round = 0;         // the schedule's round (0-based); the confirmation's continue the count
  int batch = 0;         // the batch of its round (suite key batches; 0 with one batch)
  bool confirm = false;  // measured by the confirmation round (a pair found slow, measured again)
  // A confirmation: the median figure of the healthy pairs measured beside the
  // confirmation's pairs (B/s, 0: none); value is then bytes/time x the
  // rail's median pair of the rounds / this.
  double beside = 0;
  int rail = 0;        // the ranks' index on their nodes
  int a = -1, b = -1;  // fabric node indices, a < b (ValidationReport::fabric_nodes)
  int rank_a = -1, rank_b = -1;
  double value = 0;   // B/s each way: bytes / the slower rank's median exchange time
  double time_s = 0;  // that median time
  int64_t samples = 0;
  int64_t wrong = 0;  // bytes received that differ from what the partner sent
};

// A culprit a fabric check named (localize.h for pairs, fabric.h for
// bisection), kept beside its unit for the reports and the evidence.
struct FabricCulprit {
  int check = 0;
  CulpritMethod method = CulpritMethod::kPairs;
  CulpritKind kind = CulpritKind::kNode;
  std::string name;  // node name, "node/rail R", link name, "A<->B"
  int node = -1, rail = -1, a = -1, b = -1;
  int supporting = 0, examined = 0;  // slow pairs (groups) that support it, of those examined
  double ratio = 0;                  // its slow figure over the fleet's
  std::string reason;
};

// The confirmation of one pairs check: the (pair, rail)s found slow after the
// rounds, measured again; those still slow with these measurements in their
// median are confirmed, the others cleared.
struct PairConfirmation {
  int check = 0;
  int batches = 1;                           // the check's batches per round
  bool enabled = true;                       // confirm: false in the suite
  int selected = 0;                          // (pair, rail)s slow after the rounds
  int confirmed = 0;                         // still slow with the confirmation's measurements
  int cleared = 0;                           // no longer slow
  int rounds = 0;                            // confirmation rounds run (all repeats)
  int repeats = 0;                           // times each selected pair was measured again
  std::vector<std::string> confirmed_pairs;  // "A<->B/rail R"
};

// Bisection of one check: the rounds it took and what it found.
struct BisectionReport {
  int check = 0;
  bool triggered_by_failure = false;  // the whole job failed (else: no absolute bound, so bisection judged it)
  std::vector<BisectionRound> rounds;
  std::string note;
};

struct ValidationReport {
  Suite suite;
  std::vector<RankResult> ranks;
  std::vector<NodeResult> nodes;
  std::vector<UnitResult> units;
  std::vector<SummaryFigure> summary;
  Status status;
  bool partial = false;   // interrupted: checks not run are SKIPPED
  bool stalled = false;   // partial because the progress watchdog ended the job (exit 6)
  bool vanished = false;  // partial because a rank was killed and the launcher ended the job
  // The report and evidence were already written from rank 0's keeper thread
  // (a signal during a check): the caller must not write them again.
  bool written = false;
  std::string partial_reason;
  double elapsed_s = 0;
  int devices_total = 0, devices_passing = 0;
  int nodes_total = 0, nodes_passing = 0;
  std::string backend;  // of the control plane
  Provenance provenance;
  // One per host, in the order of the hosts' first ranks.
  std::vector<NodeInfo> inventory;
  // Fabric localisation (pairs, bisect): the nodes by index, in the order of
  // their first ranks; every pair measured; the culprits named; bisections.
  std::vector<std::string> fabric_nodes;
  std::vector<PairMeasurement> pairs;
  std::vector<FabricCulprit> culprits;
  std::vector<BisectionReport> bisections;
  std::vector<PairConfirmation> confirmations;  // one per pairs check that ran
};

// Runs the suite on this rank. The report is complete on rank 0 only (other
// ranks get an empty one). Throws ConfigError/UsageError the same way on
// every rank for what cannot run (an injection naming a rank outside the job).
ValidationReport RunSuite(coll::Communicator& comm, const Suite& suite, const RunOptions& options);

// Rolls unit verdicts up to ranks, nodes, the summary and the status (used by
// RunSuite; exposed for tests). `report.units`, `ranks` and `suite` must be set.
void RollUp(ValidationReport* report);

// A host check (a node-local check off the GPU) is measured once per node,
// by the node's first rank; nodes that share a host (NodeMode::kRank, or
// ranks of one host in several nodes) take turns so that they do not measure
// the same CPUs at once. `node_of` and `host_of` hold each rank's node and
// host. Returns rank `rank`'s turn (0: the first of its host's measuring
// ranks, 1: the second, ...), or -1 when it does not measure (used by
// RunSuite; exposed for tests).
int HostMeasuringSlot(const std::vector<std::string>& node_of, const std::vector<std::string>& host_of, int rank);

}  // namespace cb::acc

#endif  // CLUSTERBENCH_ACCEPTANCE_RUNNER_H_
