// Which backend moves a collective's bytes: the closed set a suite's
// `backend:` names (auto, mpi, nccl; the suite schema lists them) and a
// collectives run records in its configuration (loopback, mpi, nccl: the
// communicator's backend()), parsed once where the suite or the stored run is
// read (issue 16, point 4), so acceptance and calibrate switch on the kind.
// collectives/ keeps its own registry of built backends (collectives/backend.h
// BackendKey), which names its factories with these names.
#ifndef CLUSTERBENCH_CORE_COLLECTIVE_BACKEND_H_
#define CLUSTERBENCH_CORE_COLLECTIVE_BACKEND_H_

#include <optional>
#include <string>
#include <string_view>

#include "core/enum_names.h"

namespace cb {

enum class CollectiveBackend { kAuto, kLoopback, kMpi, kNccl };

inline constexpr EnumName<CollectiveBackend> kCollectiveBackendNames[] = {{"auto", CollectiveBackend::kAuto},
                                                                          {"loopback", CollectiveBackend::kLoopback},
                                                                          {"mpi", CollectiveBackend::kMpi},
                                                                          {"nccl", CollectiveBackend::kNccl}};

inline const char* CollectiveBackendName(CollectiveBackend b) { return NameOf(kCollectiveBackendNames, b); }
// The backend named exactly `name`; nullopt for none.
inline std::optional<CollectiveBackend> FindCollectiveBackend(std::string_view name) {
  return ValueOf(kCollectiveBackendNames, name);
}
// "auto, loopback, mpi, nccl": the valid names, for an error.
inline std::string CollectiveBackendNames() { return NameList(kCollectiveBackendNames); }

}  // namespace cb

#endif  // CLUSTERBENCH_CORE_COLLECTIVE_BACKEND_H_
