#include "import/nvbandwidth.h"

#include <fmt/format.h>

#include <cstdlib>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>

#include "core/error.h"
#include "kernels/result_tables.h"

namespace cb::importer {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct Gpu {
  std::string name, bus_id, host;
};

size_t LineOfByte(const std::string& text, size_t byte) {
  size_t line = 1;
  for (size_t i = 0; i < byte && i < text.size(); ++i) line += text[i] == '\n';
  return line;
}

std::string Yaml(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

}  // namespace

std::vector<ImportedRun> ParseNvbandwidthJson(const std::string& path, const std::string& text) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    const bool at_end = e.byte >= text.size();
    throw IoError(fmt::format("{}:{}: {}", path, LineOfByte(text, e.byte > 0 ? e.byte - 1 : 0),
                              at_end ? std::string("truncated: the JSON document ends before it is complete")
                                     : fmt::format("invalid JSON at byte {}: {}", e.byte, e.what())));
  }
  if (!doc.is_object() || !doc.contains("nvbandwidth") || !doc["nvbandwidth"].is_object()) {
    throw IoError(fmt::format("{}: not an nvbandwidth -j document (no 'nvbandwidth' object)", path));
  }
  const auto& nv = doc["nvbandwidth"];
  ImportedRun run;
  run.kind = "kernels";
  run.source = "nvbandwidth";
  if (nv.contains("version") && nv["version"].is_string()) run.source += " " + nv["version"].get<std::string>();
  std::map<int64_t, Gpu> gpus;
  static const std::regex kDevice(R"(^\s*(\d+):\s*(.*?)\s*\(([^()]*)\)\s*:\s*\((.*)\)\s*$)");
  if (nv.contains("GPU Device list") && nv["GPU Device list"].is_array()) {
    for (const auto& d : nv["GPU Device list"]) {
      if (!d.is_string()) continue;
      std::smatch m;
      const std::string s = d.get<std::string>();
      if (!std::regex_match(s, m, kDevice)) continue;
      gpus[std::atoll(m[1].str().c_str())] = {m[2].str(), m[3].str(), m[4].str()};
      if (std::find(run.hosts.begin(), run.hosts.end(), m[4].str()) == run.hosts.end()) run.hosts.push_back(m[4]);
    }
  }
  if (!nv.contains("testcases") || !nv["testcases"].is_array()) {
    throw IoError(fmt::format("{}: nvbandwidth -j document without 'testcases'{}", path,
                              nv.contains("error") && nv["error"].is_string()
                                  ? fmt::format(" (its error: {})", nv["error"].get<std::string>())
                                  : std::string()));
  }
  auto number = [](const nlohmann::json& j, const char* key) -> double {
    if (!j.contains(key)) return kNaN;
    if (j[key].is_number()) return j[key].get<double>();
    if (j[key].is_string()) return std::strtod(j[key].get<std::string>().c_str(), nullptr);
    return kNaN;
  };
  const double buffer_mib = number(nv, "bufferSize");
  const double samples = number(nv, "testSamples");
  // The columns `kernels` writes for its copy benchmark: one owner (kernels/result_tables.h).
  Table t = CopyTableSchema();
  const std::string host0 = run.hosts.empty() ? std::string() : run.hosts.front();
  auto gpu_cells = [&](int64_t g) -> std::vector<Cell> {
    auto it = gpus.find(g);
    const std::string name =
        g < 0 ? std::string("host") : (it == gpus.end() ? fmt::format("GPU {}", g) : it->second.name);
    return {int64_t{0},    it == gpus.end() ? host0 : it->second.host,           name,         g,
            std::string(), it == gpus.end() ? std::string() : it->second.bus_id, std::string()};
  };
  auto add = [&](const std::string& bench, int64_t src, int64_t dst, double bw, const std::string& skipped) {
    const int64_t who = dst >= 0 ? dst : src;
    std::vector<Cell> row = {bench};
    for (auto& c : gpu_cells(who)) row.push_back(c);
    const double bytes = std::isfinite(buffer_mib) ? buffer_mib * 1024 * 1024 : 0;
    std::vector<Cell> rest = {src,
                              dst,
                              std::string(src >= 0 && dst >= 0 ? (src == dst ? "local" : "unknown") : "unknown"),
                              static_cast<int64_t>(bytes),
                              bytes > 0 && bw > 0 ? bytes / bw : kNaN,
                              kNaN,
                              kNaN,
                              kNaN,
                              static_cast<int64_t>(std::isfinite(samples) ? samples : 0),
                              bw,
                              kNaN,
                              kNaN,
                              int64_t{0},
                              int64_t{0},
                              skipped};
    row.insert(row.end(), rest.begin(), rest.end());
    t.AddRow(std::move(row));
  };
  const auto& tcs = nv["testcases"];
  for (size_t i = 0; i < tcs.size(); ++i) {
    const auto& tc = tcs[i];
    const std::string name = tc.value("name", fmt::format("testcase {}", i));
    const std::string status = tc.value("status", std::string());
    if (!tc.contains("bandwidth_matrix")) {
      std::string why = status.empty() ? std::string("no bandwidth matrix") : status;
      if (tc.contains("error") && tc["error"].is_string()) why += ": " + tc["error"].get<std::string>();
      add(name, -1, -1, kNaN, why);
      continue;
    }
    const std::string desc = tc.value("bandwidth_description", std::string());
    const bool reverse = desc.find("(row) <-") != std::string::npos;
    const bool row_cpu = std::regex_search(desc, std::regex(R"(CPU\(row\))"));
    const bool col_cpu = std::regex_search(desc, std::regex(R"(CPU\(column\))"));
    const auto& m = tc["bandwidth_matrix"];
    if (!m.is_array())
      throw IoError(fmt::format("{}: testcases[{}] ({}): bandwidth_matrix is not a list", path, i, name));
    for (size_t r = 0; r < m.size(); ++r) {
      if (!m[r].is_array()) {
        throw IoError(fmt::format("{}: testcases[{}] ({}): bandwidth_matrix row {} is not a list", path, i, name, r));
      }
      for (size_t c = 0; c < m[r].size(); ++c) {
        const auto& cell = m[r][c];
        double gbs = kNaN;
        if (cell.is_number()) {
          gbs = cell.get<double>();
        } else if (cell.is_string()) {
          const std::string s = cell.get<std::string>();
          if (s == "N/A") continue;
          char* end = nullptr;
          gbs = std::strtod(s.c_str(), &end);
          if (end == s.c_str() || *end != '\0') {
            throw IoError(fmt::format("{}: testcases[{}] ({}): bandwidth_matrix[{}][{}] is '{}', not a number or N/A",
                                      path, i, name, r, c, s));
          }
        } else {
          continue;
        }
        const int64_t row_dev = row_cpu ? -1 : static_cast<int64_t>(r);
        const int64_t col_dev = col_cpu ? -1 : static_cast<int64_t>(c);
        add(name, reverse ? col_dev : row_dev, reverse ? row_dev : col_dev, gbs * 1e9, "");
      }
    }
  }
  run.rank_count = 1;
  run.config_yaml = fmt::format("source: {}\nfile: {}\n", Yaml(run.source), Yaml(path));
  for (const char* key : {"git_version", "CUDA Runtime Version", "Driver Version"}) {
    if (nv.contains(key)) {
      run.config_yaml +=
          fmt::format("{}: {}\n", Yaml(key), nv[key].is_string() ? Yaml(nv[key].get<std::string>()) : nv[key].dump());
    }
  }
  if (std::isfinite(buffer_mib)) run.config_yaml += fmt::format("buffer_size: {}\n", buffer_mib * 1024 * 1024);
  if (nv.contains("warning") && nv["warning"].is_string()) {
    run.config_yaml += fmt::format("warning: {}\n", Yaml(nv["warning"].get<std::string>()));
  }
  if (t.size() == 0) throw IoError(fmt::format("{}: no testcases", path));
  run.tables.push_back(std::move(t));
  return {run};
}

}  // namespace cb::importer
