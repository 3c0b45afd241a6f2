// Activation recomputation: the closed set of what a framework recomputes in
// backward (Korthikanti et al. 2022). Parsed once at the configuration
// boundary; code compares the enum, never the string.
#ifndef CLUSTERBENCH_SIMULATOR_TRAINING_RECOMPUTE_H_
#define CLUSTERBENCH_SIMULATOR_TRAINING_RECOMPUTE_H_

#include <string>

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

}  // namespace cb::sim

#endif  // CLUSTERBENCH_SIMULATOR_TRAINING_RECOMPUTE_H_
