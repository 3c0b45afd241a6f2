// MPI backend registration: the library version for `info`
// (MPI_Get_library_version may be called before MPI_Init) and the
// collectives backend factory "collectives:mpi".
#include <mpi.h>

#include <memory>
#include <string>

#include "collectives/backend.h"
#include "collectives/mpi/mpi_backend.h"
#include "core/backends.h"

namespace cb {

void RegisterMpiBackend(Backends& backends) {
  backends.enabled.push_back("mpi");
  backends.node_info.push_back([](NodeInfo& info) {
    char v[MPI_MAX_LIBRARY_VERSION_STRING] = {0};
    int len = 0;
    if (MPI_Get_library_version(v, &len) == MPI_SUCCESS) {
      std::string s(v, static_cast<size_t>(len));
      info.versions["mpi"] = s.substr(0, s.find_first_of(",\n"));
    }
  });
  backends.factories.Add(
      coll::BackendKey("mpi"),
      coll::BackendFactory([](const coll::BackendOptions& options) -> std::unique_ptr<coll::Backend> {
        return std::make_unique<coll::MpiBackend>(options);
      }));
}

}  // namespace cb
