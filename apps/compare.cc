// `clusterbench compare A.yaml B.yaml ... --model MODEL --tokens 15T`: buildouts
// side by side. For each cluster: the best parallel layout the planner finds,
// its step time and MFU, time to train, GPU-hours, energy, cost, and goodput
// under failures giving the effective time to train (simulator/plan/cost.h,
// reliability.h; docs/simulator-model.md "Cost, energy and failures").
// Reports in Markdown or HTML (inline SVG plots, no script, no network — the
// approach of `validate`'s report).
//
// `clusterbench compare SCENARIO --evidence EV.h5`: one scenario on the fleet
// validate measured, "train as is" against "replace the culprits' nodes"
// (simulator/measured_fleet.h PriceReplaceOrTrain): step, days, GPU-hours,
// energy and cost of each.
//
// The evaluation, the ranking and the renderings are the simulator's
// (simulator/plan/buildout.h, report/compare_report.h); this file reads the
// flags and writes the outputs.
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "apps/command.h"
#include "calibrate/evidence.h"
#include "core/error.h"
#include "core/table.h"
#include "simulator/measured_fleet.h"
#include "simulator/plan/buildout.h"
#include "simulator/report/compare_report.h"
#include "simulator/simulate.h"
#include "simulator/validation/error_band.h"

namespace cb {
namespace {

namespace fs = std::filesystem;

struct CompareOptions {
  OutputOptions out;
  std::vector<std::string> clusters;
  sim::BuildoutRequest job;  // --model, --seq-len, --global-batch, --gpus, --precision, --objective
  std::string tokens;
  std::string report;
  std::vector<std::string> sets;
  std::string evidence;  // --evidence: replace the culprits or train as is
  double replace_wait_days = 0;
  double replace_usd = 0;  // per node
  std::string network = "analytic";
};

// `compare SCENARIO --evidence EV.h5`: the culprits placed as simulate
// --evidence places them, then the two options priced (measured_fleet.h).
int RunFleetCompare(const CompareOptions& o, const AppContext& ctx) {
  if (o.clusters.size() != 1) {
    throw UsageError(
        fmt::format("compare --evidence prices one scenario on the measured fleet: give one SCENARIO "
                    "(a file or a shipped name), not {}",
                    o.clusters.size()));
  }
  if (!o.job.model.empty() || o.job.gpus >= 0 || !o.report.empty()) {
    throw UsageError(
        "compare --evidence takes its model and layout from the SCENARIO: --model, --gpus and --report "
        "are for comparing buildouts");
  }
  CheckOutputWritable(o.out.output);
  RunInfo run = MakeRunInfo("compare", ctx.command_line);
  std::vector<Override> sets = ParseOverrides(o.sets);
  if (!o.tokens.empty()) {
    const auto extra = ParseOverrides({fmt::format("training.tokens={}", sim::ParseTokens(o.tokens))});
    sets.insert(sets.end(), extra.begin(), extra.end());
  }
  ConfigLoader loader;
  const ConfigNode cfg = loader.Load("scenario", o.clusters.front(), sets);
  const sim::Scenario s = sim::ScenarioFromConfig(cfg);
  const std::string name = cfg.GetString("name", o.clusters.front());
  const EvidenceRun e = ReadEvidence(o.evidence);
  const sim::EvidenceSource source{o.evidence, e.run_id, e.suite};
  sim::SimOptions so;
  so.flow_network = o.network == "flow";
  const sim::FleetEvidence fleet = sim::PlaceEvidence(e.units, e.nodes, s, e.fabric, so.flow_network);
  const sim::FleetPrice p = sim::PriceFleet(s, so, fleet);
  const sim::ReplaceOrTrain r =
      sim::PriceReplaceOrTrain(s, cfg.at("cluster"), fleet, p, o.replace_wait_days * 86400, o.replace_usd);
  // The tables, built once: printed as JSON or text, and stored with -o.
  const std::vector<Table> tables = sim::FleetTables(source, name, fleet, r);
  run.config_yaml = fmt::format("evidence: {}\nreplace_wait_days: {}\nreplace_usd_per_node: {}\n{}", o.evidence,
                                o.replace_wait_days, o.replace_usd, s.effective_yaml);
  if (o.out.format == "json") {
    std::cout << JsonText(CompleteRunJson(run, tables)) << "\n";
  } else {
    sim::PrintFleet(std::cout, tables);
  }
  if (!o.out.output.empty()) WriteCompleteRun(o.out.output, run, tables);
  return 0;
}

int RunCompare(const CompareOptions& o, const AppContext& ctx) {
  if (!o.evidence.empty()) return RunFleetCompare(o, ctx);
  if (o.replace_wait_days != 0 || o.replace_usd != 0 || o.network != "analytic") {
    throw UsageError("--replace-wait, --replace-cost and --network price a measured fleet: they need --evidence");
  }
  if (o.job.model.empty() || o.tokens.empty()) {
    throw UsageError("compare: --model and --tokens are required (or give one SCENARIO with --evidence EV.h5)");
  }
  const double tokens = sim::ParseTokens(o.tokens);
  CheckOutputWritable(o.out.output);
  // The run starts now, not when its results are written (issue 17: start and end times).
  RunInfo run = MakeRunInfo("compare", ctx.command_line);
  if (o.job.gpus == 0) throw UsageError("--gpus 0: the GPU count must be at least 1");
  if (o.job.seq_len < 1) throw UsageError(fmt::format("--seq-len {}: must be at least 1", o.job.seq_len));
  if (o.job.global_batch < 1) {
    throw UsageError(fmt::format("--global-batch {}: must be at least 1", o.job.global_batch));
  }
  std::string report_kind;
  if (!o.report.empty()) {
    const std::string ext = fs::path(o.report).extension().string();
    if (ext == ".html" || ext == ".htm") {
      report_kind = "html";
    } else if (ext == ".md" || ext == ".markdown") {
      report_kind = "md";
    } else {
      throw UsageError(fmt::format("--report {}: expected a file ending in .html or .md", o.report));
    }
    CheckOutputWritable(o.report);
  }
  const Logger log = o.out.logger();
  sim::BuildoutRequest job = o.job;
  job.overrides = ParseOverrides(o.sets);
  std::vector<sim::Buildout> bs;
  const std::vector<sim::BandRow> bands = sim::LoadErrorBands(ConfigLoader().search_dirs());
  for (const auto& c : o.clusters) bs.push_back(sim::Evaluate(job, c, tokens, bands, log));

  const size_t best = sim::BestBuildout(bs, job.objective);

  // The table, built once: printed as JSON or text, rendered as a report, and stored with -o.
  const Table table = sim::CompareTable(job, tokens, bs, best);
  run.config_yaml = fmt::format("model: {}\ntokens: {}\nseq_len: {}\nglobal_batch: {}\nprecision: {}\nobjective: {}\n",
                                job.model, tokens, job.seq_len, job.global_batch, job.precision, job.objective);
  if (o.out.format == "json") {
    std::cout << JsonText(CompleteRunJson(run, {table})) << "\n";
  } else {
    sim::PrintCompare(std::cout, table);
  }
  if (!o.report.empty()) {
    std::ofstream f(o.report);
    f << (report_kind == "html" ? sim::CompareHtml(table) : sim::CompareMarkdown(table));
    if (!f) throw IoError(fmt::format("{}: could not write the report", o.report));
    log.Info("report written to {}", o.report);
  }
  if (!o.out.output.empty()) {
    WriteCompleteRun(o.out.output, run, {table});
    log.Info("results: {} (run {})", o.out.output, run.id);
  }
  return 0;
}

}  // namespace

void RegisterCompareCommand(CLI::App& app, AppContext& ctx, Action* action) {
  auto* cmd = app.add_subcommand(
      "compare", "buildouts side by side: best plan, time to train, energy, cost and goodput under failures");
  auto o = std::make_shared<CompareOptions>();
  cmd->add_option("CLUSTERS", o->clusters,
                  "cluster files or names of shipped ones; with --evidence, one scenario (file or shipped name)")
      ->required();
  cmd->add_option("--model", o->job.model,
                  "the model: a file or the name of a shipped one (required without --evidence)");
  cmd->add_option("--tokens", o->tokens,
                  "tokens to train on: 15T, 500B, 1.5e13 (required without --evidence; with it, default the "
                  "scenario's training.tokens)");
  cmd->add_option("--evidence", o->evidence,
                  "validate's evidence (-o EV.h5): price 'replace the culprits' nodes' against 'train as is' for the "
                  "SCENARIO (evidence node i = scenario node i, as simulate --evidence)");
  cmd->add_option("--replace-wait", o->replace_wait_days,
                  "with --evidence: days until the replacement nodes are in (the job's GPUs held, idle)")
      ->check(Bounded(0, 3650));
  cmd->add_option("--replace-cost", o->replace_usd, "with --evidence: USD per replaced node (parts, service)")
      ->check(Bounded(0, 1e12));
  cmd->add_option("--network", o->network,
                  "with --evidence: analytic, or flow to place NIC culprits on the fabric graph (as simulate)")
      ->check(CLI::IsMember({"analytic", "flow"}))
      ->capture_default_str();
  cmd->add_option("--seq-len", o->job.seq_len, "sequence length")->capture_default_str();
  cmd->add_option("--global-batch", o->job.global_batch, "global batch in sequences")->capture_default_str();
  cmd->add_option("--gpus", o->job.gpus,
                  "GPUs per buildout (default: the largest job size up to the cluster's that layouts can use)");
  cmd->add_option("--precision", o->job.precision, "GEMM precision")
      ->check(CLI::IsMember({"bf16", "fp16", "fp8", "nvfp4"}))
      ->capture_default_str();
  cmd->add_option("--objective", o->job.objective,
                  "what 'best' means: throughput, cost (needs every cluster's prices) or time-to-train (effective)")
      ->check(CLI::IsMember({"throughput", "cost", "time-to-train"}))
      ->capture_default_str();
  cmd->add_option("--report", o->report, "also write a report: FILE.html (with plots) or FILE.md");
  AddOverrideOption(cmd, &o->sets);
  AddOutputOptions(cmd, &o->out);
  *action = [o, &ctx]() { return RunCompare(*o, ctx); };
}

}  // namespace cb
