// The nccl-tests and OSU parsers: rows, units, placements, ranks, per-iteration
// times, and the errors a cut-short or malformed file gives (FILE:LINE).
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "core/error.h"
#include "import/imported_run.h"

namespace cb::importer {
namespace {

const std::string kData = std::string(CB_SOURCE_DIR) + "/tests/import/data/";

const Cell& At(const Table& t, size_t row, const std::string& col) {
  return t.rows().at(row).at(static_cast<size_t>(t.ColumnIndex(col)));
}
double Num(const Table& t, size_t row, const std::string& col) {
  const Cell& c = At(t, row, col);
  if (const auto* i = std::get_if<int64_t>(&c)) return static_cast<double>(*i);
  return std::get<double>(c);
}
std::string Str(const Table& t, size_t row, const std::string& col) { return std::get<std::string>(At(t, row, col)); }

// The message of the IoError `f` throws; "" when it does not throw one.
template <typename F>
std::string IoMessage(F f) {
  try {
    f();
  } catch (const IoError& e) {
    return e.what();
  }
  return "";
}

TEST(NcclTestsText, TwoHostsOfEightGpus) {
  const auto runs = ImportFile(kData + "all_reduce_2x8.txt", nullptr, {});
  ASSERT_EQ(runs.size(), 1u);
  const ImportedRun& r = runs[0];
  EXPECT_EQ(r.kind, "collectives");
  EXPECT_EQ(r.source, "nccl-tests 2.17.1");
  EXPECT_EQ(r.rank_count, 16);
  EXPECT_EQ(r.hosts, (std::vector<std::string>{"node001", "node002"}));
  EXPECT_EQ(r.config_yaml.rfind("backend: nccl\n", 0), 0u);  // calibrate reads the first line
  ASSERT_EQ(r.tables.size(), 2u);
  const Table& t = r.tables[0];
  ASSERT_EQ(t.size(), 22u);
  // Row 1 (4 KiB): "4096  1024  float  sum  -1  30.04  0.14  0.26  0  30.64  0.13  0.25  0".
  EXPECT_EQ(Num(t, 2, "size"), 4096);
  EXPECT_EQ(Num(t, 2, "in_place"), 0);
  EXPECT_DOUBLE_EQ(Num(t, 2, "time"), 30.04e-6);
  EXPECT_DOUBLE_EQ(Num(t, 2, "algbw"), 0.14e9);
  EXPECT_DOUBLE_EQ(Num(t, 3, "busbw"), 0.25e9);
  EXPECT_EQ(Num(t, 3, "in_place"), 1);
  EXPECT_TRUE(std::isnan(Num(t, 3, "rank_time_median")));
  EXPECT_EQ(r.tables[1].name(), "collectives_ranks");
  EXPECT_EQ(Str(r.tables[1], 15, "host"), "node002");
  EXPECT_EQ(Num(r.tables[1], 15, "device"), 7);
}

// nccl-tests before the root column and the Group field (12 fields a row),
// with NCCL INFO noise and a -S timestamp; the op from --op.
TEST(NcclTestsText, OlderFormatNoiseAndTimestamps) {
  const std::string text =
      "# nThread 1 nGpus 2 minBytes 8 maxBytes 16 step: 2(factor) warmup iters: 5 iters: 20 validation: 1\n"
      "#\n"
      "# Using devices\n"
      "#   Rank  0 Pid   1234 on      hostA device  0 [0x07] Tesla V100-SXM2-16GB\n"
      "#   Rank  1 Pid   1234 on      hostA device  1 [0x0a] Tesla V100-SXM2-16GB\n"
      "hostA:1234:1234 [0] NCCL INFO Bootstrap : Using eth0\n"
      "           8             2   float     sum    12.50    0.00    0.00  0e+00    12.10    0.00    0.00  0e+00\n"
      "          16             4   float     sum    12.60    0.00    0.00  0e+00    12.20    0.00    0.00  0e+00  "
      "2025-01-02 03:04:05\n"
      "# Out of bounds values : 0 OK\n"
      "# Avg bus bandwidth    : 0.00123 \n";
  ImportOptions o;
  o.op = "AllReduce";
  const auto runs = ImportText("old.log", text, Format::kNcclTestsText, o);
  ASSERT_EQ(runs.size(), 1u);
  const Table& t = runs[0].tables[0];
  ASSERT_EQ(t.size(), 4u);
  EXPECT_EQ(Str(t, 0, "op"), "all_reduce");
  EXPECT_EQ(Num(t, 0, "root"), -1);
  EXPECT_DOUBLE_EQ(Num(t, 3, "time"), 12.2e-6);
  EXPECT_EQ(runs[0].rank_count, 2);
  EXPECT_EQ(runs[0].source, "nccl-tests");
  EXPECT_EQ(Str(runs[0].tables[1], 1, "pci_bus_id"), "0x0a");
}

// Each error names the file and the line, and says what is wrong.
TEST(NcclTestsText, TruncatedAndBadRows) {
  EXPECT_NE(IoMessage([] {
              ImportFile(kData + "all_reduce_truncated.txt", nullptr, {});
            }).find("all_reduce_truncated.txt:34: truncated: the file ends inside a row"),
            std::string::npos);
  EXPECT_NE(IoMessage([] {
              ImportFile(kData + "all_reduce_bad_row.txt", nullptr, {});
            }).find("all_reduce_bad_row.txt:32: bad row: field 8 (busbw) is '12x.4'"),
            std::string::npos);
  EXPECT_NE(IoMessage([] {
              ImportFile(kData + "all_reduce_truncated.json", nullptr, {});
            }).find("all_reduce_truncated.json:1: truncated"),
            std::string::npos);
  // Rows without a footer: cut between two rows.
  const std::string cut =
      "# nThread 1 nGpus 1 minBytes 8 maxBytes 16 step: 2(factor) warmup iters: 5 iters: 20\n"
      "           8             2   float     sum      -1    12.50    0.00    0.00      0    12.10    0.00    0.00     "
      " "
      "0\n";
  ImportOptions o;
  o.op = "all_reduce";
  EXPECT_NE(IoMessage([&] {
              ImportText("cut.txt", cut, Format::kNcclTestsText, o);
            }).find("cut.txt:2: truncated: the rows from line 2 have no '# Avg bus bandwidth' footer"),
            std::string::npos);
  o.partial = true;
  const auto runs = ImportText("cut.txt", cut, Format::kNcclTestsText, o);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].status, RunStatus::kInterrupted);
  EXPECT_EQ(runs[0].tables[0].size(), 2u);
}

TEST(NcclTestsJson, SameRowsAsText) {
  const auto runs = ImportFile(kData + "all_reduce_2x8.json", nullptr, {});
  ASSERT_EQ(runs.size(), 1u);
  const Table& t = runs[0].tables[0];
  ASSERT_EQ(t.size(), 22u);
  EXPECT_EQ(Str(t, 0, "op"), "all_reduce");  // from args[0], .../all_reduce_perf
  EXPECT_EQ(runs[0].rank_count, 16);
  EXPECT_EQ(runs[0].hosts.size(), 2u);
  EXPECT_NEAR(Num(t, 14, "busbw"), 172.35e9, 0.01e9);  // the 16 MiB out-of-place row
}

TEST(NcclTestsJson, PerIterationTimesKept) {
  // all_reduce_iters_2x2.json: 4 processes x 5 iterations, rank 2 at 1.5x the
  // others (make_fixtures.py); rank_time_max is rank 2's slowest iteration.
  const auto runs = ImportFile(kData + "all_reduce_iters_2x2.json", nullptr, {});
  ASSERT_EQ(runs.size(), 1u);
  ASSERT_EQ(runs[0].tables.size(), 4u);
  const Table& t = runs[0].tables[0];
  const Table& per = runs[0].tables[2];
  const Table& iters = runs[0].tables[3];
  EXPECT_EQ(per.name(), "collectives_per_rank");
  EXPECT_EQ(iters.name(), "collectives_iterations");
  EXPECT_EQ(iters.size(), 2u * 2u * 4u * 5u);  // sizes x placements x processes x iterations
  // Iteration 4 of rank 2, 1 MiB out of place: 1.5 x 1.04 x (30 + 2^20 / 110e3) us.
  const double base_us = 30.0 + 1048576 / 110e3;
  EXPECT_EQ(Num(iters, 14, "rank"), 2);
  EXPECT_EQ(Num(iters, 14, "iteration"), 4);
  EXPECT_NEAR(Num(iters, 14, "time"), base_us * 1.5 * 1.04 / 1e6, 1e-12);
  EXPECT_NEAR(Num(t, 0, "rank_time_max"), base_us * 1.5 * 1.04 / 1e6, 1e-12);
  EXPECT_NEAR(Num(t, 0, "rank_time_min"), base_us / 1e6, 1e-12);
  EXPECT_EQ(Str(per, 2, "host"), "node002");
}

TEST(OsuText, PointToPointIsSendrecvOnTwoRanks) {
  // osu_bw "4194304  11948.72" (MB/s, one direction): time = size / bandwidth;
  // the p2p table holds the largest size's bandwidth, no latency.
  const auto runs = ImportFile(kData + "osu_p2p_np2.txt", nullptr, {});
  ASSERT_EQ(runs.size(), 3u);
  const Table& bw = runs[1].tables[0];
  EXPECT_EQ(runs[1].rank_count, 2);
  EXPECT_EQ(Str(bw, 3, "op"), "sendrecv");
  EXPECT_DOUBLE_EQ(Num(bw, 3, "algbw"), 11948.72e6);
  EXPECT_NEAR(Num(bw, 3, "time"), 4194304 / 11948.72e6, 1e-15);
  const Table& pair = runs[1].tables[1];
  EXPECT_EQ(pair.name(), "p2p");
  EXPECT_DOUBLE_EQ(Num(pair, 0, "bandwidth"), 11948.72e6);
  EXPECT_TRUE(std::isnan(Num(pair, 0, "latency")));
  EXPECT_NEAR(Num(runs[0].tables[1], 0, "latency"), 1.5e-6, 1e-15);  // osu_latency's 8-byte row
}

TEST(OsuText, UnmappedTestAndBadRowNameTheLine) {
  const ImportOptions none;
  EXPECT_NE(IoMessage([&] {
              ImportText("m.txt", "\n# OSU MPI Multiple Bandwidth / Message Rate Test v7.2\n", Format::kOsuText, none);
            }).find("m.txt:2: "),
            std::string::npos);
  EXPECT_NE(IoMessage([&] {
              ImportText("b.txt", "# OSU MPI Bandwidth Test v7.2\n# Size      Bandwidth (MB/s)\n8   1x.5\n",
                         Format::kOsuText, none);
            }).find("b.txt:3: bad row: field 2 is '1x.5'"),
            std::string::npos);
}

}  // namespace
}  // namespace cb::importer
