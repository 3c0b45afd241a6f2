// What the baseline benchmarks (collectives_vs_bare, nccl_vs_bare) ask of the
// tool's harness: all_reduce, float sum, one size, out of place, no checks,
// so that what it times is what the bare loop beside it times.
#ifndef CLUSTERBENCH_BENCHMARKS_TOOL_ALL_REDUCE_H_
#define CLUSTERBENCH_BENCHMARKS_TOOL_ALL_REDUCE_H_

#include <cstddef>

#include "collectives/harness.h"

namespace cb::bench {

// Seconds per all_reduce as the tool reports it (rank 0; 0 on other ranks).
inline double ToolAllReduceSeconds(cb::coll::Communicator& comm, size_t bytes, int iters, int warmup) {
  cb::coll::BenchOptions o;
  o.ops = {cb::coll::OpKind::kAllReduce};
  o.min_bytes = o.max_bytes = bytes;
  o.iters = iters;
  o.warmup = warmup;
  o.checks = 0;
  o.in_place = false;
  cb::coll::ValidateOptions(&o, comm);
  const cb::coll::BenchReport rep = cb::coll::RunBenchmark(comm, o, nullptr);
  // The report's rows are rank 0's (it gathers them); other ranks only take part.
  return rep.results.empty() ? 0 : rep.results.front().out_of_place.time_s;
}

}  // namespace cb::bench

#endif  // CLUSTERBENCH_BENCHMARKS_TOOL_ALL_REDUCE_H_
