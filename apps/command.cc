#include "apps/command.h"

#include <cmath>

#include <fmt/format.h>
#include <cstdlib>

#include "core/error.h"
#include "core/table_export.h"
#include "core/utf8.h"
#include "store/hdf5_store.h"

namespace cb {

void AddOutputOptions(CLI::App* app, OutputOptions* o, bool with_output_file) {
  if (with_output_file) {
    app->add_option("-o,--output", o->output, "append this run to an HDF5 results file (created if missing)")
        ->type_name("FILE.h5");
  }
  app->add_option("--format", o->format, "terminal output: table for people, json for machines")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  auto* q = app->add_flag("-q,--quiet", o->quiet, "print only results (and warnings)");
  auto* v = app->add_flag("-v,--verbose", o->verbose, "print progress and diagnostics");
  q->excludes(v);
}

void AddOverrideOption(CLI::App* app, std::vector<std::string>* sets) {
  app->add_option("--set", *sets, "override a configuration value: key.path=value (repeatable)")
      ->type_name("KEY=VALUE")
      ->allow_extra_args(false);
}

CLI::Validator Bounded(double lo, double hi) {
  const std::string range = fmt::format("{}..{}", FormatNumber(lo), FormatNumber(hi));
  return CLI::Validator(
      [lo, hi, range](std::string& s) -> std::string {
        double v = 0;
        size_t used = 0;
        try {
          v = std::stod(s, &used);  // accepts "nan" and "inf": refused below as out of range
        } catch (const std::exception&) {
          used = 0;
        }
        if (used == 0 || used != s.size()) return fmt::format("'{}' is not a number", s);
        if (!std::isfinite(v) || v < lo || v > hi) return fmt::format("{} is out of range (must be {})", s, range);
        return "";
      },
      "NUMBER in [" + range + "]");
}

std::vector<Override> ParseOverrides(const std::vector<std::string>& sets) {
  std::vector<Override> out;
  for (const auto& s : sets) out.push_back(ParseOverride(s));
  return out;
}

std::string SeveralProcesses() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_STEP_NUM_TASKS"}) {
    const char* value = std::getenv(v);
    if (value && std::atol(value) > 1) return fmt::format("{}={}", v, value);
  }
  return "";
}

void KeepInterruptedRun(const std::string& output, RunInfo run, const std::string& message) {
  if (output.empty()) return;
  Hdf5Writer writer(output);
  writer.BeginRun(run);
  writer.EndRun(RunStatus::kInterrupted, message);
}

void WriteCompleteRun(const std::string& output, const RunInfo& run, const std::vector<Table>& tables) {
  Hdf5Writer writer(output);
  writer.BeginRun(run);
  for (const Table& t : tables) writer.WriteTable(t);
  writer.EndRun(RunStatus::kComplete, "");
}

nlohmann::json CompleteRunJson(const RunInfo& run, const std::vector<Table>& tables) {
  return RunResultsJson(RunStatus::kComplete, "", tables, run.config_yaml);
}

}  // namespace cb
