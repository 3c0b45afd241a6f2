// What a validation run says, in every form it is read: the terminal table;
// the evidence tables, which the results file stores and `--format json`
// prints; Markdown and HTML (inline SVG plots, no script, no network) for
// people who sign off; Prometheus textfiles for node_exporter.
// docs/acceptance.md documents each format.
#ifndef CLUSTERBENCH_ACCEPTANCE_REPORT_H_
#define CLUSTERBENCH_ACCEPTANCE_REPORT_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "acceptance/runner.h"
#include "core/table.h"

namespace cb::acc {

// A node that failed (verdict FAIL), once per host: what --drain-cmd is run
// for and what the Slurm drain line names. `reason` is short and plain
// ("clusterbench: host-cpu: gemm-fp64 slow; stream-triad wrong-results").
struct FailedNode {
  std::string node, host;
  std::string reason;
};
std::vector<FailedNode> FailedNodes(const ValidationReport& report);

// `scontrol update nodename=HOST state=drain reason="REASON"` (double quotes
// and backslashes in the reason are dropped: Slurm has no escape for them).
std::string SlurmDrainLine(const FailedNode& node);

// POSIX shell single-quoting: 'it'\''s' for it's; safe for any bytes.
std::string ShellQuote(const std::string& s);

// --drain-cmd: replaces {host}, {node} and {reason} in `command` by the failed
// node's values, each shell-quoted, so a host name or reason cannot inject
// shell syntax. Other text is kept as written.
std::string ExpandDrainCommand(const std::string& command, const FailedNode& node);

// The one-line verdict every format shows: "CRITICAL: 3 of 4 nodes pass, 3 of
// 4 devices pass; FAIL: node n7 (host h7)" (at most 10 nodes named per
// verdict, then "and N more").
std::string Headline(const ValidationReport& report);

// The process's exit code: the status's (0 OK, 1 WARN, 2 CRITICAL, 3
// UNKNOWN), 130 when a signal cut the run short, 6 when the progress watchdog
// did.
int ProcessExitCode(const ValidationReport& report);

// The worst unit verdict (PASS, WARN, FAIL, SKIPPED), or UNKNOWN when the
// status is UNKNOWN (exit 3).
std::string_view OverallVerdict(const ValidationReport& report);

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
// clusterbench_validate_check_pass, clusterbench_validate_info (version,
// revision, suite_sha256 as labels), clusterbench_validate_timestamp_seconds.
std::map<std::string, std::string> PrometheusFiles(const ValidationReport& report);

// The run's tables, built once: what -o stores and `--format json` prints
// (acceptance/outputs.h). The status (with the banner, exit codes and
// availability), verdicts (one row per unit), measurements (one row per unit
// and round), ranks, nodes, devices, versions, summary, provenance, inventory
// and its GPUs, next steps (one row per failure class), failed hosts (the
// drain reason and Slurm line), and fabric_report.h's FabricTables.
std::vector<Table> EvidenceTables(const ValidationReport& report);

}  // namespace cb::acc

#endif  // CLUSTERBENCH_ACCEPTANCE_REPORT_H_
