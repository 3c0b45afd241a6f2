// The collective-operation catalogue, owned once (issue 16): the operations
// clusterbench measures (collectives/), models (simulator/network/) and fits
// (calibrate/), their names as nccl-tests and the results files spell them,
// and nccl-tests' bus-bandwidth factor (doc/PERFORMANCE.md), which makes a
// collective's busbw comparable to the link bandwidth for a ring:
//   all_reduce 2(n-1)/n   all_gather, reduce_scatter, alltoall (n-1)/n
//   broadcast, reduce, sendrecv 1
//   gather, scatter, alltoallv (n-1)/n (nccl-tests gather.cu, scatter.cu,
//     alltoallv.cu: the root's, or each rank's, link carries the n-1 chunks of
//     size/n that are not its own)
#ifndef CLUSTERBENCH_CORE_COLLECTIVE_OP_H_
#define CLUSTERBENCH_CORE_COLLECTIVE_OP_H_

#include <optional>
#include <string_view>
#include <vector>

namespace cb {

enum class CollectiveOp {
  kAllReduce,
  kAllGather,
  kReduceScatter,
  kBroadcast,
  kReduce,
  kAllToAll,
  kSendRecv,
  kGather,
  kScatter,
  kAllToAllv,
};

// "all_reduce", "all_gather", "reduce_scatter", "broadcast", "reduce", "alltoall", "sendrecv",
// "gather", "scatter", "alltoallv".
const char* CollectiveOpName(CollectiveOp op);
// Every operation: nccl-tests' original seven, then gather, scatter, alltoallv.
const std::vector<CollectiveOp>& AllCollectiveOps();
// The operation a name means, ignoring case, '_' and '-' (allreduce,
// all-reduce, AllReduce); nullopt for none.
std::optional<CollectiveOp> FindCollectiveOp(std::string_view name);
// busbw / algbw for `nranks` ranks (1 for fewer than 2).
double CollectiveBusFactor(CollectiveOp op, double nranks);

}  // namespace cb

#endif  // CLUSTERBENCH_CORE_COLLECTIVE_OP_H_
