// The fabric localisation part of a validation report (pairs check, bisection;
// acceptance/fabric.h): the pair bandwidth matrix, the culprits with their
// evidence, and the bisection's rounds, in each format report.h writes. Each
// returns nothing (an empty string, no tables) when the run had no
// pairs check and no bisection, so other suites' reports do not change.
#ifndef CLUSTERBENCH_ACCEPTANCE_FABRIC_REPORT_H_
#define CLUSTERBENCH_ACCEPTANCE_FABRIC_REPORT_H_

#include <string>
#include <vector>

#include "acceptance/runner.h"
#include "core/table.h"

namespace cb::acc {

// Terminal: the pairs checks, their confirmations, the culprits and the
// bisections' rounds ("" when none).
std::string FabricText(const ValidationReport& report);

// Markdown: culprits, bisection rounds, and the pair matrix per check and
// rail (GB/s each way; at most 32 nodes, else a note).
std::string FabricMarkdown(const ValidationReport& report);

// HTML: per pairs check and rail a heat map of the matrix (core/svg_chart.h)
// with the culprits' pairs outlined; the culprits (id "culprits") and the
// bisection rounds (id "bisection").
std::string FabricHtml(const ValidationReport& report);

// Evidence: validate_pairs (one row per measured pair, rail and round),
// validate_culprits, validate_bisection (one row per group of each round),
// validate_bisection_runs (one row per check that bisected),
// validate_fabric_nodes (the node indices' names) and, when a pairs check
// ran, validate_confirmations (one row per check).
std::vector<Table> FabricTables(const ValidationReport& report);

// "; FAIL: link a<->b, pair c<->d": culprits that are not nodes (no node
// takes their verdict), for the headline; "" when none.
std::string FabricHeadline(const ValidationReport& report);

// "3 of 5 pairs slow" (pairs) or "2 of 4 groups with it slow" (bisection): the
// evidence the reports and the culprit's verdict give.
std::string CulpritEvidence(const FabricCulprit& f);

}  // namespace cb::acc

#endif  // CLUSTERBENCH_ACCEPTANCE_FABRIC_REPORT_H_
