// `clusterbench report FILE.h5`: list the runs in a results file, print any
// table, export as JSON or CSV.
#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "apps/command.h"
#include "core/error.h"
#include "core/table_export.h"
#include "store/hdf5_store.h"
#include "store/run_selection.h"

namespace cb {
namespace {

struct ReportOptions {
  std::string file;
  std::string run;
  std::string table;
  std::string format = "table";
};

int RunReport(const ReportOptions& o) {
  Hdf5Reader reader(o.file);
  const RunSelection sel = SelectRuns(reader, o.run, o.table);
  if (!sel.note.empty()) std::cerr << "clusterbench: " << sel.note << "\n";
  const std::vector<RunInfo>& runs = sel.all;
  const std::vector<RunInfo>& selected = sel.selected;

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
