// The one collective-operation catalogue (core/collective_op.h).
#include "core/collective_op.h"

#include <gtest/gtest.h>

namespace cb {
namespace {

TEST(CollectiveOp, NamesParseBackInEverySpelling) {
  for (CollectiveOp op : AllCollectiveOps()) EXPECT_EQ(FindCollectiveOp(CollectiveOpName(op)), op);
  EXPECT_EQ(FindCollectiveOp("allreduce"), CollectiveOp::kAllReduce);
  EXPECT_EQ(FindCollectiveOp("All-Gather"), CollectiveOp::kAllGather);
  EXPECT_EQ(FindCollectiveOp("all_to_all"), CollectiveOp::kAllToAll);
  EXPECT_EQ(FindCollectiveOp("gather"), CollectiveOp::kGather);  // not all_gather
  EXPECT_EQ(FindCollectiveOp("AllToAllV"), CollectiveOp::kAllToAllv);
  EXPECT_FALSE(FindCollectiveOp("scatter_gather"));
  EXPECT_FALSE(FindCollectiveOp(""));
}

// nccl-tests doc/PERFORMANCE.md: 2(n-1)/n, (n-1)/n, 1.
TEST(CollectiveOp, BusFactorsAreNcclTests) {
  EXPECT_DOUBLE_EQ(CollectiveBusFactor(CollectiveOp::kAllReduce, 8), 2.0 * 7 / 8);
  EXPECT_DOUBLE_EQ(CollectiveBusFactor(CollectiveOp::kAllGather, 8), 7.0 / 8);
  EXPECT_DOUBLE_EQ(CollectiveBusFactor(CollectiveOp::kReduceScatter, 4), 3.0 / 4);
  EXPECT_DOUBLE_EQ(CollectiveBusFactor(CollectiveOp::kAllToAll, 2), 0.5);
  EXPECT_DOUBLE_EQ(CollectiveBusFactor(CollectiveOp::kBroadcast, 8), 1);
  EXPECT_DOUBLE_EQ(CollectiveBusFactor(CollectiveOp::kSendRecv, 8), 1);
  EXPECT_DOUBLE_EQ(CollectiveBusFactor(CollectiveOp::kAllReduce, 1), 1);
  // gather_perf, scatter_perf, alltoallv_perf: (n-1)/n.
  EXPECT_DOUBLE_EQ(CollectiveBusFactor(CollectiveOp::kGather, 8), 7.0 / 8);
  EXPECT_DOUBLE_EQ(CollectiveBusFactor(CollectiveOp::kScatter, 4), 3.0 / 4);
  EXPECT_DOUBLE_EQ(CollectiveBusFactor(CollectiveOp::kAllToAllv, 2), 0.5);
}

}  // namespace
}  // namespace cb
