// `clusterbench simulate SCENARIO.yaml`: one training step of a transformer
// on a cluster — time, throughput, utilisation, memory, and where time goes.
// The simulation and its renderings are the simulator's (simulator/simulate.h,
// step_flags.h, report/step_report.h, report/evidence_report.h); this file
// reads the flags and writes the outputs.
#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "apps/command.h"
#include "calibrate/evidence.h"
#include "calibrate/predict_one.h"
#include "calibrate/profile.h"
#include "core/error.h"
#include "simulator/report/evidence_report.h"
#include "simulator/report/step_report.h"
#include "simulator/simulate.h"
#include "simulator/step_flags.h"
#include "simulator/validation/error_band.h"

namespace cb {
namespace {

struct SimulateOptions {
  OutputOptions out;
  std::string scenario;
  std::vector<std::string> sets;
  sim::StepFlags step;  // --timeline, --full, --network, --straggler, --degrade-link, --fail-link
  std::string calibration;
  std::string collective;  // predict one collective from the profile
  int64_t ranks = 0;
  std::string bytes;
  std::string gemm;  // predict one GEMM from the profile: MxNxK
  std::string dtype = "bf16";
  std::string evidence;  // validate's evidence file: its slow units as stragglers
};

// `simulate --calibration P --collective OP --ranks N --bytes B` and
// `--gemm MxNxK --dtype D`: one operation predicted from the profile, so the
// measure -> calibrate -> predict loop can be checked directly.
int RunPrediction(const SimulateOptions& o) {
  if (o.calibration.empty()) throw UsageError("--collective and --gemm predict from a profile: give --calibration");
  calib::Profile p = calib::LoadProfile(o.calibration);
  calib::OnePrediction one = !o.collective.empty() ? calib::PredictOneCollective(p, o.collective, o.ranks, o.bytes)
                                                   : calib::PredictOneGemm(p, o.dtype, o.gemm);
  if (o.out.format != "json") std::cout << one.text;
  nlohmann::json& j = one.json;
  j["calibration"] = o.calibration;
  j["device"] = p.device;
  if (o.out.format == "json") std::cout << JsonText(j) << "\n";
  return 0;
}

// `simulate SCENARIO --evidence EV.h5`: the healthy step, the fleet's as
// measured, each culprit's cost and what replacing them saves.
int RunEvidence(const SimulateOptions& o, const sim::Scenario& s, const sim::SimOptions& so) {
  const EvidenceRun e = ReadEvidence(o.evidence);
  const sim::FleetEvidence fleet = sim::PlaceEvidence(e.units, e.nodes, s, e.fabric, so.flow_network);
  const sim::FleetPrice p = sim::PriceFleet(s, so, fleet);
  const sim::EvidenceSource source{o.evidence, e.run_id, e.suite};
  if (o.out.format == "json") {
    std::cout << JsonText(sim::EvidenceJson(source, s, fleet, p)) << "\n";
  } else {
    sim::PrintEvidence(std::cout, source, s, fleet, p);
  }
  return 0;
}

// The Chrome trace (Perfetto, chrome://tracing) of the step: report/step_report.h TimelineJson.
void WriteTimeline(const std::string& path, const sim::SimResult& r) {
  std::ofstream f(path);
  if (!f) throw IoError(fmt::format("{}: cannot write the timeline", path));
  f << JsonText(sim::TimelineJson(r), -1) << "\n";
  if (!f) throw IoError(fmt::format("{}: write failed", path));
}

int RunSimulate(const SimulateOptions& o, const AppContext& ctx) {
  if (!o.collective.empty() || !o.gemm.empty()) {
    if (!o.scenario.empty()) throw UsageError("--collective and --gemm predict one operation: give no SCENARIO");
    if (!o.collective.empty() && !o.gemm.empty()) throw UsageError("give --collective or --gemm, not both");
    return RunPrediction(o);
  }
  if (o.scenario.empty()) throw UsageError("simulate: give a SCENARIO (or --collective/--gemm with --calibration)");
  CheckOutputWritable(o.out.output);
  // The run starts now, not when its results are written (issue 17: start and end times).
  RunInfo run = MakeRunInfo("simulate", ctx.command_line);
  ConfigLoader loader;
  ConfigNode cfg = loader.Load("scenario", o.scenario, ParseOverrides(o.sets));
  sim::Scenario s = sim::ScenarioFromConfig(cfg);
  if (!o.calibration.empty()) calib::ApplyProfile(calib::LoadProfile(o.calibration), o.calibration, &s);
  const sim::SimOptions so = sim::ReadSimOptions(o.step, s);
  if (!o.evidence.empty()) {
    if (!so.stragglers.empty() || !so.link_faults.empty()) {
      throw UsageError("--evidence places its own stragglers and link faults: give it or --straggler/--degrade-link");
    }
    if (!o.out.output.empty() || !o.step.timeline.empty()) {
      throw UsageError("--evidence prints the fleet's cost; -o and --timeline are not written with it");
    }
    return RunEvidence(o, s, so);
  }
  run.config_yaml = s.effective_yaml;
  const auto t0 = std::chrono::steady_clock::now();
  sim::SimResult r;
  double wall = 0;
  // With stragglers or link faults, the same step on healthy hardware: the
  // difference is what they cost.
  std::optional<double> healthy;
  try {
    r = sim::Simulate(s, so);
    wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!so.stragglers.empty() || !so.link_faults.empty()) {
      sim::SimOptions h = so;
      h.stragglers.clear();
      h.link_faults.clear();
      h.trace = false;
      healthy = sim::Simulate(s, h).step_time_s;
    }
  } catch (const InterruptedError& e) {
    KeepInterruptedRun(o.out.output, run, e.what());
    throw;
  }
  const sim::PredictionBand band = sim::BandForResult(sim::LoadErrorBands(loader.search_dirs()), s, r);
  // The tables, built once: printed as JSON or text, and stored with -o.
  const std::vector<Table> tables = sim::StepTables(s, r, band, {healthy, o.step, wall});
  if (o.out.format == "json") {
    std::cout << JsonText(CompleteRunJson(run, tables)) << "\n";
  } else {
    sim::PrintStepTable(std::cout, tables, s.par, so);
  }
  if (!o.step.timeline.empty()) WriteTimeline(o.step.timeline, r);
  if (!o.out.output.empty()) WriteCompleteRun(o.out.output, run, tables);
  return 0;
}

}  // namespace

void RegisterSimulateCommand(CLI::App& app, AppContext& ctx, Action* action) {
  auto* cmd = app.add_subcommand("simulate", "simulate one training step of a model on a cluster");
  auto o = std::make_shared<SimulateOptions>();
  cmd->add_option("SCENARIO", o->scenario, "a scenario file, or the name of a shipped one");
  AddOverrideOption(cmd, &o->sets);
  AddOutputOptions(cmd, &o->out);
  cmd->add_flag("--full", o->step.full,
                "simulate every data-parallel replica's pipeline (TP/CP peers of a stage move in lockstep)");
  cmd->add_option("--straggler", o->step.stragglers,
                  "with --full: one GPU slower, RANK:FRACTION (its TP/CP peers wait for it), or one replica's "
                  "pipeline stage, DP_RANK:PP_STAGE:FRACTION (repeatable; 0.2 = 20% slower)");
  cmd->add_option("--degrade-link", o->step.degraded_links,
                  "with --network flow: a fabric link at a fraction of its bandwidth, LINK:FRACTION (LINK: row of "
                  "`clusterbench topology -o`'s links table; repeatable)");
  cmd->add_option("--fail-link", o->step.failed_links,
                  "with --network flow: a failed fabric link (routes avoid it, as ECMP does; repeatable)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--network", o->step.network,
                  "scale-out traffic: analytical (formulas) or flow (every group's TP, CP, EP, PP and DP traffic on "
                  "the fabric graph at once, max-min shared; needs scale_out.tiers)")
      ->check(CLI::IsMember({"analytical", "flow"}))
      ->capture_default_str();
  cmd->add_option("--calibration", o->calibration,
                  "a profile from `clusterbench calibrate`: measured GEMM, memory and collective figures in place "
                  "of the defaults")
      ->type_name("PROFILE.yaml");
  cmd->add_option("--collective", o->collective,
                  "with --calibration, no SCENARIO: predict one collective (all_reduce, all_gather, ...)");
  cmd->add_option("--ranks", o->ranks, "ranks of the predicted collective");
  cmd->add_option("--bytes", o->bytes, "size of the predicted collective (K/M/G suffixes, as nccl-tests)");
  cmd->add_option("--gemm", o->gemm, "with --calibration, no SCENARIO: predict one GEMM, MxNxK");
  cmd->add_option("--dtype", o->dtype, "precision of the predicted GEMM")->capture_default_str();
  cmd->add_option("--evidence", o->evidence,
                  "validate's evidence (-o FILE.h5): the units it found too slow become stragglers on the scenario's "
                  "GPUs (evidence node i = scenario node i); prints the healthy step, the fleet's, each culprit's "
                  "cost and the days of training it costs")
      ->type_name("EVIDENCE.h5");
  cmd->add_option("--timeline", o->step.timeline, "write the step as a Chrome trace (open in Perfetto)")
      ->type_name("FILE.json");
  cmd->add_option("--timeline-replicas", o->step.timeline_replicas,
                  "with --full: the data-parallel replicas whose pipelines the trace holds, a comma list or all "
                  "(default: the critical replica; all at scale is millions of events)")
      ->type_name("LIST|all");
  *action = [o, &ctx]() { return RunSimulate(*o, ctx); };
}

}  // namespace cb
