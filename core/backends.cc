#include "core/backends.h"

#include <fmt/format.h>

#include "core/version.h"

namespace cb {

NodeInfo DescribeNode(const Backends& backends, const std::string& hdf5_version) {
  NodeInfo info = CollectHostInfo();
  for (const auto& fill : backends.node_info) fill(info);
  info.versions["clusterbench"] = fmt::format("{} ({})", kVersion, kGitRevision);
  info.versions["hdf5"] = hdf5_version;
  if (info.gpus.empty() && info.gpu_note.empty()) info.gpu_note = kNoGpuBackendNote;
  return info;
}

}  // namespace cb
