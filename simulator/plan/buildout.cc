#include "simulator/plan/buildout.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "core/error.h"
#include "core/json_text.h"
#include "simulator/plan/explain.h"
#include "simulator/plan/objective.h"

namespace cb::sim {
namespace {

namespace fs = std::filesystem;

// A document named on the command line: a path (made absolute, so the
// scenario text built below resolves it from anywhere) or a shipped name.
std::string DocumentRef(const std::string& name_or_path) {
  const bool path =
      name_or_path.find('/') != std::string::npos || name_or_path.ends_with(".yaml") || name_or_path.ends_with(".yml");
  return path ? fs::absolute(name_or_path).lexically_normal().string() : name_or_path;
}

}  // namespace

// "15T", "1.5e13", "500B" (billion), "2G": a positive token count.
double ParseTokens(const std::string& text) {
  std::string s = text;
  double mult = 1;
  if (!s.empty()) {
    switch (s.back()) {
      case 'K':
      case 'k':
        mult = 1e3;
        break;
      case 'M':
        mult = 1e6;
        break;
      case 'G':
      case 'B':
        mult = 1e9;
        break;
      case 'T':
        mult = 1e12;
        break;
      case 'P':
        mult = 1e15;
        break;
      default:
        break;
    }
    if (mult != 1) s.pop_back();
  }
  size_t used = 0;
  double v = 0;
  try {
    v = std::stod(s, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != s.size() || !std::isfinite(v)) {
    throw UsageError(fmt::format("--tokens '{}': expected a token count such as 15T, 500B or 1.5e13", text));
  }
  if (v * mult <= 0) throw UsageError(fmt::format("--tokens '{}': the token count must be positive", text));
  if (v * mult > 1e16) {
    throw UsageError(
        fmt::format("--tokens '{}': at most 1e16 tokens (10 quadrillion; the largest runs use ~1e13)", text));
  }
  return v * mult;
}

// Job sizes to try, largest first: multiples of the node size of the form
// q·2^a with q odd and at most 63, no larger than the cluster. Power-of-two
// batches and head counts then leave layouts to find (100,000 GPUs → 98,304).
std::vector<int64_t> JobSizes(int64_t cluster_gpus, int64_t gpus_per_node) {
  std::vector<int64_t> sizes;
  for (int64_t q = 1; q <= 63; q += 2) {
    for (int64_t n = q; n <= cluster_gpus; n *= 2) {
      if (n * 2 > cluster_gpus && n % gpus_per_node == 0) sizes.push_back(n);
    }
  }
  std::sort(sizes.rbegin(), sizes.rend());
  sizes.erase(std::unique(sizes.begin(), sizes.end()), sizes.end());
  if (sizes.size() > 3) sizes.resize(3);
  return sizes;
}

Buildout Evaluate(const BuildoutRequest& o, const std::string& cluster_arg, double tokens,
                  const std::vector<BandRow>& bands, const Logger& log) {
  // The base scenario as YAML text, loaded like a file so every key is validated; the
  // planner replaces its (one-GPU) layout.
  const std::string yaml = fmt::format(
      "name: compare\nmodel: {}\ncluster: {}\nparallelism: {{tp: 1, pp: 1, dp: 1}}\n"
      "training: {{seq_len: {}, global_batch: {}, micro_batch: 1, precision: {}, tokens: {}}}\n",
      JsonText(DocumentRef(o.model), -1), JsonText(DocumentRef(cluster_arg), -1), o.seq_len, o.global_batch,
      JsonText(o.precision, -1), tokens);
  ConfigLoader loader;
  const ConfigNode cfg = loader.LoadString("scenario", yaml, "compare " + cluster_arg, o.overrides);
  const Scenario base = ScenarioFromConfig(cfg);
  const ConfigNode& cluster = cfg.at("cluster");

  Buildout b;
  b.name = base.cluster.name;
  b.file = cluster.source_file();
  b.gpu = base.gpu.name;
  b.cluster_gpus = base.cluster.gpus;
  b.gpus_per_node = base.cluster.gpus_per_node;

  PlanSearchOptions so;
  so.objective = o.objective;
  so.top = 1;
  std::vector<int64_t> sizes = o.gpus >= 0 ? std::vector<int64_t>{o.gpus} : JobSizes(b.cluster_gpus, b.gpus_per_node);
  std::vector<std::string> objective_notes;  // of the job size chosen
  if (sizes.empty()) sizes.push_back(b.cluster_gpus);
  for (size_t i = 0; i < sizes.size(); ++i) {
    so.gpus = sizes[i];
    if (so.gpus < 1) throw UsageError(fmt::format("--gpus {}: the GPU count must be at least 1", so.gpus));
    try {
      // Layouts ranked by the objective (plan/objective.h), as `plan` ranks them.
      objective_notes.clear();
      so.objective_value = ObjectiveFunction(o.objective, base, cluster, so.gpus, cfg.where(), &objective_notes);
      log.Info("{}: searching layouts of {} on {} GPUs", b.name, base.model.name, so.gpus);
      PlanSearchResult r = SearchPlans(base, so);
      if (r.plans.empty() || !r.plans.front().result.fits_in_memory) continue;
      b.plan = r.plans.front();
      b.gpus = so.gpus;
      break;
    } catch (const ConfigError&) {
      if (i + 1 == sizes.size()) throw;  // the last size's reason is the user's
    }
  }
  if (b.gpus == 0) throw ConfigError(fmt::format("compare: no layout of {} fits on '{}'", base.model.name, b.name));
  b.notes.insert(b.notes.end(), objective_notes.begin(), objective_notes.end());
  if (const std::string layout = PipelineLayoutNote(base); !layout.empty()) b.notes.push_back(layout);
  if (b.gpus < b.cluster_gpus) {
    b.notes.push_back(
        fmt::format("uses {} of the cluster's {} GPUs (the largest job size with layouts that divide "
                    "the batch and the model)",
                    b.gpus, b.cluster_gpus));
  }
  const SimResult& r = b.plan.result;
  b.ideal_s = tokens / r.tokens_per_s;
  {
    // Why the MFU is what it is: the step's largest loss and the layout behind it.
    Scenario chosen = base;
    chosen.par = b.plan.par;
    chosen.train = b.plan.train;
    b.notes.push_back(LargestLoss(chosen, r).sentence);
  }

  // Goodput: failures stretch the run to T_w.
  try {
    b.goodput = EstimateGoodput(ReliabilityFromConfig(cluster), b.gpus, b.gpus_per_node, base.model, b.ideal_s,
                                base.fw.pure_bf16);
  } catch (const ConfigError& e) {
    if (o.objective == "cost") throw;  // a cost over the wall clock needs the failure rates
    b.notes.push_back(fmt::format("no goodput: {}", e.what()));
  }
  b.gpu_hours = static_cast<double>(b.gpus) * b.effective_s() / 3600;

  // Energy: the training math and the work redone after failures at the step's busy fraction u;
  // checkpoints and restarts with the GPUs waiting (u = 0).
  const PowerSpec power = PowerFromConfig(cluster);
  b.busy_fraction = BusyFraction(r);
  try {
    const double busy_s = b.ideal_s + (b.goodput ? b.goodput->lost_work_s : 0);
    const double idle_s = b.goodput ? b.goodput->checkpoint_total_s + b.goodput->restart_total_s : 0;
    EnergyEstimate run = EstimateEnergy(power, b.gpus, b.gpus_per_node, b.busy_fraction, busy_s);
    const EnergyEstimate wait = EstimateEnergy(power, b.gpus, b.gpus_per_node, 0, idle_s);
    b.gpu_power_w = run.gpu_power_w;
    b.facility_power_w = run.facility_power_w;
    run.energy_j += wait.energy_j;
    run.seconds += wait.seconds;
    b.energy = run;
  } catch (const ConfigError& e) {
    b.notes.push_back(fmt::format("no energy: {}", e.what()));
  }

  // Cost over the wall clock: the GPUs are held through failures too.
  try {
    const PriceSpec price = PriceFromConfig(cluster);
    PowerSpec priced = power;
    if (!b.energy) priced.electricity_usd_per_kwh.reset();
    b.cost = EstimateCost(price, priced, b.gpus, b.effective_s(), b.energy.value_or(EnergyEstimate{}));
    if (!b.energy && power.electricity_usd_per_kwh) b.notes.push_back("cost leaves out electricity (no energy)");
  } catch (const ConfigError& e) {
    if (o.objective == "cost") throw;  // cost was asked for: prices are required
    b.notes.push_back(fmt::format("no cost: {}", e.what()));
  }
  b.simulator_notes = r.notes;
  b.band = BandFor(bands, ClassOf(base, b.plan.par.zero, b.gpus), b.gpus, b.plan.result.step_time_s);
  if (!b.band.validated) b.notes.push_back("outside the validated region: " + b.band.warning);
  return b;
}

size_t BestBuildout(const std::vector<Buildout>& bs, const std::string& objective) {
  // The best buildout by the objective.
  auto key = [&](const Buildout& b) {
    if (objective == "throughput") return -b.plan.result.tokens_per_s;
    if (objective == "cost") return b.cost ? b.cost->total_usd : HUGE_VAL;
    return b.effective_s();
  };
  size_t best = 0;
  for (size_t i = 1; i < bs.size(); ++i) {
    if (key(bs[i]) < key(bs[best])) best = i;
  }
  return best;
}

}  // namespace cb::sim
