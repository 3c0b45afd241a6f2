#include "kernels/gpu_spec.h"

#include <limits>

#include "core/gpu_match.h"

namespace cb {

double GpuDatasheet::Peak(const std::string& key) const {
  auto it = peak.find(key);
  return it == peak.end() ? 0 : it->second;
}

std::optional<GpuDatasheet> FindGpuDatasheet(const std::string& device_name, const ConfigLoader& loader,
                                             std::string* note) {
  std::string id;
  const std::optional<ConfigNode> found = FindGpuDocument(device_name, loader, note, &id);
  if (!found) return std::nullopt;
  const ConfigNode& doc = *found;
  GpuDatasheet s;
  s.id = id;
  s.name = doc.GetString("name", id);
  if (const ConfigNode* p = doc.Find("peak"); p && p->kind() == ConfigNode::Kind::kObject) {
    for (const auto& [key, value] : p->children()) {
      if (value.kind() == ConfigNode::Kind::kInt || value.kind() == ConfigNode::Kind::kFloat) {
        s.peak[key] = value.AsDouble();
      }
    }
  }
  s.memory_bandwidth = doc.GetDouble("memory_bandwidth", 0);
  s.scale_up_bandwidth = doc.GetDouble("scale_up_bandwidth", 0);
  s.sm_count = doc.GetInt("sm_count", 0);
  return s;
}

double PercentOf(double value, double peak) {
  if (!(peak > 0)) return std::numeric_limits<double>::quiet_NaN();
  return 100.0 * value / peak;
}

}  // namespace cb
