#include "calibrate/evidence.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>
#include <variant>

#include "core/error.h"
#include "core/fabric_culprit.h"
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
  // Typed cells (core/table.h): a column validate's evidence must have, missing or of another type, is a file
  // problem named with the file and run, never read as empty or zero.
  auto cell = [&](auto read) {
    try {
      return read();
    } catch (const RuntimeError& err) {
      throw IoError(fmt::format("--evidence {}: run {}: {}: not validate's evidence", path, run->id, err.what()));
    }
  };
  auto text = [&](const Table& t, size_t row, const char* col) { return cell([&] { return t.Str(row, col); }); };
  auto number = [&](const Table& t, size_t row, const char* col) { return cell([&] { return t.Float(row, col); }); };
  auto integer = [&](const Table& t, size_t row, const char* col) { return cell([&] { return t.Int(row, col); }); };
  // A closed set's name (core/fabric_culprit.h), parsed here: one this build does not know is an error naming
  // the table, the column and the valid names (issue 16, point 4).
  auto named = [&](const Table& t, size_t row, const char* col, auto find, const std::string& valid) {
    const std::string v = text(t, row, col);
    const auto found = find(v);
    if (!found) {
      throw ConfigError(fmt::format("--evidence {}: run {}: table {} column '{}': '{}' is not one of {}", path, run->id,
                                    t.name(), col, v, valid));
    }
    return *found;
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
  for (size_t row = 0; row < nodes.size(); ++row) e.nodes.push_back(text(nodes, row, "node"));
  // Benchmark and scope per check, from the measurements.
  // A check without measurements (health) reads as kCollective, as an unknown name does: not node-local.
  std::map<std::string, std::pair<Bench, std::string>> kind;
  for (size_t row = 0; row < meas.size(); ++row) {
    kind[text(meas, row, "check")] = {ParseBench(text(meas, row, "benchmark")), text(meas, row, "scope")};
  }
  for (size_t row = 0; row < verdicts.size(); ++row) {
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
    for (size_t row = 0; row < t.size(); ++row) {
      sim::MeasuredFabricCulprit f;
      f.check = text(t, row, "check");
      f.method = named(t, row, "method", FindCulpritMethod, CulpritMethodNames());
      f.kind = named(t, row, "kind", FindCulpritKind, CulpritKindNames());
      f.name = text(t, row, "name");
      f.node = integer(t, row, "node");
      f.rail = integer(t, row, "rail");
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
