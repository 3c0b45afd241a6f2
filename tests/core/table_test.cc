#include "core/table.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "core/error.h"

namespace cb {
namespace {

TEST(Table, RowsAreTypeChecked) {
  Table t(
      "t", "d",
      {{"a", ColumnType::kInt64, "1", ""}, {"b", ColumnType::kFloat64, "s", ""}, {"c", ColumnType::kString, "", ""}});
  t.AddRow({int64_t{1}, 2.5, std::string("x")});
  t.AddRow({int64_t{1}, int64_t{3}, std::string("y")});  // int promoted to float
  EXPECT_DOUBLE_EQ(std::get<double>(t.rows()[1][1]), 3.0);
  EXPECT_THROW(t.AddRow({int64_t{1}, 2.5}), RuntimeError);
  EXPECT_THROW(t.AddRow({std::string("x"), 2.5, std::string("y")}), RuntimeError);
  EXPECT_EQ(t.ColumnIndex("c"), 2);
  EXPECT_EQ(t.ColumnIndex("zz"), -1);
}

TEST(Table, RunInfoRecordsEnvironment) {
  setenv("NCCL_DEBUG", "INFO", 1);
  setenv("UNRELATED_VAR", "x", 1);
  RunInfo r = MakeRunInfo("kernels", "clusterbench kernels");
  EXPECT_EQ(r.environment.at("NCCL_DEBUG"), "INFO");
  EXPECT_EQ(r.environment.count("UNRELATED_VAR"), 0u);
  EXPECT_EQ(r.status, RunStatus::kRunning);
  EXPECT_FALSE(r.id.empty());
  EXPECT_EQ(r.start_time.size(), 24u);  // 2026-11-25T07:56:00.123Z
  EXPECT_EQ(ParseRunStatus("interrupted"), RunStatus::kInterrupted);
  EXPECT_THROW(ParseRunStatus("bogus"), RuntimeError);
}

}  // namespace
}  // namespace cb
