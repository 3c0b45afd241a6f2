#include "core/table_export.h"

#include <gtest/gtest.h>
#include <cmath>
#include <limits>

#include "tests/store/test_util.h"

namespace cb {
namespace {

Table SmallTable() {
  Table t("sizes", "two sizes",
          {{"name", ColumnType::kString, "", "label"},
           {"bytes", ColumnType::kInt64, "B", "message size"},
           {"time", ColumnType::kFloat64, "s", "median"}});
  t.AddRow({std::string("a"), int64_t{1}, 0.000123456789});
  t.AddRow({std::string("longer"), int64_t{1048576}, 12345678.9});
  return t;
}

TEST(ExportTest, TableToJsonHasColumnsAndRowsKeyedByName) {
  Table t = SmallTable();
  t.AddRow({std::string("nan"), int64_t{0}, std::numeric_limits<double>::quiet_NaN()});
  const nlohmann::json j = TableToJson(t);
  EXPECT_EQ(j["name"], "sizes");
  EXPECT_EQ(j["description"], "two sizes");
  ASSERT_EQ(j["columns"].size(), 3u);
  EXPECT_EQ(j["columns"][1],
            (nlohmann::json{{"name", "bytes"}, {"type", "int64"}, {"units", "B"}, {"description", "message size"}}));
  EXPECT_EQ(j["columns"][2]["type"], "float64");
  EXPECT_EQ(j["columns"][0]["type"], "string");
  ASSERT_EQ(j["rows"].size(), 3u);
  EXPECT_EQ(j["rows"][1], (nlohmann::json{{"name", "longer"}, {"bytes", 1048576}, {"time", 12345678.9}}));
  EXPECT_TRUE(j["rows"][2]["time"].is_null());  // JSON has no NaN
  EXPECT_NO_THROW(j.dump());
}

TEST(ExportTest, JsonOfInvalidUtf8StillDumps) {
  Table t("t", "bad \xff", {{"s", ColumnType::kString, "", ""}});
  t.AddRow({std::string("\xc3")});
  EXPECT_EQ(TableToJson(t).dump(), R"({"columns":[{"description":"","name":"s","type":"string","units":""}],)"
                                   R"("description":"bad �","name":"t","rows":[{"s":"�"}]})");
}

TEST(ExportTest, RunInfoToJsonHasEveryField) {
  RunInfo info = testing::SampleRun("r1");
  info.status = RunStatus::kInterrupted;
  info.message = "SIGINT";
  const nlohmann::json j = RunInfoToJson(info);
  EXPECT_EQ(j["id"], "r1");
  EXPECT_EQ(j["kind"], "kernels");
  EXPECT_EQ(j["status"], "interrupted");
  EXPECT_EQ(j["hosts"], (nlohmann::json{"node-a", "node-b"}));
  EXPECT_EQ(j["rank_count"], 16);
  EXPECT_EQ(j["environment"]["NCCL_DEBUG"], "INFO");
  EXPECT_EQ(j["message"], "SIGINT");
  for (const char* key : {"start_time", "end_time", "tool_version", "git_revision", "command_line", "config_yaml"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
}

TEST(ExportTest, CsvQuotesOnlyWhatNeedsItAndKeepsFullPrecision) {
  Table t("t", "",
          {{"s", ColumnType::kString, "", ""}, {"x", ColumnType::kFloat64, "", ""}, {"n", ColumnType::kInt64, "", ""}});
  t.AddRow({std::string("plain"), 0.1, int64_t{-5}});
  t.AddRow({std::string("a,b"), 1.0 / 3.0, int64_t{0}});
  t.AddRow({std::string("say \"hi\"\nbye"), std::numeric_limits<double>::infinity(), int64_t{1}});
  EXPECT_EQ(TableToCsv(t),
            "s,x,n\n"
            "plain,0.1,-5\n"
            "\"a,b\",0.3333333333333333,0\n"
            "\"say \"\"hi\"\"\nbye\",inf,1\n");
}

TEST(ExportTest, CsvOfAnEmptyTableIsTheHeader) {
  EXPECT_EQ(TableToCsv(Table("e", "", {{"a", ColumnType::kInt64, "", ""}, {"b", ColumnType::kString, "", ""}})),
            "a,b\n");
}

TEST(ExportTest, TextTableAlignsColumnsWithSixSignificantDigits) {
  // Strings left-aligned, numbers right-aligned, units in the header,
  // two spaces between columns, no trailing blanks.
  EXPECT_EQ(FormatTableText(SmallTable()),
            "name    bytes [B]     time [s]\n"
            "------  ---------  -----------\n"
            "a               1  0.000123457\n"
            "longer    1048576  1.23457e+07\n");
}

TEST(ExportTest, TextTableCountsCharactersNotBytes) {
  Table t("u", "", {{"unit", ColumnType::kString, "", ""}, {"v", ColumnType::kInt64, "", ""}});
  t.AddRow({std::string("µs"), int64_t{1}});
  t.AddRow({std::string("ms"), int64_t{22}});
  EXPECT_EQ(FormatTableText(t),
            "unit   v\n"
            "----  --\n"
            "µs     1\n"
            "ms    22\n");
}

TEST(ExportTest, TextTableSaysWhenThereAreNoRows) {
  EXPECT_EQ(FormatTableText(Table("e", "", {{"count", ColumnType::kInt64, "1", ""}})),
            "count\n"
            "-----\n"
            "(no rows)\n");
}

}  // namespace
}  // namespace cb
