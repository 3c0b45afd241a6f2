// MPI backend registration: library version for `info` (MPI_Get_library_version
// may be called before MPI_Init). Collectives come later.
#include <mpi.h>

#include <string>

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
}

}  // namespace cb
