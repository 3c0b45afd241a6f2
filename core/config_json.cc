#include "core/config_json.h"

namespace cb {

// The effective document as JSON: what `config show` prints as YAML (SI
// units; unset keys left out), maps with their keys, lists in order.
nlohmann::json ConfigToJson(const ConfigNode& n) {
  switch (n.kind()) {
    case ConfigNode::Kind::kNull:
      return nullptr;
    case ConfigNode::Kind::kInt:
      return n.AsInt();
    case ConfigNode::Kind::kFloat:
      return n.AsDouble();
    case ConfigNode::Kind::kBool:
      return n.AsBool();
    case ConfigNode::Kind::kString:
      return n.AsString();
    case ConfigNode::Kind::kObject: {
      nlohmann::json j = nlohmann::json::object();
      for (const auto& [key, child] : n.children()) {
        if (child.kind() != ConfigNode::Kind::kNull) j[key] = ConfigToJson(child);
      }
      return j;
    }
    case ConfigNode::Kind::kList: {
      nlohmann::json j = nlohmann::json::array();
      for (const auto& item : n.items()) j.push_back(ConfigToJson(item));
      return j;
    }
  }
  return nullptr;
}

}  // namespace cb
