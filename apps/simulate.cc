// `clusterbench simulate SCENARIO.yaml`: one training step of a transformer
// on a cluster — time, throughput, utilisation, memory, and where time goes.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <tuple>
#include <variant>

#include "apps/command.h"
#include "apps/evidence_file.h"
#include "apps/layout_json.h"
#include "calibrate/profile.h"
#include "core/error.h"
#include "core/table.h"
#include "core/units.h"
#include "simulator/measured_fleet.h"
#include "simulator/plan/explain.h"
#include "simulator/simulate.h"
#include "simulator/validation/error_band.h"
#include "store/hdf5_store.h"

namespace cb {
namespace {

struct SimulateOptions {
  OutputOptions out;
  std::string scenario;
  std::vector<std::string> sets;
  std::string timeline;
  std::string timeline_replicas;  // empty: the critical replica
  bool full = false;
  std::string network = "analytical";
  std::vector<std::string> stragglers;
  std::vector<std::string> degraded_links;
  std::vector<int64_t> failed_links;
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
  nlohmann::json j;
  if (!o.collective.empty()) {
    if (o.ranks < 2) throw UsageError("--collective needs --ranks N (N >= 2)");
    std::string why;
    auto bytes = ParseSize(o.bytes, &why);
    if (o.bytes.empty() || !bytes || *bytes <= 0) {
      throw UsageError(fmt::format("--bytes '{}': expected a size in bytes (K/M/G suffixes), > 0", o.bytes));
    }
    calib::CollectivePrediction c = calib::PredictCollective(p, o.collective, o.ranks, *bytes);
    j = {{"op", o.collective},
         {"ranks", o.ranks},
         {"size_bytes", *bytes},
         {"time_s", c.time_s},
         {"algbw_gbps", c.algbw / 1e9},
         {"busbw_gbps", c.busbw / 1e9},
         {"tier", c.tier},
         {"measured_ranks", c.measured_ranks},
         {"how", c.how},
         {"notes", c.notes}};
    if (o.out.format != "json") {
      std::cout << fmt::format(
          "{} of {} over {} ranks ({}, measured on {}; {}): {}  algbw {}  busbw {}\n", o.collective,
          FormatBytes(*bytes), o.ranks, c.tier, c.measured_ranks, c.how, FormatQuantity(c.time_s, Dimension::kTime),
          FormatQuantity(c.algbw, Dimension::kBandwidth), FormatQuantity(c.busbw, Dimension::kBandwidth));
      for (const auto& n : c.notes) std::cout << "  note: " << n << "\n";
    }
  } else {
    double m = 0, n = 0, k = 0;
    char x1 = 0, x2 = 0;
    std::istringstream in(o.gemm);
    if (!(in >> m >> x1 >> n >> x2 >> k) || x1 != 'x' || x2 != 'x' || !in.eof() || m < 1 || n < 1 || k < 1) {
      throw UsageError(fmt::format("--gemm '{}': expected MxNxK, e.g. 8192x8192x8192", o.gemm));
    }
    const double t = calib::PredictGemm(p, o.dtype, m, n, k);
    j = {{"m", m}, {"n", n}, {"k", k}, {"dtype", o.dtype}, {"time_s", t}, {"tflops", 2 * m * n * k / t / 1e12}};
    if (o.out.format != "json") {
      std::cout << fmt::format("{} GEMM {}: {}  {}\n", o.dtype, o.gemm, FormatQuantity(t, Dimension::kTime),
                               FormatQuantity(2 * m * n * k / t, Dimension::kFlopRate));
    }
  }
  j["calibration"] = o.calibration;
  j["device"] = p.device;
  if (o.out.format == "json") std::cout << JsonText(j) << "\n";
  return 0;
}

std::string Days(double d) { return fmt::format("{:+.2f} days", d); }

// `simulate SCENARIO --evidence EV.h5`: the healthy step, the fleet's as
// measured, each culprit's cost and what replacing them saves.
int RunEvidence(const SimulateOptions& o, const sim::Scenario& s, const sim::SimOptions& so) {
  const EvidenceRun e = ReadEvidence(o.evidence);
  const sim::FleetEvidence fleet = sim::PlaceEvidence(e.units, e.nodes, s, e.fabric, so.flow_network);
  const sim::FleetPrice p = sim::PriceFleet(s, so, fleet);
  const int64_t g = s.cluster.gpus_per_node;
  const double tokens = s.train.tokens;
  if (o.out.format == "json") {
    nlohmann::json culprits = nlohmann::json::array();
    for (size_t i = 0; i < fleet.culprits.size(); ++i) {
      const auto& c = fleet.culprits[i];
      const auto& k = p.each[i];
      culprits.push_back({{"name", c.name},
                          {"why", c.why},
                          {"evidence_node", c.evidence_node},
                          {"scenario_node", c.evidence_node},
                          {"gpus", c.gpus},
                          {"links",
                           [&c] {
                             nlohmann::json l = nlohmann::json::array();
                             for (const auto& f : c.links)
                               l.push_back({{"link", f.physical}, {"fraction", f.fraction}});
                             return l;
                           }()},
                          {"where", c.where},
                          {"slowdown", c.slowdown},
                          {"step_time_s", k.step_s},
                          {"cost_s", k.cost_s},
                          {"cost_fraction", k.cost_s / p.healthy.step_s},
                          {"days", tokens > 0 ? nlohmann::json(k.days) : nlohmann::json(nullptr)}});
    }
    auto ttt = [&](const sim::StepCost& c) {
      return tokens > 0 ? nlohmann::json(c.time_to_train_s / 86400) : nlohmann::json(nullptr);
    };
    std::cout << JsonText({{"evidence", o.evidence},
                           {"run", e.run_id},
                           {"suite", e.suite},
                           {"evidence_nodes", fleet.nodes},
                           {"scenario", s.effective_yaml},
                           {"model", s.model.name},
                           {"cluster", s.cluster.name},
                           {"gpus_per_node", g},
                           {"healthy_step_time_s", p.healthy.step_s},
                           {"fleet_step_time_s", p.fleet.step_s},
                           {"fleet_cost_s", p.fleet.cost_s},
                           {"fleet_cost_fraction", p.fleet.cost_s / p.healthy.step_s},
                           {"tokens", tokens > 0 ? nlohmann::json(tokens) : nlohmann::json(nullptr)},
                           {"healthy_days", ttt(p.healthy)},
                           {"fleet_days", ttt(p.fleet)},
                           {"fleet_cost_days", tokens > 0 ? nlohmann::json(p.fleet.days) : nlohmann::json(nullptr)},
                           {"culprits", culprits},
                           {"notes", fleet.notes}})
              << "\n";
    return 0;
  }
  std::cout << fmt::format("{} on {} ({} GPUs: TP{} PP{} DP{} CP{}), as measured by {} ({}, run {}, {} node(s))\n",
                           s.model.name, s.cluster.name, s.par.tp * s.par.pp * s.par.dp * s.par.cp, s.par.tp, s.par.pp,
                           s.par.dp, s.par.cp, o.evidence, e.suite.empty() ? "validate" : e.suite, e.run_id,
                           fleet.nodes);
  std::cout << fmt::format("  evidence node i is the scenario's node i (GPUs i x {} .. i x {} + {})\n", g, g, g - 1);
  std::cout << fmt::format("\n  healthy step       {}\n", FormatQuantity(p.healthy.step_s, Dimension::kTime));
  std::cout << fmt::format("  fleet's step       {}  ({:+.2f}%: every culprit at once)\n",
                           FormatQuantity(p.fleet.step_s, Dimension::kTime), 100 * p.fleet.cost_s / p.healthy.step_s);
  if (tokens > 0) {
    std::cout << fmt::format(
        "  time to train      {:.2f} days healthy, {:.2f} days as measured ({}) for {:.3g} tokens\n",
        p.healthy.time_to_train_s / 86400, p.fleet.time_to_train_s / 86400, Days(p.fleet.days), tokens);
  } else {
    std::cout << "  time to train      - (the scenario has no training.tokens: --set training.tokens=N)\n";
  }
  if (fleet.culprits.empty()) {
    std::cout << "\n  culprits: none (every node-local unit of the evidence passed)\n";
  } else {
    std::cout << fmt::format("\n  culprits ({}), each alone against the healthy step:\n", fleet.culprits.size());
    for (size_t i = 0; i < fleet.culprits.size(); ++i) {
      const auto& c = fleet.culprits[i];
      const auto& k = p.each[i];
      std::string why;
      for (const auto& w : c.why) why += (why.empty() ? "" : "; ") + w;
      std::cout << fmt::format("    {}: {}\n", c.name, why);
      std::cout << fmt::format("      -> {}: costs {} per step ({:+.2f}%){}\n", c.where,
                               FormatQuantity(k.cost_s, Dimension::kTime), 100 * k.cost_s / p.healthy.step_s,
                               tokens > 0 ? fmt::format(", {} of training", Days(k.days)) : "");
    }
    std::cout << fmt::format("\n  replace the {} culprit(s) or train as is: replacing saves {} per step{}\n",
                             fleet.culprits.size(), FormatQuantity(p.fleet.cost_s, Dimension::kTime),
                             tokens > 0 ? fmt::format(" and {:.2f} days of training", p.fleet.days) : "");
  }
  for (const auto& n : fleet.notes) std::cout << "  note: " << n << "\n";
  return 0;
}

sim::Straggler ParseStraggler(const std::string& text, const sim::Scenario& s) {
  // RANK:FRACTION (a GPU's global rank), or DP_RANK:PP_STAGE:FRACTION, e.g.
  // 3:0:0.2 = replica 3, stage 0, 20% slower.
  sim::Straggler g;
  const auto colons = std::count(text.begin(), text.end(), ':');
  char c1 = 0, c2 = 0;
  std::istringstream in(text);
  if (colons == 1) {
    int64_t rank = -1;
    if (!(in >> rank >> c1 >> g.slowdown) || c1 != ':' || !in.eof()) {
      throw UsageError(fmt::format("--straggler '{}': expected RANK:FRACTION, e.g. 1234:0.2", text));
    }
    const int64_t gpus = s.par.tp * s.par.cp * s.par.dp * s.par.pp;
    if (rank < 0 || rank >= gpus) {
      throw UsageError(
          fmt::format("--straggler '{}': rank {} does not exist; the job has ranks 0..{}", text, rank, gpus - 1));
    }
    g = sim::StragglerOfRank(s.par, rank, g.slowdown);
  } else if (!(in >> g.replica >> c1 >> g.stage >> c2 >> g.slowdown) || c1 != ':' || c2 != ':' || !in.eof()) {
    throw UsageError(
        fmt::format("--straggler '{}': expected RANK:FRACTION or DP_RANK:PP_STAGE:FRACTION, e.g. 3:0:0.2", text));
  }
  if (g.replica < 0 || g.replica >= s.par.dp) {
    throw UsageError(fmt::format("--straggler '{}': data-parallel rank must be in 0..{}", text, s.par.dp - 1));
  }
  if (g.stage < 0 || g.stage >= s.par.pp) {
    throw UsageError(fmt::format("--straggler '{}': pipeline stage must be in 0..{}", text, s.par.pp - 1));
  }
  if (!(g.slowdown >= 0) || g.slowdown > 100) {
    throw UsageError(fmt::format("--straggler '{}': FRACTION must be in 0..100 (0.2 = 20% slower)", text));
  }
  return g;
}

sim::LinkFault ParseDegradedLink(const std::string& text) {
  // LINK:FRACTION, e.g. 1234:0.5 = link 1234 at half its bandwidth.
  sim::LinkFault f;
  char c = 0;
  std::istringstream in(text);
  if (!(in >> f.physical >> c >> f.fraction) || c != ':' || !in.eof()) {
    throw UsageError(fmt::format("--degrade-link '{}': expected LINK:FRACTION, e.g. 1234:0.5", text));
  }
  if (!(f.fraction > 0) || f.fraction > 1) {
    throw UsageError(fmt::format(
        "--degrade-link '{}': FRACTION is the bandwidth left, in (0, 1]; a link with none is --fail-link", text));
  }
  return f;
}

nlohmann::json BreakdownJson(const sim::Breakdown& b) {
  return {{"compute_s", b.compute_s},
          {"tp_comm_exposed_s", b.tp_comm_exposed_s},
          {"cp_comm_exposed_s", b.cp_comm_exposed_s},
          {"ep_comm_exposed_s", b.ep_comm_exposed_s},
          {"pp_bubble_s", b.pp_bubble_s},
          {"pp_comm_exposed_s", b.pp_comm_exposed_s},
          {"dp_comm_exposed_s", b.dp_comm_exposed_s},
          {"optimizer_s", b.optimizer_s}};
}

nlohmann::json NetworkJson(const sim::SimResult& r) {
  nlohmann::json traffic = nlohmann::json::array();
  for (const auto& t : r.traffic) {
    traffic.push_back({{"kind", t.kind},
                       {"pattern", t.pattern},
                       {"groups", t.groups},
                       {"fabric_flows", t.fabric_flows},
                       {"factor", t.factor},
                       {"slowest_gpu", t.slowest_gpu},
                       {"bottleneck", t.bottleneck},
                       {"bottleneck_link", t.bottleneck_link},
                       {"bottleneck_utilisation", t.bottleneck_utilisation}});
  }
  return {{"model", r.network_model}, {"dp_contention", r.dp_contention}, {"traffic", traffic}};
}

// The GPUs that set the step: the critical stage of the critical replica.
nlohmann::json CriticalRanksJson(const sim::Scenario& s, const sim::SimResult& r) {
  const int64_t first = r.critical_first_rank, last = first + r.critical_ranks - 1;
  const int64_t per_node = s.cluster.gpus_per_node;
  return {{"first", first},
          {"last", last},
          {"nodes", {first / per_node, last / per_node}},
          {"replica", r.critical_replica},
          {"stage", r.critical_stage}};
}

nlohmann::json BandJson(const sim::PredictionBand& b) {
  if (!b.known) {
    return {{"known", false}, {"prediction_class", b.prediction_class}, {"validated", false}, {"warning", b.warning}};
  }
  return {{"known", true},
          {"prediction_class", b.prediction_class},
          {"class", b.band_class},
          {"published_runs", b.rows},
          {"median_error", b.median},
          {"error_low", b.low},
          {"error_high", b.high},
          {"expected_step_time_s", b.central_s},
          {"step_time_low_s", b.low_s},
          {"step_time_high_s", b.high_s},
          {"validated", b.validated},
          {"warning", b.warning}};
}

// The training block, and how many micro-batches each pipeline runs.
nlohmann::json TrainingWithMicroBatches(const sim::Training& t, int64_t micro_batches) {
  nlohmann::json j = TrainingJson(t);
  j["micro_batches_per_pipeline"] = micro_batches;
  return j;
}

// Where the step loses the most time and why (simulator/plan/explain.h).
nlohmann::json LargestLossJson(const sim::Scenario& s, const sim::SimResult& r) {
  const sim::StepLoss loss = sim::LargestLoss(s, r);
  return {{"part", loss.part}, {"seconds", loss.seconds}, {"fraction", loss.fraction}, {"why", loss.sentence}};
}

nlohmann::json ResultJson(const sim::Scenario& s, const sim::SimResult& r, const sim::PredictionBand& band) {
  const auto& m = r.memory;
  return {
      {"error_band", BandJson(band)},
      {"scenario", s.effective_yaml},
      {"model", s.model.name},
      {"cluster", s.cluster.name},
      {"gpu", s.gpu.name},
      {"gpus", r.gpus_used},
      {"parallelism", ParallelismJson(s.par)},
      {"training", TrainingWithMicroBatches(s.train, r.micro_batches)},
      {"layers_per_virtual_stage", r.layers_per_virtual_stage},
      {"params_total", r.params_total},
      {"params_active", r.params_active},
      {"step_time_s", r.step_time_s},
      {"tokens_per_s", r.tokens_per_s},
      {"tokens_per_s_per_gpu", r.tokens_per_s_per_gpu},
      {"model_flops_per_step", r.model_flops_per_step},
      {"hardware_flops_per_step", r.hardware_flops_per_step},
      {"model_tflops_per_gpu", r.model_tflops_per_gpu},
      {"hardware_tflops_per_gpu", r.hardware_tflops_per_gpu},
      {"mfu", r.mfu},
      {"memory_gib_per_gpu", r.memory_gib_per_gpu},
      {"fits_in_memory", r.fits_in_memory},
      {"memory_breakdown_gib",
       {{"weights", m.weights / (1 << 30)},
        {"gradients", m.gradients / (1 << 30)},
        {"optimizer", m.optimizer / (1 << 30)},
        {"activations", m.activations / (1 << 30)},
        {"logits", m.logits / (1 << 30)},
        {"buffers", m.buffers / (1 << 30)},
        {"runtime", m.runtime / (1 << 30)},
        {"stage", r.memory_stage}}},
      {"breakdown", BreakdownJson(r.breakdown)},
      {"largest_loss", LargestLossJson(s, r)},
      {"critical_stage", r.critical_stage},
      {"time_to_train_s", r.time_to_train_s > 0 ? nlohmann::json(r.time_to_train_s) : nlohmann::json(nullptr)},
      {"events", r.events},
      {"mode", r.mode},
      {"pipelines_simulated", r.replicas_simulated},
      {"network", NetworkJson(r)},
      {"critical_replica", r.critical_replica},
      {"critical_ranks", CriticalRanksJson(s, r)},
      {"notes", r.notes},
  };
}

std::string Bar(double part, double total, int width) {
  int n = total > 0 ? static_cast<int>(part / total * width + 0.5) : 0;
  return std::string(static_cast<size_t>(std::clamp(n, 0, width)), '#');
}

void PrintTable(const sim::Scenario& s, const sim::SimResult& r, const sim::PredictionBand& band) {
  std::cout << fmt::format("{} on {} ({} x {}): TP{} PP{} DP{} CP{} EP{} VPP{}{}, ZeRO-{}\n", s.model.name,
                           s.cluster.name, r.gpus_used, s.gpu.name, s.par.tp, s.par.pp, s.par.dp, s.par.cp, s.par.ep,
                           s.par.vpp, s.par.sequence_parallel ? " +SP" : "", s.par.zero);
  std::cout << fmt::format(
      "  {:.1f}B parameters ({:.1f}B active); batch {} x {} tokens, micro-batch {} ({} per pipeline), "
      "recompute {}, {}\n",
      r.params_total / 1e9, r.params_active / 1e9, s.train.global_batch, s.train.seq_len, s.train.micro_batch,
      r.micro_batches, sim::RecomputeName(s.train.recompute), s.train.precision_name);
  std::cout << fmt::format("\n  step time          {}\n", FormatQuantity(r.step_time_s, Dimension::kTime));
  if (band.known) {
    std::cout << fmt::format(
        "  expected range     {} .. {}  (class {}: {} published runs, simulated {:+.1f}% median, 10-90% band "
        "{:+.1f}% .. {:+.1f}%)\n",
        FormatQuantity(band.low_s, Dimension::kTime), FormatQuantity(band.high_s, Dimension::kTime), band.band_class,
        band.rows, 100 * band.median, 100 * band.low, 100 * band.high);
  }
  if (!band.validated) std::cout << fmt::format("  warning: outside the validated region: {}\n", band.warning);
  std::cout << fmt::format("  tokens/s           {:.4g} ({:.1f} per GPU)\n", r.tokens_per_s, r.tokens_per_s_per_gpu);
  std::cout << fmt::format("  model TFLOP/s/GPU  {:.1f}   MFU {:.1f}%   (hardware {:.1f} TFLOP/s/GPU)\n",
                           r.model_tflops_per_gpu, 100 * r.mfu, r.hardware_tflops_per_gpu);
  std::cout << fmt::format(
      "  memory per GPU     {:.1f} GiB of {:.1f} GiB: {}  (weights {:.1f}, grads {:.1f}, optimizer "
      "{:.1f}, activations {:.1f}, logits {:.1f}, buffers {:.1f}, runtime {:.1f})\n",
      r.memory_gib_per_gpu, s.gpu.memory_bytes / (1 << 30), r.fits_in_memory ? "fits" : "DOES NOT FIT",
      r.memory.weights / (1 << 30), r.memory.gradients / (1 << 30), r.memory.optimizer / (1 << 30),
      r.memory.activations / (1 << 30), r.memory.logits / (1 << 30), r.memory.buffers / (1 << 30),
      r.memory.runtime / (1 << 30));
  if (r.time_to_train_s > 0) {
    std::cout << fmt::format("  time to train      {:.1f} days for {:.3g} tokens\n", r.time_to_train_s / 86400,
                             s.train.tokens);
  }
  const auto& b = r.breakdown;
  std::cout << fmt::format("\n  where the step goes (pipeline stage {}):\n", r.critical_stage);
  std::pair<const char*, double> parts[] = {{"compute", b.compute_s},
                                            {"TP comm (exposed)", b.tp_comm_exposed_s},
                                            {"CP comm (exposed)", b.cp_comm_exposed_s},
                                            {"EP comm (exposed)", b.ep_comm_exposed_s},
                                            {"PP bubble", b.pp_bubble_s},
                                            {"PP comm (exposed)", b.pp_comm_exposed_s},
                                            {"DP comm (exposed)", b.dp_comm_exposed_s},
                                            {"optimizer", b.optimizer_s}};
  for (const auto& [name, v] : parts) {
    std::cout << fmt::format("    {:<18} {:>10} {:>6.1f}%  {}\n", name, FormatQuantity(v, Dimension::kTime),
                             100 * v / r.step_time_s, Bar(v, r.step_time_s, 40));
  }
  std::cout << "  why: " << sim::LargestLoss(s, r).sentence << "\n";
  if (!r.traffic.empty()) {
    std::cout << "\n  scale-out traffic (flow model, every group at once):\n";
    std::cout << fmt::format("    {:<4} {:<11} {:>8} {:>10} {:>8}  {}\n", "kind", "pattern", "groups", "flows",
                             "factor", "bottleneck of the slowest GPU");
    for (const auto& t : r.traffic) {
      std::cout << fmt::format("    {:<4} {:<11} {:>8} {:>10} {:>7.0f}%  {}\n", t.kind, t.pattern, t.groups,
                               t.fabric_flows, 100 * t.factor,
                               t.factor < 0.999 ? fmt::format("GPU {}: {} ({:.0f}% utilised)", t.slowest_gpu,
                                                              t.bottleneck, 100 * t.bottleneck_utilisation)
                                                : std::string("-"));
    }
  }
  for (const auto& n : r.notes) std::cout << "  note: " << n << "\n";
}

// --timeline-replicas: the replicas to trace, every one a replica of the
// layout (0 .. dp-1), and only in full mode, where each has its own schedule.
std::vector<int64_t> ParseTimelineReplicas(const SimulateOptions& o, const sim::Scenario& s) {
  if (o.timeline_replicas.empty()) return {};
  if (o.timeline.empty()) throw UsageError("--timeline-replicas needs --timeline FILE.json");
  if (!o.full) {
    throw UsageError(
        "--timeline-replicas needs --full: by default one pipeline stands for every replica (symmetric mode)");
  }
  std::vector<int64_t> out;
  if (o.timeline_replicas == "all") {
    for (int64_t i = 0; i < s.par.dp; ++i) out.push_back(i);
    return out;
  }
  std::istringstream in(o.timeline_replicas);
  for (std::string item; std::getline(in, item, ',');) {
    int64_t v = -1;
    const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
    if (ec != std::errc() || end != item.data() + item.size() || v < 0 || v >= s.par.dp) {
      throw UsageError(fmt::format("--timeline-replicas '{}': '{}' is not a replica (0 .. {}: dp = {}), nor all",
                                   o.timeline_replicas, item, s.par.dp - 1, s.par.dp));
    }
    if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
  }
  return out;
}

// The Chrome trace (Perfetto, chrome://tracing): one process per pipeline
// stage of each replica traced (the critical one, or --timeline-replicas),
// named with both; one thread per stream (sim::TraceStreams order), named
// once; every event with its numbers in args. Process ids run stage by stage
// within a replica, replicas in the order given (one replica: pid = stage).
void WriteTimeline(const std::string& path, const sim::SimResult& r) {
  nlohmann::json events = nlohmann::json::array();
  const auto& streams = sim::TraceStreams();
  auto tid_of = [&](const std::string& stream) {
    const auto it = std::find(streams.begin(), streams.end(), stream);
    return static_cast<int>(it - streams.begin());
  };
  std::vector<int64_t> replicas;  // in trace order
  int stages_count = 0;
  for (const auto& e : r.trace) {
    if (std::find(replicas.begin(), replicas.end(), e.replica) == replicas.end()) replicas.push_back(e.replica);
    stages_count = std::max(stages_count, e.stage + 1);
  }
  auto pid_of = [&](int64_t replica, int stage) {
    const auto at = std::find(replicas.begin(), replicas.end(), replica) - replicas.begin();
    return static_cast<int64_t>(at) * stages_count + stage;
  };
  std::set<std::tuple<int64_t, int, int>> tracks;  // (replica, stage, stream) seen
  for (const auto& e : r.trace) tracks.insert({e.replica, e.stage, tid_of(e.stream)});
  std::set<std::pair<int64_t, int>> processes;
  for (const auto& [replica, stage, tid] : tracks) processes.insert({replica, stage});
  for (const auto& [replica, st] : processes) {
    const int64_t pid = pid_of(replica, st);
    const bool critical = replica == r.critical_replica && st == r.critical_stage;
    events.push_back(
        {{"name", "process_name"},
         {"ph", "M"},
         {"pid", pid},
         {"args", {{"name", fmt::format("stage {} of replica {}{}", st, replica, critical ? " (critical)" : "")}}}});
    events.push_back({{"name", "process_sort_index"}, {"ph", "M"}, {"pid", pid}, {"args", {{"sort_index", pid}}}});
  }
  for (const auto& [replica, stage, tid] : tracks) {
    const int64_t pid = pid_of(replica, stage);
    const std::string name = tid < static_cast<int>(streams.size()) ? streams[static_cast<size_t>(tid)] : "other";
    events.push_back({{"name", "thread_name"}, {"ph", "M"}, {"pid", pid}, {"tid", tid}, {"args", {{"name", name}}}});
    events.push_back(
        {{"name", "thread_sort_index"}, {"ph", "M"}, {"pid", pid}, {"tid", tid}, {"args", {{"sort_index", tid}}}});
  }
  for (const auto& e : r.trace) {
    nlohmann::json args = nlohmann::json::object();
    for (const auto& [k, v] : e.args) args[k] = v;
    events.push_back({{"name", e.name},
                      {"cat", e.stream},
                      {"ph", "X"},
                      {"pid", pid_of(e.replica, e.stage)},
                      {"tid", tid_of(e.stream)},
                      {"ts", e.start_s * 1e6},
                      {"dur", e.duration_s * 1e6},
                      {"args", args}});
  }
  std::ofstream f(path);
  if (!f) throw IoError(fmt::format("{}: cannot write the timeline", path));
  f << JsonText({{"traceEvents", events}, {"displayTimeUnit", "ms"}}, -1) << "\n";
  if (!f) throw IoError(fmt::format("{}: write failed", path));
}

// The `step` table: every figure the text and JSON show, one row. Each column
// is declared beside its value, so the two cannot drift apart. Columns only
// ever get appended (readers go by name).
Table ResultTable(const sim::Scenario& s, const sim::SimResult& r, const sim::PredictionBand& band,
                  std::optional<double> healthy_step_s) {
  const double kNaN = std::numeric_limits<double>::quiet_NaN();
  const auto& b = r.breakdown;
  const auto& m = r.memory;
  auto flag = [](bool v) { return int64_t{v ? 1 : 0}; };
  std::string notes;
  for (const auto& n : r.notes) notes += (notes.empty() ? "" : "\n") + n;
  const sim::StepLoss loss = sim::LargestLoss(s, r);
  const std::vector<std::pair<Column, Cell>> cells = {
      {{"model", ColumnType::kString, "", "model name"}, s.model.name},
      {{"cluster", ColumnType::kString, "", "cluster name"}, s.cluster.name},
      {{"gpus", ColumnType::kInt64, "1", "GPUs used by the job"}, r.gpus_used},
      {{"tp", ColumnType::kInt64, "1", ""}, s.par.tp},
      {{"pp", ColumnType::kInt64, "1", ""}, s.par.pp},
      {{"dp", ColumnType::kInt64, "1", ""}, s.par.dp},
      {{"cp", ColumnType::kInt64, "1", ""}, s.par.cp},
      {{"ep", ColumnType::kInt64, "1", ""}, s.par.ep},
      {{"vpp", ColumnType::kInt64, "1", ""}, s.par.vpp},
      {{"step_time", ColumnType::kFloat64, "s", "simulated step time"}, r.step_time_s},
      {{"step_time_low", ColumnType::kFloat64, "s", "expected range from the validation band of its class (low)"},
       band.known ? band.low_s : 0.0},
      {{"step_time_high", ColumnType::kFloat64, "s", "expected range from the validation band of its class (high)"},
       band.known ? band.high_s : 0.0},
      {{"band_class", ColumnType::kString, "", "validation class whose band was used"}, band.band_class},
      {{"validated", ColumnType::kInt64, "1", "1 when inside the validated region"}, flag(band.validated)},
      {{"tokens_per_s", ColumnType::kFloat64, "1/s", "tokens per second, whole job"}, r.tokens_per_s},
      {{"model_flops_per_step", ColumnType::kFloat64, "FLOP", "model FLOPs (no recompute)"}, r.model_flops_per_step},
      {{"mfu", ColumnType::kFloat64, "1", "model FLOPs utilisation"}, r.mfu},
      {{"memory_per_gpu", ColumnType::kFloat64, "B", "memory of the most loaded GPU"}, m.Total()},
      {{"fits_in_memory", ColumnType::kInt64, "1", "1 when it fits"}, flag(r.fits_in_memory)},
      {{"compute", ColumnType::kFloat64, "s", "breakdown: compute"}, b.compute_s},
      {{"tp_comm_exposed", ColumnType::kFloat64, "s", "breakdown"}, b.tp_comm_exposed_s},
      {{"cp_comm_exposed", ColumnType::kFloat64, "s", "breakdown"}, b.cp_comm_exposed_s},
      {{"ep_comm_exposed", ColumnType::kFloat64, "s", "breakdown"}, b.ep_comm_exposed_s},
      {{"pp_bubble", ColumnType::kFloat64, "s", "breakdown"}, b.pp_bubble_s},
      {{"pp_comm_exposed", ColumnType::kFloat64, "s", "breakdown"}, b.pp_comm_exposed_s},
      {{"dp_comm_exposed", ColumnType::kFloat64, "s", "breakdown"}, b.dp_comm_exposed_s},
      {{"optimizer", ColumnType::kFloat64, "s", "breakdown"}, b.optimizer_s},
      // Appended (issue 17): the rest of what text and JSON show.
      {{"gpu", ColumnType::kString, "", "GPU name"}, s.gpu.name},
      {{"sequence_parallel", ColumnType::kInt64, "1", "1 with sequence parallelism"}, flag(s.par.sequence_parallel)},
      {{"zero", ColumnType::kInt64, "1", "ZeRO stage"}, int64_t{s.par.zero}},
      {{"seq_len", ColumnType::kInt64, "1", "tokens per sequence"}, s.train.seq_len},
      {{"global_batch", ColumnType::kInt64, "1", "sequences per step"}, s.train.global_batch},
      {{"micro_batch", ColumnType::kInt64, "1", "sequences per micro-batch"}, s.train.micro_batch},
      {{"micro_batches_per_pipeline", ColumnType::kInt64, "1", "micro-batches per pipeline per step"},
       int64_t{r.micro_batches}},
      {{"recompute", ColumnType::kString, "", "activation recomputation"}, sim::RecomputeName(s.train.recompute)},
      {{"precision", ColumnType::kString, "", "training precision"}, s.train.precision_name},
      {{"params_total", ColumnType::kFloat64, "1", "parameters"}, r.params_total},
      {{"params_active", ColumnType::kFloat64, "1", "parameters active per token"}, r.params_active},
      {{"expected_step_time", ColumnType::kFloat64, "s", "step time corrected by the median error of its class"},
       band.known ? band.central_s : kNaN},
      {{"band_warning", ColumnType::kString, "", "why the step is outside the validated region; empty inside"},
       band.warning},
      {{"tokens_per_s_per_gpu", ColumnType::kFloat64, "1/s", "tokens per second per GPU"}, r.tokens_per_s_per_gpu},
      {{"hardware_flops_per_step", ColumnType::kFloat64, "FLOP", "FLOPs executed (with recompute)"},
       r.hardware_flops_per_step},
      {{"model_flop_rate_per_gpu", ColumnType::kFloat64, "FLOP/s", "model FLOPs per second per GPU"},
       r.model_tflops_per_gpu * 1e12},
      {{"hardware_flop_rate_per_gpu", ColumnType::kFloat64, "FLOP/s", "executed FLOPs per second per GPU"},
       r.hardware_tflops_per_gpu * 1e12},
      {{"memory_capacity", ColumnType::kFloat64, "B", "usable memory of one GPU"}, s.gpu.memory_bytes},
      {{"memory_weights", ColumnType::kFloat64, "B", "memory breakdown: weights"}, m.weights},
      {{"memory_gradients", ColumnType::kFloat64, "B", "memory breakdown: gradients"}, m.gradients},
      {{"memory_optimizer", ColumnType::kFloat64, "B", "memory breakdown: optimizer state"}, m.optimizer},
      {{"memory_activations", ColumnType::kFloat64, "B", "memory breakdown: activations"}, m.activations},
      {{"memory_logits", ColumnType::kFloat64, "B", "memory breakdown: logits"}, m.logits},
      {{"memory_buffers", ColumnType::kFloat64, "B", "memory breakdown: communication buffers"}, m.buffers},
      {{"memory_runtime", ColumnType::kFloat64, "B", "memory breakdown: runtime (CUDA context, allocator)"}, m.runtime},
      {{"memory_stage", ColumnType::kInt64, "1", "pipeline stage of the most loaded GPU"}, int64_t{r.memory_stage}},
      {{"training_tokens", ColumnType::kFloat64, "1", "training.tokens; NaN when not given"},
       s.train.tokens > 0 ? s.train.tokens : kNaN},
      {{"time_to_train", ColumnType::kFloat64, "s", "time to train on training_tokens; NaN when not given"},
       r.time_to_train_s > 0 ? r.time_to_train_s : kNaN},
      {{"critical_stage", ColumnType::kInt64, "1", "pipeline stage that sets the step"}, int64_t{r.critical_stage}},
      {{"critical_replica", ColumnType::kInt64, "1", "data-parallel replica that sets the step"},
       int64_t{r.critical_replica}},
      {{"critical_first_rank", ColumnType::kInt64, "1", "first GPU rank of the stage that sets the step"},
       int64_t{r.critical_first_rank}},
      {{"critical_ranks", ColumnType::kInt64, "1", "GPUs of that stage (its TP x CP peers)"},
       int64_t{r.critical_ranks}},
      {{"mode", ColumnType::kString, "", "symmetric (one pipeline) or full (every replica)"}, r.mode},
      {{"pipelines_simulated", ColumnType::kInt64, "1", "pipelines simulated"}, int64_t{r.replicas_simulated}},
      {{"network_model", ColumnType::kString, "", "analytical or flow"}, r.network_model},
      {{"dp_contention", ColumnType::kFloat64, "1", "flow model: slowest DP flow over the uncontended NIC share"},
       r.dp_contention},
      {{"events", ColumnType::kInt64, "1", "discrete events simulated"}, static_cast<int64_t>(r.events)},
      {{"healthy_step_time", ColumnType::kFloat64, "s",
        "with stragglers or link faults: the same step on healthy hardware; NaN otherwise"},
       healthy_step_s ? *healthy_step_s : kNaN},
      {{"notes", ColumnType::kString, "", "the simulator's notes, one per line"}, notes},
      {{"largest_loss", ColumnType::kString, "", "the largest non-compute part of the step, or none"}, loss.part},
      {{"largest_loss_why", ColumnType::kString, "", "that part and the layout behind it, in words"}, loss.sentence},
  };
  std::vector<Column> columns;
  std::vector<Cell> row;
  for (const auto& [c, v] : cells) {
    columns.push_back(c);
    row.push_back(v);
  }
  Table t("step", "one simulated training step", columns);
  t.AddRow(row);
  return t;
}

// `--network flow`: each parallelism dimension's traffic on the fabric, as the
// text's "scale-out traffic" block and JSON's network.traffic.
Table TrafficTable(const sim::SimResult& r) {
  Table t("traffic", "scale-out traffic per parallelism dimension (flow model, every group at once)",
          {{"kind", ColumnType::kString, "", "tp, cp, ep, pp or dp"},
           {"pattern", ColumnType::kString, "", "ring, all-to-all or send-recv"},
           {"groups", ColumnType::kInt64, "1", "communicating groups"},
           {"fabric_flows", ColumnType::kInt64, "1", "flows on the scale-out fabric"},
           {"factor", ColumnType::kFloat64, "1", "scale-out bandwidth multiplier (1: uncontended)"},
           {"slowest_gpu", ColumnType::kInt64, "1", "the GPU whose transfers finish last (-1: none)"},
           {"bottleneck", ColumnType::kString, "", "the link that holds it back"},
           {"bottleneck_utilisation", ColumnType::kFloat64, "1", "that link's utilisation"},
           {"bottleneck_link", ColumnType::kInt64, "1", "its id in topology's links table (-1: none)"}});
  for (const auto& x : r.traffic) {
    t.AddRow({x.kind, x.pattern, x.groups, x.fabric_flows, x.factor, x.slowest_gpu, x.bottleneck,
              x.bottleneck_utilisation, x.bottleneck_link});
  }
  return t;
}

// The options of the simulation the command line asks for: the timeline's
// replicas, every replica (--full), the flow network, stragglers and link
// faults (which need --full and --network flow).
sim::SimOptions ReadSimOptions(const SimulateOptions& o, const sim::Scenario& s) {
  sim::SimOptions so;
  so.trace = !o.timeline.empty();
  so.trace_replicas = ParseTimelineReplicas(o, s);
  so.full = o.full;
  so.flow_network = o.network == "flow";
  for (const auto& t : o.stragglers) so.stragglers.push_back(ParseStraggler(t, s));
  for (const auto& t : o.degraded_links) so.link_faults.push_back(ParseDegradedLink(t));
  for (int64_t l : o.failed_links) so.link_faults.push_back({l, 0.0});
  if (!so.link_faults.empty() && !so.flow_network) {
    throw UsageError("--degrade-link and --fail-link need --network flow (links exist only in the fabric graph)");
  }
  if (!so.stragglers.empty() && !so.full) throw UsageError("--straggler needs --full (every replica simulated)");
  return so;
}

// What stragglers or link faults cost against the `healthy` step, and where
// they act: the replica and stage that set the step, the traffic a link
// fault holds back, the straggler on that replica.
void PrintHeterogeneity(const sim::Scenario& s, const sim::SimResult& r, const sim::SimOptions& so, double healthy) {
  const int64_t first = r.critical_first_rank, last = first + r.critical_ranks - 1;
  std::cout << fmt::format("\n  heterogeneity costs {} per step ({:+.2f}%; healthy {})\n",
                           FormatQuantity(r.step_time_s - healthy, Dimension::kTime),
                           100 * (r.step_time_s - healthy) / healthy, FormatQuantity(healthy, Dimension::kTime));
  if (so.full) {
    std::cout << fmt::format("  the step is set by replica {} stage {} (ranks {}..{}, nodes {}..{})\n",
                             r.critical_replica, r.critical_stage, first, last, first / s.cluster.gpus_per_node,
                             last / s.cluster.gpus_per_node);
  }
  // Link faults act on every replica alike: what they slow is in the
  // traffic table; name it here too.
  for (const auto& t : r.traffic) {
    if (!so.link_faults.empty() && t.factor < 0.999) {
      std::cout << fmt::format("  {} traffic: GPU {} (node {}) held back by {}\n", t.kind, t.slowest_gpu,
                               t.slowest_gpu / s.cluster.gpus_per_node, t.bottleneck);
    }
  }
  for (const auto& g : so.stragglers) {
    if (g.replica != r.critical_replica) continue;
    const int64_t a = sim::RankOf(s.par, 0, 0, g.replica, g.stage);
    std::cout << fmt::format("  on that replica: stage {} (ranks {}..{}) runs {:.0f}% slower\n", g.stage, a,
                             a + s.par.tp * s.par.cp - 1, 100 * g.slowdown);
  }
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
  const sim::SimOptions so = ReadSimOptions(o, s);
  if (!o.evidence.empty()) {
    if (!so.stragglers.empty() || !so.link_faults.empty()) {
      throw UsageError("--evidence places its own stragglers and link faults: give it or --straggler/--degrade-link");
    }
    if (!o.out.output.empty() || !o.timeline.empty()) {
      throw UsageError("--evidence prints the fleet's cost; -o and --timeline are not written with it");
    }
    return RunEvidence(o, s, so);
  }
  const auto t0 = std::chrono::steady_clock::now();
  sim::SimResult r = sim::Simulate(s, so);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const sim::PredictionBand band = sim::BandForResult(sim::LoadErrorBands(loader.search_dirs()), s, r);
  // With stragglers or link faults, the same step on healthy hardware: the
  // difference is what they cost.
  std::optional<double> healthy;
  if (!so.stragglers.empty() || !so.link_faults.empty()) {
    sim::SimOptions h = so;
    h.stragglers.clear();
    h.link_faults.clear();
    h.trace = false;
    healthy = sim::Simulate(s, h).step_time_s;
  }
  if (o.out.format == "json") {
    nlohmann::json j = ResultJson(s, r, band);
    if (healthy) {
      j["heterogeneity"] = {{"healthy_step_time_s", *healthy},
                            {"cost_s", r.step_time_s - *healthy},
                            {"cost_fraction", (r.step_time_s - *healthy) / *healthy},
                            {"stragglers", o.stragglers},
                            {"degraded_links", o.degraded_links},
                            {"failed_links", o.failed_links}};
    }
    j["simulation_wall_s"] = wall;
    j["events_per_s"] = wall > 0 ? static_cast<double>(r.events) / wall : 0;
    std::cout << JsonText(j) << "\n";
  } else {
    PrintTable(s, r, band);
    if (healthy) PrintHeterogeneity(s, r, so, *healthy);
    std::cout << fmt::format("\n  simulated {} pipeline(s), {} events in {} ({:.3g} events/s)\n", r.replicas_simulated,
                             r.events, FormatQuantity(wall, Dimension::kTime),
                             wall > 0 ? static_cast<double>(r.events) / wall : 0.0);
  }
  if (!o.timeline.empty()) WriteTimeline(o.timeline, r);
  if (!o.out.output.empty()) {
    Hdf5Writer writer(o.out.output);
    run.config_yaml = s.effective_yaml;
    writer.BeginRun(run);
    writer.WriteTable(ResultTable(s, r, band, healthy));
    if (!r.traffic.empty()) writer.WriteTable(TrafficTable(r));
    writer.EndRun(RunStatus::kComplete, "");
  }
  return 0;
}

}  // namespace

void RegisterSimulateCommand(CLI::App& app, AppContext& ctx, Action* action) {
  auto* cmd = app.add_subcommand("simulate", "simulate one training step of a model on a cluster");
  auto o = std::make_shared<SimulateOptions>();
  cmd->add_option("SCENARIO", o->scenario, "a scenario file, or the name of a shipped one");
  AddOverrideOption(cmd, &o->sets);
  AddOutputOptions(cmd, &o->out);
  cmd->add_flag("--full", o->full,
                "simulate every data-parallel replica's pipeline (TP/CP peers of a stage move in lockstep)");
  cmd->add_option("--straggler", o->stragglers,
                  "with --full: one GPU slower, RANK:FRACTION (its TP/CP peers wait for it), or one replica's "
                  "pipeline stage, DP_RANK:PP_STAGE:FRACTION (repeatable; 0.2 = 20% slower)");
  cmd->add_option("--degrade-link", o->degraded_links,
                  "with --network flow: a fabric link at a fraction of its bandwidth, LINK:FRACTION (LINK: row of "
                  "`clusterbench topology -o`'s links table; repeatable)");
  cmd->add_option("--fail-link", o->failed_links,
                  "with --network flow: a failed fabric link (routes avoid it, as ECMP does; repeatable)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--network", o->network,
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
  cmd->add_option("--timeline", o->timeline, "write the step as a Chrome trace (open in Perfetto)")
      ->type_name("FILE.json");
  cmd->add_option("--timeline-replicas", o->timeline_replicas,
                  "with --full: the data-parallel replicas whose pipelines the trace holds, a comma list or all "
                  "(default: the critical replica; all at scale is millions of events)")
      ->type_name("LIST|all");
  *action = [o, &ctx]() { return RunSimulate(*o, ctx); };
}

}  // namespace cb
