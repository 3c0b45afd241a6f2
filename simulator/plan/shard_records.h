// A sharded plan search (PlanSearchOptions::shard, `plan` under mpirun/srun)
// gathered on rank 0: each process's best estimates and counts as one
// fixed-size record of doubles, so every rank sends the same length, and the
// records merged back into one screened result for FinishPlans (the same
// plans as one process).
#ifndef CLUSTERBENCH_SIMULATOR_PLAN_SHARD_RECORDS_H_
#define CLUSTERBENCH_SIMULATOR_PLAN_SHARD_RECORDS_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "simulator/plan/search.h"

namespace cb::sim {

// The record of one shard: (index, estimate) of its best `best` plans, -1
// padded; then the candidate, valid and fit counts; then the rejections in
// RejectionReasons() order. Length 2·best + 3 + RejectionReasons().size().
std::vector<double> ShardRecord(const PlanSearchResult& r, size_t best);

// Every shard's record, concatenated (a gather), merged: the plans at their
// indices for `gpus` GPUs with their estimates, the counts summed. The
// screen's wall time is left to the caller.
PlanSearchResult MergeShardRecords(const Scenario& s, int64_t gpus, const std::vector<double>& all, size_t best);

}  // namespace cb::sim

#endif  // CLUSTERBENCH_SIMULATOR_PLAN_SHARD_RECORDS_H_
