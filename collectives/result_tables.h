// The tables a collectives run writes (HDF5, and CSV/JSON through the store):
// `collectives`, `collectives_per_rank` and `p2p`. One schema each, owned here
// so that every writer (`clusterbench collectives`, `clusterbench import` of
// nccl-tests and OSU output) writes the same columns, names and units, and
// `calibrate` and `report` read one thing. Rows are filled by the writer, in
// column order.
#ifndef CLUSTERBENCH_COLLECTIVES_RESULT_TABLES_H_
#define CLUSTERBENCH_COLLECTIVES_RESULT_TABLES_H_

#include "core/table.h"

namespace cb::coll {

// One row per op, size and placement: nccl-tests' columns (op, size, count,
// dtype, redop, root, in_place, time, algbw, busbw, wrong), then the
// per-rank time statistics, checked, cycle, late and stalled ranks.
Table CollectivesTableSchema();
// One row per op, size, placement and rank: that rank's time per op (elapsed /
// iterations) and wrong count, with its host and device.
Table CollectivesPerRankTableSchema();
// nccl-tests -I 1 imported: one row per op, size, placement, process and
// timed iteration (the same key columns as the per-rank table).
Table CollectivesIterationsTableSchema();
// Point-to-point pairs (coordinate form): one row per measured pair, its
// one-direction bandwidth at the largest size and its 8-byte latency.
Table P2pTableSchema();

}  // namespace cb::coll

#endif  // CLUSTERBENCH_COLLECTIVES_RESULT_TABLES_H_
