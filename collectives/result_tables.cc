#include "collectives/result_tables.h"

namespace cb::coll {

Table CollectivesTableSchema() {
  return Table(
      "collectives", "one row per op, size and placement (rank 0's view, nccl-tests columns)",
      {{"op", ColumnType::kString, "", "collective"},
       {"size", ColumnType::kInt64, "B", "bytes, as nccl-tests counts them"},
       {"count", ColumnType::kInt64, "1", "elements (nccl-tests' count column)"},
       {"dtype", ColumnType::kString, "", "element type"},
       {"redop", ColumnType::kString, "", "reduction or none"},
       {"root", ColumnType::kInt64, "1", "root rank, -1 when none"},
       {"in_place", ColumnType::kInt64, "1", "1 in place, 0 out of place"},
       {"time", ColumnType::kFloat64, "s", "time per op (-a mode across ranks)"},
       {"algbw", ColumnType::kFloat64, "B/s", "size / time"},
       {"busbw", ColumnType::kFloat64, "B/s", "algbw x bus factor"},
       {"wrong", ColumnType::kInt64, "1", "wrong elements, all ranks"},
       // NaN in an imported run whose file does not give them.
       {"rank_time_min", ColumnType::kFloat64, "s", "fastest rank-iteration (NaN: not measured)"},
       {"rank_time_median", ColumnType::kFloat64, "s", "median over ranks (NaN: not measured)"},
       {"rank_time_max", ColumnType::kFloat64, "s", "slowest rank-iteration (NaN: not measured)"},
       {"rank_time_p99", ColumnType::kFloat64, "s", "p99 (max over ranks of their p99; NaN: not measured)"},
       {"checked", ColumnType::kInt64, "1", "1 when checked (-c > 0); 0: wrong counts nothing (nccl-tests N/A)"},
       {"cycle", ColumnType::kInt64, "1", "which run of the sweep (-N), from 0"},
       {"late_ranks", ColumnType::kString, "", "ranks the others waited for"},
       {"stalled_ranks", ColumnType::kString, "",
        "ranks that stopped during the measurement and came back: the figure includes the stop"}});
}

}  // namespace cb::coll
