// `simulate`'s renderings of one simulated step: the JSON document
// (`--format json`; scripts/validation_table.py reads it, so its keys and
// numbers are a contract), the terminal text, the Chrome trace and the
// `step` and `traffic` tables of the results file. Built from the
// simulation's own figures (SimResult), nothing estimated again.
#ifndef CLUSTERBENCH_SIMULATOR_REPORT_STEP_REPORT_H_
#define CLUSTERBENCH_SIMULATOR_REPORT_STEP_REPORT_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>

#include "core/table.h"
#include "simulator/simulate.h"
#include "simulator/step_flags.h"
#include "simulator/validation/error_band.h"

namespace cb::sim {

// Every figure of the step, its layout and its expected range.
nlohmann::json ResultJson(const Scenario& s, const SimResult& r, const PredictionBand& band);
// With stragglers or link faults: what they cost against the `healthy` step, and the flags that placed them.
nlohmann::json HeterogeneityJson(const SimResult& r, double healthy, const StepFlags& flags);
// The terminal table: the step, its expected range, memory, where the step goes, the traffic, notes.
void PrintStepTable(std::ostream& out, const Scenario& s, const SimResult& r, const PredictionBand& band);
// The cost of stragglers or link faults against the `healthy` step, and where they act.
void PrintHeterogeneity(std::ostream& out, const Scenario& s, const SimResult& r, const SimOptions& so, double healthy);
// The step's trace (r.trace) as a Chrome trace document.
nlohmann::json TimelineJson(const SimResult& r);
// The results file's `step` table (one row) and, with the flow network, `traffic`.
Table ResultTable(const Scenario& s, const SimResult& r, const PredictionBand& band,
                  std::optional<double> healthy_step_s);
Table TrafficTable(const SimResult& r);

}  // namespace cb::sim

#endif  // CLUSTERBENCH_SIMULATOR_REPORT_STEP_REPORT_H_
