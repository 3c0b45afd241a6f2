// Which datasheet (configs/gpus/*.yaml) a GPU is: its driver name is matched
// against each document's `match:` substrings, case-insensitively. The
// longest matching substring wins, so "NVIDIA GB200" is gb200 (match "GB200")
// and not b200 (match "B200"); two documents matching with equally long
// substrings is ambiguous and matches neither, with a note. A GPU that
// matches nothing gets no spec and a note, and its pct_of_peak stays null.
#ifndef CLUSTERBENCH_KERNELS_GPU_SPEC_H_
#define CLUSTERBENCH_KERNELS_GPU_SPEC_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "core/config.h"

namespace cb {

// The figures of a GPU's datasheet that pct_of_peak needs (the simulator's
// GPU model is sim::GpuSpec, simulator/compute/gpu_perf.h).
struct GpuDatasheet {
  std::string id;                      // document name (file stem): "h200-sxm"
  std::string name;                    // display name: "H200 SXM 141GB"
  std::map<std::string, double> peak;  // peak.* in FLOP/s: fp64, fp64_tensor, fp32, tf32, bf16, fp16, fp8
  double memory_bandwidth = 0;         // B/s
  double scale_up_bandwidth = 0;       // B/s, both directions together; 0 when absent
  int64_t sm_count = 0;

  // A peak figure, or 0 when the datasheet does not give it.
  double Peak(const std::string& key) const;
};

// Loads every gpu document the loader can see and matches `device_name`.
std::optional<GpuDatasheet> FindGpuDatasheet(const std::string& device_name, const ConfigLoader& loader,
                                             std::string* note);

// value / peak as a percentage; NaN when peak <= 0 (unknown).
double PercentOf(double value, double peak);

}  // namespace cb

#endif  // CLUSTERBENCH_KERNELS_GPU_SPEC_H_
