#include "calibrate/evidence.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>
#include <variant>

#include "core/error.h"
#include "core/table.h"
#include "store/hdf5_store.h"

namespace cb {

namespace {

std::string KindList(const std::set<std::string>& kinds) {
  std::string out;
  for (const auto& k : kinds) out += (out.empty() ? "" : ", ") + k;
  return out.empty() ? "none" : out;
}

}  // namespace

EvidenceRun ReadEvidence(const std::string& path) {
  Hdf5Reader reader(path);
  const RunInfo* run = nullptr;
  std::vector<RunInfo> runs = reader.Runs();
  std::set<std::string> kinds;
  for (const auto& r : runs) {
    kinds.insert(r.kind);
    if (r.kind == "validate" && r.status != RunStatus::kRunning) run = &r;  // the latest
  }
  if (!run) {
    throw ConfigError(
        fmt::format("--evidence {}: no finished validate run in the file (its runs: {}); write one with "
                    "`clusterbench validate --suite SUITE -o {}`",
                    path, KindList(kinds), path));
  }
  auto text = [](const Table& t, const std::vector<Cell>& row, const char* col) -> std::string {
    const int i = t.ColumnIndex(col);
    if (i < 0) return "";
    const Cell& c = row[static_cast<size_t>(i)];
    return std::holds_alternative<std::string>(c) ? std::get<std::string>(c) : "";
  };
  auto number = [](const Table& t, const std::vector<Cell>& row, const char* col) -> double {
    const int i = t.ColumnIndex(col);
    if (i < 0) return 0;
    const Cell& c = row[static_cast<size_t>(i)];
    return std::holds_alternative<double>(c)    ? std::get<double>(c)
           : std::holds_alternative<int64_t>(c) ? static_cast<double>(std::get<int64_t>(c))
                                                : 0;
  };
  auto table = [&](const char* name) {
    const auto names = reader.TableNames(run->id);
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      throw ConfigError(
          fmt::format("--evidence {}: run {} has no table {}: not validate's evidence", path, run->id, name));
    }
    return reader.ReadTable(run->id, name);
  };
  EvidenceRun e;
  e.run_id = run->id;
  const Table nodes = table("validate_nodes"), verdicts = table("validate_verdicts"),
              meas = table("validate_measurements");
  for (const auto& row : nodes.rows()) e.nodes.push_back(text(nodes, row, "node"));
  // Benchmark and scope per check, from the measurements.
  std::map<std::string, std::pair<std::string, std::string>> kind;
  for (const auto& row : meas.rows()) {
    kind[text(meas, row, "check")] = {text(meas, row, "benchmark"), text(meas, row, "scope")};
  }
  for (const auto& row : verdicts.rows()) {
    sim::MeasuredUnit u;
    u.check = text(verdicts, row, "check");
    std::tie(u.benchmark, u.scope) = kind[u.check];
    u.label = text(verdicts, row, "unit");
    u.node = text(verdicts, row, "node");
    u.device = text(verdicts, row, "device");
    u.ranks = text(verdicts, row, "ranks");
    u.verdict = text(verdicts, row, "verdict");
    u.value = number(verdicts, row, "value");
    u.reason = text(verdicts, row, "reason");
    e.units.push_back(std::move(u));
  }
  const auto names = reader.TableNames(run->id);
  if (std::find(names.begin(), names.end(), "validate_culprits") != names.end()) {
    const Table t = reader.ReadTable(run->id, "validate_culprits");
    for (const auto& row : t.rows()) {
      sim::MeasuredFabricCulprit f;
      f.check = text(t, row, "check");
      f.method = text(t, row, "method");
      f.kind = text(t, row, "kind");
      f.name = text(t, row, "name");
      f.node = static_cast<int64_t>(number(t, row, "node"));
      f.rail = static_cast<int64_t>(number(t, row, "rail"));
      f.ratio = number(t, row, "ratio");
      e.fabric.push_back(std::move(f));
    }
  }
  const std::string yaml = run->config_yaml;
  // The suite's own name: the top-level key, not a check's or the cluster's.
  const std::string key = "name: ";
  const auto at = yaml.rfind(key, 0) == 0 ? 0 : yaml.find("\n" + key);
  if (at != std::string::npos) {
    const size_t from = at == 0 ? key.size() : at + 1 + key.size();
    e.suite = yaml.substr(from, yaml.find('\n', from) - from);
  }
  return e;
}

}  // namespace cb
