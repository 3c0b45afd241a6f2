// One rank's `clusterbench kernels` run: which device it measures (a GPU
// through the "kernels:cuda" factory when the CUDA backend is built,
// kernels/gpu_bench.h, or the host: OpenBLAS GEMM, threaded STREAM), the
// options that depend on that device, and the benchmarks themselves.
// What each benchmark measures and how: docs/kernels.md.
#ifndef CLUSTERBENCH_KERNELS_KERNELS_RUN_H_
#define CLUSTERBENCH_KERNELS_KERNELS_RUN_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/backends.h"
#include "core/log.h"
#include "kernels/gpu_bench.h"
#include "kernels/harness.h"
#include "kernels/kernels_results.h"

namespace cb {

// What `kernels` measures and how (its flags, docs/cli.md), as given: the
// rank parses them once it knows its device.
struct KernelsRunOptions {
  std::string device = "auto";
  std::vector<std::string> benches = {"all"};
  std::string bytes;
  double time_budget_s = 2.0;
  std::vector<std::string> dtypes;
  std::vector<std::string> sizes;
  std::string model;
  int64_t tp = 0;
  int64_t tokens = 0;
  int64_t seq_len = 4096;
  int64_t micro_batch = 1;
  std::string gpus;  // empty: GPU 0 alone; under mpirun the rank's local index modulo the GPUs
  int algos = 16;
  std::string algo_search = "heuristic";
  int min_reps = 5;
  double target_spread = MeasureOptions{}.target_spread;
  bool min_reps_given = false;  // --min-reps on the command line: honoured past the time budget
  int threads = 0;
};

// This process's place in the job: rank 0 of 1 alone, or one rank under
// mpirun/srun, and its place among the ranks on its host.
struct RankPlace {
  int rank = 0;
  int local_rank = 0, local_size = 1;  // among the ranks on this host
  std::string host;
};

// Which benchmarks run (--bench): peak and copy need a GPU.
struct KernelsPlan {
  bool gemm = false, peak = false, stream = false, copy = false;
};

// The option parsers; each throws UsageError naming the flag.
KernelsPlan ParseBenches(const std::vector<std::string>& benches, bool gpu);
// --dtype's names parsed once (the GPU's or the host's precisions when none).
std::vector<GemmDtype> ParseDtypes(const std::vector<std::string>& given, bool gpu);
std::vector<GemmShape> ParseShapes(const KernelsRunOptions& o, bool gpu, Logger& log);
GemmSearch ParseAlgoSearch(const std::string& text);
std::vector<int> ParseGpus(const std::string& text, int count);
std::optional<int64_t> ParseBytes(const std::string& text);

// Measures this rank's device. Errors become the outcome's code and message:
// every rank must reach the gather, or the others would wait there forever.
// Every row is stamped with place.rank and place.host.
KernelsOutcome MeasureRank(const KernelsRunOptions& o, const Backends& backends, const RankPlace& place, Logger& log);

}  // namespace cb

#endif  // CLUSTERBENCH_KERNELS_KERNELS_RUN_H_
