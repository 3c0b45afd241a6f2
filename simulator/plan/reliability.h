// Goodput of a training run under failures (docs/simulator-model.md, "Cost,
// energy and failures").
//
// Failures. Synchronous training stops at the first failure of any of its N
// GPUs or n nodes; with independent exponential failures (rates 1/M_gpu per
// GPU and 1/M_node per node, the node rate covering host, NIC, switch and
// software faults) the job's mean time between failures is
//   1/M = N/M_gpu + n/M_node.
// Checkpoint. Weights in bf16 (2 B) plus the optimizer's fp32 master weights
// and Adam moments (4 + 4 + 4 B): 14 bytes per parameter (all experts of a
// MoE model), as Megatron's distributed checkpoint stores them; 6 for a
// pure-bf16 model (framework.pure_bf16: weights, m and v in bf16). Saving takes
// δ = bytes / B_ckpt; restarting takes R = restart_time + bytes / B_ckpt
// (reschedule and initialise, then read the checkpoint back).
// Interval. Young (1974): τ = √(2δM). Daly (2006), to higher order, for δ < 2M:
//   τ = √(2δM) · [1 + ⅓·√(δ/(2M)) + (1/9)·(δ/(2M))] − δ,   τ = M otherwise.
// Wall-clock time for W seconds of work checkpointed every τ (Daly's complete
// model: failures may also strike during checkpoints and restarts):
//   T_w = M · e^{R/M} · (e^{(τ+δ)/M} − 1) · W/τ,    goodput = W / T_w.
// Sources: J. W. Young, "A first order approximation to the optimum
// checkpoint interval", CACM 17(9), 1974; J. T. Daly, "A higher order estimate
// of the optimum checkpoint interval for restart dumps", FGCS 22(3), 2006.
#ifndef CLUSTERBENCH_SIMULATOR_PLAN_RELIABILITY_H_
#define CLUSTERBENCH_SIMULATOR_PLAN_RELIABILITY_H_

#include <cstdint>
#include <optional>
#include <string>

#include "core/config.h"
#include "simulator/workload/transformer.h"

namespace cb::sim {

// Bytes per parameter of a checkpoint: bf16 weights + fp32 master, Adam m, v.
inline constexpr double kCheckpointBytesPerParam = 2 + 4 + 4 + 4;
// A pure-bf16 model (framework.pure_bf16) saves bf16 weights and Adam's m and
// v in the parameters' dtype (torch.optim.AdamW creates its state like them).
inline constexpr double kPureBf16CheckpointBytesPerParam = 2 + 2 + 2;

// A cluster's `reliability` section.
struct ReliabilitySpec {
  std::optional<double> gpu_mtbf_s;            // M_gpu, one GPU
  std::optional<double> node_mtbf_s;           // M_node, one node (beyond its GPUs)
  std::optional<double> checkpoint_bandwidth;  // B_ckpt, B/s, the whole job's to storage
  double restart_time_s = 600;                 // detect, reschedule, initialise
  std::string key = "reliability";             // key path for errors
  std::string where;                           // the cluster file, for errors
};

// From a validated cluster document (standalone or a scenario's `cluster`).
ReliabilitySpec ReliabilityFromConfig(const ConfigNode& cluster);

// 14 (pure_bf16: 6) · total parameters (CountParams(m).total).
double CheckpointBytes(const ModelSpec& m, bool pure_bf16);

// 1/M = N/M_gpu + n/M_node, n = ⌈N / gpus_per_node⌉. Throws ConfigError naming
// reliability.gpu_mtbf and reliability.node_mtbf when neither is given.
double JobMtbf(const ReliabilitySpec& spec, int64_t gpus, int64_t gpus_per_node);

// Young: τ = √(2δM).
double YoungInterval(double checkpoint_s, double mtbf_s);
// Daly: τ = √(2δM)·[1 + ⅓√(δ/2M) + (δ/2M)/9] − δ for δ < 2M, else M.
double DalyInterval(double checkpoint_s, double mtbf_s);
// Daly's complete model: T_w = M·e^{R/M}·(e^{(τ+δ)/M} − 1)·W/τ.
double ExpectedWallTime(double work_s, double interval_s, double checkpoint_s, double restart_s, double mtbf_s);

struct GoodputEstimate {
  double mtbf_s = 0;  // M, the job's
  double checkpoint_bytes = 0;
  double checkpoint_s = 0;      // δ
  double restart_s = 0;         // R = restart_time + restore
  double interval_s = 0;        // τ (Daly)
  double young_interval_s = 0;  // τ (Young), for reference
  double ideal_s = 0;           // W
  double effective_s = 0;       // T_w
  double goodput = 1;           // W / T_w
  // Where T_w − W goes (expected values; they add up to T_w − W):
  double expected_failures = 0;   // W/τ · (e^{(τ+δ)/M} − 1) · e^{R/M}
  double checkpoint_total_s = 0;  // W/τ · δ
  double lost_work_s = 0;         // W/τ · ((e^{(τ+δ)/M} − 1)·M − (τ+δ)) : work redone after failures
  double restart_total_s = 0;     // W/τ · (e^{(τ+δ)/M} − 1) · M · (e^{R/M} − 1)
};

// Goodput of `ideal_s` seconds of training on `gpus` GPUs of the model `m`
// (its checkpoint as CheckpointBytes(m, pure_bf16) counts it).
// Throws ConfigError naming the missing key (failure rates, checkpoint
// bandwidth) when the cluster does not give it.
GoodputEstimate EstimateGoodput(const ReliabilitySpec& spec, int64_t gpus, int64_t gpus_per_node, const ModelSpec& m,
                                double ideal_s, bool pure_bf16);
// The same from the inputs directly (δ, R, M), with τ by Daly.
GoodputEstimate EstimateGoodput(double ideal_s, double checkpoint_s, double restart_s, double mtbf_s);

// Monte Carlo of the model behind ExpectedWallTime, for checking it: W
// seconds of work in segments of τ, each followed by a checkpoint of δ;
// exponential failures (mean M) at any time; a failure loses the segment in
// progress (work and checkpoint since the last completed checkpoint), then a
// restart of R seconds — which a failure may also interrupt — resumes from
// that checkpoint. Returns the mean wall-clock time over `trials` runs.
double MonteCarloWallTime(double work_s, double interval_s, double checkpoint_s, double restart_s, double mtbf_s,
                          int trials, uint64_t seed);

}  // namespace cb::sim

#endif  // CLUSTERBENCH_SIMULATOR_PLAN_RELIABILITY_H_
