// Writes a small, fixed results file for tests in other languages
// (tests/store/test_h5py.py): `store_fixture_writer <path>`.
//
// Two runs: a complete "kernels" run with tables "gemm" (3 rows) and "empty"
// (0 rows), and an interrupted "collectives" run with table "all_reduce".
// The Python test asserts these exact values; change both together.
#include <cstdio>
#include <exception>

#include "core/error.h"
#include "core/table.h"
#include "store/hdf5_store.h"

namespace {

cb::RunInfo Run(const char* id, const char* kind, const char* start) {
  cb::RunInfo info;
  info.id = id;
  info.kind = kind;
  info.start_time = start;
  info.tool_version = "0.1.0";
  info.git_revision = "fixture";
  info.command_line = "clusterbench fixture";
  info.hosts = {"node-a", "node-b"};
  info.rank_count = 2;
  info.config_yaml = "suite: fixture\n";
  info.environment = {{"NCCL_DEBUG", "WARN"}, {"CUDA_VISIBLE_DEVICES", "0"}};
  return info;
}

void WriteFixture(const char* path) {
  cb::Hdf5Writer writer(path);

  writer.BeginRun(Run("run-kernels", "kernels", "2026-01-01T00:00:00.000Z"));
  cb::Table gemm("gemm", "GEMM throughput",
                 {{"precision", cb::ColumnType::kString, "", "operand type"},
                  {"m", cb::ColumnType::kInt64, "1", "rows of A"},
                  {"time", cb::ColumnType::kFloat64, "s", "median time per call"},
                  {"throughput", cb::ColumnType::kFloat64, "FLOP/s", "achieved rate"}});
  gemm.AddRow({std::string("bf16"), int64_t{1024}, 0.5e-3, 4.294967296e12});
  gemm.AddRow({std::string("fp8 µ"), int64_t{2048}, 2.0e-3, 8.589934592e12});
  gemm.AddRow({std::string("fp64"), int64_t{-1}, 0.0, -1.5});
  writer.WriteTable(gemm);
  writer.WriteTable(
      cb::Table("empty", "no rows",
                {{"n", cb::ColumnType::kInt64, "1", "count"}, {"label", cb::ColumnType::kString, "", "label"}}));
  writer.EndRun(cb::RunStatus::kComplete, "");

  writer.BeginRun(Run("run-collectives", "collectives", "2026-01-01T01:00:00.000Z"));
  cb::Table all_reduce("all_reduce", "NCCL all-reduce",
                       {{"bytes", cb::ColumnType::kInt64, "B", "message size"},
                        {"bus_bandwidth", cb::ColumnType::kFloat64, "B/s", "bus bandwidth"}});
  all_reduce.AddRow({int64_t{8}, 1.0e6});
  all_reduce.AddRow({int64_t{1} << 30, 3.5e11});
  writer.WriteTable(all_reduce);
  writer.EndRun(cb::RunStatus::kInterrupted, "SIGINT");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <output.h5>\n", argv[0]);
    return static_cast<int>(cb::ExitCode::kUsage);
  }
  try {
    WriteFixture(argv[1]);
  } catch (const cb::Error& e) {
    std::fprintf(stderr, "store_fixture_writer: %s\n", e.what());
    return static_cast<int>(e.code());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "store_fixture_writer: %s\n", e.what());
    return static_cast<int>(cb::ExitCode::kRuntime);
  }
  return 0;
}
