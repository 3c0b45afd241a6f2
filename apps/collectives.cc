// `clusterbench collectives`: NCCL, MPI and loopback collective benchmarks
// with nccl-tests-compatible numbers, exact checks, injections and a watchdog.
#include <fmt/format.h>

#include <strings.h>
#include <unistd.h>
#include <any>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "apps/command.h"
#include "collectives/backend.h"
#include "collectives/gather_text.h"
#include "collectives/harness.h"
#include "collectives/result_tables.h"
#include "core/error.h"
#include "core/table.h"
#include "core/units.h"
#include "store/hdf5_store.h"

namespace cb {
namespace {

using coll::OpKind;

// nccl-tests' command line, as this command follows it: NVIDIA/nccl-tests
// src/common.cu (the version with -J/-S/-M/-R/-x/-D/-V; its defaults and
// getopt_long table) and src/util.cu (what it prints). Every flag there either
// means the same here or is refused naming what clusterbench offers instead
// (docs/collectives.md, "nccl-tests flags").
struct CollOptions {
  OutputOptions out;
  std::string backend = "auto";
  std::vector<std::string> ops = {"all_reduce"};
  // nccl-tests' defaults: minBytes = maxBytes = 32M, stepBytes = 1M,
  // stepFactor = 1 (off: sizes step by -i), iters 20, warmup_iters 1,
  // datacheck 1.
  std::string min_bytes = "32M", max_bytes = "32M", step_bytes = "1M";
  double factor = 1;
  int iters = 20, warmup = 1, checks = 1;
  std::string dtype = "float", redop = "sum";
  int gpus = 1, average = 1, root = 0, ranks = 4;
  double timeout = 300;  // -T 0 (nccl-tests: no timeout) means a week
  // nccl-tests flags with the same meaning here.
  int run_cycles = 1, blocking = 0, report_cputime = 0, report_timestamps = 0, iteration_stats = 0, agg_iters = 1;
  std::string json_file;  // -J FILE
  // nccl-tests flags refused unless given their neutral value.
  int nthreads = 1, parallel_init = 0, stream_null = 0, cudagraph = 0, local_register = 0, device_impl = 0,
      memory_report = 0;
  std::string cta_policy, device_cta_count, csv_file, flag_k, flag_u;
  std::string split;
  std::string alltoallv_matrix;  // --alltoallv-matrix FILE
  std::string buffers;           // --buffers: "" (the backend's own), host, device, auto
  std::vector<std::string> injects;
  bool all_pairs = false;
};

// -T/--timeout: nccl-tests' -T 0 (its default) means no timeout; here the
// watchdog then waits a week.
double Timeout(const CollOptions& o) { return o.timeout > 0 ? o.timeout : 604800; }

size_t Size(const std::string& flag, const std::string& text) {
  std::string why;
  auto v = ParseSize(text, &why);
  if (!v) throw UsageError(fmt::format("{}: {}", flag, why));
  return static_cast<size_t>(*v);
}

// The reduction of -o/--redop: nccl-tests' meaning (sum, prod, min, max, avg,
// all). Anything else is refused: -o was this command's results file once,
// and `-o max` must never write a file named max and run sum.
void ParseReductions(const std::string& text, coll::BenchOptions* b) {
  if (text == "all") {
    b->redops = coll::AllRedOps();
    b->redop = b->redops.front();
    return;
  }
  if (text == "mulsum") {
    throw UsageError(
        "-o mulsum: nccl-tests' premultiplied sum (ncclRedOpCreatePreMulSum) is not offered here; use sum, prod, "
        "min, max, avg or all");
  }
  try {
    b->redop = coll::ParseRedOp(text);
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
void RefuseUnlessNeutral(const char* flag, int value, int neutral, const std::string& meaning,
                         const std::string& instead) {
  if (value != neutral) {
    throw UsageError(fmt::format("{} {}: not offered here (nccl-tests: {}); {}", flag, value, meaning, instead));
  }
}
void RefuseIfGiven(const char* flag, const std::string& value, const std::string& meaning, const std::string& instead) {
  if (!value.empty()) {
    throw UsageError(fmt::format("{} {}: not offered here (nccl-tests: {}); {}", flag, value, meaning, instead));
  }
}

void RefuseNcclTestsFlags(const CollOptions& o) {
  RefuseUnlessNeutral("-t", o.nthreads, 1, "--nthreads, threads per process, each driving -g GPUs",
                      "one process drives its ranks: -g N (NCCL, GPUs per process), --backend loopback --ranks N "
                      "(threads as ranks), or one rank per process under mpirun/srun");
  RefuseUnlessNeutral("-p", o.parallel_init, 0, "--parallel_init, each thread creates its own communicators",
                      "communicators are created by ncclCommInitAll (-g N) or ncclCommInitRank[Scalable] under a "
                      "launcher; the header says how long it took");
  RefuseUnlessNeutral("-y", o.stream_null, 0, "--stream_null, NCCL ops on the default (null) CUDA stream",
                      "NCCL runs on the backend's own non-blocking stream");
  RefuseUnlessNeutral("-G", o.cudagraph, 0,
                      "--cudagraph N, the timed ops captured in a CUDA graph that is launched N times",
                      "CUDA graph capture is not implemented; ops are launched one by one (-m groups them)");
  RefuseUnlessNeutral("-R", o.local_register, 0,
                      "--local_register, buffers registered with ncclCommRegister (1) or as symmetric memory (2)",
                      "buffers are not registered with NCCL");
  RefuseIfGiven("-x", o.cta_policy, "--cta_policy, the NCCL communicator's CTA policy (NCCL >= 2.27)",
                "the NCCL communicator keeps NCCL's default CTA policy");
  RefuseUnlessNeutral("-D", o.device_impl, 0,
                      "--device_implementation, a device-side collective kernel of nccl-tests' own (NCCL >= 2.28)",
                      "only NCCL's own (host-launched) implementation is measured");
  RefuseIfGiven("-V", o.device_cta_count, "--device_cta_count, CTAs of the -D device implementation",
                "it applies to -D device implementations, which are not offered");
  RefuseUnlessNeutral("-M", o.memory_report, 0,
                      "--memory_report, GPU memory used by init, the buffers and NCCL, printed after the footer",
                      "`clusterbench info` shows each GPU's memory");
  RefuseIfGiven("-F", o.csv_file, "older versions' CSV results file",
                "results go to --output FILE.h5 (`clusterbench report FILE.h5 --format csv` exports CSV) or "
                "--format json");
  if (!o.flag_k.empty()) {
    throw UsageError(fmt::format(
        "-K {}: not offered here: -K is not an nccl-tests flag (src/common.cu has no -K); `clusterbench collectives "
        "--help` lists the flags",
        o.flag_k));
  }
  if (!o.flag_u.empty()) {
    throw UsageError(
        fmt::format("-u {}: not offered here: -u is not an NVIDIA nccl-tests flag (RCCL's rccl-tests: a CU mask for "
                    "AMD GPUs); `clusterbench collectives --help` lists the flags",
                    o.flag_u));
  }
}

coll::BenchOptions ToBench(const CollOptions& o, std::vector<std::string>* notes) {
  RefuseNcclTestsFlags(o);
  coll::BenchOptions b;
  for (const auto& name : o.ops) {
    if (name == "sum" || name == "prod" || name == "min" || name == "max" || name == "avg" || name == "mulsum") {
      throw UsageError(fmt::format(
          "--op {}: --op names the collective here (all_reduce, all_gather, ..., all); nccl-tests' --op, the "
          "reduction, is -o {} (or --redop {})",
          name, name, name));
    }
    if (name == "all") {
      b.ops = coll::AllOps();
      b.p2p = true;
    } else if (name == "p2p") {
      b.p2p = true;
    } else {
      OpKind k = coll::ParseOp(name);
      if (std::find(b.ops.begin(), b.ops.end(), k) == b.ops.end()) b.ops.push_back(k);
    }
  }
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
    b.dtypes = coll::AllDataTypes();
    b.dtype = b.dtypes.front();
  } else {
    b.dtype = coll::ParseDataType(o.dtype);
  }
  ParseReductions(o.redop, &b);
  b.root = o.root;
  if (!o.alltoallv_matrix.empty()) {
    int n = 0;
    b.alltoallv_matrix = std::make_shared<const std::vector<double>>(coll::ReadAllToAllvMatrix(o.alltoallv_matrix, &n));
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
  const char* mask = std::getenv("NCCL_TESTS_SPLIT_MASK");
  const char* split = std::getenv("NCCL_TESTS_SPLIT");
  const std::string from_env = coll::SplitFromNcclTestsEnv(mask ? mask : "", split ? split : "");
  const std::string env_name = mask && *mask ? fmt::format("NCCL_TESTS_SPLIT_MASK={}", mask)
                                             : fmt::format("NCCL_TESTS_SPLIT={}", split ? split : "");
  if (!o.split.empty() && o.split != "none") {
    b.split = o.split;
    coll::ParseSplitModulus(b.split);  // rejects an unknown mode before any rank starts
    if (!from_env.empty()) notes->push_back(fmt::format("--split {} given: {} not used", o.split, env_name));
  } else if (!from_env.empty()) {
    b.split = from_env;
    notes->push_back(fmt::format("{}: --split {}", env_name, from_env));
  }
  for (const auto& text : o.injects) {
    const Injection inj = ParseInjection(text, {"corrupt", "slow", "hang"}, /*fraction_below_one=*/false);
    if (inj.kind == "corrupt") {
      b.corrupt_rank = inj.rank;
    } else if (inj.kind == "hang") {
      b.hang_rank = inj.rank;
    } else {
      b.slow_rank = inj.rank;
      b.slow_fraction = inj.fraction;
    }
  }
  if (b.ops.empty() && !b.p2p) throw UsageError("--op: nothing to run");
  return b;
}

std::unique_ptr<coll::Backend> MakeBackend(const CollOptions& o, const AppContext& ctx) {
  coll::BackendOptions bo;
  bo.loopback_ranks = o.ranks;
  bo.gpus_per_process = o.gpus;
  bo.timeout_s = Timeout(o);
  bo.buffers = o.buffers;
  std::string name = o.backend;
  auto has = [&](const std::string& n) { return ctx.backends.factories.count("collectives:" + n) > 0; };
  if (name == "auto") {
    // A GPU job when NCCL is built and GPUs answer; else MPI; else threads.
    if (has("nccl") && o.buffers != "host") {
      try {
        auto factory = std::any_cast<coll::BackendFactory>(ctx.backends.factories.at("collectives:nccl"));
        return factory(bo);
      } catch (const UsageError&) {
        // no GPU here (or -g too large): fall through to MPI
      }
    }
    name = has("mpi") ? "mpi" : "loopback";
  }
  if (name == "loopback") {
    if (o.gpus != 1) throw UsageError("-g applies to the nccl backend only");
    if (o.buffers == "device") {
      throw UsageError(
          "--buffers device: the loopback backend (threads as ranks) has host buffers only; use --backend "
          "mpi with a CUDA-aware MPI, or nccl");
    }
    return coll::MakeLoopbackBackend(bo);
  }
  if (!has(name)) {
    throw UsageError(fmt::format("--backend {}: this build has no {} backend (built: loopback{}{})", name, name,
                                 has("mpi") ? ", mpi" : "", has("nccl") ? ", nccl" : ""));
  }
  if (name == "mpi" && o.gpus != 1) throw UsageError("-g applies to the nccl backend only");
  if (name == "nccl" && o.buffers == "host") {
    throw UsageError("--buffers host: NCCL moves device memory only; use --backend mpi for host buffers");
  }
  auto factory = std::any_cast<coll::BackendFactory>(ctx.backends.factories.at("collectives:" + name));
  return factory(bo);
}

std::string Us(double s) { return fmt::format("{:.2f}", s * 1e6); }
std::string Gbps(double bps) { return fmt::format("{:.2f}", bps / 1e9); }

// This rank's device line as nccl-tests prints it (src/util.cu,
// writeDeviceReport: "#  Rank %2d Group %2d Pid %6d on %10s device %2d
// [%04x:%02x:%02x] %s"), which nccl-tests' own JSON writer reads back with
// sscanf. A GPU ("GPU 3 NVIDIA H100 0000:1b:00.0") gives its index, PCI bus id
// and name; host memory gives device -1 (CUDA's cudaCpuDeviceId) [cpu].
std::string RankLine(const coll::Communicator& comm, const std::string& split) {
  const coll::RankInfo& me = comm.ranks()[static_cast<size_t>(comm.rank())];
  const int group = split.empty() ? 0 : coll::SplitColor(split, comm.ranks(), comm.rank());
  int index = -1;
  std::string bus = "cpu", name = me.device;
  if (me.device.rfind("GPU ", 0) == 0) {
    std::istringstream in(me.device.substr(4));
    in >> index;
    std::string rest;
    std::getline(in, rest);
    rest.erase(0, rest.find_first_not_of(' '));
    const size_t last = rest.find_last_of(' ');
    bus = last == std::string::npos ? "?" : rest.substr(last + 1);
    name = last == std::string::npos ? rest : rest.substr(0, last);
  } else if (me.device == "cpu") {
    name = "host memory";
  }
  return fmt::format("#  Rank {:2d} Group {:2d} Pid {:6d} on {:>10} device {:2d} [{}] {}", me.rank, group,
                     static_cast<int>(getpid()), me.host, index, bus, name);
}

void PrintHeader(const coll::Communicator& comm, const coll::BenchOptions& b, const std::string& note,
                 const std::vector<std::string>& notes, const std::vector<std::string>& rank_lines, int gpus) {
  std::printf(
      "# clusterbench collectives: backend %s (%s buffers), %d rank(s), %s, iters %d, warmup %d, checks %d, -a %d\n",
      comm.backend().c_str(), comm.device_buffers() ? "device" : "host", comm.size(),
      b.dtypes.size() > 1 ? "every type (-d all)" : coll::Name(b.dtype), b.iters, b.warmup, b.checks, b.average);
  // nccl-tests' parameter line (src/util.cu, writeDeviceReport).
  std::printf(
      "# nThread 1 nGpus %d minBytes %zu maxBytes %zu step: %s warmup iters: %d iters: %d agg iters: %d validation: %d "
      "graph: 0\n",
      gpus, b.min_bytes, b.max_bytes,
      b.increment > 0 ? fmt::format("{}(bytes)", b.increment).c_str() : fmt::format("{:g}(factor)", b.factor).c_str(),
      b.warmup, b.iters, b.agg_iters, b.checks);
  if (b.blocking) std::printf("# Blocking Enabled: wait for completion and barrier after each collective\n");
  if (comm.init_seconds() > 0) {
    const std::string how = comm.init_method().empty() ? "" : " (" + comm.init_method() + ")";
    std::printf("# communicator init: %.3f s%s\n", comm.init_seconds(), how.c_str());
  }
  for (const auto& n : notes) std::printf("# %s\n", n.c_str());
  if (!note.empty()) std::printf("# %s\n", note.c_str());
  std::printf("#\n# Using devices\n");
  for (const auto& line : rank_lines) std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

// Each collective's rows open as an nccl-tests run of its *_perf binary does
// (src/util.cu, writeResultHeader), so a script reads every block alike; the
// op is named in that line, never appended to a row.
void PrintColumns(coll::OpKind op, const coll::BenchOptions& b, bool timestamps) {
  const char* time = b.report_cputime ? "cputime" : "time";
  std::printf("#\n# Collective test starting: %s_perf\n", coll::Name(op));
  std::printf("# %10s  %12s  %8s  %6s  %6s           out-of-place                       in-place\n", "", "", "", "",
              "");
  std::printf("# %10s  %12s  %8s  %6s  %6s  %7s  %6s  %6s  %6s  %7s  %6s  %6s  %6s%s\n", "size", "count", "type",
              "redop", "root", time, "algbw", "busbw", "#wrong", time, "algbw", "busbw", "#wrong",
              timestamps ? "            timestamp" : "");
  std::printf("# %10s  %12s  %8s  %6s  %6s  %7s  %6s  %6s  %6s  %7s  %6s  %6s  %6s%s\n", "(B)", "(elements)", "", "",
              "", "(us)", "(GB/s)", "(GB/s)", "", "(us)", "(GB/s)", "(GB/s)", "",
              timestamps ? "    %Y-%m-%d %H:%M:%S" : "");
}

// One data row, nccl-tests' fields in nccl-tests' order (src/util.cu,
// writeBenchmarkLinePreamble and writeBenchmarkLineBody): size count type
// redop root, then time algbw busbw #wrong out of place and in place, #wrong
// N/A when nothing was checked (-c 0), and with -S the time of day.
void PrintRow(const coll::SizeResult& r, bool timestamps) {
  auto part = [&](bool has, const coll::Timing& t) {
    if (!has) return fmt::format("  {:>7}  {:>6}  {:>6}  {:>6}", "-", "-", "-", "-");
    const std::string wrong = r.checked ? std::to_string(t.wrong) : std::string("N/A");
    return fmt::format("  {:>7}  {:>6}  {:>6}  {:>6}", Us(t.time_s), Gbps(t.algbw), Gbps(t.busbw), wrong);
  };
  std::string stamp;
  if (timestamps) {
    char buf[64];
    const std::time_t now = std::time(nullptr);
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", std::localtime(&now));
    stamp = fmt::format("  {:>19}", buf);
  }
  std::printf("%12zu  %12zu  %8s  %6s  %6d%s%s%s\n", r.size, r.count, coll::Name(r.dtype),
              coll::IsReduction(r.op) ? coll::Name(r.redop) : "none", r.root,
              part(r.has_out_of_place, r.out_of_place).c_str(), part(r.has_in_place, r.in_place).c_str(),
              stamp.c_str());
  std::fflush(stdout);
}

nlohmann::json TimingJson(const coll::SizeResult& r, bool in_place) {
  const coll::Timing& t = in_place ? r.in_place : r.out_of_place;
  return {
      {"op", coll::Name(r.op)},
      {"size_bytes", r.size},
      {"count", r.count},
      {"dtype", coll::Name(r.dtype)},
      {"redop", coll::IsReduction(r.op) ? coll::Name(r.redop) : "none"},
      {"root", r.root},
      {"in_place", in_place},
      {"time_s", t.time_s},
      {"algbw_gbps", t.algbw / 1e9},
      {"busbw_gbps", t.busbw / 1e9},
      {"wrong", r.checked ? nlohmann::json(t.wrong) : nlohmann::json(nullptr)},  // null: not checked (-c 0)
      {"checked", r.checked},
      {"cycle", r.cycle},
      {"iter_mean_s", t.iter_mean},
      {"iter_cv", t.iter_cv},
      {"wrong_ranks", t.wrong_ranks},
      {"late_ranks", t.late_ranks},
      {"stalled_ranks", t.stalled_ranks},
      {"rank_time_s",
       {{"min", t.rank_time.min}, {"median", t.rank_time.median}, {"max", t.rank_time.max}, {"p99", t.rank_time.p99}}}};
}

std::vector<Table> Tables(const coll::BenchReport& rep, const coll::Communicator& comm) {
  Table agg = coll::CollectivesTableSchema();
  for (const auto& r : rep.results) {
    for (bool ip : {false, true}) {
      if (ip ? !r.has_in_place : !r.has_out_of_place) continue;
      const coll::Timing& t = ip ? r.in_place : r.out_of_place;
      std::string late, stalled;
      for (int x : t.late_ranks) late += (late.empty() ? "" : ",") + std::to_string(x);
      for (int x : t.stalled_ranks) stalled += (stalled.empty() ? "" : ",") + std::to_string(x);
      agg.AddRow({std::string(coll::Name(r.op)), static_cast<int64_t>(r.size), static_cast<int64_t>(r.count),
                  std::string(coll::Name(r.dtype)), std::string(coll::IsReduction(r.op) ? coll::Name(r.redop) : "none"),
                  int64_t{r.root}, int64_t{ip ? 1 : 0}, t.time_s, t.algbw, t.busbw, t.wrong, t.rank_time.min,
                  t.rank_time.median, t.rank_time.max, t.rank_time.p99, int64_t{r.checked ? 1 : 0}, int64_t{r.cycle},
                  late, stalled});
    }
  }
  Table per = coll::CollectivesPerRankTableSchema();
  for (const auto& p : rep.per_rank) {
    const auto& ri = comm.ranks()[static_cast<size_t>(p.rank)];
    per.AddRow({std::string(coll::Name(p.op)), static_cast<int64_t>(p.size), int64_t{p.in_place ? 1 : 0},
                std::string(coll::Name(p.dtype)), std::string(coll::IsReduction(p.op) ? coll::Name(p.redop) : "none"),
                int64_t{p.cycle}, int64_t{p.rank}, ri.host, ri.device, p.time_s, p.wrong});
  }
  std::vector<Table> out = {agg, per};
  if (!rep.groups.empty()) {
    Table groups("collectives_groups", "--split: every group's figures per op, size and placement",
                 {{"op", ColumnType::kString, "", "collective"},
                  {"size", ColumnType::kInt64, "B", "bytes"},
                  {"in_place", ColumnType::kInt64, "1", "1 in place"},
                  {"group", ColumnType::kInt64, "1", "host index (intra), rail (inter) or rank mod k"},
                  {"members", ColumnType::kInt64, "1", "ranks in the group"},
                  {"first_rank", ColumnType::kInt64, "1", "the group's lowest job rank"},
                  {"time", ColumnType::kFloat64, "s", "time per op in this group"},
                  {"algbw", ColumnType::kFloat64, "B/s", ""},
                  {"busbw", ColumnType::kFloat64, "B/s", ""},
                  {"wrong", ColumnType::kInt64, "1", "wrong elements in this group"}});
    for (const auto& g : rep.groups) {
      groups.AddRow({std::string(coll::Name(g.op)), static_cast<int64_t>(g.size), int64_t{g.in_place ? 1 : 0},
                     int64_t{g.group}, int64_t{g.members}, int64_t{g.first_rank}, g.time_s, g.algbw, g.busbw, g.wrong});
    }
    out.push_back(groups);
  }
  if (!rep.p2p.empty()) {
    Table p2p = coll::P2pTableSchema();
    for (const auto& r : rep.p2p) {
      p2p.AddRow({int64_t{r.src}, int64_t{r.dst}, comm.ranks()[static_cast<size_t>(r.src)].host,
                  comm.ranks()[static_cast<size_t>(r.dst)].host, r.kind, r.bandwidth, r.latency_s,
                  int64_t{r.flagged ? 1 : 0}});
    }
    out.push_back(p2p);
  }
  return out;
}

void RunOnRanks(const CollOptions& o, const AppContext& ctx, const RunInfo& started, const coll::BenchOptions& bench,
                const std::vector<std::string>& notes, coll::Backend& backend, std::mutex& mu, int& exit_code);

// Under mpirun/srun, whether this process is not the job's first: a usage
// error found before the communicator exists is then said by the first alone.
bool LaunchedAsLaterRank() {
  for (const char* v : {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", "SLURM_PROCID"}) {
    const char* x = std::getenv(v);
    if (x && *x) return std::atoi(x) != 0;
  }
  return false;
}

int RunCollectives(const CollOptions& o, const AppContext& ctx) {
  std::vector<std::string> notes;
  coll::BenchOptions bench;
  try {
    bench = ToBench(o, &notes);
  } catch (const UsageError& e) {
    if (LaunchedAsLaterRank()) return static_cast<int>(e.code());
    throw;
  }
  const RunInfo started = MakeRunInfo("collectives", ctx.command_line);
  if (!o.json_file.empty()) {
    const size_t dot = o.json_file.find_last_of('.');
    const size_t slash = o.json_file.find_last_of('/');
    const std::string ext =
        dot == std::string::npos || (slash != std::string::npos && slash > dot) ? "" : o.json_file.substr(dot + 1);
    if (strcasecmp(ext.c_str(), "json") != 0) {
      // nccl-tests writes nothing for another suffix; refused here instead.
      if (LaunchedAsLaterRank()) return static_cast<int>(ExitCode::kUsage);
      throw UsageError(fmt::format("-J {}: the file must end in .json (nccl-tests' only output type)", o.json_file));
    }
  }
  std::unique_ptr<coll::Backend> backend = MakeBackend(o, ctx);
  const bool root_process = backend->holds_rank0();
  int exit_code = 0;
  std::mutex mu;
  try {
    if (root_process) CheckOutputWritable(o.out.output);
    RunOnRanks(o, ctx, started, bench, notes, *backend, mu, exit_code);
  } catch (const Error& e) {
    // Every rank reaches the same decision (validation is deterministic);
    // only the process holding rank 0 says it, all exit with the same code.
    if (root_process) throw;
    return static_cast<int>(e.code());
  }
  return exit_code;
}

// Rank 0: the run and its tables into the results file (-o).
// `started` was made when the command started, so the run's start_time is the
// start of the measurement, not the moment it is written (issue 17: a 217 s
// run was recorded as lasting 21 ms).
void WriteResults(const CollOptions& o, const RunInfo& started, const coll::Communicator& comm,
                  const coll::BenchOptions& b, const coll::BenchReport& rep, RunStatus status,
                  const std::string& message) {
  Hdf5Writer writer(o.out.output);
  RunInfo run = started;
  run.rank_count = comm.size();
  std::set<std::string> hosts;
  for (const auto& ri : comm.ranks()) hosts.insert(ri.host);
  run.hosts.assign(hosts.begin(), hosts.end());
  std::string redops, dtypes;
  for (coll::RedOp r : b.redops) redops += fmt::format("{}{}", redops.empty() ? "" : ", ", coll::Name(r));
  for (coll::DataType t : b.dtypes) dtypes += fmt::format("{}{}", dtypes.empty() ? "" : ", ", coll::Name(t));
  run.config_yaml = fmt::format(
      "backend: {}\nbuffers: {}\ndtype: {}\ndtypes: [{}]\nredop: {}\nredops: [{}]\nmin_bytes: {}\nmax_bytes: {}\n"
      "step_bytes: {}\nstep_factor: {}\niters: {}\nagg_iters: {}\nwarmup_iters: {}\nchecks: {}\nrun_cycles: "
      "{}\nblocking: {}\n"
      "report_cputime: {}\niteration_stats: {}\nsplit: '{}'\nalltoallv_matrix: '{}'\n",
      comm.backend(), comm.device_buffers() ? "device" : "host", coll::Name(b.dtype), dtypes, coll::Name(b.redop),
      redops, b.min_bytes, b.max_bytes, b.increment, b.factor, b.iters, b.agg_iters, b.warmup, b.checks, b.cycles,
      b.blocking, b.report_cputime, b.iteration_stats, b.split, b.alltoallv_matrix_path);
  writer.BeginRun(run);
  for (const auto& t : Tables(rep, comm)) writer.WriteTable(t);
  writer.EndRun(status, message);
}

// -J FILE.json: nccl-tests' own JSON document (schema version 1: NVIDIA/
// nccl-tests src/util.cu, jsonOutputInit, writeDeviceReport,
// writeBenchmarkLine*, writeResultFooter, jsonOutputFinalize), beside this
// command's --format json and --output. Keys, order and types are nccl-tests'
// (booleans as the strings "true"/"false", the root as a "%6i" string, times
// in us, bandwidths in GB/s, "nwrong" null when unchecked); start_time is
// taken when the run starts and end_time when it ends, local time. Differences,
// said in docs/collectives.md: "env" holds the environment the HDF5 run
// records (NCCL_, CUDA_, OMPI_, PMIX_, SLURM_, CB_, HDF5_, OMP_, UCX_), not all
// of it; "args" is the command line split at spaces; "nccl_version" is 0
// where no NCCL is involved; a device is -1 [cpu] for host memory. As
// nccl-tests, an existing FILE is never overwritten: FILE.0, FILE.1, ... are
// tried. Rank 0 writes it.
class NcclTestsJson {
 public:
  NcclTestsJson(const std::string& path, const AppContext& ctx, const coll::Communicator&, const coll::BenchOptions& b,
                const std::vector<std::string>& rank_lines, bool r0, int gpus, bool say)
      : on_(r0 && !path.empty()) {
    if (!on_) return;
    path_ = path;
    for (int i = 0; std::ifstream(path_).good(); ++i) path_ = fmt::format("{}.{}", path, i);
    doc_["version"] = 1;
    doc_["start_time"] = Now();
    doc_["args"] = nlohmann::ordered_json::array();
    std::istringstream words(ctx.command_line);
    for (std::string w; words >> w;) doc_["args"].push_back(w);
    doc_["env"] = nlohmann::ordered_json::array();
    for (const auto& [k, v] : MakeRunInfo("collectives", "").environment) doc_["env"].push_back(k + "=" + v);
    doc_["nccl_version"] = 0;  // not known here (the NCCL backend's version is in `clusterbench info`)
    nlohmann::ordered_json& c = doc_["config"];
    c["nthreads"] = 1;
    c["ngpus"] = gpus;
    c["minimum_bytes"] = b.min_bytes;
    c["maximum_bytes"] = b.max_bytes;
    if (b.increment > 0) {
      c["step_bytes"] = b.increment;
    } else {
      c["step_factor"] = static_cast<int>(b.factor);
    }
    c["warmup_iters"] = b.warmup;
    c["iterations"] = b.iters;
    c["aggregated_iterations"] = b.agg_iters;
    c["validation"] = b.checks;
    c["graph"] = 0;
    c["blocking_collectives"] = b.blocking ? "true" : "false";
    c["parallel_init"] = "false";
    c["devices"] = nlohmann::ordered_json::array();
    for (const auto& line : rank_lines) c["devices"].push_back(Device(line));
    doc_["results"] = nlohmann::ordered_json::array();
    if (say) std::printf("# Writing JSON output to %s\n", path_.c_str());
  }

  void Row(const coll::SizeResult& r) {
    if (!on_) return;
    nlohmann::ordered_json row;
    row["size"] = r.size;
    row["count"] = r.count;
    row["type"] = coll::Name(r.dtype);
    row["redop"] = coll::IsReduction(r.op) ? coll::Name(r.redop) : "none";
    row["root"] = fmt::format("{:6d}", r.root);
    auto body = [&](bool has, const coll::Timing& t) {
      if (!has) return nlohmann::ordered_json(nullptr);
      nlohmann::ordered_json x;
      x["time"] = t.time_s * 1e6;
      x["alg_bw"] = t.algbw / 1e9;
      x["bus_bw"] = t.busbw / 1e9;
      x["nwrong"] = r.checked ? nlohmann::ordered_json(static_cast<double>(t.wrong)) : nlohmann::ordered_json(nullptr);
      return x;
    };
    row["out_of_place"] = body(r.has_out_of_place, r.out_of_place);
    row["in_place"] = body(r.has_in_place, r.in_place);
    row["actual_iterations"] = iters_;
    row["experiment_name"] = fmt::format("{}_perf", coll::Name(r.op));
    doc_["results"].push_back(row);
  }

  void Finish(const coll::BenchReport& rep, const std::string& error) {
    if (!on_) return;
    doc_["out_of_bounds"] = {{"count", rep.total_wrong}, {"okay", rep.total_wrong == 0 ? "true" : "false"}};
    doc_["average_bus_bandwidth"] = {{"bandwidth", rep.avg_busbw / 1e9}, {"okay", "unchecked"}};
    doc_["errors"] = nlohmann::ordered_json::array();
    if (!error.empty()) doc_["errors"].push_back(error);
    doc_["end_time"] = Now();
    std::ofstream out(path_);
    out << doc_.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
    if (!out) throw IoError(fmt::format("-J {}: cannot write the JSON file", path_));
  }

  void set_iterations(int iters) { iters_ = iters; }

 private:
  // nccl-tests' TIME_STRING_FORMAT, local time.
  static std::string Now() {
    char buf[64];
    const std::time_t now = std::time(nullptr);
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", std::localtime(&now));
    return buf;
  }
  // A "#  Rank" line back into nccl-tests' device record (its parseRankInfo).
  static nlohmann::ordered_json Device(const std::string& line) {
    int rank = 0, group = 0, pid = 0, device = 0, end = 0;
    char host[1025] = {0}, hex[129] = {0}, info[1025] = {0};
    std::sscanf(line.c_str(), "#  Rank %d Group %d Pid %d on %1024s device %d [%128[^]]] %1024[^\n]%n", &rank, &group,
                &pid, host, &device, hex, info, &end);
    nlohmann::ordered_json d;
    d["rank"] = rank;
    d["group"] = group;
    d["pid"] = pid;
    d["hostname"] = host;
    d["device"] = device;
    d["device_hex"] = hex;
    d["device_info"] = info;
    return d;
  }

  bool on_;
  std::string path_;
  int iters_ = 0;
  nlohmann::ordered_json doc_;
};

// "rank 3 (host, device)" for rank x of comm.
std::string RankAt(const coll::Communicator& comm, int x) {
  const auto& ri = comm.ranks()[static_cast<size_t>(x)];
  return fmt::format("rank {} ({}, {})", x, ri.host, ri.device);
}

// The run's hooks that keep the results so far with --output: a rank stopped
// inside a collective (rank 0's watchdog keeps what was measured, status
// failed, the watchdog's message, before the job ends (6)), and a signal the
// ranks did not agree on. The hooks refer to o, started, comm and *b, which
// must outlive the run.
void SetKeepers(const CollOptions& o, const RunInfo& started, const coll::Communicator& comm, coll::BenchOptions* b) {
  const CollOptions* opts = &o;
  const RunInfo* info = &started;
  const coll::Communicator* c = &comm;
  const coll::BenchOptions* bench = b;
  b->on_stall = [opts, info, c, bench](const coll::BenchReport& so_far, const std::string& why) {
    if (opts->out.output.empty()) return;
    WriteResults(*opts, *info, *c, *bench, so_far, RunStatus::kFailed, why + "; results so far kept");
    std::fprintf(stderr, "clusterbench: watchdog: kept %zu result row(s) in %s\n", so_far.results.size(),
                 opts->out.output.c_str());
  };
  b->on_interrupt = [opts, info, c, bench](const coll::BenchReport& so_far, const std::string& vanished) {
    if (!vanished.empty()) std::fprintf(stderr, "clusterbench: error: %s\n", vanished.c_str());
    if (opts->out.output.empty()) return;
    if (vanished.empty()) {
      WriteResults(*opts, *info, *c, *bench, so_far, RunStatus::kInterrupted,
                   "interrupted by signal inside a measurement; results so far kept");
    } else {
      WriteResults(*opts, *info, *c, *bench, so_far, RunStatus::kFailed, vanished + "; results so far kept");
    }
    std::fprintf(stderr, "clusterbench: interrupted: kept %zu result row(s) in %s\n", so_far.results.size(),
                 opts->out.output.c_str());
  };
}

// nccl-tests' footer (src/util.cu, writeResultFooter): "# %-20s : %d %s" and
// "# %-20s : %g %s" (GB/s, no unit), then the op(s) concluded.
void PrintFooter(const coll::BenchOptions& b, const coll::BenchReport& rep) {
  std::printf("# %-20s : %lld %s\n", "Out of bounds values", static_cast<long long>(rep.total_wrong),
              rep.total_wrong ? "FAILED" : "OK");
  std::printf("# %-20s : %g \n#\n", "Avg bus bandwidth", rep.avg_busbw / 1e9);
  std::string concluded;
  for (coll::OpKind op : b.ops) concluded += fmt::format("{}{}_perf", concluded.empty() ? "" : ", ", coll::Name(op));
  if (!concluded.empty()) std::printf("# Collective test concluded: %s\n#\n", concluded.c_str());
}

// Per size, out of place: the per-rank time inside the op, late ranks and
// ranks that stopped and resumed.
void PrintRankTimes(const coll::Communicator& comm, const coll::BenchOptions& b, const coll::BenchReport& rep) {
  std::printf(
      "# per-rank time inside the op (us): min / median / max / p99%s, and late ranks (%s)\n",
      b.iteration_stats ? " / cv" : "",
      b.iteration_stats ? "-I: every op of the timed loop" : "a side pass of up to 50 ops after the timed loop");
  for (const auto& r : rep.results) {
    const coll::Timing& t = r.out_of_place;
    std::string late;
    for (int x : t.late_ranks) late += " " + RankAt(comm, x);
    // A stop may land in either placement's measurement: the line
    // is per size, so it names the ranks of both.
    std::set<int> stalled_ranks(t.stalled_ranks.begin(), t.stalled_ranks.end());
    stalled_ranks.insert(r.in_place.stalled_ranks.begin(), r.in_place.stalled_ranks.end());
    std::string stalled;
    for (int x : stalled_ranks) stalled += " " + RankAt(comm, x);
    const std::string cv = b.iteration_stats ? fmt::format(" / {:.3f}", t.iter_cv) : "";
    // With -d all / -o all the rows of one size differ by type and reduction: say which.
    std::string what = coll::Name(r.op);
    if (b.dtypes.size() > 1) what += fmt::format(" {}", coll::Name(r.dtype));
    if (b.redops.size() > 1 && coll::IsReduction(r.op)) what += fmt::format(" {}", coll::Name(r.redop));
    std::printf("# %-14s %12zu  %s / %s / %s / %s%s%s%s%s%s\n", what.c_str(), r.size, Us(t.rank_time.min).c_str(),
                Us(t.rank_time.median).c_str(), Us(t.rank_time.max).c_str(), Us(t.rank_time.p99).c_str(), cv.c_str(),
                late.empty() ? "" : "  late:", late.c_str(),
                stalled.empty() ? "" : "  STALLED (stopped and resumed; not a fabric figure):", stalled.c_str());
  }
}

// --split's groups (out of place) and the point-to-point pairs, as table lines.
void PrintGroupsAndP2p(const coll::BenchOptions& b, const coll::BenchReport& rep) {
  if (!rep.groups.empty()) {
    std::printf(
        "# %d concurrent groups (--split %s); per group, out of place: op size group members first-rank time(us) "
        "busbw(GB/s) #wrong\n",
        rep.group_count, b.split.c_str());
    if (rep.group_init_seconds > 0) {
      std::printf("# group communicators init: %.3f s (slowest group%s%s)\n", rep.group_init_seconds,
                  rep.group_init_method.empty() ? "" : ", ", rep.group_init_method.c_str());
    }
    for (const auto& g : rep.groups) {
      if (g.in_place) continue;
      std::printf("#   %-14s %12zu %5d %5d %6d %10s %8s %6lld\n", coll::Name(g.op), g.size, g.group, g.members,
                  g.first_rank, Us(g.time_s).c_str(), Gbps(g.busbw).c_str(), static_cast<long long>(g.wrong));
    }
  }
  for (const auto& p : rep.p2p) {
    std::printf("# p2p %-5s %4d -> %-4d %10s GB/s %10s us%s\n", p.kind.c_str(), p.src, p.dst, Gbps(p.bandwidth).c_str(),
                Us(p.latency_s).c_str(), p.flagged ? "  FLAGGED: far below the median" : "");
  }
}

// The whole report as one JSON document (--format json).
nlohmann::json ReportJson(const coll::Communicator& comm, const coll::BenchReport& rep) {
  nlohmann::json j = {{"backend", comm.backend()},
                      {"ranks", comm.size()},
                      {"results", nlohmann::json::array()},
                      {"avg_busbw_gbps", rep.avg_busbw / 1e9},
                      {"wrong", rep.total_wrong},
                      {"init_s", comm.init_seconds()},
                      {"init_method", comm.init_method()},
                      {"p2p", nlohmann::json::array()},
                      {"buffers", comm.device_buffers() ? "device" : "host"}};
  if (!rep.groups.empty()) {
    j["split_init_s"] = rep.group_init_seconds;
    j["split_init_method"] = rep.group_init_method;
  }
  for (const auto& r : rep.results) {
    if (r.has_out_of_place) j["results"].push_back(TimingJson(r, false));
    if (r.has_in_place) j["results"].push_back(TimingJson(r, true));
  }
  j["groups"] = nlohmann::json::array();
  for (const auto& g : rep.groups) {
    j["groups"].push_back({{"op", coll::Name(g.op)},
                           {"size_bytes", g.size},
                           {"in_place", g.in_place},
                           {"group", g.group},
                           {"members", g.members},
                           {"first_rank", g.first_rank},
                           {"time_s", g.time_s},
                           {"busbw_gbps", g.busbw / 1e9},
                           {"wrong", g.wrong}});
  }
  for (const auto& p : rep.p2p) {
    j["p2p"].push_back({{"src", p.src},
                        {"dst", p.dst},
                        {"kind", p.kind},
                        {"bandwidth_gbps", p.bandwidth / 1e9},
                        {"latency_s", p.latency_s},
                        {"flagged", p.flagged}});
  }
  return j;
}

// On stderr: the ranks that stopped and resumed during a measurement, and the
// ranks that saw wrong elements.
void WarnStalledAndWrong(const coll::Communicator& comm, const coll::BenchReport& rep) {
  std::set<int> stalled;
  size_t rows = 0;
  for (const auto& r : rep.results) {
    for (const auto* t : {&r.out_of_place, &r.in_place}) {
      stalled.insert(t->stalled_ranks.begin(), t->stalled_ranks.end());
      rows += t->stalled_ranks.empty() ? 0 : 1;
    }
  }
  std::string who;
  for (int x : stalled) who += (who.empty() ? "" : ", ") + RankAt(comm, x);
  if (!stalled.empty()) {
    std::fprintf(stderr,
                 "clusterbench: warning: %s stopped and resumed during %zu measurement(s); those figures "
                 "include the stop (stalled_ranks) and are not the fabric's\n",
                 who.c_str(), rows);
  }
  if (rep.total_wrong > 0) {
    std::set<int> ranks;
    for (const auto& r : rep.results) {
      for (const auto* t : {&r.out_of_place, &r.in_place}) ranks.insert(t->wrong_ranks.begin(), t->wrong_ranks.end());
    }
    std::string wrong;
    for (int x : ranks) wrong += (wrong.empty() ? "" : ", ") + RankAt(comm, x);
    std::fprintf(stderr, "clusterbench: error: %lld wrong element(s); seen by %s\n",
                 static_cast<long long>(rep.total_wrong), wrong.c_str());
  }
}

// Rank 0 after the run: the table's footer and summaries or the JSON
// document, the -J file, the warnings, and the --output results (unless the
// interrupt keeper already wrote them).
void ReportOnRankZero(const CollOptions& o, const RunInfo& started, const coll::Communicator& comm,
                      const coll::BenchOptions& b, const coll::BenchReport& rep, NcclTestsJson& nccl_json) {
  if (o.out.format == "table") {
    PrintFooter(b, rep);
    if (!o.out.quiet) PrintRankTimes(comm, b, rep);
    PrintGroupsAndP2p(b, rep);
  } else {
    std::cout << JsonText(ReportJson(comm, rep)) << "\n";
  }
  nccl_json.Finish(rep, rep.interrupted ? "interrupted by signal; results so far kept" : "");
  if (rep.interrupted) std::fprintf(stderr, "clusterbench: interrupted: kept %zu result row(s)\n", rep.results.size());
  WarnStalledAndWrong(comm, rep);
  if (!o.out.output.empty() && !rep.interrupt_kept) {
    WriteResults(o, started, comm, b, rep,
                 rep.interrupted   ? RunStatus::kInterrupted
                 : rep.total_wrong ? RunStatus::kFailed
                                   : RunStatus::kComplete,
                 rep.interrupted   ? "interrupted by signal; results so far kept"
                 : rep.total_wrong ? fmt::format("{} wrong elements", rep.total_wrong)
                                   : "");
  }
}

void RunOnRanks(const CollOptions& o, const AppContext& ctx, const RunInfo& started, const coll::BenchOptions& bench,
                const std::vector<std::string>& notes, coll::Backend& backend, std::mutex& mu, int& exit_code) {
  backend.Run([&](coll::Communicator& comm) {
    coll::BenchOptions b = bench;
    std::string note = coll::ValidateOptions(&b, comm);
    const bool r0 = comm.rank() == 0;
    // Every rank's device line, gathered on rank 0 (O(N) there), as nccl-tests
    // gathers them before its table.
    const std::vector<std::string> rank_lines = coll::GatherText(comm, RankLine(comm, b.split));
    if (r0 && o.out.format == "table") PrintHeader(comm, b, note, notes, rank_lines, o.gpus);
    NcclTestsJson nccl_json(o.json_file, ctx, comm, b, rank_lines, r0, o.gpus, o.out.format == "table");
    nccl_json.set_iterations(b.iters);
    bool first_row = true;
    coll::OpKind last_op = coll::OpKind::kAllReduce;
    auto progress = [&](const coll::SizeResult& r) {
      if (o.out.format == "table") {
        if (first_row || r.op != last_op) PrintColumns(r.op, b, o.report_timestamps != 0);
        PrintRow(r, o.report_timestamps != 0);
      }
      nccl_json.Row(r);
      first_row = false;
      last_op = r.op;
    };
    SetKeepers(o, started, comm, &b);
    coll::BenchReport rep = coll::RunBenchmark(comm, b, progress);
    if (r0 && !rep.watch_note.empty() && !o.out.quiet) {
      std::fprintf(stderr, "clusterbench: note: %s\n", rep.watch_note.c_str());
    }
    int code = rep.interrupted       ? static_cast<int>(ExitCode::kInterrupted)
               : rep.total_wrong > 0 ? static_cast<int>(ExitCode::kCheckFailed)
                                     : 0;
    if (r0) ReportOnRankZero(o, started, comm, b, rep, nccl_json);
    std::lock_guard<std::mutex> lock(mu);
    exit_code = std::max(exit_code, code);
  });
}

// nccl-tests' own flags, in its order: the sweep, the data, the timing and
// the output (each as nccl-tests means it), and the watchdog.
void AddNcclTestsOptions(CLI::App* cmd, CollOptions* o) {
  cmd->add_option("-b,--minbytes", o->min_bytes, "smallest size (K/M/G suffixes are binary)")->capture_default_str();
  cmd->add_option("-e,--maxbytes", o->max_bytes, "largest size")->capture_default_str();
  // At most 1024: a larger factor makes no second step in any memory, and the
  // bound keeps size x factor far from the 64-bit limit.
  cmd->add_option("-f,--stepfactor", o->factor, "multiply the size by this each step (1: step by -i instead)")
      ->check(Bounded(1, 1024))
      ->capture_default_str();
  cmd->add_option("-i,--stepbytes", o->step_bytes, "add this many bytes each step (when -f is 1)")
      ->capture_default_str();
  cmd->add_option("-n,--iters", o->iters, "timed iterations per size")->capture_default_str();
  cmd->add_option("-w,--warmup_iters", o->warmup, "untimed iterations first")->capture_default_str();
  cmd->add_option("-c,--check", o->checks, "check passes per size (0 = none: #wrong shows N/A)")->capture_default_str();
  cmd->add_option(
         "-d,--datatype", o->dtype,
         "int8, uint8, int32, uint32, int64, uint64, half, float, double, bfloat16, f8e4m3, f8e5m2, or all (each "
         "in turn)")
      ->capture_default_str();
  cmd->add_option("-o,--redop", o->redop,
                  "reduction: sum, prod, min, max, avg, or all (each in turn), as nccl-tests' -o")
      ->capture_default_str();
  cmd->add_option("-r,--root", o->root,
                  "root rank of broadcast, reduce, gather and scatter (-1: each rank in turn, as nccl-tests)")
      ->capture_default_str();
  cmd->add_option("-g,--ngpus", o->gpus, "GPUs driven by each process (nccl)")->check(CLI::PositiveNumber);
  cmd->add_option("-a,--average", o->average, "time across ranks: 0 rank 0, 1 average, 2 min, 3 max")
      ->capture_default_str();
  cmd->add_option("-N,--run_cycles", o->run_cycles, "run and print the sweep this many times (0: until interrupted)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("-m,--agg_iters", o->agg_iters,
                  "ops per timed iteration, issued as one group (nccl: ncclGroupStart/End, as nccl-tests; mpi and "
                  "loopback: back to back); time = elapsed / (iters x agg_iters)")
      ->capture_default_str();
  cmd->add_option("-z,--blocking", o->blocking, "1: wait for each op and barrier after it, inside the timed loop")
      ->check(CLI::Range(0, 1))
      ->capture_default_str();
  cmd->add_option("-C,--report_cputime", o->report_cputime,
                  "1: the time column is the time to launch the ops (same as elapsed on mpi and loopback)")
      ->check(CLI::Range(0, 1))
      ->capture_default_str();
  cmd->add_option("-S,--report_timestamps", o->report_timestamps, "1: each row ends with the time of day")
      ->check(CLI::Range(0, 1))
      ->capture_default_str();
  cmd->add_option("-I,--iteration_stats", o->iteration_stats,
                  "1: time every op of the timed loop on its own: per-iteration min / median / max / p99 / cv "
                  "(costs a clock read per op, hence only when asked; nccl-tests 2.17+ has -I for its per-iteration "
                  "timing too, whose extra text columns are not reproduced here)")
      ->check(CLI::Range(0, 1))
      ->capture_default_str();
  cmd->add_option("-J,--output_file", o->json_file, "also write nccl-tests' own JSON document to FILE.json")
      ->type_name("FILE.json");
  cmd->add_option("--ranks", o->ranks, "ranks (threads) of the loopback backend (at most 4096)")
      ->check(Bounded(1, 4096))
      ->capture_default_str();
  cmd->add_option("-T,--timeout", o->timeout,
                  "watchdog: abort when a rank does not arrive within this many seconds (at most a week; 0, as in "
                  "nccl-tests: no timeout, i.e. a week)")
      ->check(Bounded(0, 604800))
      ->capture_default_str();
}

// nccl-tests flags not offered: parsed so that each is refused with what
// to use instead (RefuseNcclTestsFlags), never ignored and never taken as
// something else.
void AddRefusedNcclTestsFlags(CLI::App* cmd, CollOptions* o) {
  cmd->add_option("-t,--nthreads", o->nthreads, "nccl-tests' threads per process: only 1 (see -g, --ranks)");
  cmd->add_option("-p,--parallel_init", o->parallel_init, "nccl-tests' parallel init: only 0");
  cmd->add_option("-y,--stream_null", o->stream_null, "nccl-tests' null stream: only 0");
  cmd->add_option("-G,--cudagraph", o->cudagraph, "nccl-tests' CUDA graph launches: only 0");
  cmd->add_option("-R,--local_register", o->local_register, "nccl-tests' buffer registration: only 0");
  cmd->add_option("-x,--cta_policy", o->cta_policy, "nccl-tests' CTA policy: not offered");
  cmd->add_option("-D,--device_implementation", o->device_impl, "nccl-tests' device implementation: only 0");
  cmd->add_option("-V,--device_cta_count", o->device_cta_count, "nccl-tests' device CTA count: not offered");
  cmd->add_option("-M,--memory_report", o->memory_report, "nccl-tests' GPU memory report: only 0");
  cmd->add_option("-F", o->csv_file, "older nccl-tests' CSV file: not offered (see --output, report --format csv)");
  cmd->add_option("-K", o->flag_k, "not an nccl-tests flag: refused");
  cmd->add_option("-u", o->flag_u, "not an NVIDIA nccl-tests flag (RCCL: CU mask): refused");
}

}  // namespace

void RegisterCollectivesCommand(CLI::App& app, AppContext& ctx, Action* action) {
  auto* cmd = app.add_subcommand(
      "collectives",
      "NCCL/MPI collective and point-to-point benchmarks with nccl-tests' flags, defaults and columns.\n"
      "nccl-tests' flags mean what they mean there (-o is the reduction); the few it has that are not offered are "
      "refused naming what is. Results file: --output FILE.h5. See docs/collectives.md.\n"
      "NCCL under mpirun uses ncclCommInitRankScalable above 128 ranks (CB_NCCL_INIT_ROOTS=R sets the number of "
      "roots); the header says how long communicator creation took and how.");
  auto o = std::make_shared<CollOptions>();
  // -o is nccl-tests' reduction here, so the results file has the long flag only.
  AddOutputOptions(cmd, &o->out, /*with_output_file=*/false);
  cmd->add_option("--output", o->out.output, "append this run to an HDF5 results file (created if missing)")
      ->type_name("FILE.h5");
  cmd->add_option("--backend", o->backend,
                  "nccl, mpi, loopback (threads as ranks), or auto (nccl when GPUs answer, else mpi, else loopback)")
      ->check(CLI::IsMember({"auto", "nccl", "mpi", "loopback"}))
      ->capture_default_str();
  cmd->add_option("--op", o->ops,
                  "comma-separated: all_reduce, all_gather, reduce_scatter, broadcast, reduce, alltoall, sendrecv, "
                  "gather, scatter, alltoallv, p2p, all (nccl-tests picks the collective by binary; its --op is -o "
                  "here)")
      ->delimiter(',');
  AddNcclTestsOptions(cmd, o.get());
  AddRefusedNcclTestsFlags(cmd, o.get());
  cmd->add_option("--split", o->split,
                  "concurrent groups: intra (each host), inter (each rail: same local index on every host), MOD:k "
                  "(rank mod k), DIV:k, AND:mask, OR:mask (nccl-tests' NCCL_TESTS_SPLIT operators, which that "
                  "variable also sets); the table shows the slowest group. NCCL splits with ncclCommSplit (its time "
                  "is reported)");
  cmd->add_option("--alltoallv-matrix", o->alltoallv_matrix,
                  "alltoallv's traffic matrix, as nccl-tests' alltoallv parameter file: n lines of n comma-separated "
                  "fractions in [0, 1] (line i: the share of its slot rank i sends to each rank); default nccl-tests' "
                  "built-in imbalance")
      ->type_name("FILE");
  cmd->add_option("--buffers", o->buffers,
                  "where the benchmarked bytes live: host, device (MPI: GPU memory through a CUDA-aware MPI, a "
                  "usage error where the build, the MPI or the machine cannot), auto (device where every rank can). "
                  "Default: host for mpi and loopback, device for nccl")
      ->check(CLI::IsMember({"host", "device", "auto"}));
  cmd->add_flag("--all-pairs", o->all_pairs, "p2p: every pair across hosts (O(N^2)); default samples O(N)");
  cmd->add_option("--inject", o->injects,
                  "self-test: corrupt:RANK (wrong input), slow:RANK:FRACTION (late by FRACTION of an op), "
                  "hang:RANK (never joins)");
  // As in nccl-tests' getopt loop, a repeated flag takes its last value.
  for (CLI::Option* opt : cmd->get_options()) {
    if (opt->get_name() != "--op" && opt->get_name() != "--inject")
      opt->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  }
  *action = [o, &ctx]() { return RunCollectives(*o, ctx); };
}

}  // namespace cb
