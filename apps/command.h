// Shared plumbing for subcommands: common flags, output checks, and the
// registration signature. Each apps/<name>.cc registers one subcommand.
#ifndef CLUSTERBENCH_APPS_COMMAND_H_
#define CLUSTERBENCH_APPS_COMMAND_H_

#include <CLI/CLI.hpp>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/backends.h"
#include "core/config.h"
#include "core/file_check.h"  // CheckOutputWritable
#include "core/injection.h"   // Injection, ParseInjection
#include "core/json_text.h"   // JsonText
#include "core/log.h"
#include "core/table.h"  // RunInfo

namespace cb {

// Everything a subcommand may need from the process.
struct AppContext {
  Backends backends;
  std::string command_line;
};

// The action run after parsing; returns the process exit code.
using Action = std::function<int()>;

// Flags every result-producing subcommand takes.
struct OutputOptions {
  std::string output;  // -o/--output FILE.h5
  std::string format = "table";
  bool quiet = false;
  bool verbose = false;
  Logger logger() const {
    return Logger(quiet ? Verbosity::kQuiet : (verbose ? Verbosity::kVerbose : Verbosity::kNormal));
  }
};

void AddOutputOptions(CLI::App* app, OutputOptions* o, bool with_output_file = true);
// --set key.path=value (repeatable)
void AddOverrideOption(CLI::App* app, std::vector<std::string>* sets);
// A flag's number must be finite and within [lo, hi]; the bounds are named in
// the error (CLI11's own Range and PositiveNumber let NaN through).
CLI::Validator Bounded(double lo, double hi);
std::vector<Override> ParseOverrides(const std::vector<std::string>& sets);

// The launcher's variable that says this process is one of several
// ("OMPI_COMM_WORLD_SIZE=8": OMPI_COMM_WORLD_SIZE, PMI_SIZE or
// SLURM_STEP_NUM_TASKS above 1), or empty. Commands that spread work over
// ranks (kernels, plan) join the job over MPI only then: a job of one
// process (mpirun -np 1, srun -n 1) runs alone.
std::string SeveralProcesses();

// After SIGINT/SIGTERM ended a command whose results all come at its end
// (simulate, plan: the simulator polls the signal), appends `run` to `output`
// (when one is given) with status interrupted, `message` and no tables, so
// the file says the run was started and stopped. The caller rethrows: exit 130.
void KeepInterruptedRun(const std::string& output, RunInfo run, const std::string& message);

// Appends `run` to the results file `output` with `tables`, complete: how a
// command whose results all come at its end (simulate, plan, compare,
// topology) writes them with -o.
void WriteCompleteRun(const std::string& output, const RunInfo& run, const std::vector<Table>& tables);
// What such a command prints with --format json: the same run as `report
// --format json` prints it once stored, less its identity (id, times, hosts,
// environment): {"status": "complete", "message": "", "tables": {...}
// (core/table_export.h ResultsJson), "config_yaml": run.config_yaml}.
nlohmann::json CompleteRunJson(const RunInfo& run, const std::vector<Table>& tables);

// Registration functions, one per apps/<name>.cc.
void RegisterInfoCommand(CLI::App& app, AppContext& ctx, Action* action);
void RegisterConfigCommand(CLI::App& app, AppContext& ctx, Action* action);
void RegisterReportCommand(CLI::App& app, AppContext& ctx, Action* action);
void RegisterKernelsCommand(CLI::App& app, AppContext& ctx, Action* action);
void RegisterSimulateCommand(CLI::App& app, AppContext& ctx, Action* action);
void RegisterCollectivesCommand(CLI::App& app, AppContext& ctx, Action* action);
void RegisterImportCommand(CLI::App& app, AppContext& ctx, Action* action);
void RegisterTopologyCommand(CLI::App& app, AppContext& ctx, Action* action);
void RegisterValidateCommand(CLI::App& app, AppContext& ctx, Action* action);
void RegisterCalibrateCommand(CLI::App& app, AppContext& ctx, Action* action);
void RegisterPlanCommand(CLI::App& app, AppContext& ctx, Action* action);
void RegisterCompareCommand(CLI::App& app, AppContext& ctx, Action* action);

}  // namespace cb

#endif  // CLUSTERBENCH_APPS_COMMAND_H_
