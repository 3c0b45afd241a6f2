// A configuration document as JSON (`config show --format json`): what
// ConfigNode::ToYaml prints (SI units; unset keys left out), maps with their
// keys, lists in order.
#ifndef CLUSTERBENCH_CORE_CONFIG_JSON_H_
#define CLUSTERBENCH_CORE_CONFIG_JSON_H_

#include <nlohmann/json.hpp>

#include "core/config.h"

namespace cb {

nlohmann::json ConfigToJson(const ConfigNode& n);

}  // namespace cb

#endif  // CLUSTERBENCH_CORE_CONFIG_JSON_H_
