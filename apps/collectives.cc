// `clusterbench collectives`: NCCL, MPI and loopback collective benchmarks
// with nccl-tests-compatible numbers, exact checks, injections and a watchdog.
#include <fmt/format.h>

#include <any>
#include <cstdio>
#include <iostream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "apps/command.h"
#include "collectives/backend.h"
#include "collectives/harness.h"
#include "core/error.h"
#include "core/table.h"
#include "core/units.h"
#include "store/hdf5_store.h"

namespace cb {
namespace {

using coll::OpKind;

struct CollOptions {
  OutputOptions out;
  std::string backend = "auto";
  std::vector<std::string> ops = {"all_reduce"};
  std::string min_bytes = "8", max_bytes = "8M", step_bytes;
  double factor = 2;
  int iters = 20, warmup = 5, checks = 1;
  std::string dtype = "float", redop = "sum";
  int gpus = 1, average = 1, root = 0, ranks = 4;
  double timeout = 300;
  std::string split;
  std::string buffers;  // --buffers: "" (the backend's own), host, device, auto
  std::vector<std::string> injects;
  bool all_pairs = false;
};

size_t Size(const std::string& flag, const std::string& text) {
  std::string why;
  auto v = ParseSize(text, &why);
  if (!v) throw UsageError(fmt::format("{}: {}", flag, why));
  return static_cast<size_t>(*v);
}

coll::BenchOptions ToBench(const CollOptions& o) {
  coll::BenchOptions b;
  for (const auto& name : o.ops) {
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
  if (!o.step_bytes.empty()) b.increment = Size("-i", o.step_bytes);
  b.factor = o.factor;
  b.iters = o.iters;
  b.warmup = o.warmup;
  b.checks = o.checks;
  b.dtype = coll::ParseDataType(o.dtype);
  b.redop = coll::ParseRedOp(o.redop);
  b.root = o.root;
  b.average = o.average;
  b.timeout_s = o.timeout;
  if (!o.split.empty() && o.split != "none") {
    b.split = o.split;
    coll::ParseSplitModulus(b.split);  // rejects an unknown mode before any rank starts
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
  bo.timeout_s = o.timeout;
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

void PrintHeader(const coll::Communicator& comm, const coll::BenchOptions& b, const std::string& note) {
  std::printf(
      "# clusterbench collectives: backend %s (%s buffers), %d rank(s), %s, iters %d, warmup %d, checks %d, -a %d\n",
      comm.backend().c_str(), comm.device_buffers() ? "device" : "host", comm.size(), coll::Name(b.dtype), b.iters,
      b.warmup, b.checks, b.average);
  if (comm.init_seconds() > 0) {
    const std::string how = comm.init_method().empty() ? "" : " (" + comm.init_method() + ")";
    std::printf("# communicator init: %.3f s%s\n", comm.init_seconds(), how.c_str());
  }
  if (!note.empty()) std::printf("# %s\n", note.c_str());
  std::printf("#  Rank %3d on %s device %s\n", 0, comm.ranks()[0].host.c_str(), comm.ranks()[0].device.c_str());
  std::printf("#\n#%12s %12s %8s %6s %6s %10s %7s %7s %7s %10s %7s %7s %7s\n", "size", "count", "type", "redop", "root",
              "time", "algbw", "busbw", "#wrong", "time", "algbw", "busbw", "#wrong");
  std::printf("#%12s %12s %8s %6s %6s %10s %7s %7s %7s %10s %7s %7s %7s\n", "(B)", "(elements)", "", "", "", "(us)",
              "(GB/s)", "(GB/s)", "", "(us)", "(GB/s)", "(GB/s)", "");
}

void PrintRow(const coll::SizeResult& r) {
  auto part = [](bool has, const coll::Timing& t) {
    if (!has) return fmt::format("{:>10} {:>7} {:>7} {:>7}", "-", "-", "-", "-");
    return fmt::format("{:>10} {:>7} {:>7} {:>7}", Us(t.time_s), Gbps(t.algbw), Gbps(t.busbw), t.wrong);
  };
  std::printf(" %12zu %12zu %8s %6s %6d %s %s   # %s\n", r.size, r.count, coll::Name(r.dtype),
              coll::IsReduction(r.op) ? coll::Name(r.redop) : "none", r.root,
              part(r.has_out_of_place, r.out_of_place).c_str(), part(r.has_in_place, r.in_place).c_str(),
              coll::Name(r.op));
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
      {"wrong", t.wrong},
      {"wrong_ranks", t.wrong_ranks},
      {"late_ranks", t.late_ranks},
      {"stalled_ranks", t.stalled_ranks},
      {"rank_time_s",
       {{"min", t.rank_time.min}, {"median", t.rank_time.median}, {"max", t.rank_time.max}, {"p99", t.rank_time.p99}}}};
}

std::vector<Table> Tables(const coll::BenchReport& rep, const coll::Communicator& comm) {
  Table agg("collectives", "one row per op, size and placement (rank 0's view, nccl-tests columns)",
            {{"op", ColumnType::kString, "", "collective"},
             {"size", ColumnType::kInt64, "B", "bytes, as nccl-tests counts them"},
             {"count", ColumnType::kInt64, "1", "elements (nccl-tests' count column)"},
             {"dtype", ColumnType::kString, "", "element type"},
             {"redop", ColumnType::kString, "", "reduction or none"},
             {"root", ColumnType::kInt64, "1", "root rank, -1 when none"},
             {"in_place", ColumnType::kInt64, "1", "1 in place, 0 out of place"},
             {"time", ColumnType::kFloat64, "s", "time per op (-a mode across ranks)"},
             {"algbw", ColumnType::kFloat64, "B/s", "size / time"},
             {"busbw", ColumnType::kFloat64, "B/s", "algbw x bus factor"},
             {"wrong", ColumnType::kInt64, "1", "wrong elements, all ranks"},
             {"rank_time_min", ColumnType::kFloat64, "s", "fastest rank-iteration"},
             {"rank_time_median", ColumnType::kFloat64, "s", "median over ranks"},
             {"rank_time_max", ColumnType::kFloat64, "s", "slowest rank-iteration"},
             {"rank_time_p99", ColumnType::kFloat64, "s", "p99 (max over ranks of their p99)"},
             {"late_ranks", ColumnType::kString, "", "ranks the others waited for"},
             {"stalled_ranks", ColumnType::kString, "",
              "ranks that stopped during the measurement and came back: the figure includes the stop"}});
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
                  t.rank_time.median, t.rank_time.max, t.rank_time.p99, late, stalled});
    }
  }
  Table per("collectives_per_rank", "one row per op, size, placement and rank",
            {{"op", ColumnType::kString, "", "collective"},
             {"size", ColumnType::kInt64, "B", "bytes"},
             {"in_place", ColumnType::kInt64, "1", "1 in place"},
             {"rank", ColumnType::kInt64, "1", "rank"},
             {"host", ColumnType::kString, "", "host name"},
             {"device", ColumnType::kString, "", "device"},
             {"time", ColumnType::kFloat64, "s", "this rank's elapsed time / iterations"},
             {"wrong", ColumnType::kInt64, "1", "wrong elements this rank saw"}});
  for (const auto& p : rep.per_rank) {
    const auto& ri = comm.ranks()[static_cast<size_t>(p.rank)];
    per.AddRow({std::string(coll::Name(p.op)), static_cast<int64_t>(p.size), int64_t{p.in_place ? 1 : 0},
                int64_t{p.rank}, ri.host, ri.device, p.time_s, p.wrong});
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
    Table p2p("p2p", "point-to-point bandwidth matrix (coordinate form: one row per measured pair)",
              {{"src", ColumnType::kInt64, "1", "sending rank"},
               {"dst", ColumnType::kInt64, "1", "receiving rank"},
               {"src_host", ColumnType::kString, "", ""},
               {"dst_host", ColumnType::kString, "", ""},
               {"kind", ColumnType::kString, "", "ring, intra (same host) or inter"},
               {"bandwidth", ColumnType::kFloat64, "B/s", "one direction, largest size"},
               {"latency", ColumnType::kFloat64, "s", "half round trip of 8 bytes"},
               {"flagged", ColumnType::kInt64, "1", "1 when below half the median of its kind"}});
    for (const auto& r : rep.p2p) {
      p2p.AddRow({int64_t{r.src}, int64_t{r.dst}, comm.ranks()[static_cast<size_t>(r.src)].host,
                  comm.ranks()[static_cast<size_t>(r.dst)].host, r.kind, r.bandwidth, r.latency_s,
                  int64_t{r.flagged ? 1 : 0}});
    }
    out.push_back(p2p);
  }
  return out;
}

void RunOnRanks(const CollOptions& o, const AppContext& ctx, const coll::BenchOptions& bench, coll::Backend& backend,
                std::mutex& mu, int& exit_code);

int RunCollectives(const CollOptions& o, const AppContext& ctx) {
  coll::BenchOptions bench = ToBench(o);
  std::unique_ptr<coll::Backend> backend = MakeBackend(o, ctx);
  const bool root_process = backend->holds_rank0();
  int exit_code = 0;
  std::mutex mu;
  try {
    if (root_process) CheckOutputWritable(o.out.output);
    RunOnRanks(o, ctx, bench, *backend, mu, exit_code);
  } catch (const Error& e) {
    // Every rank reaches the same decision (validation is deterministic);
    // only the process holding rank 0 says it, all exit with the same code.
    if (root_process) throw;
    return static_cast<int>(e.code());
  }
  return exit_code;
}

// Rank 0: the run and its tables into the results file (-o).
void WriteResults(const CollOptions& o, const AppContext& ctx, const coll::Communicator& comm,
                  const coll::BenchOptions& b, const coll::BenchReport& rep, RunStatus status,
                  const std::string& message) {
  Hdf5Writer writer(o.out.output);
  RunInfo run = MakeRunInfo("collectives", ctx.command_line);
  run.rank_count = comm.size();
  std::set<std::string> hosts;
  for (const auto& ri : comm.ranks()) hosts.insert(ri.host);
  run.hosts.assign(hosts.begin(), hosts.end());
  run.config_yaml =
      fmt::format("backend: {}\nbuffers: {}\ndtype: {}\nredop: {}\nmin_bytes: {}\nmax_bytes: {}\niters: {}\n",
                  comm.backend(), comm.device_buffers() ? "device" : "host", coll::Name(b.dtype), coll::Name(b.redop),
                  b.min_bytes, b.max_bytes, b.iters);
  writer.BeginRun(run);
  for (const auto& t : Tables(rep, comm)) writer.WriteTable(t);
  writer.EndRun(status, message);
}

void RunOnRanks(const CollOptions& o, const AppContext& ctx, const coll::BenchOptions& bench, coll::Backend& backend,
                std::mutex& mu, int& exit_code) {
  backend.Run([&](coll::Communicator& comm) {
    coll::BenchOptions b = bench;
    std::string note = coll::ValidateOptions(&b, comm);
    const bool r0 = comm.rank() == 0;
    const bool table = o.out.format == "table" && !o.out.quiet;
    if (r0 && o.out.format == "table") PrintHeader(comm, b, note);
    auto progress = [&](const coll::SizeResult& r) {
      if (o.out.format == "table") PrintRow(r);
    };
    // A rank stopped inside a collective: rank 0's watchdog keeps what was
    // measured (status failed, the watchdog's message) before the job ends (6).
    b.on_stall = [&](const coll::BenchReport& so_far, const std::string& why) {
      if (o.out.output.empty()) return;
      WriteResults(o, ctx, comm, b, so_far, RunStatus::kFailed, why + "; results so far kept");
      std::fprintf(stderr, "clusterbench: watchdog: kept %zu result row(s) in %s\n", so_far.results.size(),
                   o.out.output.c_str());
    };
    b.on_interrupt = [&](const coll::BenchReport& so_far, const std::string& vanished) {
      if (!vanished.empty()) std::fprintf(stderr, "clusterbench: error: %s\n", vanished.c_str());
      if (o.out.output.empty()) return;
      if (vanished.empty()) {
        WriteResults(o, ctx, comm, b, so_far, RunStatus::kInterrupted,
                     "interrupted by signal inside a measurement; results so far kept");
      } else {
        WriteResults(o, ctx, comm, b, so_far, RunStatus::kFailed, vanished + "; results so far kept");
      }
      std::fprintf(stderr, "clusterbench: interrupted: kept %zu result row(s) in %s\n", so_far.results.size(),
                   o.out.output.c_str());
    };
    coll::BenchReport rep = coll::RunBenchmark(comm, b, progress);
    if (r0 && !rep.watch_note.empty() && !o.out.quiet) {
      std::fprintf(stderr, "clusterbench: note: %s\n", rep.watch_note.c_str());
    }
    int code = rep.interrupted       ? static_cast<int>(ExitCode::kInterrupted)
               : rep.total_wrong > 0 ? static_cast<int>(ExitCode::kCheckFailed)
                                     : 0;
    if (r0) {
      if (o.out.format == "table") {
        std::printf("# Out of bounds values : %lld %s\n", static_cast<long long>(rep.total_wrong),
                    rep.total_wrong ? "FAILED" : "OK");
        std::printf("# Avg bus bandwidth    : %.4g GB/s\n#\n", rep.avg_busbw / 1e9);
        if (table) {
          std::printf("# per-rank time inside the op (us): min / median / max / p99, and late ranks\n");
          for (const auto& r : rep.results) {
            const coll::Timing& t = r.out_of_place;
            std::string late;
            for (int x : t.late_ranks) {
              const auto& ri = comm.ranks()[static_cast<size_t>(x)];
              late += fmt::format(" rank {} ({}, {})", x, ri.host, ri.device);
            }
            std::string stalled;
            for (int x : t.stalled_ranks) {
              const auto& ri = comm.ranks()[static_cast<size_t>(x)];
              stalled += fmt::format(" rank {} ({}, {})", x, ri.host, ri.device);
            }
            std::printf(
                "# %-14s %12zu  %s / %s / %s / %s%s%s%s%s\n", coll::Name(r.op), r.size, Us(t.rank_time.min).c_str(),
                Us(t.rank_time.median).c_str(), Us(t.rank_time.max).c_str(), Us(t.rank_time.p99).c_str(),
                late.empty() ? "" : "  late:", late.c_str(),
                stalled.empty() ? "" : "  STALLED (stopped and resumed; not a fabric figure):", stalled.c_str());
          }
        }
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
          std::printf("# p2p %-5s %4d -> %-4d %10s GB/s %10s us%s\n", p.kind.c_str(), p.src, p.dst,
                      Gbps(p.bandwidth).c_str(), Us(p.latency_s).c_str(),
                      p.flagged ? "  FLAGGED: far below the median" : "");
        }
      } else {
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
        std::cout << JsonText(j) << "\n";
      }
      if (rep.interrupted)
        std::fprintf(stderr, "clusterbench: interrupted: kept %zu result row(s)\n", rep.results.size());
      {
        std::set<int> stalled;
        size_t rows = 0;
        for (const auto& r : rep.results) {
          for (const auto* t : {&r.out_of_place, &r.in_place}) {
            stalled.insert(t->stalled_ranks.begin(), t->stalled_ranks.end());
            rows += t->stalled_ranks.empty() ? 0 : 1;
          }
        }
        std::string who;
        for (int x : stalled) {
          const auto& ri = comm.ranks()[static_cast<size_t>(x)];
          who += fmt::format("{}rank {} ({}, {})", who.empty() ? "" : ", ", x, ri.host, ri.device);
        }
        if (!stalled.empty()) {
          std::fprintf(stderr,
                       "clusterbench: warning: %s stopped and resumed during %zu measurement(s); those figures "
                       "include the stop (stalled_ranks) and are not the fabric's\n",
                       who.c_str(), rows);
        }
      }
      if (rep.total_wrong > 0) {
        std::set<int> ranks;
        for (const auto& r : rep.results) {
          for (const auto* t : {&r.out_of_place, &r.in_place})
            ranks.insert(t->wrong_ranks.begin(), t->wrong_ranks.end());
        }
        std::string who;
        for (int x : ranks) {
          const auto& ri = comm.ranks()[static_cast<size_t>(x)];
          who += fmt::format("{}rank {} ({}, {})", who.empty() ? "" : ", ", x, ri.host, ri.device);
        }
        std::fprintf(stderr, "clusterbench: error: %lld wrong element(s); seen by %s\n",
                     static_cast<long long>(rep.total_wrong), who.c_str());
      }
      if (!o.out.output.empty() && !rep.interrupt_kept) {
        WriteResults(o, ctx, comm, b, rep,
                     rep.interrupted   ? RunStatus::kInterrupted
                     : rep.total_wrong ? RunStatus::kFailed
                                       : RunStatus::kComplete,
                     rep.interrupted   ? "interrupted by signal; results so far kept"
                     : rep.total_wrong ? fmt::format("{} wrong elements", rep.total_wrong)
                                       : "");
      }
    }
    std::lock_guard<std::mutex> lock(mu);
    exit_code = std::max(exit_code, code);
  });
}

}  // namespace

void RegisterCollectivesCommand(CLI::App& app, AppContext& ctx, Action* action) {
  auto* cmd = app.add_subcommand(
      "collectives",
      "NCCL/MPI collective and point-to-point benchmarks with nccl-tests' flags and columns.\n"
      "Differences from nccl-tests: -o is --output (an HDF5 file), the reduction is --redop (nccl-tests' -o).\n"
      "NCCL under mpirun uses ncclCommInitRankScalable above 128 ranks (CB_NCCL_INIT_ROOTS=R sets the number of "
      "roots); the header says how long communicator creation took and how.");
  auto o = std::make_shared<CollOptions>();
  AddOutputOptions(cmd, &o->out);
  cmd->add_option("--backend", o->backend,
                  "nccl, mpi, loopback (threads as ranks), or auto (nccl when GPUs answer, else mpi, else loopback)")
      ->check(CLI::IsMember({"auto", "nccl", "mpi", "loopback"}))
      ->capture_default_str();
  cmd->add_option("--op", o->ops,
                  "comma-separated: all_reduce, all_gather, reduce_scatter, broadcast, reduce, alltoall, sendrecv, "
                  "p2p, all")
      ->delimiter(',');
  cmd->add_option("-b,--minbytes", o->min_bytes, "smallest size (K/M/G suffixes are binary)")->capture_default_str();
  cmd->add_option("-e,--maxbytes", o->max_bytes, "largest size")->capture_default_str();
  // At most 1024: a larger factor makes no second step in any memory, and the
  // bound keeps size x factor far from the 64-bit limit.
  cmd->add_option("-f,--stepfactor", o->factor, "multiply the size by this each step")
      ->check(Bounded(1, 1024))
      ->capture_default_str();
  cmd->add_option("-i,--stepbytes", o->step_bytes, "or add this many bytes each step");
  cmd->add_option("-n,--iters", o->iters, "timed iterations per size")->capture_default_str();
  cmd->add_option("-w,--warmup_iters", o->warmup, "untimed iterations first")->capture_default_str();
  cmd->add_option("-c,--check", o->checks, "check passes per size (0 = none)")->capture_default_str();
  cmd->add_option("-d,--datatype", o->dtype, "int8, uint8, int32, uint32, int64, uint64, half, bfloat16, float, double")
      ->capture_default_str();
  cmd->add_option("--redop", o->redop, "sum, prod, min, max, avg (nccl-tests' -o)")->capture_default_str();
  cmd->add_option("-r,--root", o->root, "root rank of broadcast and reduce")->capture_default_str();
  cmd->add_option("-g,--ngpus", o->gpus, "GPUs driven by each process (nccl)")->check(CLI::PositiveNumber);
  cmd->add_option("-a,--average", o->average, "time across ranks: 0 rank 0, 1 average, 2 min, 3 max")
      ->capture_default_str();
  cmd->add_option("--ranks", o->ranks, "ranks (threads) of the loopback backend (at most 4096)")
      ->check(Bounded(1, 4096))
      ->capture_default_str();
  cmd->add_option("--timeout", o->timeout,
                  "watchdog: abort when a rank does not arrive within this many seconds (at most a week)")
      ->check(Bounded(1e-3, 604800))
      ->capture_default_str();
  cmd->add_option("--split", o->split,
                  "concurrent groups: intra (each host), inter (each rail: same local index on every host), MOD:k "
                  "(rank mod k); the table shows the slowest group. NCCL splits with ncclCommSplit (its time is "
                  "reported)");
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
