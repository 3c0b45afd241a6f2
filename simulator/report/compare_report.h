// `compare`'s renderings. Buildouts side by side (plan/buildout.h): the
// JSON document, the terminal table, the Markdown and HTML reports (inline
// SVG plots from core/svg_chart.h, no script, no network — the approach of
// `validate`'s report) and the `compare` table of the results file. With
// --evidence, "train as is" against "replace the culprits' nodes"
// (measured_fleet.h PriceReplaceOrTrain): JSON, text and `compare_fleet`.
#ifndef CLUSTERBENCH_SIMULATOR_REPORT_COMPARE_REPORT_H_
#define CLUSTERBENCH_SIMULATOR_REPORT_COMPARE_REPORT_H_

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "core/table.h"
#include "simulator/measured_fleet.h"
#include "simulator/plan/buildout.h"
#include "simulator/report/evidence_report.h"

namespace cb::sim {

// `bs[best]` is the best by o.objective (BestBuildout).
nlohmann::json CompareJson(const BuildoutRequest& o, double tokens, const std::vector<Buildout>& bs, size_t best);
void PrintCompare(std::ostream& out, const BuildoutRequest& o, double tokens, const std::vector<Buildout>& bs,
                  size_t best);
std::string CompareMarkdown(const BuildoutRequest& o, double tokens, const std::vector<Buildout>& bs, size_t best);
std::string CompareHtml(const BuildoutRequest& o, double tokens, const std::vector<Buildout>& bs, size_t best);
Table CompareTable(const std::vector<Buildout>& bs, size_t best);

// compare --evidence: `scenario` is the scenario's name.
nlohmann::json FleetJson(const EvidenceSource& e, const std::string& scenario, const FleetEvidence& fleet,
                         const ReplaceOrTrain& r);
void PrintFleet(std::ostream& out, const EvidenceSource& e, const std::string& scenario, const FleetEvidence& fleet,
                const ReplaceOrTrain& r);
Table FleetTable(const ReplaceOrTrain& r);

}  // namespace cb::sim

#endif  // CLUSTERBENCH_SIMULATOR_REPORT_COMPARE_REPORT_H_
