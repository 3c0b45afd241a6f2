// Micro-benchmarks of the simulator: the event queue alone, and whole-step
// simulations of two published layouts, in symmetric mode (one pipeline)
// and full mode (every data-parallel replica). The speed targets (one core) are
// printed in the benchmark context; they are a comparison, not an assertion:
//   Llama 3 405B on 16,384 GPUs  < 0.5 s per Simulate
//   GPT-3 175B on 1,024 GPUs     < 0.2 s per Simulate
// BM_PriorityQueueBaseline runs the same (time, sequence) ordering on a bare
// std::priority_queue in the same run, so BM_EventQueue reads as a ratio.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <functional>
#include <queue>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "core/config.h"
#include "simulator/engine/event_queue.h"
#include "simulator/network/maxmin.h"
#include "simulator/plan/search.h"
#include "simulator/simulate.h"

namespace {

[[maybe_unused]] const bool kTargets = [] {
  benchmark::AddCustomContext("target BM_SimulateLlama405B16k*", "< 0.5 s per iteration on one core");
  benchmark::AddCustomContext("target BM_SimulateGpt3_175B_1024*", "< 0.2 s per iteration on one core");
  return true;
}();

// Event times drawn once, uniformly over one simulated second, fixed seed.
std::vector<cb::sim::SimTime> RandomTimes(int64_t n) {
  std::mt19937_64 rng(20240601);
  std::uniform_int_distribution<cb::sim::SimTime> dist(0, 1'000'000'000);
  std::vector<cb::sim::SimTime> times(static_cast<size_t>(n));
  for (auto& t : times) t = dist(rng);
  return times;
}

void BM_EventQueue(benchmark::State& state) {
  const std::vector<cb::sim::SimTime> times = RandomTimes(state.range(0));
  uint64_t fired = 0;
  for (auto _ : state) {
    cb::sim::EventQueue q;
    for (cb::sim::SimTime t : times) q.At(t, [&fired] { ++fired; });
    benchmark::DoNotOptimize(q.Run());
  }
  benchmark::DoNotOptimize(fired);
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_EventQueue)->Arg(10'000)->Arg(100'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond);

// Baseline: the same ordering key (time, sequence) in a std::priority_queue
// of plain structs, no handlers. The gap to BM_EventQueue is the cost of
// std::function and the larger element.
void BM_PriorityQueueBaseline(benchmark::State& state) {
  const std::vector<cb::sim::SimTime> times = RandomTimes(state.range(0));
  using Item = std::pair<cb::sim::SimTime, uint64_t>;
  for (auto _ : state) {
    std::priority_queue<Item, std::vector<Item>, std::greater<>> q;
    uint64_t seq = 0;
    for (cb::sim::SimTime t : times) q.push({t, seq++});
    cb::sim::SimTime last = 0;
    while (!q.empty()) {
      last = q.top().first;
      q.pop();
    }
    benchmark::DoNotOptimize(last);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_PriorityQueueBaseline)->Arg(10'000)->Arg(100'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond);

cb::ConfigLoader ShippedConfigs() { return cb::ConfigLoader({std::string(CB_SOURCE_DIR) + "/configs"}); }

// Times Simulate alone: loading and validating the scenario happen once.
// `full`: every data-parallel replica's pipeline (SimOptions::full).
void RunSimulate(benchmark::State& state, const cb::sim::Scenario& scenario, bool full) {
  cb::sim::SimOptions options;
  options.full = full;
  uint64_t events = 0, total_events = 0;
  double step_time = 0;
  for (auto _ : state) {
    cb::sim::SimResult r = cb::sim::Simulate(scenario, options);
    events = r.events;
    total_events += r.events;
    step_time = r.step_time_s;
    benchmark::DoNotOptimize(r);
  }
  state.counters["events"] = benchmark::Counter(static_cast<double>(events));
  state.counters["events_per_second"] =
      benchmark::Counter(static_cast<double>(total_events), benchmark::Counter::kIsRate);
  state.counters["simulated_step_s"] = benchmark::Counter(step_time);
}

cb::sim::Scenario Llama405B16k() {
  return cb::sim::ScenarioFromConfig(ShippedConfigs().Load("scenario", "llama3-405b-16k"));
}

cb::sim::Scenario Gpt3_175B_1024() {
  const std::string yaml = R"(name: gpt3-175b-1024-bench
model: gpt3-175b
cluster: dgx-a100-hdr
parallelism: {tp: 8, pp: 8, dp: 16}
training:
  seq_len: 2048
  global_batch: 1536
  micro_batch: 1
  recompute: full
  precision: bf16
)";
  return cb::sim::ScenarioFromConfig(ShippedConfigs().LoadString("scenario", yaml, "BM_SimulateGpt3_175B_1024"));
}

// Symmetric mode (the default): one pipeline stands for every replica.
void BM_SimulateLlama405B16k(benchmark::State& state) { RunSimulate(state, Llama405B16k(), false); }
BENCHMARK(BM_SimulateLlama405B16k)->Unit(benchmark::kMillisecond);

void BM_SimulateGpt3_175B_1024(benchmark::State& state) { RunSimulate(state, Gpt3_175B_1024(), false); }
BENCHMARK(BM_SimulateGpt3_175B_1024)->Unit(benchmark::kMillisecond);

// Full mode: all dp pipelines (128 and 16), the closer match to the targets.
void BM_SimulateLlama405B16kFull(benchmark::State& state) { RunSimulate(state, Llama405B16k(), true); }
BENCHMARK(BM_SimulateLlama405B16kFull)->Unit(benchmark::kMillisecond);

void BM_SimulateGpt3_175B_1024Full(benchmark::State& state) { RunSimulate(state, Gpt3_175B_1024(), true); }
BENCHMARK(BM_SimulateGpt3_175B_1024Full)->Unit(benchmark::kMillisecond);

}  // namespace

namespace {

// The max-min fair solver at the size issue 6 names: 1e5 flows over 1e5
// links, each flow crossing 4 random links (a 3-tier fat tree's up-down path
// has 4 to 6 links). Reported with flows per second.
void BM_MaxMinSolver(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  std::mt19937 rng(42);
  cb::sim::MaxMinSolver solver;
  for (int l = 0; l < n; ++l) solver.AddLink(50e9 * (1 + static_cast<double>(rng() % 4)));
  for (int f = 0; f < n; ++f) {
    std::vector<int> route;
    for (int k = 0; k < 4; ++k) route.push_back(static_cast<int>(rng() % static_cast<unsigned>(n)));
    solver.AddFlow(route);
  }
  for (auto _ : state) benchmark::DoNotOptimize(solver.Solve().data());
  state.counters["flows"] = n;
  state.counters["flows_per_s"] =
      benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_MaxMinSolver)->Arg(1000)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond);

}  // namespace

namespace {

// The planner's screen against its baseline, in the same run: the first 2,000
// valid layouts of DeepSeek-V3 on 2,048 GPUs (a 257,472-candidate space),
// each costed with the closed-form pipeline (what `plan` screens with) and
// with the discrete-event schedule (what it would cost to simulate every
// candidate). Read the two per-candidate times as a ratio.
std::vector<cb::sim::Scenario> PlanCandidates() {
  cb::sim::Scenario base = cb::sim::ScenarioFromConfig(ShippedConfigs().Load("scenario", "deepseek-v3-2048"));
  std::vector<cb::sim::Scenario> out;
  for (int64_t i = 0; out.size() < 2000; ++i) {
    cb::sim::Plan p = cb::sim::PlanAt(base, 2048, i);
    cb::sim::Scenario s = base;
    s.par = p.par;
    s.train = p.train;
    const int64_t mbs = s.train.global_batch / (s.par.dp * s.train.micro_batch);
    if (s.train.global_batch % (s.par.dp * s.train.micro_batch) != 0 || s.model.layers < s.par.pp * s.par.vpp ||
        (s.par.vpp > 1 && mbs % s.par.pp != 0) || s.model.moe->experts % s.par.ep != 0 ||
        (s.par.dp * s.par.cp) % s.par.ep != 0) {
      continue;
    }
    out.push_back(s);
  }
  return out;
}

void RunCandidates(benchmark::State& state, bool estimate) {
  static const std::vector<cb::sim::Scenario> kCandidates = PlanCandidates();
  cb::sim::SimOptions options;
  options.estimate = estimate;
  for (auto _ : state) {
    for (const auto& s : kCandidates) benchmark::DoNotOptimize(cb::sim::Simulate(s, options));
  }
  state.counters["candidates_per_second"] = benchmark::Counter(
      static_cast<double>(kCandidates.size()) * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_PlanScreenEstimate(benchmark::State& state) { RunCandidates(state, true); }
BENCHMARK(BM_PlanScreenEstimate)->Unit(benchmark::kMillisecond);
void BM_PlanScreenDiscreteEventBaseline(benchmark::State& state) { RunCandidates(state, false); }
BENCHMARK(BM_PlanScreenDiscreteEventBaseline)->Unit(benchmark::kMillisecond);

}  // namespace
