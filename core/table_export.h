// Tables as JSON, CSV and aligned terminal text, for `--format json`, the
// terminal and `report`. Independent of HDF5.
#ifndef CLUSTERBENCH_CORE_TABLE_EXPORT_H_
#define CLUSTERBENCH_CORE_TABLE_EXPORT_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/table.h"

namespace cb {

// {"name", "description",
//  "columns": [{"name", "type", "units", "description"}, ...],
//  "rows": [{"<column>": value, ...}, ...]}
// Strings are repaired to valid UTF-8 so dump() cannot throw; NaN and
// infinities become null (JSON has no spelling for them).
nlohmann::json TableToJson(const Table& table);

// A command's `--format json` document of what it measured:
// {"status": "complete"|"interrupted"|"failed", "message": ..., "tables":
// {"<name>": TableToJson(t), ...}}, the tables as `-o` stores them (the
// shape of a run's "status", "message" and "tables" in `report --format json`).
nlohmann::json ResultsJson(RunStatus status, const std::string& message, const std::vector<Table>& tables);

// ResultsJson plus "config_yaml": a command whose JSON carries the run's
// effective configuration (simulate, plan, compare: apps/command.h
// CompleteRunJson; validate: its suite) prints the run as `report --format
// json` gives it once stored, less its identity (id, times, hosts, environment).
nlohmann::json RunResultsJson(RunStatus status, const std::string& message, const std::vector<Table>& tables,
                              const std::string& config_yaml);

// Every RunInfo field under its member name; status as its name ("complete"),
// hosts as an array, environment as an object.
nlohmann::json RunInfoToJson(const RunInfo& info);

// RFC 4180 CSV: a header line of column names, then one line per row, "\n"
// line ends. Fields with a comma, quote or line break are quoted (quotes
// doubled). Doubles use the shortest text that reads back to the same value
// ("nan", "inf", "-inf" for the special values).
std::string TableToCsv(const Table& table);

// An aligned table for people: a header of column names with units in
// brackets ("time [s]"), a rule, then the rows; numbers right-aligned,
// strings left-aligned, doubles with 6 significant digits. Ends with "\n".
// An empty table prints "(no rows)" under the rule.
std::string FormatTableText(const Table& table);

}  // namespace cb

#endif  // CLUSTERBENCH_CORE_TABLE_EXPORT_H_
