// A kernels run's results without running anything: synthetic rows through
// the tables, the `--format json` document, the terminal tables, the encoding
// a rank sends to rank 0, and the option parsers a rank applies.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <sstream>
#include <variant>

#include "core/error.h"
#include "core/table_export.h"
#include "kernels/kernels_report.h"
#include "kernels/kernels_results.h"
#include "kernels/kernels_run.h"
#include "kernels/result_tables.h"

namespace cb {
namespace {

Measurement Timed(double median, size_t count) {
  Measurement m;
  m.summary.count = count;
  m.summary.median = median;
  m.summary.min = median * 0.9;
  m.summary.max = median * 1.2;
  m.iqr_spread = 0.01;
  m.converged = true;
  return m;
}

// One host GEMM (fp64 1024^3 at 50 GFLOP/s) and STREAM copy, on rank 1 of vm.
KernelsResults HostRun() {
  KernelsResults res;
  GemmRow g;
  g.at.rank = 1;
  g.at.host = "vm";
  g.threads = 4;
  g.r.dtype = GemmDtype::kFp64;
  g.r.shape = {"square", 1024, 1024, 1024};
  g.r.measurement = Timed(2 * std::pow(1024.0, 3) / 50e9, 12);
  g.r.flop_rate = 50e9;
  g.r.checked = 1;
  res.gemm.push_back(g);
  StreamRow s;
  s.at = g.at;
  s.kernel = StreamKernel::kCopy;
  s.array_bytes = 1 << 20;
  s.bytes = 2 << 20;
  s.threads = 4;
  s.m = Timed(1e-4, 300);
  s.bandwidth = 2e10;
  res.stream.push_back(s);
  return res;
}

TEST(KernelsResults, TablesHaveOneRowPerResultAndNoPeakWithoutADatasheet) {
  const KernelsResults res = HostRun();
  const Table gemm = GemmTable(res.gemm);
  ASSERT_EQ(gemm.name(), "gemm");
  ASSERT_EQ(gemm.size(), 1u);
  const auto& row = gemm.rows()[0];
  EXPECT_EQ(std::get<std::string>(row[static_cast<size_t>(gemm.ColumnIndex("host"))]), "vm");
  EXPECT_EQ(std::get<int64_t>(row[static_cast<size_t>(gemm.ColumnIndex("rank"))]), 1);
  EXPECT_EQ(std::get<int64_t>(row[static_cast<size_t>(gemm.ColumnIndex("gpu"))]), -1);
  const int peak = gemm.ColumnIndex("peak_flop_rate");
  ASSERT_GE(peak, 0);
  EXPECT_TRUE(std::isnan(std::get<double>(row[static_cast<size_t>(peak)])));
  const Table memory = StreamTable(res.stream);
  EXPECT_EQ(memory.name(), "memory");
  EXPECT_EQ(memory.size(), 1u);
  // A host run still writes an (empty) memory table when STREAM was planned.
  EXPECT_EQ(StreamTable({}).size(), 0u);
}

// --format json is the run's tables as -o stores them (issue 16, point 3): the same column names and SI units,
// NaN as null, the status said.
TEST(KernelsResults, JsonIsTheStoredTablesWithNullPeaks) {
  const std::vector<Table> tables = ResultTables(HostRun(), /*memory_planned=*/false);
  const nlohmann::json j = ResultsJson(RunStatus::kComplete, "", tables);
  EXPECT_EQ(j["status"], "complete");
  ASSERT_EQ(j["tables"].size(), 2u);
  const auto& gemm = j["tables"]["gemm"];
  ASSERT_EQ(gemm["rows"].size(), 1u);
  ASSERT_EQ(gemm["columns"].size(), GemmTableSchema().columns().size());
  const auto& g = gemm["rows"][0];
  EXPECT_EQ(g["benchmark"], "gemm");
  EXPECT_EQ(g["rank"], 1);
  EXPECT_EQ(g["host"], "vm");
  EXPECT_EQ(g["gpu"], -1);
  EXPECT_DOUBLE_EQ(g["flop_rate"].get<double>(), 50e9);
  EXPECT_TRUE(g["pct_of_peak"].is_null());
  EXPECT_EQ(g["wrong"], 0);
  EXPECT_EQ(g["checked"], 1);
  EXPECT_EQ(g["samples"], 12);
  EXPECT_EQ(g["budget_limited"], 0);
  const auto& s = j["tables"]["memory"]["rows"][0];
  EXPECT_EQ(s["benchmark"], "copy");
  EXPECT_DOUBLE_EQ(s["bandwidth"].get<double>(), 2e10);
  EXPECT_FALSE(j["tables"].contains("devices"));
  EXPECT_EQ(ResultsJson(RunStatus::kInterrupted, "interrupted by signal", tables)["status"], "interrupted");
}

// A host run that planned STREAM keeps its memory table even with no row; other kinds without rows are left out.
TEST(KernelsResults, ResultTablesKeepAPlannedEmptyMemoryTable) {
  KernelsResults none;
  EXPECT_TRUE(ResultTables(none, false).empty());
  const std::vector<Table> planned = ResultTables(none, true);
  ASSERT_EQ(planned.size(), 1u);
  EXPECT_EQ(planned[0].name(), "memory");
  EXPECT_EQ(planned[0].size(), 0u);
}

TEST(KernelsResults, ASkippedGemmHasNullFigures) {
  KernelsResults res;
  GemmRow g;
  g.at.gpu = 0;
  g.at.device = "NVIDIA T4";
  g.r.dtype = GemmDtype::kFp8;
  g.r.skipped = "fp8 needs compute capability 8.9";
  res.gemm.push_back(g);
  const nlohmann::json e = ResultsJson(RunStatus::kComplete, "", ResultTables(res, false))["tables"]["gemm"]["rows"][0];
  EXPECT_EQ(e["gpu"], 0);
  EXPECT_TRUE(e["time_s"].is_null());
  EXPECT_TRUE(e["flop_rate"].is_null());
  EXPECT_EQ(e["samples"], 0);
  EXPECT_EQ(e["skipped"], g.r.skipped);
}

TEST(KernelsReport, TerminalTablesPrefixTheRankInAJobOfSeveral) {
  std::ostringstream alone, job;
  PrintTables(ResultTables(HostRun(), false), /*ranks=*/false, alone);
  PrintTables(ResultTables(HostRun(), false), /*ranks=*/true, job);
  EXPECT_NE(alone.str().find("device gemm"), std::string::npos) << alone.str();
  EXPECT_NE(alone.str().find("\nhost   fp64   square"), std::string::npos) << alone.str();
  EXPECT_NE(alone.str().find("\nhost   copy"), std::string::npos) << alone.str();
  EXPECT_EQ(alone.str().find("rank 1: vm"), std::string::npos) << alone.str();
  EXPECT_EQ(job.str().rfind("rank 1: vm\n\n", 0), 0u) << job.str();
  EXPECT_NE(job.str().find("\n1:host fp64"), std::string::npos) << job.str();
}

TEST(KernelsResults, TheEncodingKeepsNanAndInfinityAndDropsTheDatasheet) {
  KernelsOutcome o;
  o.res = HostRun();
  o.res.gemm[0].r.max_error_ratio = std::numeric_limits<double>::infinity();
  o.res.gemm[0].r.wrong = 3;
  o.res.gemm[0].at.spec = GpuDatasheet{};
  o.res.stream[0].bandwidth = std::numeric_limits<double>::quiet_NaN();
  o.device = KernelsDevice::kHost;
  o.stream_planned = true;
  o.code = 2;
  o.error = "bad byte \xff in a message";
  const KernelsOutcome back = DecodeOutcome(EncodeOutcome(o));
  ASSERT_EQ(back.res.gemm.size(), 1u);
  EXPECT_TRUE(std::isinf(back.res.gemm[0].r.max_error_ratio));
  EXPECT_EQ(back.res.gemm[0].r.wrong, 3);
  EXPECT_EQ(back.res.gemm[0].r.measurement.summary.count, 12u);
  EXPECT_FALSE(back.res.gemm[0].at.spec.has_value());
  EXPECT_EQ(back.res.gemm[0].at.host, "vm");
  EXPECT_TRUE(std::isnan(back.res.stream[0].bandwidth));
  EXPECT_TRUE(back.stream_planned);
  EXPECT_EQ(back.code, 2);
  EXPECT_EQ(back.error, o.error);
  EXPECT_EQ(back.res.wrong(), 3);
  EXPECT_THROW(DecodeOutcome("not cbor"), nlohmann::json::exception);
  // The precision travels by its name; a name this build does not know is refused, never defaulted.
  EXPECT_EQ(back.res.gemm[0].r.dtype, GemmDtype::kFp64);
  nlohmann::json j = nlohmann::json::from_cbor(EncodeOutcome(o));
  EXPECT_EQ(j["res"]["gemm"][0]["r"]["dtype"], "fp64");
  j["res"]["gemm"][0]["r"]["dtype"] = "fp4";
  const std::vector<uint8_t> cbor = nlohmann::json::to_cbor(j);
  EXPECT_THROW(DecodeOutcome(std::string(cbor.begin(), cbor.end())), nlohmann::json::exception);
}

// A STREAM kernel and a copy's direction travel by the names the tables spell;
// an unknown one is refused with the valid names, never defaulted.
TEST(KernelsResults, StreamKernelsAndCopyKindsTravelByName) {
  KernelsOutcome o;
  o.res = HostRun();
  CopyRow c;
  c.r.kind = CopyKind::kPeer;
  c.r.link = "NVLink";
  o.res.copy.push_back(c);
  const KernelsOutcome back = DecodeOutcome(EncodeOutcome(o));
  EXPECT_EQ(back.res.stream[0].kernel, StreamKernel::kCopy);
  ASSERT_EQ(back.res.copy.size(), 1u);
  EXPECT_EQ(back.res.copy[0].r.kind, CopyKind::kPeer);
  nlohmann::json j = nlohmann::json::from_cbor(EncodeOutcome(o));
  EXPECT_EQ(j["res"]["stream"][0]["kernel"], "copy");
  EXPECT_EQ(j["res"]["copy"][0]["r"]["kind"], "peer");
  EXPECT_EQ(j["device"], "host");
  EXPECT_EQ(back.device, KernelsDevice::kHost);
  auto refusal = [](const nlohmann::json& doc) -> std::string {
    const std::vector<uint8_t> cbor = nlohmann::json::to_cbor(doc);
    try {
      DecodeOutcome(std::string(cbor.begin(), cbor.end()));
    } catch (const nlohmann::json::exception& e) {
      return e.what();
    }
    return "accepted";
  };
  nlohmann::json bad_kernel = j;
  bad_kernel["res"]["stream"][0]["kernel"] = "nstream";
  const std::string k = refusal(bad_kernel);
  EXPECT_NE(k.find("stream kernel \"nstream\": not one of copy, scale, add, triad, read, write"), std::string::npos)
      << k;
  nlohmann::json bad_device = j;
  bad_device["device"] = "tpu";
  const std::string dev = refusal(bad_device);
  EXPECT_NE(dev.find("device \"tpu\": not one of auto, cuda, host"), std::string::npos) << dev;
  nlohmann::json bad_kind = j;
  bad_kind["res"]["copy"][0]["r"]["kind"] = "p2p";
  const std::string d = refusal(bad_kind);
  EXPECT_NE(d.find("copy kind \"p2p\": not one of h2d_pinned, d2h_pinned, h2d_pageable, d2h_pageable, d2d, peer"),
            std::string::npos)
      << d;
  // The tables spell the same names.
  const std::vector<Table> tables = ResultTables(o.res, false);
  bool saw_copy = false;
  for (const auto& t : tables) {
    if (t.name() == "memory") {
      EXPECT_EQ(t.Str(0, "benchmark"), "copy");
    }
    if (t.name() == "copy") {
      EXPECT_EQ(t.Str(0, "benchmark"), "peer");
      saw_copy = true;
    }
  }
  EXPECT_TRUE(saw_copy);
}

TEST(KernelsRun, OptionParsersNameTheFlag) {
  const KernelsPlan all_host = ParseBenches({"all"}, /*gpu=*/false);
  EXPECT_TRUE(all_host.gemm && all_host.stream && !all_host.peak && !all_host.copy);
  EXPECT_TRUE(ParseBenches({"memory"}, false).stream);
  EXPECT_THROW(ParseBenches({"peak"}, false), UsageError);
  EXPECT_THROW(ParseBenches({"nosuch"}, true), UsageError);
  EXPECT_EQ(ParseDtypes({}, false), (std::vector<GemmDtype>{GemmDtype::kFp64, GemmDtype::kFp32}));
  EXPECT_EQ(ParseDtypes({"bf16", "fp8"}, true), (std::vector<GemmDtype>{GemmDtype::kBf16, GemmDtype::kFp8}));
  EXPECT_THROW(ParseDtypes({"bf16"}, false), UsageError);
  EXPECT_THROW(ParseDtypes({"nosuch"}, true), UsageError);
  try {
    ParseDtypes({"fp7"}, true);
    ADD_FAILURE() << "fp7 parsed";
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(), "--dtype fp7: unknown precision (known: fp64, fp32, tf32, bf16, fp16, fp8)");
  }
  EXPECT_EQ(ParseAlgoSearch("exhaustive"), GemmSearch::kExhaustive);
  EXPECT_EQ(ParseAlgoSearch("heuristic"), GemmSearch::kHeuristic);
  try {
    ParseAlgoSearch("random");
    ADD_FAILURE() << "random parsed";
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(), "--algo-search random: unknown (known: heuristic, exhaustive)");
  }
  EXPECT_EQ(ParseGpus("all", 3), (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(ParseGpus("2,0,2", 3), (std::vector<int>{2, 0}));
  EXPECT_THROW(ParseGpus("3", 3), UsageError);
  EXPECT_THROW(ParseGpus("0,", 3), UsageError);
  EXPECT_FALSE(ParseBytes("").has_value());
  EXPECT_EQ(ParseBytes("4M"), int64_t{4} << 20);
  EXPECT_THROW(ParseBytes("0"), UsageError);
  EXPECT_THROW(ParseBytes("2T"), UsageError);
}

}  // namespace
}  // namespace cb
