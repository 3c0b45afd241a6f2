#include "simulator/report/step_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <set>
#include <tuple>

#include "core/units.h"
#include "simulator/plan/explain.h"
#include "simulator/report/layout_json.h"

namespace cb::sim {
namespace {

nlohmann::json BreakdownJson(const Breakdown& b) {
  return {{"compute_s", b.compute_s},
          {"tp_comm_exposed_s", b.tp_comm_exposed_s},
          {"cp_comm_exposed_s", b.cp_comm_exposed_s},
          {"ep_comm_exposed_s", b.ep_comm_exposed_s},
          {"pp_bubble_s", b.pp_bubble_s},
          {"pp_comm_exposed_s", b.pp_comm_exposed_s},
          {"dp_comm_exposed_s", b.dp_comm_exposed_s},
          {"optimizer_s", b.optimizer_s}};
}

nlohmann::json NetworkJson(const SimResult& r) {
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
nlohmann::json CriticalRanksJson(const Scenario& s, const SimResult& r) {
  const int64_t first = r.critical_first_rank, last = first + r.critical_ranks - 1;
  const int64_t per_node = s.cluster.gpus_per_node;
  return {{"first", first},
          {"last", last},
          {"nodes", {first / per_node, last / per_node}},
          {"replica", r.critical_replica},
          {"stage", r.critical_stage}};
}

nlohmann::json BandJson(const PredictionBand& b) {
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
nlohmann::json TrainingWithMicroBatches(const Training& t, int64_t micro_batches) {
  nlohmann::json j = TrainingJson(t);
  j["micro_batches_per_pipeline"] = micro_batches;
  return j;
}

// Where the step loses the most time and why (simulator/plan/explain.h).
nlohmann::json LargestLossJson(const Scenario& s, const SimResult& r) {
  const StepLoss loss = LargestLoss(s, r);
  return {{"part", loss.part}, {"seconds", loss.seconds}, {"fraction", loss.fraction}, {"why", loss.sentence}};
}

std::string Bar(double part, double total, int width) {
  int n = total > 0 ? static_cast<int>(part / total * width + 0.5) : 0;
  return std::string(static_cast<size_t>(std::clamp(n, 0, width)), '#');
}

}  // namespace

nlohmann::json ResultJson(const Scenario& s, const SimResult& r, const PredictionBand& band) {
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

void PrintStepTable(std::ostream& out, const Scenario& s, const SimResult& r, const PredictionBand& band) {
  out << fmt::format("{} on {} ({} x {}): TP{} PP{} DP{} CP{} EP{} VPP{}{}, ZeRO-{}\n", s.model.name, s.cluster.name,
                     r.gpus_used, s.gpu.name, s.par.tp, s.par.pp, s.par.dp, s.par.cp, s.par.ep, s.par.vpp,
                     s.par.sequence_parallel ? " +SP" : "", s.par.zero);
  out << fmt::format(
      "  {:.1f}B parameters ({:.1f}B active); batch {} x {} tokens, micro-batch {} ({} per pipeline), "
      "recompute {}, {}\n",
      r.params_total / 1e9, r.params_active / 1e9, s.train.global_batch, s.train.seq_len, s.train.micro_batch,
      r.micro_batches, RecomputeName(s.train.recompute), s.train.precision_name);
  out << fmt::format("\n  step time          {}\n", FormatQuantity(r.step_time_s, Dimension::kTime));
  if (band.known) {
    out << fmt::format(
        "  expected range     {} .. {}  (class {}: {} published runs, simulated {:+.1f}% median, 10-90% band "
        "{:+.1f}% .. {:+.1f}%)\n",
        FormatQuantity(band.low_s, Dimension::kTime), FormatQuantity(band.high_s, Dimension::kTime), band.band_class,
        band.rows, 100 * band.median, 100 * band.low, 100 * band.high);
  }
  if (!band.validated) out << fmt::format("  warning: outside the validated region: {}\n", band.warning);
  out << fmt::format("  tokens/s           {:.4g} ({:.1f} per GPU)\n", r.tokens_per_s, r.tokens_per_s_per_gpu);
  out << fmt::format("  model TFLOP/s/GPU  {:.1f}   MFU {:.1f}%   (hardware {:.1f} TFLOP/s/GPU)\n",
                     r.model_tflops_per_gpu, 100 * r.mfu, r.hardware_tflops_per_gpu);
  out << fmt::format(
      "  memory per GPU     {:.1f} GiB of {:.1f} GiB: {}  (weights {:.1f}, grads {:.1f}, optimizer "
      "{:.1f}, activations {:.1f}, logits {:.1f}, buffers {:.1f}, runtime {:.1f})\n",
      r.memory_gib_per_gpu, s.gpu.memory_bytes / (1 << 30), r.fits_in_memory ? "fits" : "DOES NOT FIT",
      r.memory.weights / (1 << 30), r.memory.gradients / (1 << 30), r.memory.optimizer / (1 << 30),
      r.memory.activations / (1 << 30), r.memory.logits / (1 << 30), r.memory.buffers / (1 << 30),
      r.memory.runtime / (1 << 30));
  if (r.time_to_train_s > 0) {
    out << fmt::format("  time to train      {:.1f} days for {:.3g} tokens\n", r.time_to_train_s / 86400,
                       s.train.tokens);
  }
  const auto& b = r.breakdown;
  out << fmt::format("\n  where the step goes (pipeline stage {}):\n", r.critical_stage);
  std::pair<const char*, double> parts[] = {{"compute", b.compute_s},
                                            {"TP comm (exposed)", b.tp_comm_exposed_s},
                                            {"CP comm (exposed)", b.cp_comm_exposed_s},
                                            {"EP comm (exposed)", b.ep_comm_exposed_s},
                                            {"PP bubble", b.pp_bubble_s},
                                            {"PP comm (exposed)", b.pp_comm_exposed_s},
                                            {"DP comm (exposed)", b.dp_comm_exposed_s},
                                            {"optimizer", b.optimizer_s}};
  for (const auto& [name, v] : parts) {
    out << fmt::format("    {:<18} {:>10} {:>6.1f}%  {}\n", name, FormatQuantity(v, Dimension::kTime),
                       100 * v / r.step_time_s, Bar(v, r.step_time_s, 40));
  }
  out << "  why: " << LargestLoss(s, r).sentence << "\n";
  if (!r.traffic.empty()) {
    out << "\n  scale-out traffic (flow model, every group at once):\n";
    out << fmt::format("    {:<4} {:<11} {:>8} {:>10} {:>8}  {}\n", "kind", "pattern", "groups", "flows", "factor",
                       "bottleneck of the slowest GPU");
    for (const auto& t : r.traffic) {
      out << fmt::format("    {:<4} {:<11} {:>8} {:>10} {:>7.0f}%  {}\n", t.kind, t.pattern, t.groups, t.fabric_flows,
                         100 * t.factor,
                         t.factor < 0.999 ? fmt::format("GPU {}: {} ({:.0f}% utilised)", t.slowest_gpu, t.bottleneck,
                                                        100 * t.bottleneck_utilisation)
                                          : std::string("-"));
    }
  }
  for (const auto& n : r.notes) out << "  note: " << n << "\n";
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

// The `step` table: every figure the text and JSON show, one row. Each column
// is declared beside its value, so the two cannot drift apart. Columns only
// ever get appended (readers go by name).
Table ResultTable(const Scenario& s, const SimResult& r, const PredictionBand& band,
                  std::optional<double> healthy_step_s) {
  const double kNaN = std::numeric_limits<double>::quiet_NaN();
  const auto& b = r.breakdown;
  const auto& m = r.memory;
  auto flag = [](bool v) { return int64_t{v ? 1 : 0}; };
  std::string notes;
  for (const auto& n : r.notes) notes += (notes.empty() ? "" : "\n") + n;
  const StepLoss loss = LargestLoss(s, r);
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

// What stragglers or link faults cost against the `healthy` step, and where
// they act: the replica and stage that set the step, the traffic a link
// fault holds back, the straggler on that replica.
void PrintHeterogeneity(std::ostream& out, const Scenario& s, const SimResult& r, const SimOptions& so,
                        double healthy) {
  const int64_t first = r.critical_first_rank, last = first + r.critical_ranks - 1;
  out << fmt::format("\n  heterogeneity costs {} per step ({:+.2f}%; healthy {})\n",
                     FormatQuantity(r.step_time_s - healthy, Dimension::kTime),
                     100 * (r.step_time_s - healthy) / healthy, FormatQuantity(healthy, Dimension::kTime));
  if (so.full) {
    out << fmt::format("  the step is set by replica {} stage {} (ranks {}..{}, nodes {}..{})\n", r.critical_replica,
                       r.critical_stage, first, last, first / s.cluster.gpus_per_node, last / s.cluster.gpus_per_node);
  }
  // Link faults act on every replica alike: what they slow is in the
  // traffic table; name it here too.
  for (const auto& t : r.traffic) {
    if (!so.link_faults.empty() && t.factor < 0.999) {
      out << fmt::format("  {} traffic: GPU {} (node {}) held back by {}\n", t.kind, t.slowest_gpu,
                         t.slowest_gpu / s.cluster.gpus_per_node, t.bottleneck);
    }
  }
  for (const auto& g : so.stragglers) {
    if (g.replica != r.critical_replica) continue;
    const int64_t a = RankOf(s.par, 0, 0, g.replica, g.stage);
    out << fmt::format("  on that replica: stage {} (ranks {}..{}) runs {:.0f}% slower\n", g.stage, a,
                       a + s.par.tp * s.par.cp - 1, 100 * g.slowdown);
  }
}

nlohmann::json HeterogeneityJson(const SimResult& r, double healthy, const StepFlags& flags) {
  return {{"healthy_step_time_s", healthy},
          {"cost_s", r.step_time_s - healthy},
          {"cost_fraction", (r.step_time_s - healthy) / healthy},
          {"stragglers", flags.stragglers},
          {"degraded_links", flags.degraded_links},
          {"failed_links", flags.failed_links}};
}

}  // namespace cb::sim
