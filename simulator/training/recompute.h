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
};

// "none", "selective", "full"; anything else throws ConfigError naming the valid names.
Recompute ParseRecompute(const std::string& name);
const char* RecomputeName(Recompute r);

}  // namespace cb::sim

#endif  // CLUSTERBENCH_SIMULATOR_TRAINING_RECOMPUTE_H_
