// The `collectives` command's flags into BenchOptions and a Backend (see
// command.h).
#include "collectives/command.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <string_view>

#include "collectives/datatype.h"
#include "collectives/op.h"
#include "core/collective_backend.h"
#include "core/error.h"
#include "core/injection.h"
#include "core/units.h"

namespace cb::coll {
namespace {

size_t Size(const std::string& flag, const std::string& text) {
  std::string why;
  auto v = ParseSize(text, &why);
  if (!v) throw UsageError(fmt::format("{}: {}", flag, why));
  return static_cast<size_t>(*v);
}

// The reduction of -o/--redop: nccl-tests' meaning (sum, prod, min, max, avg,
// all). Anything else is refused: -o was this command's results file once,
// and `-o max` must never write a file named max and run sum.
void ParseReductions(const std::string& text, BenchOptions* b) {
  if (text == "all") {
    b->redops = AllRedOps();
    b->redop = b->redops.front();
    return;
  }
  if (text == "mulsum") {
    throw UsageError(
        "-o mulsum: nccl-tests' premultiplied sum (ncclRedOpCreatePreMulSum) is not offered here; use sum, prod, "
        "min, max, avg or all");
  }
  try {
    b->redop = ParseRedOp(text);
  } catch (const UsageError&) {
    throw UsageError(fmt::format(
        "-o {}: not a reduction operation. -o is the reduction, as in nccl-tests: sum, prod, min, max, avg or all; "
        "to write the results file use --output {}",
        text, text));
  }
  b->redops = {b->redop};
}

// An nccl-tests flag this command does not offer: refused unless it has its
// neutral value (what nccl-tests does without it), never ignored. The message
// says what the flag does in nccl-tests (src/common.cu) and what to use here.
void RefuseNcclTestsFlags(const CommandOptions& o) {
  for (const RefusedFlag& f : RefusedNcclTestsFlags()) {
    const std::string_view names(f.names);
    const std::string flag(names.substr(0, names.find(',')));
    std::string value;
    if (f.number) {
      if (o.*f.number == f.neutral) continue;
      value = std::to_string(o.*f.number);
    } else {
      if ((o.*f.text).empty()) continue;
      value = o.*f.text;
    }
    if (!f.meaning) throw UsageError(fmt::format("{} {}: {}", flag, value, f.instead));
    throw UsageError(fmt::format("{} {}: not offered here (nccl-tests: {}); {}", flag, value, f.meaning, f.instead));
  }
}

// --op: the collectives in the order given, each once; `all` is every op and
// the point-to-point pairs. nccl-tests' --op (the reduction) is refused.
void ParseOps(const std::vector<std::string>& names, BenchOptions* b) {
  for (const auto& name : names) {
    if (name == "sum" || name == "prod" || name == "min" || name == "max" || name == "avg" || name == "mulsum") {
      throw UsageError(fmt::format(
          "--op {}: --op names the collective here (all_reduce, all_gather, ..., all); nccl-tests' --op, the "
          "reduction, is -o {} (or --redop {})",
          name, name, name));
    }
    if (name == "all") {
      b->ops = AllOps();
      b->p2p = true;
    } else if (name == "p2p") {
      b->p2p = true;
    } else {
      OpKind k = ParseOp(name);
      if (std::find(b->ops.begin(), b->ops.end(), k) == b->ops.end()) b->ops.push_back(k);
    }
  }
}

// --split, or nccl-tests' NCCL_TESTS_SPLIT_MASK / NCCL_TESTS_SPLIT when it is
// not given; the header says which was used.
void ReadSplit(const CommandOptions& o, BenchOptions* b, std::vector<std::string>* notes) {
  const char* mask = std::getenv("NCCL_TESTS_SPLIT_MASK");
  const char* split = std::getenv("NCCL_TESTS_SPLIT");
  const std::string from_env = SplitFromNcclTestsEnv(mask ? mask : "", split ? split : "");
  const std::string env_name = mask && *mask ? fmt::format("NCCL_TESTS_SPLIT_MASK={}", mask)
                                             : fmt::format("NCCL_TESTS_SPLIT={}", split ? split : "");
  if (!o.split.empty() && o.split != "none") {
    b->split = o.split;
    ParseSplitModulus(b->split);  // rejects an unknown mode before any rank starts
    if (!from_env.empty()) notes->push_back(fmt::format("--split {} given: {} not used", o.split, env_name));
  } else if (!from_env.empty()) {
    b->split = from_env;
    notes->push_back(fmt::format("{}: --split {}", env_name, from_env));
  }
}

void ReadInjections(const std::vector<std::string>& injects, BenchOptions* b) {
  for (const auto& text : injects) {
    using K = InjectionKind;
    const Injection inj =
        ParseInjection(text, {K::kCorrupt, K::kSlow, K::kHang, K::kStuck}, /*fraction_below_one=*/false);
    if (inj.kind == K::kCorrupt) {
      b->corrupt_rank = inj.rank;
    } else if (inj.kind == K::kHang) {
      b->hang_rank = inj.rank;
    } else if (inj.kind == K::kStuck) {
      b->stuck_rank = inj.rank;
    } else {
      b->slow_rank = inj.rank;
      b->slow_fraction = inj.fraction;
    }
  }
}

}  // namespace

const std::vector<RefusedFlag>& RefusedNcclTestsFlags() {
  using O = CommandOptions;
  static const std::vector<RefusedFlag> flags = {
      {"-t,--nthreads", "nccl-tests' threads per process: only 1 (see -g, --ranks)", &O::nthreads, nullptr, 1,
       "--nthreads, threads per process, each driving -g GPUs",
       "one process drives its ranks: -g N (NCCL, GPUs per process), --backend loopback --ranks N "
       "(threads as ranks), or one rank per process under mpirun/srun"},
      {"-p,--parallel_init", "nccl-tests' parallel init: only 0", &O::parallel_init, nullptr, 0,
       "--parallel_init, each thread creates its own communicators",
       "communicators are created by ncclCommInitAll (-g N) or ncclCommInitRank[Scalable] under a "
       "launcher; the header says how long it took"},
      {"-y,--stream_null", "nccl-tests' null stream: only 0", &O::stream_null, nullptr, 0,
       "--stream_null, NCCL ops on the default (null) CUDA stream",
       "NCCL runs on the backend's own non-blocking stream"},
      {"-G,--cudagraph", "nccl-tests' CUDA graph launches: only 0", &O::cudagraph, nullptr, 0,
       "--cudagraph N, the timed ops captured in a CUDA graph that is launched N times",
       "the timed ops are launched one by one, never captured in a graph (-m groups them)"},
      {"-R,--local_register", "nccl-tests' buffer registration: only 0", &O::local_register, nullptr, 0,
       "--local_register, buffers registered with ncclCommRegister (1) or as symmetric memory (2)",
       "buffers are not registered with NCCL"},
      {"-x,--cta_policy", "nccl-tests' CTA policy: not offered", nullptr, &O::cta_policy, 0,
       "--cta_policy, the NCCL communicator's CTA policy (NCCL >= 2.27)",
       "the NCCL communicator keeps NCCL's default CTA policy"},
      {"-D,--device_implementation", "nccl-tests' device implementation: only 0", &O::device_impl, nullptr, 0,
       "--device_implementation, a device-side collective kernel of nccl-tests' own (NCCL >= 2.28)",
       "only NCCL's own (host-launched) implementation is measured"},
      {"-V,--device_cta_count", "nccl-tests' device CTA count: not offered", nullptr, &O::device_cta_count, 0,
       "--device_cta_count, CTAs of the -D device implementation",
       "it applies to -D device implementations, which are not offered"},
      {"-M,--memory_report", "nccl-tests' GPU memory report: only 0", &O::memory_report, nullptr, 0,
       "--memory_report, GPU memory used by init, the buffers and NCCL, printed after the footer",
       "`clusterbench info` shows each GPU's memory"},
      {"-F", "older nccl-tests' CSV file: not offered (see --output, report --format csv)", nullptr, &O::csv_file, 0,
       "older versions' CSV results file",
       "results go to --output FILE.h5 (`clusterbench report FILE.h5 --format csv` exports CSV) or "
       "--format json"},
      {"-K", "not an nccl-tests flag: refused", nullptr, &O::flag_k, 0, nullptr,
       "not offered here: -K is not an nccl-tests flag (src/common.cu has no -K); `clusterbench collectives "
       "--help` lists the flags"},
      {"-u", "not an NVIDIA nccl-tests flag (RCCL: CU mask): refused", nullptr, &O::flag_u, 0, nullptr,
       "not offered here: -u is not an NVIDIA nccl-tests flag (RCCL's rccl-tests: a CU mask for "
       "AMD GPUs); `clusterbench collectives --help` lists the flags"},
  };
  return flags;
}

double Timeout(const CommandOptions& o) { return o.timeout > 0 ? o.timeout : 604800; }

BenchOptions ToBench(const CommandOptions& o, std::vector<std::string>* notes) {
  RefuseNcclTestsFlags(o);
  BenchOptions b;
  ParseOps(o.ops, &b);
  b.p2p_all_pairs = o.all_pairs;
  b.min_bytes = Size("-b", o.min_bytes);
  b.max_bytes = Size("-e", o.max_bytes);
  // As nccl-tests: a factor above 1 multiplies, else sizes step by -i.
  b.factor = o.factor;
  b.increment = o.factor > 1 ? 0 : Size("-i", o.step_bytes);
  if (b.increment == 0 && !(o.factor > 1)) throw UsageError("-i 0 with -f 1: the sizes would never grow");
  b.iters = o.iters;
  b.warmup = o.warmup;
  b.checks = o.checks;
  if (o.dtype == "all") {
    // nccl-tests' order (test_types in src/common.cu), then fp8 (collectives/datatype.h).
    b.dtypes = AllDataTypes();
    b.dtype = b.dtypes.front();
  } else {
    b.dtype = ParseDataType(o.dtype);
  }
  ParseReductions(o.redop, &b);
  b.root = o.root;
  if (!o.alltoallv_matrix.empty()) {
    int n = 0;
    b.alltoallv_matrix = std::make_shared<const std::vector<double>>(ReadAllToAllvMatrix(o.alltoallv_matrix, &n));
    b.alltoallv_matrix_path = o.alltoallv_matrix;
    if (std::find(b.ops.begin(), b.ops.end(), OpKind::kAllToAllv) == b.ops.end()) {
      throw UsageError(
          fmt::format("--alltoallv-matrix {}: no alltoallv among the ops (--op alltoallv)", o.alltoallv_matrix));
    }
    notes->push_back(fmt::format("alltoallv traffic matrix: {} ({} x {})", o.alltoallv_matrix, n, n));
  }
  b.average = o.average;
  b.timeout_s = Timeout(o);
  b.cycles = o.run_cycles;
  b.blocking = o.blocking != 0;
  b.agg_iters = o.agg_iters;
  b.report_cputime = o.report_cputime != 0;
  b.iteration_stats = o.iteration_stats != 0;
  ReadSplit(o, &b, notes);
  ReadInjections(o.injects, &b);
  if (b.ops.empty() && !b.p2p) throw UsageError("--op: nothing to run");
  return b;
}

std::unique_ptr<Backend> MakeBackend(const CommandOptions& o, const Backends& backends) {
  BackendOptions bo;
  bo.loopback_ranks = o.ranks;
  bo.gpus_per_process = o.gpus;
  bo.timeout_s = Timeout(o);
  bo.buffers = o.buffers;
  // The flag's name, parsed once here (CLI11 admits only these names).
  const std::optional<CollectiveBackend> parsed = FindCollectiveBackend(o.backend);
  if (!parsed) {
    throw UsageError(fmt::format("--backend {}: not one of {}", o.backend, CollectiveBackendNames()));
  }
  CollectiveBackend kind = *parsed;
  using B = CollectiveBackend;
  auto key = [](B b) { return BackendKey(CollectiveBackendName(b)); };
  auto has = [&](B b) { return backends.factories.Has(key(b)); };
  if (kind == B::kAuto) {
    // A GPU job when NCCL is built and GPUs answer; else MPI; else threads.
    if (has(B::kNccl) && o.buffers != "host") {
      try {
        return (*backends.factories.Find(key(B::kNccl)))(bo);
      } catch (const UsageError&) {
        // no GPU here (or -g too large): fall through to MPI
      }
    }
    kind = has(B::kMpi) ? B::kMpi : B::kLoopback;
  }
  if (kind == B::kLoopback) {
    if (o.gpus != 1) throw UsageError("-g applies to the nccl backend only");
    if (o.buffers == "device") {
      throw UsageError(
          "--buffers device: the loopback backend (threads as ranks) has host buffers only; use --backend "
          "mpi with a CUDA-aware MPI, or nccl");
    }
    return MakeLoopbackBackend(bo);
  }
  const char* name = CollectiveBackendName(kind);
  if (!has(kind)) {
    throw UsageError(fmt::format("--backend {}: this build has no {} backend (built: loopback{}{})", name, name,
                                 has(B::kMpi) ? ", mpi" : "", has(B::kNccl) ? ", nccl" : ""));
  }
  if (kind == B::kMpi && o.gpus != 1) throw UsageError("-g applies to the nccl backend only");
  if (kind == B::kNccl && o.buffers == "host") {
    throw UsageError("--buffers host: NCCL moves device memory only; use --backend mpi for host buffers");
  }
  return (*backends.factories.Find(key(kind)))(bo);
}

}  // namespace cb::coll
