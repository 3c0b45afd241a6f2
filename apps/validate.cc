// `clusterbench validate`: runs an acceptance suite on every rank of a job and
// judges each device, rank and node (docs/acceptance.md). Exit codes follow
// monitoring plugins: 0 OK, 1 WARN, 2 CRITICAL, 3 UNKNOWN (nothing could be
// checked, or validate itself could not run: bad suite, bad flag, unwritable
// output), 130 interrupted (evidence kept, report marked partial), 6 watchdog.
// This file parses the flags; acceptance/ runs the job (job.h), parses the
// injections (inject.h) and writes the outputs (outputs.h); acceptance/model
// answers fraction_of_model and the pairs check's topology from the simulator.
#include <fmt/format.h>

#include <cstdio>
#include <memory>

#include "acceptance/inject.h"
#include "acceptance/job.h"
#include "acceptance/model/model_adapter.h"
#include "acceptance/outputs.h"
#include "acceptance/suite.h"
#include "apps/command.h"
#include "core/collective_backend.h"
#include "core/error.h"
#include "store/hdf5_store.h"

namespace cb {
namespace {

struct ValidateOptions {
  OutputOptions out;
  std::string suite;
  std::vector<std::string> reports;
  std::string prometheus;
  std::vector<std::string> injects;
  std::vector<std::string> sets;
  std::string nodes = "auto";
  std::string backend = "auto";
  int ranks = 1;
  int ranks_per_node = 1;  // --nodes rank: consecutive ranks acting as one node (one rank per rail)
  double timeout = 0;
  std::string drain_cmd;
  double drain_timeout = 60;  // seconds per --drain-cmd run
  std::string calibration;    // a profile for fraction_of_model, in place of the suite cluster's model
};

acc::ReportOutputs Outputs(const ValidateOptions& o) {
  return {.format = o.out.format,
          .reports = o.reports,
          .prometheus = o.prometheus,
          .evidence = o.out.output,
          .drain_cmd = o.drain_cmd,
          .drain_timeout = o.drain_timeout};
}

int RunValidate(const ValidateOptions& o, AppContext& ctx) {
  acc::RunOptions ro;
  acc::ParseInjections(o.injects, &ro);
  acc::CheckReportNames(o.reports);
  ro.node_mode = o.nodes == "host"   ? acc::NodeMode::kHost
                 : o.nodes == "rank" ? acc::NodeMode::kRank
                                     : acc::NodeMode::kAuto;
  if (o.ranks_per_node > 1 && o.nodes != "rank") {
    throw UsageError(fmt::format("--ranks-per-node {}: applies to --nodes rank (each group of ranks acts as a node)",
                                 o.ranks_per_node));
  }
  ro.ranks_per_node = o.ranks_per_node;
  ro.timeout_s = o.timeout;
  ConfigLoader loader;
  acc::Suite suite = acc::LoadSuite(loader, o.suite, ParseOverrides(o.sets));
  ro.expect_model = acc::ModelExpectations(suite, o.calibration);
  ro.topology = acc::PairsTopology(suite);
  acc::AttachBackends(ctx.backends, o.timeout, &ro);
  acc::DescribeNodeAndRun(ctx.backends, ctx.command_line, Hdf5LibraryVersion(), &ro);

  // CLI11 admits only the control planes' names (IsMember below).
  std::unique_ptr<coll::Backend> backend =
      acc::MakeControlPlane(ctx.backends, FindCollectiveBackend(o.backend).value(), o.ranks, o.timeout);
  const bool root_process = backend->holds_rank0();
  const acc::ReportOutputs out = Outputs(o);
  if (root_process) acc::CheckReportPaths(out);
  if (root_process && !o.calibration.empty() && !ro.expect_model) {
    std::fprintf(stderr,
                 "validate: --calibration %s: no check of suite %s sets threshold.fraction_of_model; the profile "
                 "is not used\n",
                 o.calibration.c_str(), suite.name.c_str());
  }
  if (root_process && !o.out.quiet) {
    ro.progress = [](const std::string& line) {
      std::fprintf(stderr, "validate: %s\n", line.c_str());
      std::fflush(stderr);
    };
  }
  auto open_evidence = [](const std::string& path) { return std::make_unique<Hdf5Writer>(path); };
  return acc::RunSuiteOnRanks(out, suite, ro, *backend, open_evidence, ctx.command_line, o.out.logger());
}

}  // namespace

void RegisterValidateCommand(CLI::App& app, AppContext& ctx, Action* action) {
  auto* cmd = app.add_subcommand(
      "validate",
      "Acceptance: run a suite of compute, memory and collective checks on every rank (under mpirun/srun, or one "
      "rank without) and give each device, rank and node a verdict (PASS, WARN, FAIL, SKIPPED) with reasons.\n"
      "Exit codes: 0 OK, 1 WARN, 2 CRITICAL, 3 UNKNOWN (nothing checked, or bad input), 130 interrupted.");
  auto o = std::make_shared<ValidateOptions>();
  AddOutputOptions(cmd, &o->out);
  cmd->add_option("--suite", o->suite, "suite file or shipped name (configs/suites: host-cpu, h100-sxm-node, ...)")
      ->required();
  cmd->add_option("--report", o->reports, "write a report: FILE.html (plots) or FILE.md (repeatable)");
  cmd->add_option("--prometheus", o->prometheus,
                  "write one node_exporter textfile per node into this directory (clusterbench_validate_<node>.prom)");
  cmd->add_option("--inject", o->injects,
                  "self-test: slow:RANK:FRACTION (the rank's measured throughput drops by FRACTION), corrupt:RANK "
                  "(its outputs fail verification), slowlink:A:B:FRACTION (traffic between ranks A and B: pairs "
                  "checks and bisection groups with both), slownic:RANK:FRACTION (every pair and group with RANK)");
  cmd->add_option("--nodes", o->nodes,
                  "what a node is: host (host name), rank (each rank is a node, host:rank), auto (rank when every "
                  "rank runs on one host, else host)")
      ->check(CLI::IsMember({"auto", "host", "rank"}))
      ->capture_default_str();
  cmd->add_option("--ranks-per-node", o->ranks_per_node,
                  "with --nodes rank: K consecutive ranks act as one node (host:i), one rank per rail, so one machine "
                  "can act as a fleet of multi-rail nodes")
      ->check(Bounded(1, 4096))
      ->capture_default_str();
  cmd->add_option("--backend", o->backend, "control plane: mpi, loopback (threads as ranks), auto (mpi when built)")
      ->check(CLI::IsMember({"auto", "mpi", "loopback"}))
      ->capture_default_str();
  cmd->add_option("--ranks", o->ranks, "ranks (threads) of the loopback backend (at most 4096)")
      ->check(Bounded(1, 4096))
      ->capture_default_str();
  cmd->add_option("--timeout", o->timeout,
                  "watchdog per phase in seconds (default: 60 + 20 x the suite's time budget; at most a week)")
      ->check(Bounded(0, 604800));
  cmd->add_option("--drain-cmd", o->drain_cmd,
                  "rank 0, after the reports are written: run this shell command once per failed host, with {host}, "
                  "{node} and {reason} replaced (shell-quoted), e.g. 'scontrol update nodename={host} state=drain "
                  "reason={reason}'; each exit status is said on stderr and kept in the evidence (validate_drain)");
  cmd->add_option("--drain-timeout", o->drain_timeout,
                  "seconds each --drain-cmd run may take; one still running is ended (its process group: SIGTERM, "
                  "SIGKILL 2 s later) and recorded with exit status 124")
      ->check(Bounded(0.001, 86400))
      ->capture_default_str();
  cmd->add_option("--calibration", o->calibration,
                  "checks with threshold.fraction_of_model: expect what this profile (clusterbench calibrate) "
                  "predicts for each group, in place of the collective model on the suite's cluster")
      ->type_name("PROFILE.yaml");
  AddOverrideOption(cmd, &o->sets);
  *action = [o, &ctx]() {
    try {
      return RunValidate(*o, ctx);
    } catch (const Error& e) {
      // Whatever kept validate from judging is UNKNOWN (3) to a monitor;
      // interruption and the watchdog keep their own codes.
      if (e.code() == ExitCode::kInterrupted || e.code() == ExitCode::kTimeout) throw;
      throw Error(ExitCode::kConfig, e.what());
    }
  };
}

}  // namespace cb
