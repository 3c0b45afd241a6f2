// `report --run ID|latest [--table T]` without the CLI (store/run_selection.h):
// which runs are meant, the note when `latest` skips a later run without the
// table, and the errors that name what the file holds.
#include "store/run_selection.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "store/hdf5_store.h"
#include "tests/store/test_util.h"

namespace cb {
namespace {

using RunSelectionTest = cb::testing::ScratchDirTest;

// A kernels run with a gemm table, then a topology run with a tiers table.
std::string TwoRuns(const std::string& path) {
  Hdf5Writer writer(path);
  writer.BeginRun(cb::testing::SampleRun("run-1", "2026-01-01T00:00:00.000Z"));
  writer.WriteTable(cb::testing::SampleTable("gemm"));
  writer.EndRun(RunStatus::kComplete, "");
  RunInfo topo = cb::testing::SampleRun("run-2", "2026-01-01T00:01:00.000Z");
  topo.kind = "topology";
  writer.BeginRun(topo);
  writer.WriteTable(cb::testing::SampleTable("tiers"));
  writer.EndRun(RunStatus::kComplete, "");
  return path;
}

std::vector<std::string> Ids(const std::vector<RunInfo>& runs) {
  std::vector<std::string> ids;
  for (const auto& r : runs) ids.push_back(r.id);
  return ids;
}

TEST_F(RunSelectionTest, EveryRunOneRunOrTheLatest) {
  Hdf5Reader reader(TwoRuns(PathIn("r.h5")));
  const RunSelection all = SelectRuns(reader, "", "");
  EXPECT_EQ(Ids(all.all), (std::vector<std::string>{"run-1", "run-2"}));
  EXPECT_EQ(Ids(all.selected), Ids(all.all));
  EXPECT_EQ(Ids(SelectRuns(reader, "run-1", "").selected), std::vector<std::string>{"run-1"});
  const RunSelection latest = SelectRuns(reader, "latest", "");
  EXPECT_EQ(Ids(latest.selected), std::vector<std::string>{"run-2"});
  EXPECT_EQ(latest.note, "");
  EXPECT_EQ(Ids(SelectRuns(reader, "latest", "tiers").selected), std::vector<std::string>{"run-2"});
}

// The latest run with the table, said when it is not the file's last run.
TEST_F(RunSelectionTest, LatestWithATableSkipsLaterRunsWithoutIt) {
  Hdf5Reader reader(TwoRuns(PathIn("r.h5")));
  const RunSelection s = SelectRuns(reader, "latest", "gemm");
  EXPECT_EQ(Ids(s.selected), std::vector<std::string>{"run-1"});
  EXPECT_EQ(s.note, "--run latest: run-1 (kernels), the latest run with a 'gemm' table");
}

TEST_F(RunSelectionTest, WhatTheFileLacksIsAFileProblem) {
  const std::string path = TwoRuns(PathIn("r.h5"));
  Hdf5Reader reader(path);
  try {
    SelectRuns(reader, "run-9", "");
    ADD_FAILURE() << "run-9 selected";
  } catch (const IoError& e) {
    EXPECT_EQ(std::string(e.what()),
              "results file '" + path + "' has no run 'run-9'; runs in the file:\n  run-1\n  run-2");
  }
  try {
    SelectRuns(reader, "latest", "links");
    ADD_FAILURE() << "a table nobody has selected";
  } catch (const IoError& e) {
    EXPECT_EQ(std::string(e.what()),
              "results file '" + path + "' has no run with a table 'links'; tables in the file: gemm, tiers");
  }
  EXPECT_THROW(SelectRuns(reader, "", "gemm"), UsageError);  // --table with every run
}

}  // namespace
}  // namespace cb
