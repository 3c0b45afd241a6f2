#include "import/nvbandwidth.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <utility>

#include "core/error.h"
#include "import/internal/text_input.h"
#include "kernels/result_tables.h"

namespace cb::importer {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct Gpu {
  std::string name, bus_id, host;
};

// The document, or an error naming the line where it stops being JSON.
nlohmann::json ParseDocument(const std::string& path, const std::string& text) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    const bool at_end = e.byte >= text.size();
    Fail(path, LineOfByte(text, e.byte > 0 ? e.byte - 1 : 0),
         at_end ? std::string("truncated: the JSON document ends before it is complete")
                : fmt::format("invalid JSON at byte {}: {}", e.byte, e.what()));
  }
}

// "GPU Device list": "0: NVIDIA H100 80GB HBM3 (00000000:18:00): (dgx01)"
// entries, by index; the hosts they name go to run->hosts in order.
std::map<int64_t, Gpu> ReadGpus(const nlohmann::json& nv, ImportedRun* run) {
  std::map<int64_t, Gpu> gpus;
  static const std::regex kDevice(R"(^\s*(\d+):\s*(.*?)\s*\(([^()]*)\)\s*:\s*\((.*)\)\s*$)");
  if (!nv.contains("GPU Device list") || !nv["GPU Device list"].is_array()) return gpus;
  for (const auto& d : nv["GPU Device list"]) {
    if (!d.is_string()) continue;
    std::smatch m;
    const std::string s = d.get<std::string>();
    if (!std::regex_match(s, m, kDevice)) continue;
    gpus[std::atoll(m[1].str().c_str())] = {m[2].str(), m[3].str(), m[4].str()};
    if (std::find(run->hosts.begin(), run->hosts.end(), m[4].str()) == run->hosts.end()) run->hosts.push_back(m[4]);
  }
  return gpus;
}

// A number field that nvbandwidth writes as a number or a string; NaN when absent.
double Number(const nlohmann::json& j, const char* key) {
  if (!j.contains(key)) return kNaN;
  if (j[key].is_number()) return j[key].get<double>();
  if (j[key].is_string()) return std::strtod(j[key].get<std::string>().c_str(), nullptr);
  return kNaN;
}

// Appends rows to the copy table: one per measured cell, with the identity
// of the GPU at the receiving end (the sender for device-to-host).
class CopyRows {
 public:
  CopyRows(Table* t, const std::map<int64_t, Gpu>& gpus, std::string host0, double buffer_mib, double samples)
      : t_(t), gpus_(gpus), host0_(std::move(host0)), buffer_mib_(buffer_mib), samples_(samples) {}

  void Add(const std::string& bench, int64_t src, int64_t dst, double bw, const std::string& skipped) {
    const int64_t who = dst >= 0 ? dst : src;
    auto it = gpus_.find(who);
    const bool known = it != gpus_.end();
    const std::string name = who < 0 ? std::string("host") : (known ? it->second.name : fmt::format("GPU {}", who));
    const double bytes = std::isfinite(buffer_mib_) ? buffer_mib_ * 1024 * 1024 : 0;
    t_->AddRow({bench,
                int64_t{0},
                known ? it->second.host : host0_,
                name,
                who,
                std::string(),
                known ? it->second.bus_id : std::string(),
                std::string(),
                src,
                dst,
                std::string(src >= 0 && dst >= 0 ? (src == dst ? "local" : "unknown") : "unknown"),
                static_cast<int64_t>(bytes),
                bytes > 0 && bw > 0 ? bytes / bw : kNaN,
                kNaN,
                kNaN,
                kNaN,
                static_cast<int64_t>(std::isfinite(samples_) ? samples_ : 0),
                int64_t{0},  // budget_limited: nvbandwidth's own sample count
                bw,
                kNaN,
                kNaN,
                int64_t{0},
                int64_t{0},
                skipped});
  }

 private:
  Table* t_;
  const std::map<int64_t, Gpu>& gpus_;
  std::string host0_;
  double buffer_mib_, samples_;
};

// One testcase: a row per matrix cell that is not N/A ('CPU(row) -> GPU(column)',
// 'GPU(row) <- GPU(column)' say the direction), or one skipped row saying why
// there is no matrix.
void AddTestcase(const std::string& path, size_t i, const nlohmann::json& tc, CopyRows* rows) {
  const std::string name = tc.value("name", fmt::format("testcase {}", i));
  const std::string status = tc.value("status", std::string());
  if (!tc.contains("bandwidth_matrix")) {
    std::string why = status.empty() ? std::string("no bandwidth matrix") : status;
    if (tc.contains("error") && tc["error"].is_string()) why += ": " + tc["error"].get<std::string>();
    rows->Add(name, -1, -1, kNaN, why);
    return;
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
      rows->Add(name, reverse ? col_dev : row_dev, reverse ? row_dev : col_dev, gbs * 1e9, "");
    }
  }
}

// The run's configuration: where it came from and the versions nvbandwidth reports.
std::string ConfigYaml(const std::string& path, const ImportedRun& run, const nlohmann::json& nv, double buffer_mib) {
  std::string y = fmt::format("source: {}\nfile: {}\n", YamlQuoted(run.source), YamlQuoted(path));
  for (const char* key : {"git_version", "CUDA Runtime Version", "Driver Version"}) {
    if (nv.contains(key)) {
      y += fmt::format("{}: {}\n", YamlQuoted(key),
                       nv[key].is_string() ? YamlQuoted(nv[key].get<std::string>()) : nv[key].dump());
    }
  }
  if (std::isfinite(buffer_mib)) y += fmt::format("buffer_size: {}\n", buffer_mib * 1024 * 1024);
  if (nv.contains("warning") && nv["warning"].is_string()) {
    y += fmt::format("warning: {}\n", YamlQuoted(nv["warning"].get<std::string>()));
  }
  return y;
}

}  // namespace

std::vector<ImportedRun> ParseNvbandwidthJson(const std::string& path, const std::string& text) {
  const nlohmann::json doc = ParseDocument(path, text);
  if (!doc.is_object() || !doc.contains("nvbandwidth") || !doc["nvbandwidth"].is_object()) {
    throw IoError(fmt::format("{}: not an nvbandwidth -j document (no 'nvbandwidth' object)", path));
  }
  const auto& nv = doc["nvbandwidth"];
  ImportedRun run;
  run.kind = "kernels";
  run.source = "nvbandwidth";
  if (nv.contains("version") && nv["version"].is_string()) run.source += " " + nv["version"].get<std::string>();
  const std::map<int64_t, Gpu> gpus = ReadGpus(nv, &run);
  if (!nv.contains("testcases") || !nv["testcases"].is_array()) {
    throw IoError(fmt::format("{}: nvbandwidth -j document without 'testcases'{}", path,
                              nv.contains("error") && nv["error"].is_string()
                                  ? fmt::format(" (its error: {})", nv["error"].get<std::string>())
                                  : std::string()));
  }
  const double buffer_mib = Number(nv, "bufferSize");
  // The columns `kernels` writes for its copy benchmark: one owner (kernels/result_tables.h).
  Table t = CopyTableSchema();
  CopyRows rows(&t, gpus, run.hosts.empty() ? std::string() : run.hosts.front(), buffer_mib, Number(nv, "testSamples"));
  const auto& tcs = nv["testcases"];
  for (size_t i = 0; i < tcs.size(); ++i) AddTestcase(path, i, tcs[i], &rows);
  run.rank_count = 1;
  run.config_yaml = ConfigYaml(path, run, nv, buffer_mib);
  if (t.size() == 0) throw IoError(fmt::format("{}: no testcases", path));
  run.tables.push_back(std::move(t));
  return {run};
}

}  // namespace cb::importer
