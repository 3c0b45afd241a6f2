#include "simulator/training/recompute.h"

#include <fmt/format.h>

#include "core/error.h"

namespace cb::sim {

Recompute ParseRecompute(const std::string& name) {
  if (name == "none") return Recompute::kNone;
  if (name == "selective") return Recompute::kSelective;
  if (name == "full") return Recompute::kFull;
  if (name == "selective_op") return Recompute::kSelectiveOp;
  throw ConfigError(fmt::format("unknown recompute '{}' (valid: none, selective, full, selective_op)", name));
}

const char* RecomputeName(Recompute r) {
  switch (r) {
    case Recompute::kNone:
      return "none";
    case Recompute::kSelective:
      return "selective";
    case Recompute::kFull:
      return "full";
    case Recompute::kSelectiveOp:
      return "selective_op";
  }
  return "?";
}

}  // namespace cb::sim
