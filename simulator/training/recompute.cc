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

RecomputeModules ParseRecomputeModules(const std::vector<std::string>& names) {
  RecomputeModules m;
  for (const std::string& n : names) {
    if (n == "core_attn") {
      m.core_attn = true;
    } else if (n == "mla_up_proj") {
      m.mla_up_proj = true;
    } else if (n == "layernorm") {
      m.layernorm = true;
    } else if (n == "moe_act") {
      m.moe_act = true;
    } else if (n == "mlp") {
      m.mlp = true;
    } else if (n == "moe") {
      m.moe = true;
    } else if (n == "shared_experts") {
      m.shared_experts = true;
    } else {
      throw ConfigError(fmt::format(
          "unknown recompute module '{}' (valid: core_attn, moe_act, layernorm, mla_up_proj, mlp, moe, shared_experts)",
          n));
    }
  }
  return m;
}

RecomputeModules DefaultRecomputeModules(bool mla) {
  RecomputeModules m;
  m.core_attn = !mla;
  m.mla_up_proj = mla;
  return m;
}

std::string JoinFlagged(std::initializer_list<std::pair<bool, const char*>> named) {
  std::string out;
  for (const auto& [on, name] : named) {
    if (!on) continue;
    if (!out.empty()) out += ",";
    out += name;
  }
  return out;
}

std::string RecomputeModulesName(const RecomputeModules& m) {
  return JoinFlagged({{m.core_attn, "core_attn"},
                      {m.moe_act, "moe_act"},
                      {m.layernorm, "layernorm"},
                      {m.mla_up_proj, "mla_up_proj"},
                      {m.mlp, "mlp"},
                      {m.moe, "moe"},
                      {m.shared_experts, "shared_experts"}});
}

}  // namespace cb::sim
