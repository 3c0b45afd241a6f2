#include "simulator/report/step_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <tuple>

#include "core/error.h"
#include "core/units.h"
#include "simulator/plan/explain.h"
#include "simulator/report/layout_columns.h"

namespace cb::sim {
namespace {

constexpr double kGiB = 1 << 30;

std::string Bar(double part, double total, int width) {
  int n = total > 0 ? static_cast<int>(part / total * width + 0.5) : 0;
  return std::string(static_cast<size_t>(std::clamp(n, 0, width)), '#');
}

// The `step` table's columns up to session 10 (issue 17 appended the second
// half), each declared beside its value.
NamedCells FirstCells(const Scenario& s, const SimResult& r, const PredictionBand& band,
                      std::optional<double> healthy_step_s) {
  const double kNaN = std::numeric_limits<double>::quiet_NaN();
  const auto& b = r.breakdown;
  const auto& m = r.memory;
  auto flag = [](bool v) { return int64_t{v ? 1 : 0}; };
  const std::string notes = JoinCell(r.notes, "\n");
  const StepLoss loss = LargestLoss(s, r);
  return {
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
      {{"host_bound", ColumnType::kFloat64, "s", "breakdown: the GPU waiting for the CPU to issue kernels"},
       b.host_bound_s},
      // Appended (issue 17): the rest of what text and JSON show.
      {{"gpu", ColumnType::kString, "", "GPU name"}, s.gpu.name},
      {{"sequence_parallel", ColumnType::kInt64, "1", "1 with sequence parallelism"}, flag(s.par.sequence_parallel)},
      {{"zero", ColumnType::kInt64, "1", "ZeRO stage"}, int64_t{s.par.zero}},
      {{"seq_len", ColumnType::kInt64, "1", "tokens per sequence"}, s.train.seq_len},
      {{"global_batch", ColumnType::kInt64, "1", "sequences per step"}, s.train.global_batch},
      {{"micro_batch", ColumnType::kInt64, "1", "sequences per micro-batch"}, s.train.micro_batch},
      {{"micro_batches_per_pipeline", ColumnType::kInt64, "1", "micro-batches per pipeline per step"},
       int64_t{r.micro_batches}},
      {{"recompute", ColumnType::kString, "", "activation recomputation"}, RecomputeName(s.train.recompute)},
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
}

// Appended in session 12 (issue 16, results built once): what the JSON
// document of simulate held and the table lacked, so the JSON can be the
// table. The error band in fractions (NaN without a band), the critical
// GPUs' last rank and nodes, the largest loss's figures, the layers of each
// virtual stage (a comma list), heterogeneity's cost and the flags that
// caused it (comma lists), the simulation's own speed. The layout columns
// the table lacked (etp, shard_group, recompute_layers) come after them.
NamedCells AppendedCells(const Scenario& s, const SimResult& r, const PredictionBand& band, const StepRun& run) {
  const double kNaN = std::numeric_limits<double>::quiet_NaN();
  const int64_t per_node = s.cluster.gpus_per_node;
  const int64_t first = r.critical_first_rank, last = first + r.critical_ranks - 1;
  const StepLoss loss = LargestLoss(s, r);
  std::vector<std::string> layers, failed;
  for (int64_t n : r.layers_per_virtual_stage) layers.push_back(fmt::format("{}", n));
  for (int64_t l : run.flags.failed_links) failed.push_back(fmt::format("{}", l));
  const double healthy = run.healthy_step_s.value_or(kNaN);
  auto known = [&](double v) { return band.known ? v : kNaN; };
  return {
      {{"band_known", ColumnType::kInt64, "1", "1 when a validation band was found for the step's class"},
       int64_t{band.known ? 1 : 0}},
      {{"prediction_class", ColumnType::kString, "", "the step's own validation class (GPU/model kind/layout kind)"},
       band.prediction_class},
      {{"published_runs", ColumnType::kInt64, "1", "published runs behind the band (0: none)"},
       band.known ? band.rows : int64_t{0}},
      {{"median_error", ColumnType::kFloat64, "1", "the band's median relative error of simulated step times"},
       known(band.median)},
      {{"error_p10", ColumnType::kFloat64, "1", "the band's 10th-percentile relative error"}, known(band.low)},
      {{"error_p90", ColumnType::kFloat64, "1", "the band's 90th-percentile relative error"}, known(band.high)},
      {{"layers_per_virtual_stage", ColumnType::kString, "", "layers of each virtual pipeline stage, a comma list"},
       JoinCell(layers, ",")},
      {{"largest_loss_time", ColumnType::kFloat64, "s", "the largest non-compute part's time in the step"},
       loss.seconds},
      {{"largest_loss_fraction", ColumnType::kFloat64, "1", "that part's share of the step time"}, loss.fraction},
      {{"gpus_per_node", ColumnType::kInt64, "1", "GPUs of one node of the cluster"}, per_node},
      {{"critical_last_rank", ColumnType::kInt64, "1", "last GPU rank of the stage that sets the step"}, last},
      {{"critical_first_node", ColumnType::kInt64, "1", "node of critical_first_rank"}, first / per_node},
      {{"critical_last_node", ColumnType::kInt64, "1", "node of critical_last_rank"}, last / per_node},
      {{"heterogeneity_cost", ColumnType::kFloat64, "s",
        "step_time - healthy_step_time: what stragglers or link faults cost; NaN without them"},
       r.step_time_s - healthy},
      {{"heterogeneity_cost_fraction", ColumnType::kFloat64, "1", "heterogeneity_cost / healthy_step_time"},
       (r.step_time_s - healthy) / healthy},
      {{"stragglers", ColumnType::kString, "", "--straggler as given, a comma list"},
       JoinCell(run.flags.stragglers, ",")},
      {{"degraded_links", ColumnType::kString, "", "--degrade-link as given, a comma list"},
       JoinCell(run.flags.degraded_links, ",")},
      {{"failed_links", ColumnType::kString, "", "--fail-link as given, a comma list"}, JoinCell(failed, ",")},
      {{"simulation_wall_time", ColumnType::kFloat64, "s", "wall-clock time of the simulation"}, run.wall_s},
      {{"events_per_s", ColumnType::kFloat64, "1/s", "discrete events simulated per wall-clock second"},
       run.wall_s > 0 ? static_cast<double>(r.events) / run.wall_s : 0.0},
  };
}

// The step, its expected range, memory and throughput: the `step` row.
void PrintStepFigures(std::ostream& out, const Table& t) {
  auto I = [&](const char* c) { return t.Int(0, c); };
  auto F = [&](const char* c) { return t.Float(0, c); };
  auto S = [&](const char* c) { return t.Str(0, c); };
  out << fmt::format("{} on {} ({} x {}): TP{} PP{} DP{} CP{} EP{} VPP{}{}, ZeRO-{}\n", S("model"), S("cluster"),
                     I("gpus"), S("gpu"), I("tp"), I("pp"), I("dp"), I("cp"), I("ep"), I("vpp"),
                     I("sequence_parallel") ? " +SP" : "", I("zero"));
  out << fmt::format(
      "  {:.1f}B parameters ({:.1f}B active); batch {} x {} tokens, micro-batch {} ({} per pipeline), "
      "recompute {}, {}\n",
      F("params_total") / 1e9, F("params_active") / 1e9, I("global_batch"), I("seq_len"), I("micro_batch"),
      I("micro_batches_per_pipeline"),
      S("recompute_modules").empty() ? S("recompute") : fmt::format("{} ({})", S("recompute"), S("recompute_modules")),
      S("precision"));
  if (!S("offload_modules").empty()) {
    out << fmt::format("  activations offloaded to the host: inputs of {}\n", S("offload_modules"));
  }
  out << fmt::format("\n  step time          {}\n", FormatQuantity(F("step_time"), Dimension::kTime));
  if (I("band_known")) {
    out << fmt::format(
        "  expected range     {} .. {}  (class {}: {} published runs, simulated {:+.1f}% median, 10-90% band "
        "{:+.1f}% .. {:+.1f}%)\n",
        FormatQuantity(F("step_time_low"), Dimension::kTime), FormatQuantity(F("step_time_high"), Dimension::kTime),
        S("band_class"), I("published_runs"), 100 * F("median_error"), 100 * F("error_p10"), 100 * F("error_p90"));
  }
  if (!I("validated")) out << fmt::format("  warning: outside the validated region: {}\n", S("band_warning"));
  out << fmt::format("  tokens/s           {:.4g} ({:.1f} per GPU)\n", F("tokens_per_s"), F("tokens_per_s_per_gpu"));
  out << fmt::format("  model TFLOP/s/GPU  {:.1f}   MFU {:.1f}%   (hardware {:.1f} TFLOP/s/GPU)\n",
                     F("model_flop_rate_per_gpu") / 1e12, 100 * F("mfu"), F("hardware_flop_rate_per_gpu") / 1e12);
  out << fmt::format(
      "  memory per GPU     {:.1f} GiB of {:.1f} GiB: {}  (weights {:.1f}, grads {:.1f}, optimizer "
      "{:.1f}, activations {:.1f}, logits {:.1f}, buffers {:.1f}, runtime {:.1f})\n",
      F("memory_per_gpu") / kGiB, F("memory_capacity") / kGiB, I("fits_in_memory") ? "fits" : "DOES NOT FIT",
      F("memory_weights") / kGiB, F("memory_gradients") / kGiB, F("memory_optimizer") / kGiB,
      F("memory_activations") / kGiB, F("memory_logits") / kGiB, F("memory_buffers") / kGiB,
      F("memory_runtime") / kGiB);
  if (I("pp") > 1) {
    // The most loaded GPU decides the fit; the other stages show how uneven the pipeline is.
    std::vector<std::string> gib;
    for (const std::string& b : SplitCell(S("memory_per_stage"), ",")) {
      gib.push_back(fmt::format("{:.1f}", std::stod(b) / kGiB));
    }
    out << fmt::format("  memory by stage    {} GiB (stage 0 first; the most loaded is stage {})\n",
                       JoinCell(gib, ", "), I("memory_stage"));
  }
  if (std::isfinite(F("time_to_train"))) {
    out << fmt::format("  time to train      {:.1f} days for {:.3g} tokens\n", F("time_to_train") / 86400,
                       F("training_tokens"));
  }
}

// Where the step goes, why, the scale-out traffic and the notes.
void PrintStepParts(std::ostream& out, const Table& t, const Table* traffic) {
  const double step = t.Float(0, "step_time");
  out << fmt::format("\n  where the step goes (pipeline stage {}):\n", t.Int(0, "critical_stage"));
  const std::pair<const char*, const char*> parts[] = {{"compute", "compute"},
                                                       {"TP comm (exposed)", "tp_comm_exposed"},
                                                       {"CP comm (exposed)", "cp_comm_exposed"},
                                                       {"EP comm (exposed)", "ep_comm_exposed"},
                                                       {"PP bubble", "pp_bubble"},
                                                       {"PP comm (exposed)", "pp_comm_exposed"},
                                                       {"DP comm (exposed)", "dp_comm_exposed"},
                                                       {"optimizer", "optimizer"},
                                                       {"host-bound (CPU)", "host_bound"}};
  for (const auto& [name, column] : parts) {
    if (t.ColumnIndex(column) < 0) continue;  // a file written before the column existed
    const double v = t.Float(0, column);
    out << fmt::format("    {:<18} {:>10} {:>6.1f}%  {}\n", name, FormatQuantity(v, Dimension::kTime), 100 * v / step,
                       Bar(v, step, 40));
  }
  out << "  why: " << t.Str(0, "largest_loss_why") << "\n";
  if (traffic && traffic->size() > 0) {
    out << "\n  scale-out traffic (flow model, every group at once):\n";
    out << fmt::format("    {:<4} {:<11} {:>8} {:>10} {:>8}  {}\n", "kind", "pattern", "groups", "flows", "factor",
                       "bottleneck of the slowest GPU");
    for (size_t i = 0; i < traffic->size(); ++i) {
      const double factor = traffic->Float(i, "factor");
      out << fmt::format(
          "    {:<4} {:<11} {:>8} {:>10} {:>7.0f}%  {}\n", traffic->Str(i, "kind"), traffic->Str(i, "pattern"),
          traffic->Int(i, "groups"), traffic->Int(i, "fabric_flows"), 100 * factor,
          factor < 0.999 ? fmt::format("GPU {}: {} ({:.0f}% utilised)", traffic->Int(i, "slowest_gpu"),
                                       traffic->Str(i, "bottleneck"), 100 * traffic->Float(i, "bottleneck_utilisation"))
                         : std::string("-"));
    }
  }
  for (const auto& n : SplitCell(t.Str(0, "notes"), "\n")) out << "  note: " << n << "\n";
}

// What stragglers or link faults cost against the healthy step, and where
// they act: the replica and stage that set the step, the traffic a link
// fault holds back, the straggler on that replica.
void PrintHeterogeneity(std::ostream& out, const Table& t, const Table* traffic, const Parallelism& par,
                        const SimOptions& so) {
  const double healthy = t.Float(0, "healthy_step_time"), cost = t.Float(0, "heterogeneity_cost");
  out << fmt::format("\n  heterogeneity costs {} per step ({:+.2f}%; healthy {})\n",
                     FormatQuantity(cost, Dimension::kTime), 100 * t.Float(0, "heterogeneity_cost_fraction"),
                     FormatQuantity(healthy, Dimension::kTime));
  const int64_t replica = t.Int(0, "critical_replica");
  if (t.Str(0, "mode") == "full") {
    out << fmt::format("  the step is set by replica {} stage {} (ranks {}..{}, nodes {}..{})\n", replica,
                       t.Int(0, "critical_stage"), t.Int(0, "critical_first_rank"), t.Int(0, "critical_last_rank"),
                       t.Int(0, "critical_first_node"), t.Int(0, "critical_last_node"));
  }
  // Link faults act on every replica alike: what they slow is in the
  // traffic table; name it here too.
  const bool link_faults = !t.Str(0, "degraded_links").empty() || !t.Str(0, "failed_links").empty();
  for (size_t i = 0; link_faults && traffic && i < traffic->size(); ++i) {
    if (traffic->Float(i, "factor") < 0.999) {
      const int64_t gpu = traffic->Int(i, "slowest_gpu");
      out << fmt::format("  {} traffic: GPU {} (node {}) held back by {}\n", traffic->Str(i, "kind"), gpu,
                         gpu / t.Int(0, "gpus_per_node"), traffic->Str(i, "bottleneck"));
    }
  }
  for (const auto& g : so.stragglers) {
    if (g.replica != replica) continue;
    const int64_t a = RankOf(par, 0, 0, g.replica, g.stage);
    out << fmt::format("  on that replica: stage {} (ranks {}..{}) runs {:.0f}% slower\n", g.stage, a,
                       a + par.tp * par.cp - 1, 100 * g.slowdown);
  }
}

}  // namespace

void PrintStepTable(std::ostream& out, const std::vector<Table>& tables, const Parallelism& par, const SimOptions& so) {
  const Table* step = &TableNamed(tables, "step");
  if (step->size() != 1) throw RuntimeError("simulate: the step table holds one row");
  const Table* traffic = FindTable(tables, "traffic");
  PrintStepFigures(out, *step);
  PrintStepParts(out, *step, traffic);
  if (std::isfinite(step->Float(0, "healthy_step_time"))) PrintHeterogeneity(out, *step, traffic, par, so);
  out << fmt::format("\n  simulated {} pipeline(s), {} events in {} ({:.3g} events/s)\n",
                     step->Int(0, "pipelines_simulated"), step->Int(0, "events"),
                     FormatQuantity(step->Float(0, "simulation_wall_time"), Dimension::kTime),
                     step->Float(0, "events_per_s"));
}

// The Chrome trace (Perfetto, chrome://tracing): one process per pipeline
// stage of each replica traced (the critical one, or --timeline-replicas),
// named with both; one thread per stream (TraceStreams order), named
// once; every event with its numbers in args. Process ids run stage by stage
// within a replica, replicas in the order given (one replica: pid = stage).
nlohmann::json TimelineJson(const SimResult& r) {
  nlohmann::json events = nlohmann::json::array();
  const auto& streams = TraceStreams();
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
  return {{"traceEvents", events}, {"displayTimeUnit", "ms"}};
}

// The `step` table: every figure of the step, one row. Each column is
// declared beside its value, so the two cannot drift apart. Columns only
// ever get appended (readers go by name).
Table ResultTable(const Scenario& s, const SimResult& r, const PredictionBand& band, const StepRun& run) {
  NamedCells cells = FirstCells(s, r, band, run.healthy_step_s);
  const NamedCells appended = AppendedCells(s, r, band, run);
  cells.insert(cells.end(), appended.begin(), appended.end());
  AppendLayoutCells(s.par, s.train, &cells);
  cells.push_back({{"offload_modules", ColumnType::kString, "",
                    "fine-grained activation offloading: the modules whose inputs live on the host, a comma list"},
                   OffloadModulesName(s.fw.offload_modules)});
  // Appended in session 17: the pipeline layout as given and the MTP modules.
  cells.push_back({{"pipeline_layout", ColumnType::kString, "",
                    "parallelism.pipeline_layout as given (Megatron-Core's grammar); empty: the even split"},
                   s.par.layout.text});
  cells.push_back({{"mtp_layers", ColumnType::kInt64, "1", "multi-token prediction modules (model.mtp_layers)"},
                   s.model.mtp_layers});
  // Appended in session 25: every pipeline stage's memory in bytes, a comma list (a cell holds one value).
  std::vector<std::string> stage_bytes;
  for (double b : r.memory_per_stage) stage_bytes.push_back(fmt::format("{:.0f}", b));
  cells.push_back(
      {{"memory_per_stage", ColumnType::kString, "B",
        "memory of a GPU of each pipeline stage, stage 0 first, a comma list (memory_per_gpu is the largest)"},
       JoinCell(stage_bytes, ",")});
  return TableOfRows("step", "one simulated training step", {cells});
}

// `--network flow`: each parallelism dimension's traffic on the fabric, as the
// text's "scale-out traffic" block.
Table TrafficTable(const SimResult& r) {
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

std::vector<Table> StepTables(const Scenario& s, const SimResult& r, const PredictionBand& band, const StepRun& run) {
  std::vector<Table> tables = {ResultTable(s, r, band, run)};
  if (!r.traffic.empty()) tables.push_back(TrafficTable(r));
  return tables;
}

}  // namespace cb::sim
