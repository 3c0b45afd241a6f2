// A collectives run's JSON, tables, results-file run and warnings (see
// report.h).
#include "collectives/report.h"

#include <fmt/format.h>

#include <set>

#include "collectives/datatype.h"
#include "collectives/op.h"
#include "collectives/result_tables.h"
#include "core/table_export.h"

namespace cb::coll {

std::string RankAt(const Communicator& comm, int x) {
  const auto& ri = comm.ranks()[static_cast<size_t>(x)];
  return fmt::format("rank {} ({}, {})", x, ri.host, ri.device);
}

namespace {

// The collectives table: one row per op, size and placement.
Table CollectivesTable(const BenchReport& rep) {
  Table agg = CollectivesTableSchema();
  for (const auto& r : rep.results) {
    for (bool ip : {false, true}) {
      if (ip ? !r.has_in_place : !r.has_out_of_place) continue;
      const Timing& t = ip ? r.in_place : r.out_of_place;
      auto list = [](const std::vector<int>& ranks) {
        std::string out;
        for (int x : ranks) out += (out.empty() ? "" : ",") + std::to_string(x);
        return out;
      };
      agg.AddRow({std::string(Name(r.op)),
                  static_cast<int64_t>(r.size),
                  static_cast<int64_t>(r.count),
                  std::string(Name(r.dtype)),
                  std::string(IsReduction(r.op) ? Name(r.redop) : "none"),
                  int64_t{r.root},
                  int64_t{ip ? 1 : 0},
                  t.time_s,
                  t.algbw,
                  t.busbw,
                  t.wrong,
                  t.rank_time.min,
                  t.rank_time.median,
                  t.rank_time.max,
                  t.rank_time.p99,
                  int64_t{r.checked ? 1 : 0},
                  int64_t{r.cycle},
                  list(t.late_ranks),
                  list(t.stalled_ranks),
                  list(t.wrong_ranks),
                  t.iter_mean,
                  t.iter_cv});
    }
  }
  return agg;
}

// --split: every group's figures.
Table GroupsTable(const BenchReport& rep) {
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
    groups.AddRow({std::string(Name(g.op)), static_cast<int64_t>(g.size), int64_t{g.in_place ? 1 : 0}, int64_t{g.group},
                   int64_t{g.members}, int64_t{g.first_rank}, g.time_s, g.algbw, g.busbw, g.wrong});
  }
  return groups;
}

}  // namespace

std::vector<Table> ResultTables(const BenchReport& rep, const Communicator& comm) {
  Table per = CollectivesPerRankTableSchema();
  for (const auto& p : rep.per_rank) {
    const auto& ri = comm.ranks()[static_cast<size_t>(p.rank)];
    per.AddRow({std::string(Name(p.op)), static_cast<int64_t>(p.size), int64_t{p.in_place ? 1 : 0},
                std::string(Name(p.dtype)), std::string(IsReduction(p.op) ? Name(p.redop) : "none"), int64_t{p.cycle},
                int64_t{p.rank}, ri.host, ri.device, p.time_s, p.wrong});
  }
  std::vector<Table> out = {CollectivesTable(rep), per};
  if (!rep.groups.empty()) out.push_back(GroupsTable(rep));
  if (!rep.p2p.empty()) {
    Table p2p = P2pTableSchema();
    for (const auto& r : rep.p2p) {
      p2p.AddRow({int64_t{r.src}, int64_t{r.dst}, comm.ranks()[static_cast<size_t>(r.src)].host,
                  comm.ranks()[static_cast<size_t>(r.dst)].host, r.kind, r.bandwidth, r.latency_s,
                  int64_t{r.flagged ? 1 : 0}});
    }
    out.push_back(p2p);
  }
  return out;
}

RunOutcome OutcomeOf(const BenchReport& rep) {
  if (rep.interrupted) return {RunStatus::kInterrupted, "interrupted by signal; results so far kept"};
  if (rep.total_wrong > 0) return {RunStatus::kFailed, fmt::format("{} wrong elements", rep.total_wrong)};
  return {};
}

nlohmann::json ReportJson(const Communicator& comm, const BenchReport& rep) {
  const RunOutcome outcome = OutcomeOf(rep);
  nlohmann::json j = ResultsJson(outcome.status, outcome.message, ResultTables(rep, comm));
  // What the run was, and its summary line (nccl-tests' "Avg bus bandwidth" and out-of-bounds count).
  j["backend"] = comm.backend();
  j["ranks"] = comm.size();
  j["buffers"] = comm.device_buffers() ? "device" : "host";
  j["init_s"] = comm.init_seconds();
  j["init_method"] = comm.init_method();
  if (!rep.groups.empty()) {
    j["split_init_s"] = rep.group_init_seconds;
    j["split_init_method"] = rep.group_init_method;
  }
  j["avg_busbw"] = rep.avg_busbw;
  j["wrong"] = rep.total_wrong;
  return j;
}

std::string RunConfigYaml(const Communicator& comm, const BenchOptions& b) {
  std::string redops, dtypes;
  for (RedOp r : b.redops) redops += fmt::format("{}{}", redops.empty() ? "" : ", ", Name(r));
  for (DataType t : b.dtypes) dtypes += fmt::format("{}{}", dtypes.empty() ? "" : ", ", Name(t));
  return fmt::format(
      "backend: {}\nbuffers: {}\ndtype: {}\ndtypes: [{}]\nredop: {}\nredops: [{}]\nmin_bytes: {}\nmax_bytes: {}\n"
      "step_bytes: {}\nstep_factor: {}\niters: {}\nagg_iters: {}\nwarmup_iters: {}\nchecks: {}\nrun_cycles: "
      "{}\nblocking: {}\n"
      "report_cputime: {}\niteration_stats: {}\nsplit: '{}'\nalltoallv_matrix: '{}'\n",
      comm.backend(), comm.device_buffers() ? "device" : "host", Name(b.dtype), dtypes, Name(b.redop), redops,
      b.min_bytes, b.max_bytes, b.increment, b.factor, b.iters, b.agg_iters, b.warmup, b.checks, b.cycles, b.blocking,
      b.report_cputime, b.iteration_stats, b.split, b.alltoallv_matrix_path);
}

void WriteResults(ResultSink& sink, const RunInfo& started, const Communicator& comm, const BenchOptions& b,
                  const BenchReport& rep, RunStatus status, const std::string& message) {
  RunInfo run = started;
  run.rank_count = comm.size();
  run.hosts = HostsOf(comm.ranks());
  run.config_yaml = RunConfigYaml(comm, b);
  sink.BeginRun(run);
  for (const auto& t : ResultTables(rep, comm)) sink.WriteTable(t);
  sink.EndRun(status, message);
}

std::string StalledAndWrongWarnings(const Communicator& comm, const BenchReport& rep) {
  std::string text;
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
    text += fmt::format(
        "clusterbench: warning: {} stopped and resumed during {} measurement(s); those figures "
        "include the stop (stalled_ranks) and are not the fabric's\n",
        who, rows);
  }
  if (rep.total_wrong > 0) {
    std::set<int> ranks;
    for (const auto& r : rep.results) {
      for (const auto* t : {&r.out_of_place, &r.in_place}) ranks.insert(t->wrong_ranks.begin(), t->wrong_ranks.end());
    }
    std::string wrong;
    for (int x : ranks) wrong += (wrong.empty() ? "" : ", ") + RankAt(comm, x);
    text += fmt::format("clusterbench: error: {} wrong element(s); seen by {}\n", rep.total_wrong, wrong);
  }
  return text;
}

}  // namespace cb::coll
