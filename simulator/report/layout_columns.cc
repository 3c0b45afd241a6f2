#include "simulator/report/layout_columns.h"

#include <algorithm>

#include "core/error.h"

namespace cb::sim {

void AppendLayoutCells(const Parallelism& p, const Training& t, NamedCells* cells) {
  const NamedCells layout = {
      {{"tp", ColumnType::kInt64, "1", "tensor-parallel degree"}, p.tp},
      {{"pp", ColumnType::kInt64, "1", "pipeline-parallel degree"}, p.pp},
      {{"dp", ColumnType::kInt64, "1", "data-parallel degree"}, p.dp},
      {{"cp", ColumnType::kInt64, "1", "context-parallel degree"}, p.cp},
      {{"ep", ColumnType::kInt64, "1", "expert-parallel degree"}, p.ep},
      {{"etp", ColumnType::kInt64, "1", "expert layers' tensor-parallel degree"}, p.etp},
      {{"vpp", ColumnType::kInt64, "1", "virtual pipeline stages per GPU"}, p.vpp},
      {{"sequence_parallel", ColumnType::kInt64, "1", "1 with sequence parallelism"},
       int64_t{p.sequence_parallel ? 1 : 0}},
      {{"zero", ColumnType::kInt64, "1", "ZeRO stage"}, int64_t{p.zero}},
      {{"shard_group", ColumnType::kInt64, "1", "ZeRO-3 hybrid sharding group (0: every data-parallel rank)"},
       p.shard_group},
      {{"seq_len", ColumnType::kInt64, "1", "tokens per sequence"}, t.seq_len},
      {{"global_batch", ColumnType::kInt64, "1", "sequences per step"}, t.global_batch},
      {{"micro_batch", ColumnType::kInt64, "1", "sequences per micro-batch"}, t.micro_batch},
      {{"recompute", ColumnType::kString, "", "activation recomputation: none, selective or full"},
       RecomputeName(t.recompute)},
      {{"recompute_layers", ColumnType::kInt64, "1", "with full recomputation: layers per chunk (0: every layer)"},
       t.recompute_layers},
      {{"precision", ColumnType::kString, "", "training precision"}, t.precision_name},
      // Appended in session 15.
      {{"recompute_modules", ColumnType::kString, "",
        "with selective recomputation: the modules run again, a comma list (empty otherwise)"},
       RecomputeModulesName(t.recompute_modules)},
  };
  for (const auto& cell : layout) {
    const bool held =
        std::any_of(cells->begin(), cells->end(), [&](const auto& c) { return c.first.name == cell.first.name; });
    if (!held) cells->push_back(cell);
  }
}

Table TableOfRows(const std::string& name, const std::string& description, const std::vector<NamedCells>& rows) {
  if (rows.empty()) throw RuntimeError(name + ": a table of rows needs at least one row for its columns");
  std::vector<Column> columns;
  for (const auto& [c, v] : rows.front()) columns.push_back(c);
  Table t(name, description, columns);
  for (const NamedCells& row : rows) {
    std::vector<Cell> cells;
    for (size_t i = 0; i < row.size(); ++i) {
      if (i >= columns.size() || row[i].first.name != columns[i].name) {
        throw RuntimeError(name + ": rows with different columns");
      }
      cells.push_back(row[i].second);
    }
    t.AddRow(std::move(cells));
  }
  return t;
}

const Table* FindTable(const std::vector<Table>& tables, const std::string& name) {
  for (const Table& t : tables) {
    if (t.name() == name) return &t;
  }
  return nullptr;
}

const Table& TableNamed(const std::vector<Table>& tables, const std::string& name) {
  if (const Table* t = FindTable(tables, name)) return *t;
  std::vector<std::string> there;
  for (const Table& t : tables) there.push_back(t.name());
  throw RuntimeError("no table '" + name + "' to render (the tables: " + JoinCell(there, ", ") + ")");
}

std::string JoinCell(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i > 0 ? sep : "") + items[i];
  return out;
}

std::vector<std::string> SplitCell(const std::string& text, const std::string& sep) {
  std::vector<std::string> out;
  if (text.empty()) return out;
  size_t at = 0;
  for (size_t next; (next = text.find(sep, at)) != std::string::npos; at = next + sep.size()) {
    out.push_back(text.substr(at, next - at));
  }
  out.push_back(text.substr(at));
  return out;
}

}  // namespace cb::sim
