// `clusterbench collectives` on the backend's ranks (see run.h).
#include "collectives/run.h"

#include <fmt/format.h>
#include <strings.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <mutex>

#include "collectives/gather_text.h"
#include "collectives/nccl_tests_output.h"
#include "collectives/report.h"
#include "core/error.h"
#include "core/file_check.h"
#include "core/json_text.h"

namespace cb::coll {
namespace {

// What every rank's body reads; outlives the run.
struct Job {
  const CommandOptions& o;
  const Reporting& how;
  const RunInfo& started;  // when the command started (the run's start_time)
};

void Print(const std::string& text) { std::fputs(text.c_str(), stdout); }

// Rank 0: the run and its tables into a fresh writer of the results file.
void Keep(const Job& job, const Communicator& comm, const BenchOptions& b, const BenchReport& rep, RunStatus status,
          const std::string& message) {
  std::unique_ptr<ResultSink> sink = job.how.open_output();
  WriteResults(*sink, job.started, comm, b, rep, status, message);
}

// The run's hooks that keep the results so far with --output: a rank stopped
// inside a collective (rank 0's watchdog keeps what was measured, status
// failed, the watchdog's message, before the job ends (6)), and a signal the
// ranks did not agree on. The hooks refer to job, comm and *b, which must
// outlive the run.
void SetKeepers(const Job& job, const Communicator& comm, BenchOptions* b) {
  const Job* j = &job;
  const Communicator* c = &comm;
  const BenchOptions* bench = b;
  b->on_stall = [j, c, bench](const BenchReport& so_far, const std::string& why) {
    if (j->how.output.empty()) return;
    Keep(*j, *c, *bench, so_far, RunStatus::kFailed, why + "; results so far kept");
    std::fprintf(stderr, "clusterbench: watchdog: kept %zu result row(s) in %s\n", so_far.results.size(),
                 j->how.output.c_str());
  };
  b->on_interrupt = [j, c, bench](const BenchReport& so_far, const std::string& vanished) {
    if (!vanished.empty()) std::fprintf(stderr, "clusterbench: error: %s\n", vanished.c_str());
    if (j->how.output.empty()) return;
    if (vanished.empty()) {
      Keep(*j, *c, *bench, so_far, RunStatus::kInterrupted,
           "interrupted by signal inside a measurement; results so far kept");
    } else {
      Keep(*j, *c, *bench, so_far, RunStatus::kFailed, vanished + "; results so far kept");
    }
    std::fprintf(stderr, "clusterbench: interrupted: kept %zu result row(s) in %s\n", so_far.results.size(),
                 j->how.output.c_str());
  };
}

// Rank 0 after the run: the table's footer and summaries or the JSON
// document, the -J file, the warnings, and the --output results (unless the
// interrupt keeper already wrote them).
void ReportOnRankZero(const Job& job, const Communicator& comm, const BenchOptions& b, const BenchReport& rep,
                      NcclTestsJson& nccl_json) {
  if (job.how.table) {
    Print(FooterText(b, rep));
    if (!job.how.quiet) Print(RankTimesText(comm, b, rep));
    Print(GroupsAndP2pText(b, rep));
  } else {
    std::cout << JsonText(ReportJson(comm, rep)) << "\n";
  }
  const RunOutcome outcome = OutcomeOf(rep);
  nccl_json.Finish(rep, rep.interrupted ? outcome.message : "");
  if (rep.interrupted) std::fprintf(stderr, "clusterbench: interrupted: kept %zu result row(s)\n", rep.results.size());
  std::fputs(StalledAndWrongWarnings(comm, rep).c_str(), stderr);
  if (!job.how.output.empty() && !rep.interrupt_kept) {
    Keep(job, comm, b, rep, outcome.status, outcome.message);
  }
}

void RunOnRanks(const Job& job, const BenchOptions& bench, const std::vector<std::string>& notes, Backend& backend,
                std::mutex& mu, int& exit_code) {
  const CommandOptions& o = job.o;
  const bool table = job.how.table, timestamps = o.report_timestamps != 0;
  backend.Run([&](Communicator& comm) {
    BenchOptions b = bench;
    std::string note = ValidateOptions(&b, comm);
    const bool r0 = comm.rank() == 0;
    // Every rank's device line, gathered on rank 0 (O(N) there), as nccl-tests
    // gathers them before its table.
    const std::vector<std::string> rank_lines = GatherText(comm, RankLine(comm, b.split));
    if (r0 && table) {
      Print(HeaderText(comm, b, note, notes, rank_lines, o.gpus));
      std::fflush(stdout);
    }
    NcclTestsJson nccl_json(o.json_file, job.how.command_line, b, rank_lines, r0, o.gpus, table);
    nccl_json.set_iterations(b.iters);
    bool first_row = true;
    OpKind last_op = OpKind::kAllReduce;
    auto progress = [&](const SizeResult& r) {
      if (table) {
        if (first_row || r.op != last_op) Print(ColumnsText(r.op, b, timestamps));
        Print(RowText(r, timestamps));
        std::fflush(stdout);
      }
      nccl_json.Row(r);
      first_row = false;
      last_op = r.op;
    };
    SetKeepers(job, comm, &b);
    BenchReport rep = RunBenchmark(comm, b, progress);
    if (r0 && !rep.watch_note.empty() && !job.how.quiet) {
      std::fprintf(stderr, "clusterbench: note: %s\n", rep.watch_note.c_str());
    }
    int code = rep.interrupted       ? static_cast<int>(ExitCode::kInterrupted)
               : rep.total_wrong > 0 ? static_cast<int>(ExitCode::kCheckFailed)
                                     : 0;
    if (r0) ReportOnRankZero(job, comm, b, rep, nccl_json);
    std::lock_guard<std::mutex> lock(mu);
    exit_code = std::max(exit_code, code);
  });
}

// Under mpirun/srun, whether this process is not the job's first: a usage
// error found before the communicator exists is then said by the first alone.
bool LaunchedAsLaterRank() {
  for (const char* v : {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", "SLURM_PROCID"}) {
    const char* x = std::getenv(v);
    if (x && *x) return std::atoi(x) != 0;
  }
  return false;
}

// -J FILE: whether FILE ends in .json (any case), nccl-tests' only output type.
bool EndsInJson(const std::string& path) {
  const size_t dot = path.find_last_of('.');
  const size_t slash = path.find_last_of('/');
  const std::string ext =
      dot == std::string::npos || (slash != std::string::npos && slash > dot) ? "" : path.substr(dot + 1);
  return strcasecmp(ext.c_str(), "json") == 0;
}

}  // namespace

int RunCommand(const CommandOptions& o, const Reporting& how, const Backends& backends) {
  std::vector<std::string> notes;
  BenchOptions bench;
  try {
    bench = ToBench(o, &notes);
  } catch (const UsageError& e) {
    if (LaunchedAsLaterRank()) return static_cast<int>(e.code());
    throw;
  }
  const RunInfo started = MakeRunInfo("collectives", how.command_line);
  if (!o.json_file.empty() && !EndsInJson(o.json_file)) {
    // nccl-tests writes nothing for another suffix; refused here instead.
    if (LaunchedAsLaterRank()) return static_cast<int>(ExitCode::kUsage);
    throw UsageError(fmt::format("-J {}: the file must end in .json (nccl-tests' only output type)", o.json_file));
  }
  std::unique_ptr<Backend> backend = MakeBackend(o, backends);
  const bool root_process = backend->holds_rank0();
  const Job job{o, how, started};
  int exit_code = 0;
  std::mutex mu;
  try {
    if (root_process) CheckOutputWritable(how.output);
    RunOnRanks(job, bench, notes, *backend, mu, exit_code);
  } catch (const Error& e) {
    // Every rank reaches the same decision (validation is deterministic);
    // only the process holding rank 0 says it, all exit with the same code.
    if (root_process) throw;
    return static_cast<int>(e.code());
  }
  return exit_code;
}

}  // namespace cb::coll
