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

// Readers of a table (renderings, calibrate) get typed cells by name; a missing or differently typed column is an
// error naming the table and the column, never a silent default.
TEST(Table, TypedCellsByNameNameTheTableAndColumnWhenAbsent) {
  Table t("gemm", "d",
          {{"m", ColumnType::kInt64, "1", ""},
           {"flop_rate", ColumnType::kFloat64, "FLOP/s", ""},
           {"dtype", ColumnType::kString, "", ""}});
  t.AddRow({int64_t{1024}, 5e13, std::string("bf16")});
  EXPECT_EQ(t.Int(0, "m"), 1024);
  EXPECT_DOUBLE_EQ(t.Float(0, "flop_rate"), 5e13);
  EXPECT_DOUBLE_EQ(t.Float(0, "m"), 1024.0);  // an int64 column reads as a number
  EXPECT_EQ(t.Str(0, "dtype"), "bf16");
  auto message = [&](auto read) -> std::string {
    try {
      read();
    } catch (const RuntimeError& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_EQ(message([&] { t.Float(0, "tflops"); }), "table 'gemm' has no column 'tflops'");
  EXPECT_EQ(message([&] { t.Int(0, "flop_rate"); }), "table 'gemm': column 'flop_rate' is float64, read as int64");
  EXPECT_EQ(message([&] { t.Str(0, "m"); }), "table 'gemm': column 'm' is int64, read as string");
  EXPECT_EQ(message([&] { t.Int(1, "m"); }), "table 'gemm': row 1 of 1 read");
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
