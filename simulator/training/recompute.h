// Activation recomputation: the closed set of what a framework recomputes in
// backward (Korthikanti et al. 2022). Parsed once at the configuration
// boundary; code compares the enum, never the string.
#ifndef CLUSTERBENCH_SIMULATOR_TRAINING_RECOMPUTE_H_
#define CLUSTERBENCH_SIMULATOR_TRAINING_RECOMPUTE_H_

#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

namespace cb::sim {

enum class Recompute {
  kNone,       // every activation kept
  kSelective,  // core attention recomputed (the s x s part)
  kFull,       // only each layer's input kept; the forward runs again
  // torchtitan's per-op selective checkpointing (activation_checkpoint.mode =
  // "selective", selective_ac_option = "op"): the layer's input, the attention
  // kernel's output and every other matmul's output (the 1st, 3rd, 5th, ... in
  // forward order) are kept; the rest of the layer runs again in backward.
  kSelectiveOp,
};

// "none", "selective", "full", "selective_op"; anything else throws ConfigError naming the valid names.
Recompute ParseRecompute(const std::string& name);
const char* RecomputeName(Recompute r);

// What selective recomputation runs again, by module: Megatron-Core's
// --recompute-modules (TransformerConfig.recompute_modules; its default is
// core_attn). "moe_act", "layernorm" and "mla_up_proj" discard a module's
// output and rebuild it from the input the next module keeps; "core_attn",
// "mlp", "moe" and "shared_experts" keep only the module's input. A norm fused
// into the next GEMM (Transformer Engine's LayerNormLinear and LayerNormMLP,
// the dense layers' and GQA attention's norms) has no output of its own to
// discard: "layernorm" acts on the MoE layers' pre-MLP norm and on MLA's input
// norm only.
struct RecomputeModules {
  bool core_attn = false, mla_up_proj = false, layernorm = false, moe_act = false, mlp = false, moe = false,
       shared_experts = false;
  bool Any() const { return core_attn || mla_up_proj || layernorm || moe_act || mlp || moe || shared_experts; }
};

// Names as Megatron-Core spells them; an unknown name throws ConfigError
// naming the valid ones.
RecomputeModules ParseRecomputeModules(const std::vector<std::string>& names);
// Selective recomputation when no modules are named: Megatron-Core's default
// (core_attn), and for multi-head latent attention the up-projections
// (mla_up_proj) that every MLA recipe names.
RecomputeModules DefaultRecomputeModules(bool mla);
// The names whose flag is set, comma-separated in the order given ("" for none).
std::string JoinFlagged(std::initializer_list<std::pair<bool, const char*>> named);
// "core_attn,moe_act": the set in Megatron-Core's order, for reports.
std::string RecomputeModulesName(const RecomputeModules& m);

}  // namespace cb::sim

#endif  // CLUSTERBENCH_SIMULATOR_TRAINING_RECOMPUTE_H_
