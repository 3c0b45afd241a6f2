// The parallelism search: it finds the brute-force optimum on a small case,
// its closed-form screen agrees with the discrete-event schedule on the plans
// it ranks highest, and for Llama 3 405B on 16,384 H100 it finds a layout at
// least as fast as the published one.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "core/config.h"
#include "core/error.h"
#include "simulator/plan/cost.h"
#include "simulator/plan/explain.h"
#include "simulator/plan/objective.h"
#include "simulator/plan/search.h"
#include "simulator/simulate.h"

namespace cb::sim {
namespace {

ConfigLoader Shipped() { return ConfigLoader({std::string(CB_SOURCE_DIR) + "/configs"}); }

// GPT 22B on 8 A100s: every candidate of the search space that the scenario
// loader itself accepts (same checks, from the YAML), simulated with the full
// discrete-event schedule; the fastest that fits must be the search's #1.
TEST(PlanSearch, FindsTheBruteForceOptimumOnASmallCase) {
  ConfigLoader loader = Shipped();
  Scenario base = ScenarioFromConfig(loader.Load("scenario", "gpt-22b-8"));
  double best = std::numeric_limits<double>::infinity();
  int64_t tried = 0;
  for (int64_t i = 0;; ++i) {
    Plan p;
    try {
      p = PlanAt(base, 8, i);
    } catch (const RuntimeError&) {
      break;
    }
    // The search space's own limits beyond the loader's checks.
    if (base.train.seq_len / p.par.cp < 256 || (p.par.zero > 0 && p.par.dp * p.par.cp == 1)) continue;
    const std::vector<Override> layout = {{"parallelism.tp", std::to_string(p.par.tp)},
                                          {"parallelism.pp", std::to_string(p.par.pp)},
                                          {"parallelism.dp", std::to_string(p.par.dp)},
                                          {"parallelism.cp", std::to_string(p.par.cp)},
                                          {"parallelism.vpp", std::to_string(p.par.vpp)},
                                          {"parallelism.zero", std::to_string(p.par.zero)},
                                          {"training.micro_batch", std::to_string(p.train.micro_batch)},
                                          {"training.recompute", RecomputeName(p.train.recompute)}};
    Scenario s;
    try {
      s = ScenarioFromConfig(loader.Load("scenario", "gpt-22b-8", layout));
    } catch (const ConfigError&) {
      continue;  // the loader rejects it: not a valid layout
    }
    ++tried;
    SimResult r = Simulate(s);
    if (r.fits_in_memory) best = std::min(best, r.step_time_s);
  }
  ASSERT_GT(tried, 50);
  PlanSearchOptions o;
  o.gpus = 8;
  o.top = 3;
  o.threads = 2;
  PlanSearchResult found = SearchPlans(base, o);
  ASSERT_FALSE(found.plans.empty());
  EXPECT_EQ(found.valid, tried);
  EXPECT_DOUBLE_EQ(found.plans[0].result.step_time_s, best);
}

// Llama 3 405B on 16,384 H100 (the published TP8 PP16 DP128 layout in the
// scenario, which does not fit in 80 GB in our memory model as given): the
// search's best fits in memory and is at least as fast as the fastest
// variant of the published layout that fits (any ZeRO stage, recompute and
// virtual stages with TP8 PP16 DP128); each
// of its top plans' closed-form estimate is within 5% of the discrete-event
// step time; threads and shards do not change the answer.
TEST(PlanSearch, Llama405BOn16kAndTheScreensAccuracy) {
  Scenario base = ScenarioFromConfig(Shipped().Load("scenario", "llama3-405b-16k"));
  double published = std::numeric_limits<double>::infinity();
  for (Recompute rc : {Recompute::kNone, Recompute::kSelective, Recompute::kFull}) {
    for (int zero = 0; zero <= 3; ++zero) {
      for (int64_t vpp : {1, 2, 4}) {
        Scenario v = base;
        v.train.recompute = rc;
        v.par.zero = zero;
        v.par.vpp = vpp;
        SimResult r = Simulate(v);
        if (r.fits_in_memory) published = std::min(published, r.step_time_s);
      }
    }
  }
  ASSERT_LT(published, std::numeric_limits<double>::infinity());
  PlanSearchOptions o;
  o.top = 10;
  o.threads = 2;
  PlanSearchResult r = SearchPlans(base, o);
  ASSERT_EQ(r.plans.size(), 10u);
  EXPECT_GT(r.candidates, 10000);
  EXPECT_TRUE(r.plans[0].result.fits_in_memory);
  EXPECT_LE(r.plans[0].result.step_time_s, published);
  for (const Plan& p : r.plans) {
    EXPECT_LT(std::abs(p.estimate_step_s - p.result.step_time_s) / p.result.step_time_s, 0.05)
        << "candidate " << p.index;
    EXPECT_EQ(p.par.tp * p.par.pp * p.par.dp * p.par.cp, 16384);
  }
  // Two shards merged = one process.
  PlanSearchResult merged;
  for (int64_t shard = 0; shard < 2; ++shard) {
    PlanSearchOptions so = o;
    so.shard = shard;
    so.shards = 2;
    so.threads = 1;
    PlanSearchResult part = SearchPlans(base, so);
    merged.candidates += part.candidates;
    merged.valid += part.valid;
    merged.fit += part.fit;
    merged.plans.insert(merged.plans.end(), part.plans.begin(), part.plans.end());
  }
  EXPECT_EQ(merged.candidates, r.candidates);
  PlanSearchResult finished = FinishPlans(base, o, merged);
  ASSERT_EQ(finished.plans.size(), r.plans.size());
  for (size_t i = 0; i < r.plans.size(); ++i) EXPECT_EQ(finished.plans[i].index, r.plans[i].index);
}

// Nothing fits: the error says how many layouts were valid and that none fit.
TEST(PlanSearch, NoPlanFitsSaysWhy) {
  ConfigNode cfg = Shipped().Load("scenario", "llama3-405b-16k",
                                  {{"cluster.gpus", "64"}, {"parallelism.dp", "1"}, {"parallelism.pp", "8"}});
  Scenario s = ScenarioFromConfig(cfg);
  PlanSearchOptions o;
  o.gpus = 64;
  try {
    SearchPlans(s, o);
    FAIL() << "a 405B model fitted on 64 GPUs";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("none fits in"), std::string::npos) << e.what();
  }
  o.gpus = 0;
  o.objective = "speed";
  EXPECT_THROW(SearchPlans(s, o), UsageError);
}

// The objective is one rule (plan/objective.h) for `plan` and `compare`: cost
// ranks the simulated plans by the step's cost from plan/cost.h, time to train
// by the (failure-stretched) time; what it needs and lacks is an error naming
// the key.
// Where a step loses its time, named with the layout behind it (compare's
// note for a low MFU): a deep pipeline with few micro-batches is its bubble,
// with the ideal 1F1B fraction; a compute-bound step says so.
TEST(Explain, NamesTheLargestLossAndItsLayoutCause) {
  Scenario deep = ScenarioFromConfig(Shipped().Load(
      "scenario", "llama3-8b-64",
      {{"parallelism.tp", "1"}, {"parallelism.pp", "8"}, {"parallelism.dp", "8"}, {"training.global_batch", "16"}}));
  const SimResult r = Simulate(deep);
  const StepLoss loss = LargestLoss(deep, r);
  EXPECT_EQ(loss.part, "pipeline bubble");
  EXPECT_NEAR(loss.seconds, r.breakdown.pp_bubble_s, 1e-12);
  EXPECT_NE(loss.sentence.find("PP8 with 2 micro-batches per pipeline"), std::string::npos) << loss.sentence;
  EXPECT_NE(loss.sentence.find("(p-1)/(v*m+p-1) of 78%"), std::string::npos) << loss.sentence;  // 7/9
  Scenario flat = ScenarioFromConfig(Shipped().Load(
      "scenario", "llama3-8b-64", {{"parallelism.tp", "1"}, {"parallelism.pp", "1"}, {"parallelism.dp", "64"}}));
  const StepLoss none = LargestLoss(flat, Simulate(flat));
  EXPECT_EQ(none.part, "none");
  EXPECT_NE(none.sentence.find("compute takes"), std::string::npos) << none.sentence;
}

TEST(PlanObjective, CostRanksByTheStepsCostAndNamesWhatIsMissing) {
  const ConfigLoader loader = Shipped();
  const ConfigNode cfg =
      loader.Load("scenario", "llama3-8b-64", {{"cluster", "b200-50k"}, {"training.precision", "bf16"}});
  const Scenario s = ScenarioFromConfig(cfg);
  std::vector<std::string> notes;
  auto cost = ObjectiveFunction("cost", s, cfg.at("cluster"), 64, cfg.where(), &notes);
  ASSERT_TRUE(cost);
  PlanSearchOptions so;
  so.gpus = 64;
  so.top = 5;
  so.simulate_top = 8;
  so.objective_value = cost;
  const PlanSearchResult r = SearchPlans(s, so);
  ASSERT_GE(r.plans.size(), 2u);
  for (size_t i = 0; i < r.plans.size(); ++i) {
    const SimResult& x = r.plans[i].result;
    const PowerSpec power = PowerFromConfig(cfg.at("cluster"));
    const EnergyEstimate e = EstimateEnergy(power, 64, s.cluster.gpus_per_node, BusyFraction(x), x.step_time_s);
    EXPECT_DOUBLE_EQ(r.plans[i].objective_value,
                     EstimateCost(PriceFromConfig(cfg.at("cluster")), power, 64, x.step_time_s, e).total_usd);
    if (i > 0) {
      EXPECT_LE(r.plans[i - 1].objective_value, r.plans[i].objective_value);
    }
  }
  EXPECT_FALSE(ObjectiveFunction("throughput", s, cfg.at("cluster"), 64, cfg.where(), &notes));
  EXPECT_THROW(ObjectiveFunction("fastest", s, cfg.at("cluster"), 64, cfg.where(), &notes), UsageError);
  // No tokens to train on: time to train cannot be the objective.
  try {
    ObjectiveFunction("time-to-train", s, cfg.at("cluster"), 64, cfg.where(), &notes);
    FAIL() << "accepted without training.tokens";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("training.tokens"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace cb::sim
