// Shared helpers for the store tests: a per-test scratch directory and
// sample runs and tables.
#ifndef CLUSTERBENCH_TESTS_STORE_TEST_UTIL_H_
#define CLUSTERBENCH_TESTS_STORE_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "core/table.h"
#include "tests/scratch_dir.h"

namespace cb::testing {

// A run with every RunInfo field set to something recognisable.
inline RunInfo SampleRun(const std::string& id, const std::string& start_time = "2026-01-02T03:04:05.678Z") {
  RunInfo info;
  info.id = id;
  info.kind = "kernels";
  info.start_time = start_time;
  info.tool_version = "0.1.0";
  info.git_revision = "0123456789ab";
  info.command_line = "clusterbench kernels --suite quick -o out.h5";
  info.hosts = {"node-a", "node-b"};
  info.rank_count = 16;
  info.config_yaml = "gpu: h100\nsizes: [1, 2, 4]\n";
  info.environment = {{"NCCL_DEBUG", "INFO"}, {"CUDA_VISIBLE_DEVICES", "0,1"}};
  return info;
}

// A small table using all three column types.
inline Table SampleTable(const std::string& name, int rows = 3) {
  Table t(name, "GEMM throughput per size",
          {{"precision", ColumnType::kString, "", "operand type"},
           {"m", ColumnType::kInt64, "1", "rows of A"},
           {"time", ColumnType::kFloat64, "s", "median time per call"}});
  for (int i = 0; i < rows; ++i) {
    t.AddRow({std::string(i % 2 ? "fp16" : "bf16"), int64_t{1024} << (i % 32), 1.5e-3 * (i + 1)});
  }
  return t;
}

}  // namespace cb::testing

#endif  // CLUSTERBENCH_TESTS_STORE_TEST_UTIL_H_
