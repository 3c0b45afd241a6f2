#include "store/run_selection.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <set>

#include "core/error.h"

namespace cb {
namespace {

// The run `--run latest` names: the last run in the file or, with `--table T`,
// the last run that has a table T. Runs are in the order they were written
// (ids start with the start time). Null when no run qualifies.
const RunInfo* LatestRun(const Hdf5Reader& reader, const std::vector<RunInfo>& runs, const std::string& table) {
  for (auto it = runs.rbegin(); it != runs.rend(); ++it) {
    if (table.empty()) return &*it;
    for (const auto& name : reader.TableNames(it->id)) {
      if (name == table) return &*it;
    }
  }
  return nullptr;
}

}  // namespace

RunSelection SelectRuns(const Hdf5Reader& reader, const std::string& run, const std::string& table) {
  RunSelection s;
  s.all = reader.Runs();
  const std::vector<RunInfo>& runs = s.all;
  const std::string& file = reader.path();
  if (run == "latest") {
    const RunInfo* latest = LatestRun(reader, runs, table);
    if (latest == nullptr && !runs.empty()) {
      std::set<std::string> tables;
      for (const auto& r : runs) {
        for (const auto& name : reader.TableNames(r.id)) tables.insert(name);
      }
      throw IoError(fmt::format("results file '{}' has no run with a table '{}'; tables in the file: {}", file, table,
                                fmt::join(tables, ", ")));
    }
    if (latest != nullptr) {
      s.selected.push_back(*latest);
      if (latest != &runs.back()) {
        s.note =
            fmt::format("--run latest: {} ({}), the latest run with a '{}' table", latest->id, latest->kind, table);
      }
    }
  }
  for (const auto& r : runs) {
    if (run.empty() || r.id == run) s.selected.push_back(r);
  }
  if (!run.empty() && s.selected.empty()) {
    // A file problem (exit 4), as the reader's own "has no run": the flag is
    // well formed, the file lacks what it names.
    std::string known;
    for (const auto& r : runs) known += "\n  " + r.id;
    throw IoError(fmt::format("results file '{}' has no run '{}'; runs in the file:{}", file, run,
                              known.empty() ? " none" : known));
  }
  if (!table.empty() && s.selected.size() != 1) {
    throw UsageError("--table needs one run: give --run ID (or --run latest)");
  }
  return s;
}

}  // namespace cb
