#include "kernels/gpu_spec.h"

#include <algorithm>
#include <cctype>
#include <limits>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace cb {
namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

double GpuSpec::Peak(const std::string& key) const {
  auto it = peak.find(key);
  return it == peak.end() ? 0 : it->second;
}

std::optional<std::string> MatchGpuName(const std::string& device_name,
                                        const std::vector<std::pair<std::string, std::vector<std::string>>>& candidates,
                                        std::string* note) {
  const std::string name = Lower(device_name);
  size_t best_len = 0;
  std::vector<std::string> best;
  for (const auto& [id, patterns] : candidates) {
    size_t len = 0;
    for (const auto& p : patterns) {
      if (!p.empty() && name.find(Lower(p)) != std::string::npos) len = std::max(len, p.size());
    }
    if (len == 0) continue;
    if (len > best_len) {
      best_len = len;
      best = {id};
    } else if (len == best_len) {
      best.push_back(id);
    }
  }
  if (best.size() == 1) return best.front();
  if (note) {
    if (best.empty()) {
      *note = fmt::format("'{}' matches no configs/gpus document (add its name to a `match:` list)", device_name);
    } else {
      *note =
          fmt::format("'{}' matches {} equally well; pct_of_peak left empty", device_name, fmt::join(best, " and "));
    }
  }
  return std::nullopt;
}

std::optional<GpuSpec> FindGpuSpec(const std::string& device_name, const ConfigLoader& loader, std::string* note) {
  std::vector<std::pair<std::string, std::vector<std::string>>> candidates;
  std::map<std::string, ConfigNode> docs;
  for (const auto& id : loader.Available("gpu")) {
    ConfigNode doc = loader.Load("gpu", id);
    std::vector<std::string> patterns;
    if (const ConfigNode* m = doc.Find("match"); m && m->kind() == ConfigNode::Kind::kList) {
      for (const auto& item : m->items()) patterns.push_back(item.AsString());
    }
    candidates.emplace_back(id, patterns);
    docs.emplace(id, std::move(doc));
  }
  auto id = MatchGpuName(device_name, candidates, note);
  if (!id) return std::nullopt;
  const ConfigNode& doc = docs.at(*id);
  GpuSpec s;
  s.id = *id;
  s.name = doc.GetString("name", *id);
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
