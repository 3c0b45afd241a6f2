// The `collectives` table a collectives run writes (HDF5, and CSV/JSON through
// the store): one schema, owned here so that every writer of it
// (`clusterbench collectives`, `clusterbench import` of nccl-tests and OSU
// output) writes the same columns, names and units, and `calibrate` and
// `report` read one thing. Rows are filled by the writer, in column order.
#ifndef CLUSTERBENCH_COLLECTIVES_RESULT_TABLES_H_
#define CLUSTERBENCH_COLLECTIVES_RESULT_TABLES_H_

#include "core/table.h"

namespace cb::coll {

// One row per op, size and placement: nccl-tests' columns (op, size, count,
// dtype, redop, root, in_place, time, algbw, busbw, wrong), then the
// per-rank time statistics, checked, cycle, late and stalled ranks.
Table CollectivesTableSchema();

}  // namespace cb::coll

#endif  // CLUSTERBENCH_COLLECTIVES_RESULT_TABLES_H_
