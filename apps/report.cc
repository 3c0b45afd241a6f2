// `clusterbench report FILE.h5`: list the runs in a results file, print any
// table, export as JSON or CSV.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <iostream>
#include <nlohmann/json.hpp>
#include <set>

#include "apps/command.h"
#include "core/error.h"
#include "store/export.h"
#include "store/hdf5_store.h"

namespace cb {
namespace {

struct ReportOptions {
  std::string file;
  std::string run;
  std::string table;
  std::string format = "table";
};

// The run `--run latest` names: the last run in the file or, with `--table T`,
// the last run that has a table T (what a user asking for the latest memory
// table means when a collectives run was appended after the kernels run).
// Runs are in the order they were written (ids start with the start time).
// Null when no run qualifies.
const RunInfo* LatestRun(Hdf5Reader& reader, const std::vector<RunInfo>& runs, const std::string& table) {
  for (auto it = runs.rbegin(); it != runs.rend(); ++it) {
    if (table.empty()) return &*it;
    for (const auto& name : reader.TableNames(it->id)) {
      if (name == table) return &*it;
    }
  }
  return nullptr;
}

int RunReport(const ReportOptions& o) {
  Hdf5Reader reader(o.file);
  std::vector<RunInfo> runs = reader.Runs();
  std::vector<RunInfo> selected;
  if (o.run == "latest") {
    const RunInfo* latest = LatestRun(reader, runs, o.table);
    if (latest == nullptr && !runs.empty()) {
      std::set<std::string> tables;
      for (const auto& r : runs) {
        for (const auto& name : reader.TableNames(r.id)) tables.insert(name);
      }
      throw IoError(fmt::format("results file '{}' has no run with a table '{}'; tables in the file: {}", o.file,
                                o.table, fmt::join(tables, ", ")));
    }
    if (latest != nullptr) {
      selected.push_back(*latest);
      if (latest != &runs.back()) {
        std::cerr << fmt::format("clusterbench: --run latest: {} ({}), the latest run with a '{}' table\n", latest->id,
                                 latest->kind, o.table);
      }
    }
  }
  for (const auto& r : runs) {
    if (o.run.empty() || r.id == o.run) selected.push_back(r);
  }
  if (!o.run.empty() && selected.empty()) {
    // A file problem (exit 4), as the reader's own "has no run": the flag is
    // well formed, the file lacks what it names.
    std::string known;
    for (const auto& r : runs) known += "\n  " + r.id;
    throw IoError(fmt::format("results file '{}' has no run '{}'; runs in the file:{}", o.file, o.run,
                              known.empty() ? " none" : known));
  }
  if (!o.table.empty() && selected.size() != 1) {
    throw UsageError("--table needs one run: give --run ID (or --run latest)");
  }

  if (o.format == "json") {
    nlohmann::json j = {
        {"file", o.file}, {"schema_version", reader.SchemaVersion()}, {"runs", nlohmann::json::array()}};
    for (const auto& r : selected) {
      nlohmann::json jr = RunInfoToJson(r);
      jr["tables"] = nlohmann::json::object();
      for (const auto& name : reader.TableNames(r.id)) {
        if (!o.table.empty() && name != o.table) continue;
        jr["tables"][name] = TableToJson(reader.ReadTable(r.id, name));
      }
      j["runs"].push_back(jr);
    }
    std::cout << JsonText(j) << "\n";
    return 0;
  }
  if (!o.table.empty()) {
    Table t = reader.ReadTable(selected.front().id, o.table);
    std::cout << (o.format == "csv" ? TableToCsv(t) : FormatTableText(t));
    return 0;
  }
  if (o.format == "csv") throw UsageError("--format csv needs --run ID --table NAME");
  std::cout << fmt::format("{} (schema v{}): {} run(s)\n", o.file, reader.SchemaVersion(), runs.size());
  for (const auto& r : selected) {
    std::cout << fmt::format("\n{}  {}  {}  {} -> {}\n", r.id, r.kind, RunStatusName(r.status), r.start_time,
                             r.end_time.empty() ? "-" : r.end_time);
    std::cout << fmt::format("  command: {}\n", r.command_line);
    if (!r.message.empty()) std::cout << fmt::format("  message: {}\n", r.message);
    for (const auto& name : reader.TableNames(r.id)) {
      Table t = reader.ReadTable(r.id, name);
      std::cout << fmt::format("  table {:<20} {:>6} rows  {}\n", name, t.size(), t.description());
    }
  }
  return 0;
}

}  // namespace

void RegisterReportCommand(CLI::App& app, AppContext& /*ctx*/, Action* action) {
  auto* cmd = app.add_subcommand("report", "list the runs in a results file and print or export their tables");
  auto o = std::make_shared<ReportOptions>();
  cmd->add_option("FILE", o->file, "an HDF5 results file written by clusterbench")->required();
  cmd->add_option("--run", o->run,
                  "a run id, or 'latest': the last run (with --table, the last run that has that table)");
  cmd->add_option("--table", o->table, "print this table of the run");
  cmd->add_option("--format", o->format, "table, json or csv")->check(CLI::IsMember({"table", "json", "csv"}));
  *action = [o]() { return RunReport(*o); };
}

}  // namespace cb
