// Result tables and the sink interface measurement code writes through.
//
// Measurement code never sees HDF5: it builds Tables (one row per measurement,
// typed columns with SI units and descriptions) and hands them to a
// ResultSink. store/ implements the sink as an HDF5 file (docs/results-schema.md);
// other sinks (terminal, JSON) can be stacked with MultiSink.
#ifndef CLUSTERBENCH_CORE_TABLE_H_
#define CLUSTERBENCH_CORE_TABLE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace cb {

enum class ColumnType { kInt64, kFloat64, kString };
// "int64", "float64" or "string": the names used in JSON, errors and the docs.
const char* ColumnTypeName(ColumnType type);

struct Column {
  std::string name;  // snake_case, unique in the table
  ColumnType type;
  std::string units;        // SI base units ("s", "B", "B/s", "FLOP/s", "W") or "" / "1"
  std::string description;  // one line
};

using Cell = std::variant<int64_t, double, std::string>;

// A typed table. Rows are checked against the columns when added.
class Table {
 public:
  Table() = default;
  Table(std::string name, std::string description, std::vector<Column> columns);

  const std::string& name() const { return name_; }
  const std::string& description() const { return description_; }
  const std::vector<Column>& columns() const { return columns_; }
  const std::vector<std::vector<Cell>>& rows() const { return rows_; }
  size_t size() const { return rows_.size(); }

  // Throws cb::Error (kRuntime) if the row does not match the columns' count or
  // types; an int64 literal is accepted for a float64 column.
  void AddRow(std::vector<Cell> row);
  int ColumnIndex(const std::string& name) const;  // -1 when absent

  // Typed cells by column name, for code that reads a table back (its
  // renderings, calibrate): the column must exist with that type, otherwise
  // cb::Error (kRuntime) names the table, the column and what it is. Float
  // also reads an int64 column.
  int64_t Int(size_t row, const std::string& column) const;
  double Float(size_t row, const std::string& column) const;
  const std::string& Str(size_t row, const std::string& column) const;

 private:
  const Cell& At(size_t row, const std::string& column, ColumnType want) const;

  std::string name_;
  std::string description_;
  std::vector<Column> columns_;
  std::vector<std::vector<Cell>> rows_;
};

enum class RunStatus { kRunning, kComplete, kInterrupted, kFailed };
const char* RunStatusName(RunStatus s);
RunStatus ParseRunStatus(const std::string& s);  // throws on unknown text

// What a results file records about one run (attributes of /runs/<id>).
struct RunInfo {
  std::string id;    // unique in the file; MakeRunId() by default
  std::string kind;  // subcommand: kernels, collectives, simulate, validate, ...
  RunStatus status = RunStatus::kRunning;
  std::string start_time;  // ISO 8601 UTC
  std::string end_time;    // ISO 8601 UTC, empty while running
  std::string tool_version;
  std::string git_revision;
  std::string command_line;
  std::vector<std::string> hosts;
  int64_t rank_count = 1;
  std::string config_yaml;                         // effective configuration
  std::map<std::string, std::string> environment;  // NCCL_*, CUDA_*, OMPI_*, ...
  std::string message;                             // why it failed or was interrupted; empty otherwise
};

// A run id that sorts by time and does not collide across hosts/processes:
// "20261125T075600Z-<host>-<pid>".
std::string MakeRunId(const std::string& host);
std::string NowIso8601();

// Fills tool version, git revision, environment (NCCL_*, CUDA_*, OMPI_*, PMIX_*,
// SLURM_*, CB_*, HDF5_*, OMP_*), start time and host.
RunInfo MakeRunInfo(const std::string& kind, const std::string& command_line);

class ResultSink {
 public:
  virtual ~ResultSink() = default;
  virtual void BeginRun(const RunInfo& info) = 0;
  // May be called several times per run; each call commits (a crash afterwards
  // keeps the table). A table name may be written once per run.
  virtual void WriteTable(const Table& table) = 0;
  virtual void EndRun(RunStatus status, const std::string& message) = 0;
};

}  // namespace cb

#endif  // CLUSTERBENCH_CORE_TABLE_H_
