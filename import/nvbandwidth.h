// nvbandwidth's -j JSON read into a clusterbench kernels run with a `copy`
// table (the kernels command's copy-engine table: one row per measured
// source/destination pair, bandwidth in B/s).
//
// The format is NVIDIA/nvbandwidth json_output.cpp (commit 5d36436):
// {"nvbandwidth": {"version", "git_version", "CUDA Runtime Version", "Driver
// Version", "GPU Device list": ["I: NAME (PCI BUS ID): (HOSTNAME)", ...],
// "testcases": [{"name", "status" (Passed, Waived, Error, ...), "error",
// "bandwidth_description" ("memcpy CE CPU(row) -> GPU(column) bandwidth
// (GB/s)"), "bandwidth_matrix" (rows of strings: a number in GB/s or "N/A"),
// "sum", ...}], "error", "warning"}}; -b (bufferSize, MiB) and -i
// (testSamples) are read where the document has them. A matrix cell
// [row][column] is a copy from the row's device to the column's when the
// description says "row) -> ", the other way for "row) <- "; CPU is device -1.
#ifndef CLUSTERBENCH_IMPORT_NVBANDWIDTH_H_
#define CLUSTERBENCH_IMPORT_NVBANDWIDTH_H_

#include <string>
#include <vector>

#include "import/imported_run.h"

namespace cb::importer {

// One run. Throws IoError "PATH:LINE: ..." for invalid JSON or a document
// that is not nvbandwidth's.
std::vector<ImportedRun> ParseNvbandwidthJson(const std::string& path, const std::string& text);

}  // namespace cb::importer

#endif  // CLUSTERBENCH_IMPORT_NVBANDWIDTH_H_
