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
        "ranks that stopped during the measurement and came back: the figure includes the stop"},
       {"wrong_ranks", ColumnType::kString, "", "ranks whose data was wrong"},
       // The side pass (or the timed loop with -I); NaN in an imported run.
       {"iter_mean", ColumnType::kFloat64, "s", "mean over every rank-iteration (NaN: not measured)"},
       {"iter_cv", ColumnType::kFloat64, "1", "stddev / mean over every rank-iteration (NaN: not measured)"}});
}

namespace {

// The key of a per-rank or per-iteration row: which measurement it belongs to.
std::vector<Column> MeasurementKey(std::vector<Column> rest) {
  std::vector<Column> c = {{"op", ColumnType::kString, "", "collective"},
                           {"size", ColumnType::kInt64, "B", "bytes"},
                           {"in_place", ColumnType::kInt64, "1", "1 in place"},
                           {"dtype", ColumnType::kString, "", "element type"},
                           {"redop", ColumnType::kString, "", "reduction or none"},
                           {"cycle", ColumnType::kInt64, "1", "which run of the sweep (-N), from 0"}};
  c.insert(c.end(), rest.begin(), rest.end());
  return c;
}

}  // namespace

Table CollectivesIterationsTableSchema() {
  return Table(
      "collectives_iterations", "nccl-tests -J with -I 1: every timed iteration of every process (imported runs only)",
      MeasurementKey({{"rank", ColumnType::kInt64, "1", "the process's first rank (its GPUs' slowest: the tool's row)"},
                      {"iteration", ColumnType::kInt64, "1", "from 0, in the order run"},
                      {"skipped", ColumnType::kInt64, "1", "1: one of the leading iterations the tool's summary skips"},
                      {"time", ColumnType::kFloat64, "s", "this iteration's time on this process"}}));
}

Table CollectivesPerRankTableSchema() {
  return Table("collectives_per_rank", "one row per op, size, placement and rank",
               MeasurementKey({{"rank", ColumnType::kInt64, "1", "rank"},
                               {"host", ColumnType::kString, "", "host name"},
                               {"device", ColumnType::kString, "", "device"},
                               {"time", ColumnType::kFloat64, "s", "this rank's elapsed time / iterations"},
                               {"wrong", ColumnType::kInt64, "1", "wrong elements this rank saw"}}));
}

Table P2pTableSchema() {
  return Table("p2p", "point-to-point bandwidth matrix (coordinate form: one row per measured pair)",
               {{"src", ColumnType::kInt64, "1", "sending rank"},
                {"dst", ColumnType::kInt64, "1", "receiving rank"},
                {"src_host", ColumnType::kString, "", ""},
                {"dst_host", ColumnType::kString, "", ""},
                {"kind", ColumnType::kString, "", "ring, intra (same host) or inter"},
                {"bandwidth", ColumnType::kFloat64, "B/s", "one direction, largest size"},
                {"latency", ColumnType::kFloat64, "s", "half round trip of 8 bytes"},
                {"flagged", ColumnType::kInt64, "1", "1 when below half the median of its kind"}});
}

}  // namespace cb::coll
