// NCCL backend registration: the library version for `info` and the
// collectives backend factory "collectives:nccl" (nccl_backend.h).
#include <nccl.h>

#include <fmt/format.h>
#include <memory>

#include "collectives/backend.h"
#include "collectives/nccl/nccl_backend.h"
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
  backends.factories.Add(
      coll::BackendKey("nccl"),
      coll::BackendFactory([](const coll::BackendOptions& options) -> std::unique_ptr<coll::Backend> {
        return coll::MakeNcclBackend(options);
      }));
}

}  // namespace cb
