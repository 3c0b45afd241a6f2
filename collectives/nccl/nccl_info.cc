// NCCL backend registration: version for `info`. Collectives come later.
#include <nccl.h>

#include <fmt/format.h>

#include "core/backends.h"

namespace cb {

void RegisterNcclBackend(Backends& backends) {
  backends.enabled.push_back("nccl");
  backends.node_info.push_back([](NodeInfo& info) {
    int v = 0;
    if (ncclGetVersion(&v) == ncclSuccess) {
      // NCCL >= 2.9 encodes major*10000 + minor*100 + patch.
      info.versions["nccl"] = fmt::format("{}.{}.{}", v / 10000, (v % 10000) / 100, v % 100);
    }
  });
}

}  // namespace cb
