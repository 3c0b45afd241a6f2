#include "core/collective_op.h"

#include <cctype>
#include <string>

namespace cb {

const char* CollectiveOpName(CollectiveOp op) {
  switch (op) {
    case CollectiveOp::kAllReduce:
      return "all_reduce";
    case CollectiveOp::kAllGather:
      return "all_gather";
    case CollectiveOp::kReduceScatter:
      return "reduce_scatter";
    case CollectiveOp::kBroadcast:
      return "broadcast";
    case CollectiveOp::kReduce:
      return "reduce";
    case CollectiveOp::kAllToAll:
      return "alltoall";
    case CollectiveOp::kSendRecv:
      return "sendrecv";
    case CollectiveOp::kGather:
      return "gather";
    case CollectiveOp::kScatter:
      return "scatter";
    case CollectiveOp::kAllToAllv:
      return "alltoallv";
  }
  return "?";
}

const std::vector<CollectiveOp>& AllCollectiveOps() {
  static const std::vector<CollectiveOp> ops = {
      CollectiveOp::kAllReduce, CollectiveOp::kAllGather, CollectiveOp::kReduceScatter, CollectiveOp::kBroadcast,
      CollectiveOp::kReduce,    CollectiveOp::kAllToAll,  CollectiveOp::kSendRecv,      CollectiveOp::kGather,
      CollectiveOp::kScatter,   CollectiveOp::kAllToAllv};
  return ops;
}

std::optional<CollectiveOp> FindCollectiveOp(std::string_view name) {
  auto key = [](std::string_view s) {
    std::string k;
    for (char c : s) {
      if (c != '_' && c != '-') k += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return k;
  };
  const std::string want = key(name);
  for (CollectiveOp op : AllCollectiveOps()) {
    if (key(CollectiveOpName(op)) == want) return op;
  }
  return std::nullopt;
}

double CollectiveBusFactor(CollectiveOp op, double n) {
  if (n < 2) return 1;
  switch (op) {
    case CollectiveOp::kAllReduce:
      return 2 * (n - 1) / n;
    case CollectiveOp::kAllGather:
    case CollectiveOp::kReduceScatter:
    case CollectiveOp::kAllToAll:
    case CollectiveOp::kGather:
    case CollectiveOp::kScatter:
    case CollectiveOp::kAllToAllv:
      return (n - 1) / n;
    case CollectiveOp::kBroadcast:
    case CollectiveOp::kReduce:
    case CollectiveOp::kSendRecv:
      return 1;
  }
  return 1;
}

}  // namespace cb
