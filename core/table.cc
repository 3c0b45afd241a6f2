#include "core/table.h"
#include "core/node_info.h"

#include <unistd.h>

#include <fmt/format.h>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <ctime>

#include "core/error.h"
#include "core/version.h"

extern char** environ;

namespace cb {

Table::Table(std::string name, std::string description, std::vector<Column> columns)
    : name_(std::move(name)), description_(std::move(description)), columns_(std::move(columns)) {}

void Table::AddRow(std::vector<Cell> row) {
  if (row.size() != columns_.size()) {
    throw RuntimeError(
        fmt::format("table '{}': row has {} cells, table has {} columns", name_, row.size(), columns_.size()));
  }
  for (size_t i = 0; i < row.size(); ++i) {
    const Column& c = columns_[i];
    Cell& cell = row[i];
    bool ok = false;
    switch (c.type) {
      case ColumnType::kInt64:
        ok = std::holds_alternative<int64_t>(cell);
        break;
      case ColumnType::kFloat64:
        if (std::holds_alternative<int64_t>(cell)) cell = static_cast<double>(std::get<int64_t>(cell));
        ok = std::holds_alternative<double>(cell);
        break;
      case ColumnType::kString:
        ok = std::holds_alternative<std::string>(cell);
        break;
    }
    if (!ok) {
      throw RuntimeError(fmt::format("table '{}': column '{}' got a value of the wrong type", name_, c.name));
    }
  }
  rows_.push_back(std::move(row));
}

int Table::ColumnIndex(const std::string& name) const {
  for (size_t i = 0; i < columns_.size(); ++i) {
    if (columns_[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

const char* ColumnTypeName(ColumnType type) {
  switch (type) {
    case ColumnType::kInt64:
      return "int64";
    case ColumnType::kFloat64:
      return "float64";
    case ColumnType::kString:
      return "string";
  }
  return "unknown";
}

const Cell& Table::At(size_t row, const std::string& column, ColumnType want) const {
  const int i = ColumnIndex(column);
  if (i < 0) throw RuntimeError(fmt::format("table '{}' has no column '{}'", name_, column));
  const ColumnType has = columns_[static_cast<size_t>(i)].type;
  if (has != want && !(want == ColumnType::kFloat64 && has == ColumnType::kInt64)) {
    throw RuntimeError(fmt::format("table '{}': column '{}' is {}, read as {}", name_, column, ColumnTypeName(has),
                                   ColumnTypeName(want)));
  }
  if (row >= rows_.size()) {
    throw RuntimeError(fmt::format("table '{}': row {} of {} read", name_, row, rows_.size()));
  }
  return rows_[row][static_cast<size_t>(i)];
}

int64_t Table::Int(size_t row, const std::string& column) const {
  return std::get<int64_t>(At(row, column, ColumnType::kInt64));
}

double Table::Float(size_t row, const std::string& column) const {
  const Cell& c = At(row, column, ColumnType::kFloat64);
  if (const auto* i = std::get_if<int64_t>(&c)) return static_cast<double>(*i);
  return std::get<double>(c);
}

const std::string& Table::Str(size_t row, const std::string& column) const {
  return std::get<std::string>(At(row, column, ColumnType::kString));
}

const char* RunStatusName(RunStatus s) {
  switch (s) {
    case RunStatus::kRunning:
      return "running";
    case RunStatus::kComplete:
      return "complete";
    case RunStatus::kInterrupted:
      return "interrupted";
    case RunStatus::kFailed:
      return "failed";
  }
  return "unknown";
}

RunStatus ParseRunStatus(const std::string& s) {
  for (RunStatus r : {RunStatus::kRunning, RunStatus::kComplete, RunStatus::kInterrupted, RunStatus::kFailed}) {
    if (s == RunStatusName(r)) return r;
  }
  throw RuntimeError(fmt::format("unknown run status '{}'", s));
}

namespace {

// Now in UTC as strftime's `format`, then '.', the fraction of the second in
// `digits` digits (3: milliseconds, 6: microseconds) and 'Z'.
std::string UtcNow(const char* format, int digits) {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() % 1000000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, format, &tm);
  const int fraction = static_cast<int>(digits == 3 ? us / 1000 : us);
  return fmt::format("{}.{:0{}d}Z", buf, fraction, digits);
}

}  // namespace

std::string NowIso8601() { return UtcNow("%Y-%m-%dT%H:%M:%S", 3); }

std::string MakeRunId(const std::string& host) {
  std::string h;
  for (char c : host) h += (std::isalnum(static_cast<unsigned char>(c)) || c == '-') ? c : '_';
  return fmt::format("{}-{}-{}", UtcNow("%Y%m%dT%H%M%S", 6), h, getpid());
}

RunInfo MakeRunInfo(const std::string& kind, const std::string& command_line) {
  RunInfo info;
  const std::string host = HostName();
  info.id = MakeRunId(host);
  info.kind = kind;
  info.start_time = NowIso8601();
  info.tool_version = kVersion;
  info.git_revision = kGitRevision;
  info.command_line = command_line;
  info.hosts = {host};
  static const char* kPrefixes[] = {"NCCL_", "CUDA_", "OMPI_", "PMIX_", "SLURM_", "CB_", "HDF5_", "OMP_", "UCX_"};
  for (char** e = environ; e && *e; ++e) {
    std::string kv = *e;
    auto eq = kv.find('=');
    if (eq == std::string::npos) continue;
    std::string key = kv.substr(0, eq);
    for (const char* p : kPrefixes) {
      if (key.rfind(p, 0) == 0) {
        info.environment[key] = kv.substr(eq + 1);
        break;
      }
    }
  }
  return info;
}

}  // namespace cb
