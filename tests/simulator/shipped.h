// Shipped configs for simulator tests: the loader over the source tree's
// configs/, a scenario by name with overrides, and the error it raises.
#ifndef CLUSTERBENCH_TESTS_SIMULATOR_SHIPPED_H_
#define CLUSTERBENCH_TESTS_SIMULATOR_SHIPPED_H_

#include <string>
#include <vector>

#include "core/config.h"
#include "core/error.h"
#include "simulator/simulate.h"

namespace cb::sim::testing {

inline ConfigLoader Shipped() { return ConfigLoader({std::string(CB_SOURCE_DIR) + "/configs"}); }

inline Scenario Load(const std::string& name, const std::vector<Override>& o = {}) {
  return ScenarioFromConfig(Shipped().Load("scenario", name, o));
}

// The ConfigError's text, or "<no error>".
inline std::string ErrorOf(const std::string& name, const std::vector<Override>& o) {
  try {
    Load(name, o);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "<no error>";
}

}  // namespace cb::sim::testing

#endif  // CLUSTERBENCH_TESTS_SIMULATOR_SHIPPED_H_
