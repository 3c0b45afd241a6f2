// A collectives run's JSON, tables, results-file run and warnings (see
// report.h).
#include "collectives/report.h"

#include <fmt/format.h>

#include <set>

#include "collectives/datatype.h"
#include "collectives/op.h"
#include "collectives/result_tables.h"

namespace cb::coll {

std::string RankAt(const Communicator& comm, int x) {
  const auto& ri = comm.ranks()[static_cast<size_t>(x)];
  return fmt::format("rank {} ({}, {})", x, ri.host, ri.device);
}

nlohmann::json TimingJson(const SizeResult& r, bool in_place) {
  const Timing& t = in_place ? r.in_place : r.out_of_place;
  return {
      {"op", Name(r.op)},
      {"size_bytes", r.size},
      {"count", r.count},
      {"dtype", Name(r.dtype)},
      {"redop", IsReduction(r.op) ? Name(r.redop) : "none"},
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

nlohmann::json ReportJson(const Communicator& comm, const BenchReport& rep) {
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
    j["groups"].push_back({{"op", Name(g.op)},
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

namespace {

// The collectives table: one row per op, size and placement.
Table CollectivesTable(const BenchReport& rep) {
  Table agg = CollectivesTableSchema();
  for (const auto& r : rep.results) {
    for (bool ip : {false, true}) {
      if (ip ? !r.has_in_place : !r.has_out_of_place) continue;
      const Timing& t = ip ? r.in_place : r.out_of_place;
      std::string late, stalled;
      for (int x : t.late_ranks) late += (late.empty() ? "" : ",") + std::to_string(x);
      for (int x : t.stalled_ranks) stalled += (stalled.empty() ? "" : ",") + std::to_string(x);
      agg.AddRow({std::string(Name(r.op)), static_cast<int64_t>(r.size), static_cast<int64_t>(r.count),
                  std::string(Name(r.dtype)), std::string(IsReduction(r.op) ? Name(r.redop) : "none"), int64_t{r.root},
                  int64_t{ip ? 1 : 0}, t.time_s, t.algbw, t.busbw, t.wrong, t.rank_time.min, t.rank_time.median,
                  t.rank_time.max, t.rank_time.p99, int64_t{r.checked ? 1 : 0}, int64_t{r.cycle}, late, stalled});
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
  std::set<std::string> hosts;
  for (const auto& ri : comm.ranks()) hosts.insert(ri.host);
  run.hosts.assign(hosts.begin(), hosts.end());
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
