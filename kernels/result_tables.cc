#include "kernels/result_tables.h"

#include <utility>

namespace cb {

std::vector<Column> IdentityColumns() {
  return {{"rank", ColumnType::kInt64, "1", "MPI rank that measured it (0 without a launcher)"},
          {"host", ColumnType::kString, "", "host name of that rank"},
          {"device", ColumnType::kString, "", "host or the GPU's name"},
          {"gpu", ColumnType::kInt64, "1", "GPU index (-1: host)"},
          {"uuid", ColumnType::kString, "", "GPU UUID"},
          {"pci_bus_id", ColumnType::kString, "", "GPU PCI bus id"},
          {"serial", ColumnType::kString, "", "board serial number where the driver gives it"}};
}

std::vector<Column> TimeColumns(const std::string& what) {
  return {{"time_s", ColumnType::kFloat64, "s", "median time per " + what},
          {"time_min_s", ColumnType::kFloat64, "s", "fastest"},
          {"time_max_s", ColumnType::kFloat64, "s", "slowest"},
          {"spread", ColumnType::kFloat64, "1", "interquartile range / median"},
          {"samples", ColumnType::kInt64, "1", "timed samples"},
          {"budget_limited", ColumnType::kInt64, "1",
           "1: fewer than --min-reps timed calls, to stay within --time-budget (one call is slow for it)"}};
}

Table BuildTable(std::string name, std::string description, std::vector<std::vector<Column>> parts) {
  std::vector<Column> cols;
  for (auto& p : parts) cols.insert(cols.end(), p.begin(), p.end());
  return Table(std::move(name), std::move(description), std::move(cols));
}

Table GemmTableSchema() {
  return BuildTable(
      "gemm", "GEMM D = A·B, FLOPs = 2mnk",
      {{{"benchmark", ColumnType::kString, "", "gemm"}},
       IdentityColumns(),
       {{"dtype", ColumnType::kString, "", "fp64, fp32, tf32, bf16, fp16, fp8"},
        {"shape", ColumnType::kString, "", "square, or the transformer GEMM (qkv, attn_out, mlp_...)"},
        {"m", ColumnType::kInt64, "1", ""},
        {"n", ColumnType::kInt64, "1", ""},
        {"k", ColumnType::kInt64, "1", ""},
        {"threads", ColumnType::kInt64, "1", "BLAS threads (host)"}},
       TimeColumns("GEMM"),
       {{"flop_rate", ColumnType::kFloat64, "FLOP/s", "2mnk / median time"},
        {"peak_flop_rate", ColumnType::kFloat64, "FLOP/s", "datasheet peak of this precision (NaN: none)"},
        {"pct_of_peak", ColumnType::kFloat64, "%", "flop_rate / peak_flop_rate"},
        {"algos_returned", ColumnType::kInt64, "1", "cuBLASLt heuristic candidates"},
        {"algos_tried", ColumnType::kInt64, "1", "candidates timed in the search"},
        {"best_algo", ColumnType::kInt64, "1", "winning candidate (0 = heuristic's first choice)"},
        {"heuristic_flop_rate", ColumnType::kFloat64, "FLOP/s", "first choice's rate in the search"},
        {"best_search_flop_rate", ColumnType::kFloat64, "FLOP/s", "winner's rate in the search"},
        {"search", ColumnType::kString, "", "algorithm search: heuristic or exhaustive (GPU)"},
        {"best_source", ColumnType::kString, "", "where the winner came from: heuristic or enumerated"},
        {"best_config", ColumnType::kString, "", "the winner's cuBLASLt configuration"},
        {"configs_enumerated", ColumnType::kInt64, "1", "exhaustive: configurations cuBLASLt accepted"},
        {"configs_checked", ColumnType::kInt64, "1", "exhaustive: configurations offered to the check"},
        {"search_capped", ColumnType::kString, "", "why an exhaustive search stopped early (empty: it did not)"},
        {"checked", ColumnType::kInt64, "1", "sampled elements compared with the reference"},
        {"wrong", ColumnType::kInt64, "1", "samples beyond the error bound"},
        {"max_error_ratio", ColumnType::kFloat64, "1", "max error / bound (< 1 passes)"},
        {"skipped", ColumnType::kString, "", "why it did not run (empty: it ran)"}}});
}

Table StreamTableSchema() {
  return BuildTable("memory",
                    "memory bandwidth, STREAM counting (read/write 1 array, copy/scale 2, add/triad 3); GPU kernels "
                    "use 16-byte accesses",
                    {{{"benchmark", ColumnType::kString, "", "read, write, copy, scale, add or triad"}},
                     IdentityColumns(),
                     {{"dtype", ColumnType::kString, "", "element type"},
                      {"array_bytes", ColumnType::kInt64, "B", "size of each array"},
                      {"bytes", ColumnType::kInt64, "B", "bytes moved per call (STREAM counting)"},
                      {"threads", ColumnType::kInt64, "1", "host threads, or GPU threads per launch"}},
                     TimeColumns("call"),
                     {{"bandwidth", ColumnType::kFloat64, "B/s", "bytes / median time"},
                      {"peak_bandwidth", ColumnType::kFloat64, "B/s", "datasheet memory bandwidth (NaN: none)"},
                      {"pct_of_peak", ColumnType::kFloat64, "%", "bandwidth / peak_bandwidth"},
                      {"wrong", ColumnType::kInt64, "1", "elements that failed the exact check"}}});
}

Table PeakTableSchema() {
  return BuildTable(
      "peak", "peak arithmetic: FMA chains (fp32, fp64), bf16 tensor cores through mma.sync and (Hopper) wgmma",
      {{{"benchmark", ColumnType::kString, "", "fma or mma"}},
       IdentityColumns(),
       {{"dtype", ColumnType::kString, "", "fp32, fp64, bf16"},
        {"flops", ColumnType::kFloat64, "FLOP", "per call (an FMA counts 2)"}},
       TimeColumns("call"),
       {{"flop_rate", ColumnType::kFloat64, "FLOP/s", "flops / median time"},
        {"clock_hz", ColumnType::kFloat64, "Hz", "SM clock measured in the kernel (clock64/globaltimer)"},
        {"flops_per_clock_sm", ColumnType::kFloat64, "FLOP", "architecture rate per SM and clock (0: unknown)"},
        {"clock_peak_flop_rate", ColumnType::kFloat64, "FLOP/s", "SMs x rate x measured clock"},
        {"pct_of_clock_peak", ColumnType::kFloat64, "%", "flop_rate / clock_peak_flop_rate"},
        {"peak_flop_rate", ColumnType::kFloat64, "FLOP/s", "datasheet peak (NaN: none)"},
        {"pct_of_peak", ColumnType::kFloat64, "%", "flop_rate / peak_flop_rate"},
        {"checked", ColumnType::kInt64, "1", "values compared with the exact result"},
        {"wrong", ColumnType::kInt64, "1", "values that differ"},
        {"skipped", ColumnType::kString, "", "why it did not run (empty: it ran)"}}});
}

Table CopyTableSchema() {
  return BuildTable(
      "copy", "copy engines: host<->device (pinned, pageable), device<->device, GPU peers; bytes copied",
      {{{"benchmark", ColumnType::kString, "", "h2d_pinned, d2h_pinned, h2d_pageable, d2h_pageable, d2d, peer"}},
       IdentityColumns(),
       {{"src", ColumnType::kInt64, "1", "source GPU (-1: host)"},
        {"dst", ColumnType::kInt64, "1", "destination GPU (-1: host)"},
        {"link", ColumnType::kString, "", "NVLink, PCIe, local, host-staged or unknown"},
        {"bytes", ColumnType::kInt64, "B", "bytes copied per call"}},
       TimeColumns("copy"),
       {{"bandwidth", ColumnType::kFloat64, "B/s", "bytes / median time"},
        {"peak_bandwidth", ColumnType::kFloat64, "B/s",
         "datasheet figure compared with: NVLink one direction, d2d half of HBM (NaN: none)"},
        {"pct_of_peak", ColumnType::kFloat64, "%", "bandwidth / peak_bandwidth"},
        {"checked", ColumnType::kInt64, "1", "32-bit words compared"},
        {"wrong", ColumnType::kInt64, "1", "words that differ"},
        {"skipped", ColumnType::kString, "", "why it did not run (empty: it ran)"}}});
}

}  // namespace cb
