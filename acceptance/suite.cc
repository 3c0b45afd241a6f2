#include "acceptance/suite.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <utility>

#include "collectives/harness.h"
#include "collectives/op.h"
#include "core/collective_op.h"
#include "core/error.h"
#include "core/gpu_match.h"
#include "core/sha256.h"
#include "kernels/gpu_bench.h"

namespace cb::acc {

const char* ScopeName(Scope s) {
  switch (s) {
    case Scope::kDevice:
      return "device";
    case Scope::kNode:
      return "node";
    case Scope::kFabric:
      return "fabric";
  }
  return "?";
}

// The pairs check is a collective here (it runs over the fabric), as before
// the enum: every kind but the node-local ones and health.
bool Check::collective() const { return kind() == Bench::kCollective || kind() == Bench::kPairs; }

std::string Check::Describe() const {
  switch (kind()) {
    case Bench::kGemm:
    case Bench::kPeak:
      return fmt::format("{} {}{}, {}", benchmark, dtype, size ? fmt::format(" {}^3", size) : "", ScopeName(scope));
    case Bench::kStream:
      return fmt::format("stream {}, {} arrays, {}", StreamKernelName(kernel), FormatBytes(double(bytes)),
                         ScopeName(scope));
    case Bench::kCopy:
      return fmt::format("copy, {}, {}", FormatBytes(double(bytes)), ScopeName(scope));
    case Bench::kHealth:
      return "passive health checks, node";
    case Bench::kPairs:
      return fmt::format("node pairs, {} each way, {}{}, fabric", FormatBytes(double(bytes)),
                         pair_rounds > 0 ? fmt::format("{} sampled round(s)", pair_rounds) : "every pair once",
                         batches > 1 ? fmt::format(", {} batches per round", batches) : "");
    case Bench::kCollective:
      break;
  }
  return fmt::format("{} {}, {}{}{}", benchmark, FormatBytes(double(bytes)), ScopeName(scope),
                     split.empty() ? "" : " split " + split, bisect ? ", bisect" : "");
}

namespace {

// The nameplate figure a fraction_of_spec threshold refers to, if any.
std::optional<double> SpecFigure(const ConfigNode& gpu, const Check& c, std::string* key) {
  if (c.computes()) {
    // A GEMM compares with its tensor-core peak (fp64: fp64_tensor), the fma kernels with the vector peak.
    *key = std::string("peak.") + (c.kind() == Bench::kGemm ? PeakKeyForGemm(c.precision) : GemmDtypeName(c.precision));
  } else if (c.kind() == Bench::kStream) {
    *key = "memory_bandwidth";
  } else {
    *key = "";
    return std::nullopt;
  }
  const ConfigNode* n = gpu.Find(*key);
  if (!n) return std::nullopt;
  return n->AsDouble();
}

}  // namespace

namespace {

[[noreturn]] void FailCheck(const Check& c, const std::string& what) {
  throw ConfigError(fmt::format("{}: check '{}': {}", c.where, c.name, what));
}

// Schema defaults say where == "default"; only what the document wrote counts.
bool Written(const ConfigNode* n) { return n && n->where() != "default"; }

// The suite's own keys: name, description, time budget, where it came from
// (file and hashes), its GPU and its cluster.
Suite ReadSuiteHeader(const ConfigNode& doc) {
  Suite s;
  s.name = doc.at("name").AsString();
  s.description = doc.GetString("description", "");
  s.file = doc.source_file();
  s.time_budget_s = doc.GetDouble("time_budget", 10);
  s.yaml = doc.ToYaml();
  s.file_sha256 = s.file.empty() ? "" : Sha256OfFile(s.file);
  s.yaml_sha256 = Sha256Hex(s.yaml);
  if (const ConfigNode* gpu = doc.Find("gpu")) {
    s.has_gpu = true;
    s.gpu_name = gpu->at("name").AsString();
    if (const ConfigNode* m = gpu->Find("match")) {
      for (const auto& item : m->items()) s.gpu_match.push_back(item.AsString());
    }
    if (s.gpu_match.empty()) s.gpu_match.push_back(s.gpu_name);
  }
  if (const ConfigNode* cluster = doc.Find("cluster")) s.cluster = *cluster;
  return s;
}

// The value of a closed set `key` names (`found`: its lookup), or an error
// naming the key, the check and the valid names.
template <typename E>
E Parsed(const ConfigNode& item, const char* key, const Check& c, std::optional<E> found, const std::string& names) {
  if (found) return *found;
  const ConfigNode& n = item.at(key);
  throw ConfigError(
      fmt::format("{}: key '{}': check '{}': '{}' is not one of {}", n.where(), n.path(), c.name, n.AsString(), names));
}

// A check's keys as written, or their defaults; whether they fit the
// benchmark is decided later (FitHealth, FitPairs, ...).
Check ReadCheck(const ConfigNode& item, bool suite_has_gpu) {
  Check c;
  c.where = item.where();
  c.name = item.at("name").AsString();
  c.benchmark = item.at("benchmark").AsString();
  std::string scope = item.GetString("scope", "device");
  c.scope = scope == "node" ? Scope::kNode : scope == "fabric" ? Scope::kFabric : Scope::kDevice;
  c.dtype = item.GetString("dtype", "");
  c.bytes = static_cast<int64_t>(item.GetDouble("bytes", 0));
  c.size = item.GetInt("size", 0);
  c.split = item.GetString("split", "");
  c.kernel = Parsed(item, "kernel", c, FindStreamKernel(item.GetString("kernel", "triad")), StreamKernelNames());
  c.threads = static_cast<int>(item.GetInt("threads", 1));
  const std::string backend = item.GetString("backend", "auto");
  c.backend = Parsed(item, "backend", c, FindCollectiveBackend(backend), CollectiveBackendNames());
  c.iters = static_cast<int>(item.GetInt("iters", 20));
  c.rounds = static_cast<int>(item.GetInt("rounds", 1));
  c.best_statistic = item.GetString("statistic", "median") == "best";
  c.slow_ratio = item.GetDouble("slow_ratio", 0.8);
  c.bisect = item.GetBool("bisect", false);
  c.seed = static_cast<uint64_t>(item.GetInt("seed", 1));
  c.passes = static_cast<int>(item.GetInt("passes", 1));
  c.batches = static_cast<int>(item.GetInt("batches", 1));
  c.confirm = item.GetBool("confirm", true);
  c.on_gpu = suite_has_gpu && !c.collective();
  // A GEMM or peak check's precision, parsed once here (a collective's dtype
  // is the collectives' own: FitCollective).
  if (c.computes() && !c.dtype.empty())
    c.precision = Parsed(item, "dtype", c, FindGemmDtype(c.dtype), GemmDtypeNames());
  return c;
}

// batches and confirm change how the pairs check measures; on another check
// they would be silently ignored, which would mislead.
void RejectPairsKeys(const ConfigNode& item, const Check& c) {
  for (const char* key : {"batches", "confirm"}) {
    const ConfigNode* n = item.Find(key);
    if (c.is_pairs() || !Written(n)) continue;
    throw ConfigError(fmt::format("{}: key '{}': check '{}': {} applies to pairs checks (benchmark: pairs), not to {}",
                                  n->where(), n->path(), c.name, key, c.benchmark));
  }
}

// How the check is judged: dimension, repeats, severity, thresholds, the
// nameplate figure from the suite's GPU (null: none) that fraction_of_spec
// needs, and whether a model exists for fraction_of_model.
void ReadJudge(const ConfigNode& item, const ConfigNode* gpu, const std::string& gpu_name, Check* c) {
  CheckSpec& j = c->judge;
  j.name = c->name;
  j.dimension = c->computes() ? Dimension::kFlopRate : Dimension::kBandwidth;
  j.repeats = static_cast<int>(item.GetInt("repeats", 1));
  j.severity = item.GetString("severity", "critical") == "warn" ? Severity::kWarn : Severity::kCritical;
  if (const ConfigNode* t = item.Find("threshold")) {
    if (t->Has("absolute")) j.thresholds.absolute = t->at("absolute").AsDouble();
    if (t->Has("fraction_of_spec")) j.thresholds.fraction_of_spec = t->at("fraction_of_spec").AsDouble();
    if (t->Has("fraction_of_model")) j.thresholds.fraction_of_model = t->at("fraction_of_model").AsDouble();
    j.thresholds.relative = t->GetDouble("relative", 0.1);
    j.thresholds.outlier_mads = t->GetDouble("outlier_mads", 5);
    j.thresholds.outlier_min_deviation = t->GetDouble("outlier_min_deviation", 0.05);
  }
  std::string spec_key;
  if (gpu) j.spec = SpecFigure(*gpu, *c, &spec_key);
  if (j.thresholds.fraction_of_spec && !j.spec) {
    if (!gpu) FailCheck(*c, "threshold.fraction_of_spec needs a nameplate figure: the suite names no gpu");
    if (spec_key.empty())
      FailCheck(*c, fmt::format("threshold.fraction_of_spec: {} has no nameplate figure; use absolute", c->benchmark));
    FailCheck(*c, fmt::format("threshold.fraction_of_spec: the gpu '{}' has no {}", gpu_name, spec_key));
  }
  ValidateThresholds(j, c->where);
  if (j.thresholds.fraction_of_model) {
    // Only the collective model exists: the simulator does not model host
    // copies, GEMM or STREAM per device (their nameplate is fraction_of_spec).
    if (!c->collective() || c->is_health() || !FindCollectiveOp(c->benchmark)) {
      FailCheck(
          *c,
          fmt::format("threshold.fraction_of_model: the simulator has no model of {}; fraction_of_model applies to the "
                      "collectives all_reduce, all_gather, reduce_scatter, broadcast, reduce, alltoall and sendrecv{}",
                      c->benchmark,
                      c->computes() || c->kind() == Bench::kCopy || c->kind() == Bench::kStream
                          ? " (use fraction_of_spec or absolute)"
                          : ""));
    }
  }
}

// Passive health: read on each node, never on a GPU; at least one aspect.
void FitHealth(const ConfigNode& item, Check* c) {
  if (c->scope == Scope::kFabric) FailCheck(*c, "health is read on each node: scope must be node");
  c->scope = Scope::kNode;
  c->on_gpu = false;
  c->health = HealthSpecFromConfig(item);
  if (c->health.empty()) {
    FailCheck(*c,
              "a health check needs at least one of expected_gpus, max_ecc_errors, gpu_throttle, min_cpus, "
              "min_memory, max_cpu_throttle_events, pcie, nics");
  }
}

// The pairs check judges pairs against the fleet's median pair (slow_ratio)
// and names culprits (localize.h): the unit thresholds do not apply, and a
// threshold that was silently ignored would mislead.
void FitPairs(const ConfigNode& item, Check* c) {
  if (c->scope != Scope::kFabric) FailCheck(*c, "pairs runs across nodes: scope must be fabric");
  if (c->bytes <= 0) FailCheck(*c, "pairs needs bytes (the message each pair exchanges)");
  if (!c->split.empty()) FailCheck(*c, "split does not apply to pairs (every node is paired with others)");
  if (c->bisect) FailCheck(*c, "bisect applies to whole-job collective checks, not to pairs");
  if (const ConfigNode* t = item.Find("threshold")) {
    for (const auto& [key, child] : t->children()) {
      if (Written(&child)) {
        FailCheck(*c, fmt::format("threshold.{} does not apply to pairs: a pair is slow below slow_ratio x the "
                                  "fleet's median pair",
                                  key));
      }
    }
  }
  if (c->backend == CollectiveBackend::kNccl)
    FailCheck(*c, "pairs runs over the job's MPI (backend auto or mpi); NCCL pairs are not built yet");
  // `rounds` is the schedule's: K sampled matchings; absent, the full tournament.
  c->pair_rounds = Written(item.Find("rounds")) ? c->rounds : 0;
  c->rounds = 1;
  if (c->dtype.empty()) c->dtype = "float";
}

// A collective across the fabric: bytes, a dtype and a split it knows.
void FitCollective(Check* c) {
  if (c->passes != 1) FailCheck(*c, "passes applies to pairs");
  if (c->scope != Scope::kFabric) FailCheck(*c, fmt::format("{} is a collective: scope must be fabric", c->benchmark));
  if (c->bisect && !c->split.empty()) FailCheck(*c, "bisect searches the whole job: it takes no split");
  if (c->bisect && c->backend == CollectiveBackend::kNccl)
    FailCheck(*c, "bisect runs over the job's MPI (backend auto or mpi); NCCL bisection is not built yet");
  if (c->bytes <= 0) FailCheck(*c, "a collective needs bytes (the message size)");
  if (c->dtype.empty()) c->dtype = "float";
  try {
    coll::ParseDataType(c->dtype);
    if (!c->split.empty()) coll::ParseSplitModulus(c->split);
  } catch (const Error& e) {
    FailCheck(*c, e.what());
  }
}

// A node-local benchmark (gemm, peak, stream, copy) on a device or node, with
// its defaults: the matrix size and array bytes depend on GPU or host.
void FitNodeLocal(bool suite_has_gpu, Check* c) {
  if (c->scope == Scope::kFabric)
    FailCheck(*c, fmt::format("{} is node-local: scope must be device or node", c->benchmark));
  if (!c->split.empty()) FailCheck(*c, "split applies to collectives only");
  if (c->bisect) FailCheck(*c, "bisect applies to whole-job collective checks");
  if (c->computes()) {
    if (c->dtype.empty()) FailCheck(*c, fmt::format("{} needs a dtype", c->benchmark));
    if (!c->on_gpu && !HostRunsGemm(c->precision)) {
      FailCheck(*c, fmt::format("dtype {}: the host runs fp64 and fp32 GEMM (name a gpu for {})", c->dtype, c->dtype));
    }
    if (c->size <= 0) c->size = c->on_gpu ? 8192 : 512;
  }
  if ((c->kind() == Bench::kPeak || c->kind() == Bench::kCopy) && !suite_has_gpu) {
    FailCheck(*c, fmt::format("{} measures a GPU: the suite names no gpu", c->benchmark));
  }
  if (c->kind() == Bench::kStream && c->bytes <= 0) c->bytes = c->on_gpu ? (int64_t{1} << 30) : (int64_t{64} << 20);
  if (c->kind() == Bench::kCopy && c->bytes <= 0) c->bytes = int64_t{1} << 30;
}

}  // namespace

Suite SuiteFromConfig(const ConfigNode& doc) {
  Suite s = ReadSuiteHeader(doc);
  const ConfigNode* gpu = doc.Find("gpu");
  std::set<std::string> names;
  for (const auto& item : doc.at("checks").items()) {
    Check c = ReadCheck(item, s.has_gpu);
    if (!names.insert(c.name).second) {
      throw ConfigError(fmt::format("{}: key 'checks': duplicate check name '{}'", c.where, c.name));
    }
    RejectPairsKeys(item, c);
    ReadJudge(item, gpu, s.gpu_name, &c);
    if (c.is_health()) {
      FitHealth(item, &c);
    } else if (c.is_pairs()) {
      FitPairs(item, &c);
    } else if (c.collective()) {
      FitCollective(&c);
    } else {
      FitNodeLocal(s.has_gpu, &c);
    }
    s.checks.push_back(std::move(c));
  }
  if (s.checks.empty()) throw ConfigError(fmt::format("{}: key 'checks': a suite needs at least one check", s.file));
  return s;
}

Suite LoadSuite(const ConfigLoader& loader, const std::string& name_or_path, const std::vector<Override>& overrides) {
  return SuiteFromConfig(loader.Load("suite", name_or_path, overrides));
}

bool MatchesGpu(const Suite& suite, const std::string& device_name, const ConfigLoader& loader) {
  // The datasheet rule of core/gpu_match.h with the suite's GPU as one more
  // candidate: it must match, and no shipped document may match longer (a
  // B200 suite's "B200" is in "NVIDIA GB200", but gb200's "GB200" is longer).
  // A tie is the suite's own GPU (a shipped document it refers to, or one
  // with the same names).
  const size_t mine = LongestGpuMatch(device_name, suite.gpu_match);
  if (mine == 0) return false;
  for (const auto& [name, patterns] : GpuMatchLists(loader)) {
    if (LongestGpuMatch(device_name, patterns) > mine) return false;
  }
  return true;
}

}  // namespace cb::acc
