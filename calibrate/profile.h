// Calibration: from measured results (kernels and collectives runs in HDF5
// files) to a hardware profile the simulator uses in place of its defaults,
// and predictions from a profile. docs/calibration.md describes what is fitted
// and how far it can be trusted; the fits themselves are in calibrate/fit.h.
//
// What is fitted:
//   GEMM, per precision: t = 2mnk / (R · w · k/(k + k_half)) + c over every
//     measured shape (w: wave quantisation from the GPU's SMs; 1 on a CPU).
//   Memory: the best sustained STREAM-counted bandwidth (copy or triad).
//   Collectives, per operation and tier: t = α + S · f_op(n) / B, with f_op
//     nccl-tests' bus factor (read from each row as busbw / algbw), so B is
//     the bus bandwidth. Tier: `intra` when every rank of the run is on one
//     host, `inter` otherwise (ranks_per_node = ranks / hosts).
// Collectives are fitted piecewise by size (protocol regimes; fit.h). Predicting
// a collective of S bytes at N ranks from a fit at n ranks: the segment of
// S's size regime, its bandwidth term with f_op(N), its latency as a ring's,
// α · (N−1)/(n−1) (constant for sendrecv). Beyond the measured rank count, or across nodes from a profile
// with only one node measured, the prediction says it extrapolates.
#ifndef CLUSTERBENCH_CALIBRATE_PROFILE_H_
#define CLUSTERBENCH_CALIBRATE_PROFILE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "calibrate/fit.h"
#include "core/enum_names.h"
#include "simulator/simulate.h"

namespace cb::calib {

struct Source {
  std::string file, run, kind, hosts, devices, date;
};

struct GemmEntry {
  std::string dtype;
  GemmModel model;
  int64_t points = 0;
  std::string shapes;  // "256x256x256 .. 4096x4096x4096"
};

struct MemoryEntry {
  double bandwidth = 0;
  std::string kernel;
  double bytes = 0;
};

// Where a collective was measured: inside one node (scale-up) or across
// nodes; a profile's `tier:`, parsed where the profile is read.
enum class CollectiveTier { kIntra, kInter };
inline constexpr EnumName<CollectiveTier> kCollectiveTierNames[] = {{"intra", CollectiveTier::kIntra},
                                                                    {"inter", CollectiveTier::kInter}};
inline const char* CollectiveTierName(CollectiveTier t) { return NameOf(kCollectiveTierNames, t); }

struct CollectiveEntry {
  std::string op;
  CollectiveTier tier = CollectiveTier::kIntra;
  std::string backend;  // nccl, mpi, loopback: what measured it
  int64_t ranks = 0, ranks_per_node = 1;
  AlphaBeta fit;    // summary: latency of the smallest sizes, bandwidth of the largest
  Piecewise curve;  // the segments (x = size · f_op(ranks))
  int64_t points = 0;
  double min_bytes = 0, max_bytes = 0;
  // The measured medians, one per size (bytes, seconds), smallest first:
  // predictions at the measured scale between two of them interpolate in
  // log-log space instead of asking the model.
  std::vector<std::pair<double, double>> measured;
};

struct Profile {
  std::string device;  // "host" or the GPU's name
  std::string gpu;     // matched gpu config name, "" if none
  int sm_count = 0;
  std::string architecture;
  std::string created;
  std::vector<Source> sources;
  std::vector<GemmEntry> gemm;
  std::optional<MemoryEntry> memory;
  std::vector<CollectiveEntry> collectives;
  int64_t LargestRanks() const;
};

struct CalibrateOptions {
  std::string device;  // which device's measurements to use when files mix several
};

// Throws IoError for unreadable files, ConfigError when nothing usable is in
// them or devices are mixed without `device` (naming the devices found).
// `warnings` collects what was skipped and why.
Profile Calibrate(const std::vector<std::string>& files, const CalibrateOptions& options,
                  std::vector<std::string>* warnings);

std::string ProfileYaml(const Profile& p);
Profile LoadProfile(const std::string& path);  // validated against the `profile` schema

// Efficiencies and latencies of `s` from the profile; notes (what was
// replaced, extrapolation beyond the measured scale) go to
// s->calibration_notes. Throws ConfigError when the profile is for another
// device than the scenario's GPU.
void ApplyProfile(const Profile& p, const std::string& profile_path, sim::Scenario* s);

struct CollectivePrediction {
  double time_s = 0, algbw = 0, busbw = 0;
  CollectiveTier tier = CollectiveTier::kIntra;
  int64_t measured_ranks = 0;
  std::string how;                 // interpolated (between measured sizes at the measured scale) or model
  std::vector<std::string> notes;  // extrapolation
};
// Throws ConfigError when the profile has no model of `op`.
CollectivePrediction PredictCollective(const Profile& p, const std::string& op, int64_t ranks, double bytes);
// Bus factor f_op(n) (nccl-tests doc/PERFORMANCE.md).
double BusFactor(const std::string& op, int64_t n);

// Seconds for one GEMM from the profile's model of `dtype` (through the
// simulator's GEMM model). Throws ConfigError when the profile has none.
double PredictGemm(const Profile& p, const std::string& dtype, double m, double n, double k);

}  // namespace cb::calib

#endif  // CLUSTERBENCH_CALIBRATE_PROFILE_H_
