// A collectives run's results in this tool's own forms: the --format json
// document, the tables of the results file (collectives, collectives_per_rank,
// collectives_groups, p2p; schemas in result_tables.h), the run written to a
// ResultSink (core/table.h; apps/ opens the HDF5 store), and the warnings about
// stalled ranks and wrong elements.
#ifndef CLUSTERBENCH_COLLECTIVES_REPORT_H_
#define CLUSTERBENCH_COLLECTIVES_REPORT_H_

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "collectives/communicator.h"
#include "collectives/harness.h"
#include "core/table.h"

namespace cb::coll {

// "rank 3 (host, device)" for rank x of comm.
std::string RankAt(const Communicator& comm, int x);

// How the run ended, as the results file and --format json both record it:
// interrupted (results so far kept), failed (wrong elements), else complete.
struct RunOutcome {
  RunStatus status = RunStatus::kComplete;
  std::string message;
};
RunOutcome OutcomeOf(const BenchReport& rep);

// --format json: the run's tables as --output stores them (ResultTables;
// core/table_export.h ResultsJson: status, message, tables), with what the
// run was (backend, ranks, buffers, initialisation) and its summary
// (avg_busbw in B/s, wrong), so the JSON, the file and the terminal agree.
nlohmann::json ReportJson(const Communicator& comm, const BenchReport& rep);

// The results file's tables: collectives and collectives_per_rank always,
// collectives_groups with --split, p2p when pairs were measured.
std::vector<Table> ResultTables(const BenchReport& rep, const Communicator& comm);

// The run's effective configuration, as the results file records it
// (RunInfo::config_yaml).
std::string RunConfigYaml(const Communicator& comm, const BenchOptions& b);

// Rank 0: the run and its tables into the results file (--output), through
// `sink` (a fresh writer of that file). `started` was made when the command
// started, so the run's start_time is the start of the measurement, not the
// moment it is written (issue 17: a 217 s run was recorded as lasting 21 ms).
void WriteResults(ResultSink& sink, const RunInfo& started, const Communicator& comm, const BenchOptions& b,
                  const BenchReport& rep, RunStatus status, const std::string& message);

// For stderr: the ranks that stopped and resumed during a measurement, and
// the ranks that saw wrong elements ("" when none).
std::string StalledAndWrongWarnings(const Communicator& comm, const BenchReport& rep);

}  // namespace cb::coll

#endif  // CLUSTERBENCH_COLLECTIVES_REPORT_H_
