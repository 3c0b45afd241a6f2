#include "core/table_export.h"

#include <fmt/format.h>
#include <cmath>

#include "core/utf8.h"

namespace cb {
namespace {

nlohmann::json CellToJson(const Cell& cell) {
  if (const auto* i = std::get_if<int64_t>(&cell)) return *i;
  if (const auto* d = std::get_if<double>(&cell)) {
    return std::isfinite(*d) ? nlohmann::json(*d) : nlohmann::json(nullptr);
  }
  return SanitizeUtf8(std::get<std::string>(cell));
}

std::string CellToCsv(const Cell& cell) {
  if (const auto* i = std::get_if<int64_t>(&cell)) return fmt::format("{}", *i);
  if (const auto* d = std::get_if<double>(&cell)) return fmt::format("{}", *d);  // shortest round trip
  return std::get<std::string>(cell);
}

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string CellToText(const Cell& cell) {
  if (const auto* i = std::get_if<int64_t>(&cell)) return fmt::format("{}", *i);
  if (const auto* d = std::get_if<double>(&cell)) return fmt::format("{:.6g}", *d);
  // Line breaks would tear the table apart.
  std::string s = SanitizeUtf8(std::get<std::string>(cell));
  for (char& c : s) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return s;
}

std::string HeaderText(const Column& column) {
  if (column.units.empty() || column.units == "1") return column.name;
  return fmt::format("{} [{}]", column.name, column.units);
}

// Pads `s` to `width` display columns on the left or right.
std::string Pad(const std::string& s, size_t width, bool right_align) {
  const size_t w = Utf8Width(s);
  const std::string fill(w < width ? width - w : 0, ' ');
  return right_align ? fill + s : s + fill;
}

}  // namespace

nlohmann::json TableToJson(const Table& table) {
  nlohmann::json columns = nlohmann::json::array();
  for (const Column& c : table.columns()) {
    columns.push_back({{"name", SanitizeUtf8(c.name)},
                       {"type", ColumnTypeName(c.type)},
                       {"units", SanitizeUtf8(c.units)},
                       {"description", SanitizeUtf8(c.description)}});
  }
  nlohmann::json rows = nlohmann::json::array();
  for (const std::vector<Cell>& row : table.rows()) {
    nlohmann::json object = nlohmann::json::object();
    for (size_t i = 0; i < row.size() && i < table.columns().size(); ++i) {
      object[SanitizeUtf8(table.columns()[i].name)] = CellToJson(row[i]);
    }
    rows.push_back(std::move(object));
  }
  return {{"name", SanitizeUtf8(table.name())},
          {"description", SanitizeUtf8(table.description())},
          {"columns", std::move(columns)},
          {"rows", std::move(rows)}};
}

nlohmann::json ResultsJson(RunStatus status, const std::string& message, const std::vector<Table>& tables) {
  nlohmann::json j = {{"status", RunStatusName(status)}, {"message", SanitizeUtf8(message)}};
  j["tables"] = nlohmann::json::object();
  for (const Table& t : tables) j["tables"][SanitizeUtf8(t.name())] = TableToJson(t);
  return j;
}

nlohmann::json RunResultsJson(RunStatus status, const std::string& message, const std::vector<Table>& tables,
                              const std::string& config_yaml) {
  nlohmann::json j = ResultsJson(status, message, tables);
  j["config_yaml"] = SanitizeUtf8(config_yaml);
  return j;
}

nlohmann::json RunInfoToJson(const RunInfo& info) {
  nlohmann::json hosts = nlohmann::json::array();
  for (const std::string& h : info.hosts) hosts.push_back(SanitizeUtf8(h));
  nlohmann::json environment = nlohmann::json::object();
  for (const auto& [key, value] : info.environment) environment[SanitizeUtf8(key)] = SanitizeUtf8(value);
  return {{"id", SanitizeUtf8(info.id)},
          {"kind", SanitizeUtf8(info.kind)},
          {"status", RunStatusName(info.status)},
          {"start_time", SanitizeUtf8(info.start_time)},
          {"end_time", SanitizeUtf8(info.end_time)},
          {"tool_version", SanitizeUtf8(info.tool_version)},
          {"git_revision", SanitizeUtf8(info.git_revision)},
          {"command_line", SanitizeUtf8(info.command_line)},
          {"hosts", std::move(hosts)},
          {"rank_count", info.rank_count},
          {"config_yaml", SanitizeUtf8(info.config_yaml)},
          {"environment", std::move(environment)},
          {"message", SanitizeUtf8(info.message)}};
}

std::string TableToCsv(const Table& table) {
  std::string out;
  for (size_t i = 0; i < table.columns().size(); ++i) {
    if (i > 0) out += ',';
    out += CsvField(table.columns()[i].name);
  }
  out += '\n';
  for (const std::vector<Cell>& row : table.rows()) {
    for (size_t i = 0; i < row.size(); ++i) {
      if (i > 0) out += ',';
      out += CsvField(CellToCsv(row[i]));
    }
    out += '\n';
  }
  return out;
}

std::string FormatTableText(const Table& table) {
  const std::vector<Column>& columns = table.columns();
  std::vector<std::string> header;
  std::vector<size_t> widths;
  for (const Column& c : columns) {
    header.push_back(HeaderText(c));
    widths.push_back(Utf8Width(header.back()));
  }
  std::vector<std::vector<std::string>> cells;
  for (const std::vector<Cell>& row : table.rows()) {
    std::vector<std::string> texts;
    for (size_t i = 0; i < row.size() && i < columns.size(); ++i) {
      texts.push_back(CellToText(row[i]));
      widths[i] = std::max(widths[i], Utf8Width(texts.back()));
    }
    cells.push_back(std::move(texts));
  }
  const auto right_aligned = [&](size_t i) { return columns[i].type != ColumnType::kString; };
  // Two spaces between columns; no trailing blanks after the last one.
  const auto line = [&](const std::vector<std::string>& texts) {
    std::string s;
    for (size_t i = 0; i < texts.size(); ++i) {
      if (i > 0) s += "  ";
      s += Pad(texts[i], widths[i], right_aligned(i));
    }
    s.erase(s.find_last_not_of(' ') + 1);
    return s + "\n";
  };
  std::string out = line(header);
  std::vector<std::string> rule;
  for (size_t w : widths) rule.push_back(std::string(w, '-'));
  out += line(rule);
  if (cells.empty()) out += "(no rows)\n";
  for (const auto& texts : cells) out += line(texts);
  return out;
}

}  // namespace cb
