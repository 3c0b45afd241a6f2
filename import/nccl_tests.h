// nccl-tests' output read into a clusterbench collectives run.
//
// The formats are NVIDIA/nccl-tests src/util.cu (commit cfa8a96, 2025):
//  - text: writeDeviceReport prints "# nccl-tests version V nccl-headers=H
//    nccl-library=L", "# Collective test starting: NAME_perf", "# nThread %d
//    nGpus %d minBytes %ld maxBytes %ld step: %ld(factor|bytes) warmup iters:
//    %d iters: %d agg iters: %d validation: %d graph: %d", "# Using devices"
//    and one "#  Rank %2d Group %2d Pid %6d on %10s device %2d [%04x:%02x:%02x]
//    NAME" line per rank (gathered on rank 0); writeResultHeader the
//    out-of-place / in-place column lines; each row is
//    writeBenchmarkLinePreamble "%12li  %12li  %8s  %6s  %6s" (size, count,
//    type, redop, root) then writeBenchmarkLineBody "  %7s  %6s  %6s  %6g"
//    (time us, algbw GB/s, busbw GB/s, #wrong; "N/A" when unchecked) out of
//    place and in place (the out-of-place part blank for trace replay), and,
//    with -S, the time of day; writeResultFooter "# Out of bounds values : %d
//    OK|FAILED", "# Avg bus bandwidth    : %g", "# Collective test concluded:
//    NAME". Older versions lack the version and test lines, the Group field and
//    the root column (12 fields a row); all are read.
//  - JSON (-J FILE.json, version 1): jsonOutputInit, writeDeviceReport,
//    writeBenchmarkLine*, writeResultFooter, jsonOutputFinalize: "version",
//    "start_time", "args", "env", "nccl_version", "config" {..., "devices":
//    [{"rank", "group", "pid", "hostname", "device", "device_hex",
//    "device_info"}]}, "results" [{"size", "count", "type", "redop", "root"
//    (a "%6i" string), "out_of_place"/"in_place" {"time" or "cpu_time" (us),
//    "alg_bw", "bus_bw" (GB/s), "nwrong" (null unchecked)} or null,
//    "actual_iterations", "experiment_name"}], "out_of_bounds",
//    "average_bus_bandwidth", "errors", "end_time"; a NaN double is the
//    string "nan".
//  - per-iteration timing (-I 1; util.cu writePerIterReport, JSON_FILE_VERSION
//    2, the nccl-tests 2.18 line; tools/analyze_perf_json.py reads it): the
//    text's placements gain "  %7s  %7s  %7s  %7s" (i_min i_max i_p99 i_cv%,
//    us and %, over the per-iteration maximum across processes), read from the
//    column header; the JSON's results gain "out_of_place_per_iter" and
//    "in_place_per_iter" {"skipped_iterations", "min_us" ... "cv_pct",
//    "times_us" [per iteration], "per_process_max_times_us" [[per process, per
//    iteration]] (more than one process)}, and "config" "per_iter_timing",
//    "per_iter_skip". Those times are kept (docs/results-schema.md).
// The document names no collective: it comes from --op, else the binary in
// "args" (".../all_reduce_perf"), else the file name.
#ifndef CLUSTERBENCH_IMPORT_NCCL_TESTS_H_
#define CLUSTERBENCH_IMPORT_NCCL_TESTS_H_

#include <string>
#include <vector>

#include "import/imported_run.h"

namespace cb::importer {

// One run per device report ("# nThread" line) with its rows; consecutive
// reports of the same ranks (several *_perf binaries run one after another
// into one file) make one run. Throws IoError "PATH:LINE: ...".
std::vector<ImportedRun> ParseNcclTestsText(const std::string& path, const std::string& text,
                                            const ImportOptions& options);
// One run. Throws IoError "PATH:LINE: ..." for invalid or cut-short JSON.
std::vector<ImportedRun> ParseNcclTestsJson(const std::string& path, const std::string& text,
                                            const ImportOptions& options);

}  // namespace cb::importer

#endif  // CLUSTERBENCH_IMPORT_NCCL_TESTS_H_
