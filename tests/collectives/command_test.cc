// The `collectives` command without the CLI: flags to BenchOptions and a
// backend (collectives/command.h), nccl-tests' text and -J JSON from synthetic
// results (collectives/nccl_tests_output.h), the JSON document and tables
// (collectives/report.h), and a whole run on the loopback backend into a
// recording sink (collectives/run.h).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "collectives/command.h"
#include "collectives/nccl_tests_output.h"
#include "collectives/report.h"
#include "collectives/run.h"
#include "core/error.h"

namespace cb::coll {
namespace {

std::vector<std::string> Fields(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::string UsageMessage(const CommandOptions& o) {
  std::vector<std::string> notes;
  try {
    ToBench(o, &notes);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

// 1 KiB of floats all-reduced on 4 ranks in 10 us: algbw 1024 B / 10 us,
// busbw x 2(n-1)/n.
SizeResult SyntheticRow() {
  SizeResult r;
  r.op = OpKind::kAllReduce;
  r.size = 1024;
  r.count = 256;
  r.dtype = DataType::kFloat;
  r.redop = RedOp::kSum;
  r.root = -1;
  r.has_out_of_place = r.has_in_place = true;
  r.out_of_place.time_s = 10e-6;
  r.out_of_place.algbw = 1024 / 10e-6;
  r.out_of_place.busbw = r.out_of_place.algbw * 1.5;
  r.in_place = r.out_of_place;
  r.in_place.time_s = 20e-6;
  r.in_place.algbw = 1024 / 20e-6;
  r.in_place.busbw = r.in_place.algbw * 1.5;
  r.in_place.wrong = 3;
  return r;
}

TEST(CollectivesCommand, DefaultsAreNcclTests) {
  std::vector<std::string> notes;
  const BenchOptions b = ToBench(CommandOptions{}, &notes);
  EXPECT_EQ(b.min_bytes, size_t{32} << 20);
  EXPECT_EQ(b.max_bytes, size_t{32} << 20);
  EXPECT_EQ(b.increment, size_t{1} << 20);  // -f 1: sizes step by -i
  EXPECT_EQ(b.iters, 20);
  EXPECT_EQ(b.warmup, 1);
  ASSERT_EQ(b.ops.size(), 1u);
  EXPECT_EQ(b.ops[0], OpKind::kAllReduce);
  EXPECT_EQ(b.redop, RedOp::kSum);
  EXPECT_TRUE(notes.empty());
}

TEST(CollectivesCommand, MinusOIsTheReduction) {
  CommandOptions o;
  o.redop = "max";
  std::vector<std::string> notes;
  EXPECT_EQ(ToBench(o, &notes).redop, RedOp::kMax);
  o.redop = "all";
  EXPECT_EQ(ToBench(o, &notes).redops, AllRedOps());
  o.redop = "notanop";
  EXPECT_NE(UsageMessage(o).find("to write the results file use --output notanop"), std::string::npos);
  o.redop = "sum";
  o.ops = {"max"};
  EXPECT_NE(UsageMessage(o).find("--op max: --op names the collective here"), std::string::npos);
  o.ops = {"all"};
  const BenchOptions all = ToBench(o, &notes);
  EXPECT_EQ(all.ops, AllOps());
  EXPECT_TRUE(all.p2p);
}

// Every refused nccl-tests flag: its neutral value runs, any other is refused
// naming the flag and what it does in nccl-tests.
TEST(CollectivesCommand, RefusedNcclTestsFlagsNameTheirMeaning) {
  ASSERT_EQ(RefusedNcclTestsFlags().size(), 12u);
  for (const RefusedFlag& f : RefusedNcclTestsFlags()) {
    CommandOptions o;
    std::vector<std::string> notes;
    EXPECT_NO_THROW(ToBench(o, &notes)) << f.names;
    const std::string flag = std::string(f.names).substr(0, std::string(f.names).find(','));
    if (f.number) {
      o.*f.number = f.neutral + 1;
    } else {
      o.*f.text = "7";
    }
    const std::string why = UsageMessage(o);
    EXPECT_EQ(why.rfind(flag + " ", 0), 0u) << why;
    EXPECT_NE(why.find(f.meaning ? "not offered here (nccl-tests: " : "not offered here: "), std::string::npos) << why;
  }
  CommandOptions g;
  g.cudagraph = 1;
  EXPECT_EQ(UsageMessage(g),
            "-G 1: not offered here (nccl-tests: --cudagraph N, the timed ops captured in a CUDA graph that is "
            "launched N times); the timed ops are launched one by one, never captured in a graph (-m groups them)");
}

TEST(CollectivesCommand, BackendsThatAreNotBuiltAreRefused) {
  CommandOptions o;
  o.ranks = 3;
  Backends none;
  auto auto_backend = MakeBackend(o, none);  // auto without NCCL or MPI: threads
  EXPECT_EQ(auto_backend->name(), "loopback");
  EXPECT_EQ(auto_backend->world_size(), 3);
  auto refusal = [&](const std::string& backend) -> std::string {
    o.backend = backend;
    try {
      MakeBackend(o, none);
    } catch (const UsageError& e) {
      return e.what();
    }
    return "accepted";
  };
  EXPECT_EQ(refusal("mpi"), "--backend mpi: this build has no mpi backend (built: loopback)");
  // The name is parsed once there: one that is no backend is refused with the valid names.
  EXPECT_EQ(refusal("ucx"), "--backend ucx: not one of auto, loopback, mpi, nccl");
  o.backend = "loopback";
  o.gpus = 2;
  EXPECT_THROW(MakeBackend(o, none), UsageError);
}

// One row as nccl-tests prints it: scripts read it by awk field position.
TEST(NcclTestsOutput, RowHasNcclTestsFieldsInOrder) {
  const SizeResult r = SyntheticRow();
  const std::string line = RowText(r, false);
  EXPECT_EQ(line,
            "        1024           256     float     sum      -1    10.00    0.10    0.15       0    20.00    0.05"
            "    0.08       3\n");
  const std::vector<std::string> f = Fields(line);
  ASSERT_EQ(f.size(), 13u);
  EXPECT_EQ(f[0], "1024");   // size (B)
  EXPECT_EQ(f[5], "10.00");  // out-of-place time (us)
  EXPECT_EQ(f[7], "0.15");   // out-of-place busbw (GB/s)
  EXPECT_EQ(f[12], "3");     // in-place #wrong
  SizeResult unchecked = r;
  unchecked.checked = false;
  unchecked.op = OpKind::kAllGather;
  unchecked.has_in_place = false;
  const std::vector<std::string> g = Fields(RowText(unchecked, false));
  EXPECT_EQ(g[3], "none");  // no reduction
  EXPECT_EQ(g[8], "N/A");   // -c 0
  EXPECT_EQ(g[9], "-");
  EXPECT_EQ(Fields(RowText(r, true)).size(), 15u);  // -S: date and time of day
}

TEST(NcclTestsOutput, ColumnsAndFooterAsNcclTests) {
  BenchOptions b;
  b.ops = {OpKind::kAllReduce, OpKind::kBroadcast};
  const std::string columns = ColumnsText(OpKind::kBroadcast, b, false);
  EXPECT_EQ(columns.rfind("#\n# Collective test starting: broadcast_perf\n", 0), 0u);
  BenchReport rep;
  rep.avg_busbw = 12.5e9;
  EXPECT_EQ(FooterText(b, rep),
            "# Out of bounds values : 0 OK\n# Avg bus bandwidth    : 12.5 \n#\n"
            "# Collective test concluded: all_reduce_perf, broadcast_perf\n#\n");
  rep.total_wrong = 2;
  EXPECT_EQ(FooterText(b, rep).rfind("# Out of bounds values : 2 FAILED\n", 0), 0u);
}

// -J of a synthetic sweep: nccl-tests' keys, in its order, with its types.
TEST(NcclTestsOutput, JsonDocumentOfASweep) {
  const std::string dir = std::filesystem::temp_directory_path() / ("cb_ncj_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/out.json";
  std::ofstream(path) << "taken\n";  // never overwritten: out.json.0 instead
  BenchOptions b;
  b.min_bytes = 8;
  b.max_bytes = 1024;
  b.factor = 4;
  const std::vector<std::string> lines = {"#  Rank  0 Group  0 Pid   4242 on      node1 device -1 [cpu] host memory"};
  NcclTestsJson json(path, "clusterbench collectives -J out.json", b, lines, /*r0=*/true, 1, /*say=*/false);
  json.set_iterations(20);
  SizeResult unchecked = SyntheticRow();
  unchecked.checked = false;
  json.Row(SyntheticRow());
  json.Row(unchecked);
  BenchReport rep;
  rep.avg_busbw = 0.1e9;
  json.Finish(rep, "");
  EXPECT_EQ(json.path(), path + ".0");
  const nlohmann::ordered_json doc = nlohmann::ordered_json::parse(std::ifstream(json.path()));
  std::vector<std::string> keys;
  for (const auto& [k, v] : doc.items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"version", "start_time", "args", "env", "nccl_version", "config", "results",
                                            "out_of_bounds", "average_bus_bandwidth", "errors", "end_time"}));
  EXPECT_EQ(doc["args"][1], "collectives");
  EXPECT_EQ(doc["config"]["step_factor"], 4);
  EXPECT_EQ(doc["config"]["blocking_collectives"], "false");
  EXPECT_EQ(doc["config"]["devices"][0]["hostname"], "node1");
  EXPECT_EQ(doc["config"]["devices"][0]["pid"], 4242);
  EXPECT_EQ(doc["config"]["devices"][0]["device_info"], "host memory");
  ASSERT_EQ(doc["results"].size(), 2u);
  const auto& row = doc["results"][0];
  EXPECT_EQ(row["root"], "    -1");
  EXPECT_DOUBLE_EQ(row["out_of_place"]["time"].get<double>(), 10.0);
  EXPECT_DOUBLE_EQ(row["in_place"]["nwrong"].get<double>(), 3.0);
  EXPECT_EQ(row["actual_iterations"], 20);
  EXPECT_EQ(row["experiment_name"], "all_reduce_perf");
  EXPECT_TRUE(doc["results"][1]["out_of_place"]["nwrong"].is_null());
  EXPECT_EQ(doc["out_of_bounds"]["okay"], "true");
  EXPECT_DOUBLE_EQ(doc["average_bus_bandwidth"]["bandwidth"].get<double>(), 0.1);
  std::filesystem::remove_all(dir);
}

// Records what a run writes to its results file.
struct RecordingSink : ResultSink {
  struct Record {
    RunInfo run;
    std::vector<Table> tables;
    RunStatus status = RunStatus::kRunning;
    std::string message;
  };
  explicit RecordingSink(std::vector<Record>* runs) : into(runs) {}
  void BeginRun(const RunInfo& info) override { into->push_back({info, {}, RunStatus::kRunning, ""}); }
  void WriteTable(const Table& table) override { into->back().tables.push_back(table); }
  void EndRun(RunStatus status, const std::string& message) override {
    into->back().status = status;
    into->back().message = message;
  }
  std::vector<Record>* into;
};

Reporting RecordTo(std::vector<RecordingSink::Record>* runs) {
  Reporting how;
  how.table = false;
  how.command_line = "clusterbench collectives --output x.h5";
  how.output = "x.h5";
  how.open_output = [runs]() -> std::unique_ptr<ResultSink> { return std::make_unique<RecordingSink>(runs); };
  return how;
}

TEST(CollectivesRun, WritesItsTablesThroughTheSink) {
  CommandOptions o;
  o.backend = "loopback";
  o.ranks = 2;
  o.min_bytes = "8";
  o.max_bytes = "64";
  o.factor = 8;
  o.iters = 2;
  o.ops = {"all_reduce", "p2p"};
  std::vector<RecordingSink::Record> runs;
  EXPECT_EQ(RunCommand(o, RecordTo(&runs), Backends{}), 0);
  ASSERT_EQ(runs.size(), 1u);
  const auto& run = runs[0];
  EXPECT_EQ(run.status, RunStatus::kComplete);
  EXPECT_EQ(run.run.kind, "collectives");
  EXPECT_EQ(run.run.rank_count, 2);
  EXPECT_NE(run.run.config_yaml.find("backend: loopback\n"), std::string::npos);
  std::vector<std::string> names;
  for (const auto& t : run.tables) names.push_back(t.name());
  EXPECT_EQ(names, (std::vector<std::string>{"collectives", "collectives_per_rank", "p2p"}));
  EXPECT_EQ(run.tables[0].size(), 4u);  // 8 and 64 bytes, out of and in place
  EXPECT_EQ(run.tables[1].size(), 8u);  // and per rank
}

TEST(CollectivesRun, WrongElementsFailTheRun) {
  CommandOptions o;
  o.backend = "loopback";
  o.ranks = 2;
  o.min_bytes = o.max_bytes = "64";
  o.iters = 2;
  o.injects = {"corrupt:1"};
  std::vector<RecordingSink::Record> runs;
  EXPECT_EQ(RunCommand(o, RecordTo(&runs), Backends{}), static_cast<int>(ExitCode::kCheckFailed));
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].status, RunStatus::kFailed);
  EXPECT_NE(runs[0].message.find("wrong elements"), std::string::npos);
}

// The --format json document, the tables and the warnings of a real
// (loopback) report with one corrupted rank.
TEST(CollectivesReport, JsonTablesAndWarnings) {
  BackendOptions bo;
  bo.loopback_ranks = 2;
  auto backend = MakeLoopbackBackend(bo);
  nlohmann::json doc;
  std::vector<std::string> names;
  std::string warnings;
  backend->Run([&](Communicator& comm) {
    BenchOptions b;
    b.ops = {OpKind::kAllReduce};
    b.min_bytes = b.max_bytes = 64;
    b.iters = 2;
    b.corrupt_rank = 1;
    ValidateOptions(&b, comm);
    const BenchReport rep = RunBenchmark(comm, b, nullptr);
    if (comm.rank() != 0) return;
    doc = ReportJson(comm, rep);
    for (const auto& t : ResultTables(rep, comm)) names.push_back(t.name());
    warnings = StalledAndWrongWarnings(comm, rep);
  });
  EXPECT_EQ(doc["backend"], "loopback");
  EXPECT_EQ(doc["ranks"], 2);
  EXPECT_EQ(doc["buffers"], "host");
  // --format json is the stored tables (issue 16, point 3): the same names, columns and SI units.
  const auto& rows = doc["tables"]["collectives"]["rows"];
  ASSERT_EQ(rows.size(), 2u);  // out of and in place
  EXPECT_EQ(rows[0]["op"], "all_reduce");
  EXPECT_EQ(rows[0]["in_place"], 0);
  EXPECT_EQ(rows[0]["wrong_ranks"], "0,1");  // rank 1's corrupted contribution reaches every rank's sum
  EXPECT_DOUBLE_EQ(rows[0]["algbw"].get<double>(), 64 / rows[0]["time"].get<double>());
  EXPECT_EQ(doc["tables"]["collectives_per_rank"]["rows"].size(), 4u);  // 2 ranks x 2 placements
  EXPECT_GT(doc["wrong"].get<int64_t>(), 0);
  EXPECT_EQ(doc["status"], "failed");  // as the results file records a run with wrong elements (OutcomeOf)
  EXPECT_NE(doc["message"].get<std::string>().find("wrong elements"), std::string::npos);
  EXPECT_FALSE(doc.contains("split_init_s"));
  std::vector<std::string> in_json;
  for (const auto& [name, t] : doc["tables"].items()) in_json.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"collectives", "collectives_per_rank"}));
  EXPECT_EQ(in_json, (std::vector<std::string>{"collectives", "collectives_per_rank"}));
  EXPECT_EQ(warnings.rfind("clusterbench: error: ", 0), 0u) << warnings;
  EXPECT_NE(warnings.find(" wrong element(s); seen by rank "), std::string::npos) << warnings;
}

}  // namespace
}  // namespace cb::coll
