// Goodput under failures; the maths is in reliability.h and in
// docs/simulator-model.md ("Cost, energy and failures").
#include "simulator/plan/reliability.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "core/error.h"

namespace cb::sim {
ReliabilitySpec ReliabilityFromConfig(const ConfigNode& cluster) {
  ReliabilitySpec r;
  r.gpu_mtbf_s = cluster.FindDouble("reliability.gpu_mtbf");
  r.node_mtbf_s = cluster.FindDouble("reliability.node_mtbf");
  r.checkpoint_bandwidth = cluster.FindDouble("reliability.checkpoint_bandwidth");
  r.restart_time_s = cluster.GetDouble("reliability.restart_time", r.restart_time_s);
  r.key = cluster.path().empty() ? "reliability" : cluster.path() + ".reliability";
  r.where = cluster.source_file().empty() ? cluster.where() : cluster.source_file();
  return r;
}

// 14 B per parameter: bf16 weights (2) + fp32 master weights, Adam m and v
// (4 + 4 + 4); a pure-bf16 model 6 B (weights, m and v in bf16).
double CheckpointBytes(const ModelSpec& m, bool pure_bf16) {
  return (pure_bf16 ? kPureBf16CheckpointBytesPerParam : kCheckpointBytesPerParam) * CountParams(m).total;
}

// 1/M = N/M_gpu + n/M_node
double JobMtbf(const ReliabilitySpec& spec, int64_t gpus, int64_t gpus_per_node) {
  if (!spec.gpu_mtbf_s && !spec.node_mtbf_s) {
    throw ConfigError(fmt::format(
        "{}: key '{}.gpu_mtbf': goodput needs failure rates: {}.gpu_mtbf (mean time between failures of one GPU) "
        "and/or {}.node_mtbf (of one node); the cluster gives neither",
        spec.where, spec.key, spec.key, spec.key));
  }
  if (gpus < 1 || gpus_per_node < 1) {
    throw ConfigError(
        fmt::format("failure rate of {} GPUs in nodes of {}: both must be at least 1", gpus, gpus_per_node));
  }
  const double nodes = static_cast<double>((gpus + gpus_per_node - 1) / gpus_per_node);
  double rate = 0;
  if (spec.gpu_mtbf_s) rate += static_cast<double>(gpus) / *spec.gpu_mtbf_s;
  if (spec.node_mtbf_s) rate += nodes / *spec.node_mtbf_s;
  return 1 / rate;
}

// Young 1974: τ = √(2δM)
double YoungInterval(double checkpoint_s, double mtbf_s) { return std::sqrt(2 * checkpoint_s * mtbf_s); }

// Daly 2006 (higher-order estimate): τ = √(2δM)·[1 + ⅓·√(δ/2M) + (1/9)·(δ/2M)] − δ for δ < 2M; τ = M for δ ≥ 2M.
double DalyInterval(double checkpoint_s, double mtbf_s) {
  if (checkpoint_s >= 2 * mtbf_s) return mtbf_s;
  const double x = checkpoint_s / (2 * mtbf_s);
  const double tau = std::sqrt(2 * checkpoint_s * mtbf_s) * (1 + std::sqrt(x) / 3 + x / 9) - checkpoint_s;
  // δ = 0 (free checkpoints) gives τ = 0: checkpoint continuously, lose nothing
  // but the restart. Keep τ positive so W/τ stays finite.
  return std::max(tau, 1e-9 * mtbf_s);
}

// Daly 2006 (complete model): T_w = M·e^{R/M}·(e^{(τ+δ)/M} − 1)·W/τ
double ExpectedWallTime(double work_s, double interval_s, double checkpoint_s, double restart_s, double mtbf_s) {
  const double m = mtbf_s;
  return m * std::exp(restart_s / m) * std::expm1((interval_s + checkpoint_s) / m) * work_s / interval_s;
}

GoodputEstimate EstimateGoodput(double ideal_s, double checkpoint_s, double restart_s, double mtbf_s) {
  if (!(mtbf_s > 0) || !std::isfinite(mtbf_s)) {
    throw ConfigError(fmt::format("goodput: the job's mean time between failures must be positive, got {}", mtbf_s));
  }
  GoodputEstimate g;
  g.mtbf_s = mtbf_s;
  g.checkpoint_s = checkpoint_s;
  g.restart_s = restart_s;
  g.ideal_s = ideal_s;
  g.young_interval_s = YoungInterval(checkpoint_s, mtbf_s);
  g.interval_s = DalyInterval(checkpoint_s, mtbf_s);
  if (ideal_s <= 0) return g;
  const double m = mtbf_s, t = g.interval_s + checkpoint_s;
  const double segments = ideal_s / g.interval_s;
  const double fail_per_attempt = std::expm1(t / m);  // failed attempts per segment
  g.effective_s = ExpectedWallTime(ideal_s, g.interval_s, checkpoint_s, restart_s, m);
  g.goodput = ideal_s / g.effective_s;
  g.expected_failures = segments * fail_per_attempt * std::exp(restart_s / m);
  g.checkpoint_total_s = segments * checkpoint_s;
  g.lost_work_s = segments * (fail_per_attempt * m - t);
  g.restart_total_s = segments * fail_per_attempt * m * std::expm1(restart_s / m);
  return g;
}

GoodputEstimate EstimateGoodput(const ReliabilitySpec& spec, int64_t gpus, int64_t gpus_per_node, const ModelSpec& m,
                                double ideal_s, bool pure_bf16) {
  const double mtbf = JobMtbf(spec, gpus, gpus_per_node);
  if (!spec.checkpoint_bandwidth) {
    throw ConfigError(fmt::format(
        "{}: key '{}.checkpoint_bandwidth': goodput needs the storage bandwidth a checkpoint is written and read at",
        spec.where, spec.key));
  }
  const double bytes = CheckpointBytes(m, pure_bf16);
  const double io_s = bytes / *spec.checkpoint_bandwidth;
  GoodputEstimate g = EstimateGoodput(ideal_s, io_s, spec.restart_time_s + io_s, mtbf);
  g.checkpoint_bytes = bytes;
  return g;
}

double MonteCarloWallTime(double work_s, double interval_s, double checkpoint_s, double restart_s, double mtbf_s,
                          int trials, uint64_t seed) {
  std::mt19937_64 rng(seed);
  // Inverse-CDF sampling, so the draws do not depend on the standard
  // library's exponential_distribution.
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  auto next_failure = [&] { return -mtbf_s * std::log1p(-uniform(rng)); };
  double total = 0;
  for (int trial = 0; trial < trials; ++trial) {
    double clock = 0, done = 0;
    while (done < work_s) {
      const double work = std::min(interval_s, work_s - done);
      const double attempt = work + checkpoint_s;
      for (;;) {
        const double x = next_failure();
        if (x >= attempt) {
          clock += attempt;
          break;
        }
        clock += x;  // the work and checkpoint since the last checkpoint are lost
        for (;;) {   // restart (and restore), itself interruptible
          const double y = next_failure();
          if (y >= restart_s) {
            clock += restart_s;
            break;
          }
          clock += y;
        }
      }
      done += work;
    }
    total += clock;
  }
  return total / trials;
}

}  // namespace cb::sim
