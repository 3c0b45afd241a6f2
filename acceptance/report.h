// What a validation run says, in every form it is read: the terminal table,
// JSON for machines, Markdown and HTML (inline SVG plots, no script, no
// network) for people who sign off, Prometheus textfiles for node_exporter,
// and the evidence tables the results file stores. docs/acceptance.md
// documents each format.
#ifndef CLUSTERBENCH_ACCEPTANCE_REPORT_H_
#define CLUSTERBENCH_ACCEPTANCE_REPORT_H_

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "acceptance/runner.h"
#include "core/table.h"

namespace cb::acc {

// {"verdict", "status", "exit_code", "partial", "suite", "ranks": [{"rank", "host", "node", "device",
//  "verdict", "reasons"}], "nodes": [{"node", "host", "ranks", "verdict", "reasons"}],
//  "checks": [...units...], "summary": {"compute_scale": [...], "memory": [...],
//  "communication_performance": [...], "availability": {...}}}
nlohmann::json ReportToJson(const ValidationReport& report);

// Terminal: one line per check and unit, then ranks, nodes, summary, status.
std::string FormatReportText(const ValidationReport& report);

// Markdown and HTML escape every name and message they show (suite, check,
// host, node, device, reasons) with core/markup.h, so "<script>", '|' and
// newlines in them are text, not markup.
std::string ReportMarkdown(const ValidationReport& report);
// A self-contained HTML page: summary sections, a bar chart per check (each
// unit's best value, coloured by verdict, with the expected value as a line),
// the rank and node tables with reasons.
std::string ReportHtml(const ValidationReport& report);

// node_exporter textfile collector: one file per node, name -> contents
// ("clusterbench_validate_<node>.prom"; the node's characters outside
// [A-Za-z0-9_.-] become '_'). Metrics: clusterbench_validate_verdict,
// clusterbench_validate_check_value, clusterbench_validate_check_expected,
// clusterbench_validate_check_pass, clusterbench_validate_timestamp_seconds.
std::map<std::string, std::string> PrometheusFiles(const ValidationReport& report);

// Evidence for the results file: measurements (one row per unit and round),
// verdicts, ranks, nodes, devices, versions, summary.
std::vector<Table> EvidenceTables(const ValidationReport& report);

}  // namespace cb::acc

#endif  // CLUSTERBENCH_ACCEPTANCE_REPORT_H_
