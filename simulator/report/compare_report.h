// `compare`'s results and their renderings. Buildouts side by side
// (plan/buildout.h), built once as the `compare` table (one row per
// buildout: the job, the best plan, its expected range, time to train,
// power, energy, reliability, cost, notes); `--format json` prints it, `-o`
// stores it, and the terminal table and the Markdown and HTML reports (inline
// SVG plots from core/svg_chart.h, no script, no network — the approach of
// `validate`'s report) read its cells by name. With --evidence, "train as
// is" against "replace the culprits' nodes" (measured_fleet.h
// PriceReplaceOrTrain): the tables `compare_fleet` and `compare_culprits`,
// and the text read from them.
#ifndef CLUSTERBENCH_SIMULATOR_REPORT_COMPARE_REPORT_H_
#define CLUSTERBENCH_SIMULATOR_REPORT_COMPARE_REPORT_H_

#include <ostream>
#include <string>
#include <vector>

#include "core/table.h"
#include "simulator/measured_fleet.h"
#include "simulator/plan/buildout.h"
#include "simulator/report/evidence_report.h"

namespace cb::sim {

// `bs[best]` is the best by o.objective (BestBuildout).
Table CompareTable(const BuildoutRequest& o, double tokens, const std::vector<Buildout>& bs, size_t best);
// Renderings of CompareTable's table.
void PrintCompare(std::ostream& out, const Table& compare);
std::string CompareMarkdown(const Table& compare);
std::string CompareHtml(const Table& compare);

// compare --evidence: `scenario` is the scenario's name. `compare_fleet`
// (the two options: train as is, then replace) and `compare_culprits`.
Table FleetTable(const EvidenceSource& e, const std::string& scenario, const FleetEvidence& fleet,
                 const ReplaceOrTrain& r);
std::vector<Table> FleetTables(const EvidenceSource& e, const std::string& scenario, const FleetEvidence& fleet,
                               const ReplaceOrTrain& r);
void PrintFleet(std::ostream& out, const std::vector<Table>& tables);

}  // namespace cb::sim

#endif  // CLUSTERBENCH_SIMULATOR_REPORT_COMPARE_REPORT_H_
