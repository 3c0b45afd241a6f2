// Where a validation report goes once judged: the terminal (text or JSON), the
// --report files (HTML, Markdown), the --prometheus textfiles, the evidence
// tables of the results file (through core's ResultSink: acceptance does not
// know HDF5), and --drain-cmd once per failed host. docs/acceptance.md
// documents each output.
#ifndef CLUSTERBENCH_ACCEPTANCE_OUTPUTS_H_
#define CLUSTERBENCH_ACCEPTANCE_OUTPUTS_H_

#include <string>
#include <vector>

#include "acceptance/runner.h"
#include "core/table.h"

namespace cb::acc {

struct ReportOutputs {
  std::string format = "table";      // the terminal: table (people) or json (machines)
  std::vector<std::string> reports;  // --report FILE.html / FILE.htm / FILE.md
  std::string prometheus;            // --prometheus DIRECTORY (empty: none)
  std::string evidence;              // -o FILE.h5 (empty: none); written by the caller's sink
  std::string drain_cmd;             // --drain-cmd (empty: none)
  double drain_timeout = 60;         // seconds per --drain-cmd run
};

// The report names alone: every rank checks them before MPI starts, so a bad
// name ends every rank alike (and no MPI state is left behind). Throws
// UsageError for a name that is not .html, .htm or .md.
void CheckReportNames(const std::vector<std::string>& reports);

// Rank 0, before anything is measured: every output can be written (IoError
// otherwise). The --prometheus directory is created when missing.
void CheckReportPaths(const ReportOutputs& out);

// Writes `text` to `path` through a temporary file and a rename, so a reader
// (node_exporter, a browser) never sees half a file.
void WriteFileAtomically(const std::string& path, const std::string& text);

struct DrainRun {
  std::string host, command;
  // The shell's status; 128 + N when signal N ended it; -1 when it could not
  // start; 124 (as timeout(1)) when it outlasted --drain-timeout and was ended.
  int exit_status = 0;
};

// --drain-cmd: runs the command once per failed host ({host}, {node} and
// {reason} shell-quoted, acceptance/report.h ExpandDrainCommand) through
// /bin/sh, in turn, each for at most `timeout_s` (a scheduler that does not
// answer must not hold the job: core/subprocess.h ends the command's process
// group), and says each exit status on stderr.
std::vector<DrainRun> RunDrainHooks(const std::string& command, double timeout_s, const ValidationReport& rep);

// The evidence table validate_drain: one row per run of the hook.
Table DrainTable(const std::vector<DrainRun>& runs);

// Rank 0: the report on stdout (the text first; `--format json` last, once
// the drain hook has run: the run's evidence tables with status, message and
// config_yaml as `report --format json` gives the stored run, core's
// RunResultsJson), in the files and, when `evidence` is not null,
// as evidence tables ending the run begun there. `failed`: a watchdog or a
// vanished rank ended the job (run marked failed).
void WriteOutputs(const ReportOutputs& out, const ValidationReport& rep, ResultSink* evidence, bool failed = false);

}  // namespace cb::acc

#endif  // CLUSTERBENCH_ACCEPTANCE_OUTPUTS_H_
