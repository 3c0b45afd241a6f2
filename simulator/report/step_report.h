// `simulate`'s results and their renderings. The step is built once, as the
// results file's tables: `step` (one row, every figure of the step, its
// layout and its expected range) and, with the flow network, `traffic`.
// `--format json` prints them (core/table_export.h ResultsJson, the shape
// `report --format json` gives the stored run), `-o` stores them, and the
// terminal text reads their cells by name (Table::Int, Float, Str), so a
// renamed column fails loudly. Built from the simulation's own figures
// (SimResult), nothing estimated again. The Chrome trace is a format of its
// own (TimelineJson).
#ifndef CLUSTERBENCH_SIMULATOR_REPORT_STEP_REPORT_H_
#define CLUSTERBENCH_SIMULATOR_REPORT_STEP_REPORT_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <vector>

#include "core/table.h"
#include "simulator/simulate.h"
#include "simulator/step_flags.h"
#include "simulator/validation/error_band.h"

namespace cb::sim {

// What the run adds to the step it simulated.
struct StepRun {
  // With stragglers or link faults: the same step on healthy hardware.
  std::optional<double> healthy_step_s;
  StepFlags flags;    // the stragglers and link faults as given
  double wall_s = 0;  // the simulation's own wall-clock time
};

// The `step` table: one row.
Table ResultTable(const Scenario& s, const SimResult& r, const PredictionBand& band, const StepRun& run);
// `--network flow`: each parallelism dimension's traffic on the fabric.
Table TrafficTable(const SimResult& r);
// `step`, then `traffic` when the flow model ran: what -o writes and --format json prints.
std::vector<Table> StepTables(const Scenario& s, const SimResult& r, const PredictionBand& band, const StepRun& run);

// The terminal text of StepTables' tables: the step, its expected range,
// memory, where the step goes, the traffic, notes; with stragglers or link
// faults what they cost and where they act (the stragglers placed on the
// critical replica are read from `so`, the input, with `par`); then the
// simulation's own speed.
void PrintStepTable(std::ostream& out, const std::vector<Table>& tables, const Parallelism& par, const SimOptions& so);

// The step's trace (r.trace) as a Chrome trace document.
nlohmann::json TimelineJson(const SimResult& r);

}  // namespace cb::sim

#endif  // CLUSTERBENCH_SIMULATOR_REPORT_STEP_REPORT_H_
