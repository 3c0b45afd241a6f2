// Result tables built row by row, each column declared beside its value, and
// a layout's columns (parallelism and training settings), written once for
// every table that reports a layout (simulate's `step`, plan's `plans`,
// compare's `compare`) so their names, units and descriptions cannot drift
// apart (issue 16: the parallelism block was written three times).
#ifndef CLUSTERBENCH_SIMULATOR_REPORT_LAYOUT_COLUMNS_H_
#define CLUSTERBENCH_SIMULATOR_REPORT_LAYOUT_COLUMNS_H_

#include <string>
#include <utility>
#include <vector>

#include "core/table.h"
#include "simulator/simulate.h"

namespace cb::sim {

// One row: each column beside its value.
using NamedCells = std::vector<std::pair<Column, Cell>>;

// Appends the layout's columns that `cells` does not hold yet (by name), in
// this order: tp, pp, dp, cp, ep, etp, vpp, sequence_parallel, zero,
// shard_group, seq_len, global_batch, micro_batch, recompute,
// recompute_layers, precision. A table that had some of them before keeps
// them where they were (columns are only ever appended).
void AppendLayoutCells(const Parallelism& p, const Training& t, NamedCells* cells);

// A table of `rows` (at least one; every row the same columns in the same
// order, checked by Table::AddRow): the columns are the first row's.
Table TableOfRows(const std::string& name, const std::string& description, const std::vector<NamedCells>& rows);

// The table called `name` among a command's `tables`, for the renderings
// that read them back: nullptr when absent (FindTable), or cb::Error naming
// the table and the tables there are (TableNamed).
const Table* FindTable(const std::vector<Table>& tables, const std::string& name);
const Table& TableNamed(const std::vector<Table>& tables, const std::string& name);

// A list as one string cell: the items joined by `sep` ("" for none).
std::string JoinCell(const std::vector<std::string>& items, const std::string& sep);

// A string cell written by JoinCell, split again (an empty text: no items).
std::vector<std::string> SplitCell(const std::string& text, const std::string& sep);

}  // namespace cb::sim

#endif  // CLUSTERBENCH_SIMULATOR_REPORT_LAYOUT_COLUMNS_H_
