// Acceptance suites: the checks a cluster must pass, read from a suite
// document (configs/suites/*.yaml, schema: `clusterbench config describe
// suite`). Loading validates what the schema cannot: thresholds that
// contradict each other, a fraction of spec without a GPU, options that do
// not apply to the benchmark.
#ifndef CLUSTERBENCH_ACCEPTANCE_SUITE_H_
#define CLUSTERBENCH_ACCEPTANCE_SUITE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "acceptance/health.h"
#include "acceptance/verdict.h"
#include "core/bench.h"
#include "core/collective_backend.h"
#include "core/config.h"
#include "kernels/gemm_dtype.h"
#include "kernels/memory_kinds.h"

namespace cb::acc {

// What a check measures and where:
//  device  one figure per device (GPU; "cpu" on a host suite), relative to
//          the best device of its node;
//  node    one figure per node, relative to the fleet's best node;
//  fabric  a collective over the job (or over each --split group), one
//          figure per group, relative to the best group.
enum class Scope { kDevice, kNode, kFabric };
const char* ScopeName(Scope s);

struct Check {
  std::string name;
  std::string
      benchmark;  // the name as written: gemm, peak, stream, copy, health, pairs, or a collective (all_reduce, ...)
  Scope scope = Scope::kDevice;
  std::string dtype;  // as written: gemm, peak: fp64/fp32 (host), bf16/fp8/... (GPU); collectives: float, ...
  GemmDtype precision = GemmDtype::kFp64;                // gemm, peak: `dtype` parsed (FitNodeLocal)
  int64_t bytes = 0;                                     // stream: per array; collectives: message size; copy: buffer
  int64_t size = 0;                                      // gemm m = n = k
  std::string split;                                     // collectives: "", intra, inter, MOD:k
  StreamKernel kernel = StreamKernel::kTriad;            // stream: copy, scale, add, triad
  int threads = 1;                                       // host measurements
  CollectiveBackend backend = CollectiveBackend::kAuto;  // collectives: auto, mpi, nccl
  int iters = 20;                                        // collectives
  int rounds = 1;                                        // interleaved passes over every unit before judging
  bool best_statistic = false;                           // figure from the fastest call, not the median
  CheckSpec judge;                                       // name, dimension, thresholds, spec, repeats, severity
  std::string where;                                     // file:line:column of the check, for messages
  bool on_gpu = false;                                   // measured on the suite's GPU (the suite names one)
  HealthSpec health;                                     // benchmark: health (acceptance/health.h)
  // benchmark: pairs (acceptance/fabric.h): 0 = the full round-robin
  // tournament (every pair once), K = K sampled perfect matchings (seeded).
  int pair_rounds = 0;
  int passes = 1;  // pairs: times the schedule runs (a pair's figure: the median of its passes)
  uint64_t seed = 1;
  // pairs: each round's pairs run in this many batches, one after another
  // (fabric.h SplitIntoBatches), so that fewer collide on shared links.
  int batches = 1;
  // pairs: after the rounds, every slow pair is measured again (fabric.h
  // ConfirmationRounds) and its median includes those measurements.
  bool confirm = true;
  // pairs and bisection: a pair (group) slower than this x the fleet's median
  // pair (the median group of its round) is slow.
  double slow_ratio = 0.8;
  // A whole-job collective check: when it fails (or has no absolute bound to
  // fail against), search the node set by bisection for the culprit.
  bool bisect = false;

  // One owner of the name -> kind mapping (ParseBench), derived from the name
  // so the two can never disagree.
  Bench kind() const { return ParseBench(benchmark); }
  bool is_health() const { return kind() == Bench::kHealth; }
  bool is_pairs() const { return kind() == Bench::kPairs; }
  bool computes() const { return Computes(kind()); }  // FLOP/s, not B/s
  bool judged_by_model() const { return judge.thresholds.fraction_of_model.has_value(); }

  bool collective() const;
  std::string Describe() const;  // "stream triad, 64 MiB arrays, node"
};

struct Suite {
  std::string name;
  std::string description;
  std::string file;
  double time_budget_s = 10;
  // The expected GPU (absent for host suites).
  bool has_gpu = false;
  std::string gpu_name;
  std::vector<std::string> gpu_match;  // substrings of the driver's device name
  // The cluster the suite accepts (a cluster document: configs/clusters), for
  // threshold.fraction_of_model; acceptance keeps it as data and the caller
  // turns it into expected figures (RunOptions::expect_model).
  std::optional<ConfigNode> cluster;
  std::vector<Check> checks;
  std::string yaml;  // effective document, for the evidence file
  // SHA-256 of the suite file's bytes (what `sha256sum FILE` prints; empty
  // when the document has no readable file) and of the effective document
  // (differs from the file's when --set changed it).
  std::string file_sha256;
  std::string yaml_sha256;
};

// Builds a Suite from a loaded suite document. Throws ConfigError naming
// file:line:column and the check for contradictions (see ValidateThresholds)
// and for settings that do not apply (fraction_of_spec on a collective,
// GEMM dtypes the host cannot run, a split mode that does not exist).
Suite SuiteFromConfig(const ConfigNode& doc);

// Loads and builds (file path or shipped suite name).
Suite LoadSuite(const ConfigLoader& loader, const std::string& name_or_path,
                const std::vector<Override>& overrides = {});

// Whether `device_name` is the suite's GPU: one of its `match:` substrings is
// in the name (case-insensitive) and no gpu document the loader sees matches
// with a longer one (core/gpu_match.h's longest-match rule).
bool MatchesGpu(const Suite& suite, const std::string& device_name, const ConfigLoader& loader = ConfigLoader());

}  // namespace cb::acc

#endif  // CLUSTERBENCH_ACCEPTANCE_SUITE_H_
