#include "core/gpu_match.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <algorithm>
#include <cctype>

namespace cb {
namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

size_t LongestGpuMatch(const std::string& device_name, const std::vector<std::string>& patterns) {
  const std::string name = Lower(device_name);
  size_t len = 0;
  for (const auto& p : patterns) {
    if (!p.empty() && name.find(Lower(p)) != std::string::npos) len = std::max(len, p.size());
  }
  return len;
}

std::vector<std::pair<std::string, std::vector<std::string>>> GpuMatchLists(const ConfigLoader& loader) {
  std::vector<std::pair<std::string, std::vector<std::string>>> lists;
  for (const auto& name : loader.Available("gpu")) {
    ConfigNode doc = loader.Load("gpu", name);
    std::vector<std::string> patterns;
    if (const ConfigNode* m = doc.Find("match"); m && m->kind() == ConfigNode::Kind::kList) {
      for (const auto& item : m->items()) patterns.push_back(item.AsString());
    }
    lists.emplace_back(name, patterns);
  }
  return lists;
}

std::optional<std::string> MatchGpuName(const std::string& device_name,
                                        const std::vector<std::pair<std::string, std::vector<std::string>>>& candidates,
                                        std::string* note) {
  size_t best_len = 0;
  std::vector<std::string> best;
  for (const auto& [id, patterns] : candidates) {
    const size_t len = LongestGpuMatch(device_name, patterns);
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

std::optional<ConfigNode> FindGpuDocument(const std::string& device_name, const ConfigLoader& loader, std::string* note,
                                          std::string* id) {
  auto winner = MatchGpuName(device_name, GpuMatchLists(loader), note);
  if (!winner) return std::nullopt;
  if (id) *id = *winner;
  return loader.Load("gpu", *winner);
}

}  // namespace cb
