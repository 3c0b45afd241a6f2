// The tables a `kernels` run writes (HDF5, and CSV/JSON through the store):
// one schema per result kind, owned here so that every writer of a kind
// (`clusterbench kernels`, `clusterbench import` of nvbandwidth) writes the
// same columns, names and units. Rows are filled by the writer, in column order.
#ifndef CLUSTERBENCH_KERNELS_RESULT_TABLES_H_
#define CLUSTERBENCH_KERNELS_RESULT_TABLES_H_

#include <string>
#include <vector>

#include "core/table.h"

namespace cb {

// Who measured a row: rank, host, device name, GPU index (-1: host), UUID,
// PCI bus id, serial (7 columns).
std::vector<Column> IdentityColumns();
// The harness's summary of one measurement: median, min, max, spread,
// samples, budget_limited (6 columns); `what` names the timed call.
std::vector<Column> TimeColumns(const std::string& what);
// Concatenates column groups into one table.
Table BuildTable(std::string name, std::string description, std::vector<std::vector<Column>> parts);

Table GemmTableSchema();    // "gemm"
Table StreamTableSchema();  // "memory"
Table PeakTableSchema();    // "peak"
Table CopyTableSchema();    // "copy"

}  // namespace cb

#endif  // CLUSTERBENCH_KERNELS_RESULT_TABLES_H_
