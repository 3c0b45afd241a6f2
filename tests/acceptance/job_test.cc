// validate's job without the CLI (acceptance/inject.h, outputs.h, job.h): the
// --inject texts, the report names and paths, the drain hook and its evidence
// table, where a report goes, the control plane, and the suite run on
// loopback ranks with its evidence written through a ResultSink.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "acceptance/inject.h"
#include "acceptance/job.h"
#include "acceptance/outputs.h"
#include "acceptance/report.h"
#include "acceptance/runner.h"
#include "acceptance/suite.h"
#include "core/config.h"
#include "core/error.h"

namespace fs = std::filesystem;

namespace cb::acc {
namespace {

RunOptions Parsed(const std::vector<std::string>& injects) {
  RunOptions ro;
  ParseInjections(injects, &ro);
  return ro;
}

// The message ParseInjections throws for `text` (a UsageError: exit 2, which
// validate reports as UNKNOWN).
std::string Refusal(const std::string& text) {
  try {
    Parsed({text});
  } catch (const UsageError& e) {
    EXPECT_EQ(e.code(), ExitCode::kUsage);
    return e.what();
  }
  ADD_FAILURE() << text << " was accepted";
  return "";
}

TEST(Inject, EveryFormIntoRunOptions) {
  RunOptions none = Parsed({});
  EXPECT_EQ(none.slow_rank, -1);
  EXPECT_EQ(none.corrupt_rank, -1);
  EXPECT_TRUE(none.fabric_injections.empty());

  RunOptions ro = Parsed({"slow:2:0.5", "corrupt:1", "slowlink:0:3:0.25", "slownic:2:0.75", "slownic:1:0.5"});
  EXPECT_EQ(ro.slow_rank, 2);
  EXPECT_DOUBLE_EQ(ro.slow_fraction, 0.5);
  EXPECT_EQ(ro.corrupt_rank, 1);
  ASSERT_EQ(ro.fabric_injections.links.size(), 1u);
  EXPECT_EQ(ro.fabric_injections.links[0].a, 0);
  EXPECT_EQ(ro.fabric_injections.links[0].b, 3);
  EXPECT_DOUBLE_EQ(ro.fabric_injections.links[0].fraction, 0.25);
  ASSERT_EQ(ro.fabric_injections.nics.size(), 2u);  // NICs and links add up
  EXPECT_EQ(ro.fabric_injections.nics[1].rank, 1);
  EXPECT_DOUBLE_EQ(ro.fabric_injections.nics[0].fraction, 0.75);

  // A later slow (or corrupt) replaces an earlier one.
  RunOptions twice = Parsed({"slow:0:0.5", "slow:3:0.25", "corrupt:0", "corrupt:4"});
  EXPECT_EQ(twice.slow_rank, 3);
  EXPECT_DOUBLE_EQ(twice.slow_fraction, 0.25);
  EXPECT_EQ(twice.corrupt_rank, 4);
}

// Each bad text names itself and what was expected (the CLI prints these).
TEST(Inject, BadTextsAreRefusedNamingTheForm) {
  EXPECT_EQ(Refusal("bogus:0"), "--inject bogus:0: unknown injection 'bogus' (slow, corrupt, slowlink, slownic)");
  EXPECT_EQ(
      Refusal("slow:x:0.5"),
      "--inject slow:x:0.5: expected KIND:RANK (slow:RANK:FRACTION), KIND one of slow, corrupt, slowlink, slownic");
  EXPECT_EQ(
      Refusal("corrupt:-1"),
      "--inject corrupt:-1: expected KIND:RANK (slow:RANK:FRACTION), KIND one of slow, corrupt, slowlink, slownic");
  EXPECT_EQ(Refusal("slow:0"), "--inject slow:0: slow needs a FRACTION (slow:RANK:0.5)");
  EXPECT_EQ(Refusal("slow:0:1.5"),
            "--inject slow:0:1.5: FRACTION must be in (0, 1): the share of throughput taken away");
  EXPECT_EQ(Refusal("slow:0:0"), "--inject slow:0:0: FRACTION must be in (0, 1): the share of throughput taken away");
  EXPECT_EQ(Refusal("slowlink:0:1"), "--inject slowlink:0:1: expected slowlink:A:B:FRACTION");
  EXPECT_EQ(Refusal("slowlink:0:0:0.5"), "--inject slowlink:0:0:0.5: a link joins two different ranks");
  EXPECT_EQ(Refusal("slowlink:0:1:abc"),
            "--inject slowlink:0:1:abc: expected slowlink:A:B:FRACTION with FRACTION a number in (0, 1)");
  EXPECT_EQ(Refusal("slowlink:0:1:0.5x"),
            "--inject slowlink:0:1:0.5x: expected slowlink:A:B:FRACTION with FRACTION a number in (0, 1)");
  EXPECT_EQ(Refusal("slowlink:a:1:0.5"),
            "--inject slowlink:a:1:0.5: expected slowlink:A:B:FRACTION with RANK a rank of the job (0, 1, ...)");
  EXPECT_EQ(Refusal("slownic:x:0.5"),
            "--inject slownic:x:0.5: expected slownic:RANK:FRACTION with RANK a rank of the job (0, 1, ...)");
  EXPECT_EQ(Refusal("slownic:-1:0.5"),
            "--inject slownic:-1:0.5: expected slownic:RANK:FRACTION with RANK a rank of the job (0, 1, ...)");
  EXPECT_EQ(Refusal("slownic:1:2"),
            "--inject slownic:1:2: FRACTION must be in (0, 1): the share of throughput taken away");
  EXPECT_EQ(Refusal("slownic:1:0.5:9"), "--inject slownic:1:0.5:9: expected slownic:RANK:FRACTION");
}

// A scratch directory of its own, removed afterwards.
class Scratch {
 public:
  Scratch() : dir_(fs::temp_directory_path() / ("cb_job_test_" + std::to_string(getpid()))) {
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  ~Scratch() { fs::remove_all(dir_); }
  std::string operator/(const std::string& name) const { return (dir_ / name).string(); }

 private:
  fs::path dir_;
};

std::string Slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

TEST(Outputs, ReportNamesAndPaths) {
  EXPECT_NO_THROW(CheckReportNames({"a.html", "b.htm", "dir/c.md"}));
  try {
    CheckReportNames({"a.html", "x.pdf"});
    ADD_FAILURE() << "x.pdf accepted";
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(), "--report x.pdf: the report is .html or .md");
  }
  Scratch tmp;
  ReportOutputs out;
  out.reports = {tmp / "r.html"};
  out.prometheus = tmp / "prom/sub";  // created, with its parents
  out.evidence = tmp / "e.h5";
  EXPECT_NO_THROW(CheckReportPaths(out));
  EXPECT_TRUE(fs::is_directory(tmp / "prom/sub"));
  out.evidence = tmp / "missing/e.h5";
  EXPECT_THROW(CheckReportPaths(out), IoError);
  out.evidence.clear();
  std::ofstream(tmp / "file") << "x";
  out.prometheus = tmp / "file";
  try {
    CheckReportPaths(out);
    ADD_FAILURE() << "a file accepted as the --prometheus directory";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find(": --prometheus directory cannot be created: "), std::string::npos)
        << e.what();
  }
}

TEST(Outputs, WriteFileAtomicallyLeavesNoTemporary) {
  Scratch tmp;
  WriteFileAtomically(tmp / "a.txt", "one");
  WriteFileAtomically(tmp / "a.txt", "two");
  EXPECT_EQ(Slurp(tmp / "a.txt"), "two");
  EXPECT_FALSE(fs::exists(tmp / "a.txt.tmp"));
  EXPECT_THROW(WriteFileAtomically(tmp / "missing/a.txt", "x"), IoError);
}

// Two nodes on two hosts; h1 fails gemm (slow), h0 passes.
ValidationReport OneFailingNode() {
  ValidationReport r;
  r.suite.name = "host-cpu";
  Check c;
  c.name = "gemm-fp64";
  c.benchmark = "gemm";
  c.scope = Scope::kNode;
  c.judge.name = c.name;
  c.judge.dimension = Dimension::kFlopRate;
  r.suite.checks.push_back(c);
  std::vector<UnitData> data(2);
  for (int i = 0; i < 2; ++i) {
    RankResult rr;
    rr.rank = i;
    rr.host = "h" + std::to_string(i);
    rr.node = "n" + std::to_string(i);
    r.ranks.push_back(rr);
    data[static_cast<size_t>(i)].label = rr.node;
    data[static_cast<size_t>(i)].values = {i == 1 ? 1.0 : 10.0};
  }
  std::vector<UnitVerdict> v = Judge(c.judge, data);
  for (int i = 0; i < 2; ++i) {
    UnitResult u;
    u.ranks = {i};
    u.host = "h" + std::to_string(i);
    u.node = u.label = "n" + std::to_string(i);
    u.data = data[static_cast<size_t>(i)];
    u.verdict = v[static_cast<size_t>(i)];
    r.units.push_back(u);
  }
  RollUp(&r);
  return r;
}

TEST(Drain, HookRunsOncePerFailedHostAndIsTabled) {
  const ValidationReport r = OneFailingNode();
  ASSERT_EQ(FailedNodes(r).size(), 1u);
  EXPECT_TRUE(RunDrainHooks("", 1, r).empty());  // no --drain-cmd: nothing run
  Scratch tmp;
  const std::vector<DrainRun> runs = RunDrainHooks("printf %s {host} > " + (tmp / "drained") + "; exit 3", 10, r);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].host, "h1");
  EXPECT_EQ(runs[0].exit_status, 3);
  EXPECT_EQ(runs[0].command.find("printf %s 'h1' > "), 0u) << runs[0].command;
  EXPECT_EQ(Slurp(tmp / "drained"), "h1");
  // A command that outlasts its time is ended and recorded as 124.
  const std::vector<DrainRun> hung = RunDrainHooks("sleep 30", 0.2, r);
  ASSERT_EQ(hung.size(), 1u);
  EXPECT_EQ(hung[0].exit_status, 124);

  const Table t = DrainTable(runs);
  EXPECT_EQ(t.name(), "validate_drain");
  ASSERT_EQ(t.columns().size(), 3u);
  EXPECT_EQ(t.columns()[0].name, "host");
  EXPECT_EQ(t.columns()[1].name, "command");
  EXPECT_EQ(t.columns()[2].name, "exit_status");
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(std::get<std::string>(t.rows()[0][0]), "h1");
  EXPECT_EQ(std::get<int64_t>(t.rows()[0][2]), 3);
}

// What a results file would receive, in order.
class RecordingSink : public ResultSink {
 public:
  struct Log {
    std::vector<RunInfo> begun;
    std::vector<std::string> tables;
    std::vector<std::pair<RunStatus, std::string>> ended;
  };
  explicit RecordingSink(std::shared_ptr<Log> log) : log_(std::move(log)) {}
  void BeginRun(const RunInfo& info) override { log_->begun.push_back(info); }
  void WriteTable(const Table& table) override { log_->tables.push_back(table.name()); }
  void EndRun(RunStatus status, const std::string& message) override { log_->ended.emplace_back(status, message); }

 private:
  std::shared_ptr<Log> log_;
};

bool Has(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

TEST(Outputs, ReportsEvidenceAndDrainInOrder) {
  Scratch tmp;
  ReportOutputs out;
  out.format = "json";
  out.reports = {tmp / "r.md", tmp / "r.html"};
  out.prometheus = tmp / "prom";
  fs::create_directories(out.prometheus);
  out.drain_cmd = "test -s " + (tmp / "r.html") + " && exit 7";  // the reports exist before the hook runs
  auto log = std::make_shared<RecordingSink::Log>();
  RecordingSink sink(log);
  const ValidationReport r = OneFailingNode();
  testing::internal::CaptureStdout();
  WriteOutputs(out, r, &sink);
  const std::string printed = testing::internal::GetCapturedStdout();
  // The JSON is the run the sink received, printed after the drain hook ran:
  // every table it stored, validate_drain among them, the status and message
  // it ended with, and the suite as config_yaml.
  const nlohmann::json j = nlohmann::json::parse(printed);
  EXPECT_EQ(j["tables"]["validate_status"]["rows"][0]["banner"], Headline(r));
  EXPECT_EQ(j["tables"]["validate_drain"]["rows"][0]["exit_status"], 7);
  std::vector<std::string> printed_tables;
  for (const auto& [name, table] : j["tables"].items()) printed_tables.push_back(name);
  std::vector<std::string> stored = log->tables;
  std::sort(stored.begin(), stored.end());
  EXPECT_EQ(printed_tables, stored);
  EXPECT_EQ(j["status"], "complete");
  EXPECT_EQ(j["message"], "verdict " + r.status.name);
  EXPECT_EQ(j["config_yaml"], r.suite.yaml);
  EXPECT_NE(Slurp(tmp / "r.md").find(Headline(r)), std::string::npos);
  EXPECT_NE(Slurp(tmp / "r.html").find("<html"), std::string::npos);
  EXPECT_FALSE(fs::is_empty(out.prometheus));
  EXPECT_TRUE(Has(log->tables, "validate_verdicts"));
  ASSERT_TRUE(Has(log->tables, "validate_drain"));
  EXPECT_EQ(log->tables.back(), "validate_drain");
  ASSERT_EQ(log->ended.size(), 1u);
  EXPECT_EQ(log->ended[0].first, RunStatus::kComplete);
  EXPECT_EQ(log->ended[0].second, "verdict " + r.status.name);

  // A partial report drains nobody and ends the run interrupted (or failed
  // when a watchdog ended the job).
  ValidationReport partial = r;
  partial.partial = true;
  partial.partial_reason = "interrupted by SIGINT";
  auto log2 = std::make_shared<RecordingSink::Log>();
  RecordingSink sink2(log2);
  out.format = "table";
  testing::internal::CaptureStdout();
  WriteOutputs(out, partial, &sink2);
  WriteOutputs(out, partial, &sink2, /*failed=*/true);
  testing::internal::GetCapturedStdout();
  EXPECT_FALSE(Has(log2->tables, "validate_drain"));
  ASSERT_EQ(log2->ended.size(), 2u);
  EXPECT_EQ(log2->ended[0], std::make_pair(RunStatus::kInterrupted, std::string("interrupted by SIGINT")));
  EXPECT_EQ(log2->ended[1].first, RunStatus::kFailed);
}

TEST(Job, ControlPlaneOfThisBuild) {
  Backends none;
  EXPECT_THROW(MakeControlPlane(none, CollectiveBackend::kMpi, 1, 0), UsageError);
  EXPECT_THROW(MakeControlPlane(none, CollectiveBackend::kNccl, 1, 0), UsageError);  // no control plane
  auto loopback = MakeControlPlane(none, CollectiveBackend::kAuto, 3, 0);
  ASSERT_NE(loopback, nullptr);
  EXPECT_TRUE(loopback->holds_rank0());
  RunOptions ro;
  AttachBackends(none, 0, &ro);
  EXPECT_FALSE(ro.device_kernels);
  EXPECT_FALSE(ro.make_nccl);
  EXPECT_EQ(ro.why_no_devices, "this build has no GPU kernels backend (configure with CB_ENABLE_CUDA)");
  DescribeNodeAndRun(none, "clusterbench validate --suite host-cpu", "hdf5 9.9", &ro);
  EXPECT_EQ(ro.versions.at("hdf5"), "hdf5 9.9");
  EXPECT_EQ(ro.provenance.command_line, "clusterbench validate --suite host-cpu");
  EXPECT_FALSE(ro.provenance.started_utc.empty());
  EXPECT_EQ(ro.node_info.gpu_note, "CUDA backend not built");
}

// The suite on two loopback ranks: rank 0 begins the evidence run before
// measuring and ends it with the verdict; every rank returns the exit code.
TEST(Job, SuiteOnLoopbackRanksWritesItsEvidence) {
  ConfigLoader loader({std::string(CB_SOURCE_DIR) + "/configs"});
  const Suite suite = LoadSuite(loader, "host-cpu",
                                {ParseOverride("checks.0.size=64"), ParseOverride("checks.1.bytes=1MiB"),
                                 ParseOverride("checks.0.threshold.relative=0.99"),
                                 ParseOverride("checks.0.threshold.outlier_min_deviation=0.99"),
                                 ParseOverride("checks.1.threshold.relative=0.99"),
                                 ParseOverride("checks.1.threshold.outlier_min_deviation=0.99")});
  Backends none;
  auto backend = MakeControlPlane(none, CollectiveBackend::kLoopback, 2, 0);
  RunOptions ro;
  ro.node_mode = NodeMode::kRank;
  AttachBackends(none, 0, &ro);
  DescribeNodeAndRun(none, "test", "none", &ro);
  Scratch tmp;
  ReportOutputs out;
  out.evidence = tmp / "e.h5";
  auto log = std::make_shared<RecordingSink::Log>();
  std::string opened;
  auto open = [&](const std::string& path) {
    opened = path;
    return std::make_unique<RecordingSink>(log);
  };
  testing::internal::CaptureStdout();
  const int code = RunSuiteOnRanks(out, suite, ro, *backend, open, "clusterbench validate", Logger(Verbosity::kQuiet));
  const std::string printed = testing::internal::GetCapturedStdout();
  EXPECT_EQ(code, 0) << printed;
  EXPECT_EQ(opened, out.evidence);
  ASSERT_EQ(log->begun.size(), 1u);
  EXPECT_EQ(log->begun[0].kind, "validate");
  EXPECT_EQ(log->begun[0].rank_count, 2);
  EXPECT_EQ(log->begun[0].command_line, "clusterbench validate");
  EXPECT_EQ(log->begun[0].config_yaml, suite.yaml);
  EXPECT_TRUE(Has(log->tables, "validate_verdicts"));
  ASSERT_EQ(log->ended.size(), 1u);
  EXPECT_EQ(log->ended[0], std::make_pair(RunStatus::kComplete, std::string("verdict OK")));
  EXPECT_NE(printed.find("verdict: OK"), std::string::npos) << printed;
}

}  // namespace
}  // namespace cb::acc
