// compare's evaluation and ranking without the CLI (simulator/plan/buildout.h):
// token counts, job sizes, one small buildout evaluated end to end, and the
// best buildout by each objective.
#include "simulator/plan/buildout.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "core/error.h"
#include "simulator/validation/error_band.h"

namespace cb::sim {
namespace {

TEST(Buildout, ParsesTokenCounts) {
  EXPECT_DOUBLE_EQ(ParseTokens("15T"), 15e12);
  EXPECT_DOUBLE_EQ(ParseTokens("500B"), 500e9);
  EXPECT_DOUBLE_EQ(ParseTokens("2G"), 2e9);
  EXPECT_DOUBLE_EQ(ParseTokens("1.5e13"), 1.5e13);
  EXPECT_DOUBLE_EQ(ParseTokens("3k"), 3e3);
  EXPECT_THROW(ParseTokens("0"), UsageError);
  EXPECT_THROW(ParseTokens("lots"), UsageError);
  EXPECT_THROW(ParseTokens("15X"), UsageError);
  EXPECT_THROW(ParseTokens("2e16"), UsageError);
  EXPECT_THROW(ParseTokens(""), UsageError);
}

// Multiples of the node of the form q·2^a (q odd, at most 63), more than half
// the cluster, largest first, at most three: 100,000 GPUs -> 98,304 first.
TEST(Buildout, JobSizesAreLargeNodeMultiples) {
  const std::vector<int64_t> sizes = JobSizes(100000, 8);
  ASSERT_FALSE(sizes.empty());
  EXPECT_EQ(sizes.front(), 98304);
  EXPECT_LE(sizes.size(), 3u);
  for (size_t i = 0; i < sizes.size(); ++i) {
    EXPECT_EQ(sizes[i] % 8, 0);
    EXPECT_GT(sizes[i] * 2, 100000);
    EXPECT_LE(sizes[i], 100000);
    if (i > 0) {
      EXPECT_LT(sizes[i], sizes[i - 1]);
    }
  }
  EXPECT_EQ(JobSizes(16384, 8).front(), 16384);
}

// Llama 3 8B on 64 GPUs of the DGX H100 cluster (no prices, no failure
// rates): the best layout fits, the figures tie together, and what is
// missing is said in notes instead of failing.
TEST(Buildout, EvaluatesASmallBuildout) {
  BuildoutRequest o;
  o.model = "llama3-8b";
  o.gpus = 64;
  o.global_batch = 512;
  const double tokens = 1e12;
  const Buildout b = Evaluate(o, "dgx-h100-ndr", tokens, {}, Logger(Verbosity::kQuiet));
  EXPECT_EQ(b.gpus, 64);
  EXPECT_EQ(b.cluster_gpus, 16384);
  EXPECT_EQ(b.gpus_per_node, 8);
  EXPECT_TRUE(b.plan.result.fits_in_memory);
  EXPECT_EQ(b.plan.par.tp * b.plan.par.pp * b.plan.par.dp * b.plan.par.cp, 64);
  EXPECT_DOUBLE_EQ(b.ideal_s, tokens / b.plan.result.tokens_per_s);
  EXPECT_FALSE(b.goodput.has_value());  // no failure rates
  EXPECT_FALSE(b.cost.has_value());     // no prices
  EXPECT_DOUBLE_EQ(b.effective_s(), b.ideal_s);
  EXPECT_DOUBLE_EQ(b.gpu_hours, 64 * b.ideal_s / 3600);
  ASSERT_TRUE(b.energy.has_value());  // the GPU's TDP is known
  EXPECT_GT(b.energy->energy_j, 0);
  EXPECT_GT(b.busy_fraction, 0);
  EXPECT_LE(b.busy_fraction, 1);
  auto said = [&](const std::string& phrase) {
    for (const auto& n : b.notes) {
      if (n.find(phrase) != std::string::npos) return true;
    }
    return false;
  };
  EXPECT_TRUE(said("uses 64 of the cluster's 16384 GPUs"));
  EXPECT_TRUE(said("no goodput"));
  EXPECT_TRUE(said("no cost"));
  EXPECT_TRUE(said("MFU"));  // the largest loss, explained
  // No validation bands given: the step is outside the validated region, and said so.
  EXPECT_FALSE(b.band.validated);
  EXPECT_TRUE(said("outside the validated region"));

  // Cost as the objective needs the prices: an error, not a note.
  o.objective = "cost";
  EXPECT_THROW(Evaluate(o, "dgx-h100-ndr", tokens, {}, Logger(Verbosity::kQuiet)), ConfigError);
  // With a price the cost is GPU-hours times the rate (no electricity price).
  o.overrides = {{"cluster.price.gpu_hour", "2"},
                 {"cluster.reliability.gpu_mtbf", "50000h"},
                 {"cluster.reliability.checkpoint_bandwidth", "1TB/s"}};
  const Buildout priced = Evaluate(o, "dgx-h100-ndr", tokens, {}, Logger(Verbosity::kQuiet));
  ASSERT_TRUE(priced.cost.has_value());
  ASSERT_TRUE(priced.goodput.has_value());
  EXPECT_GT(priced.effective_s(), priced.ideal_s);
  EXPECT_NEAR(priced.cost->gpu_usd, 2 * priced.gpu_hours, 1e-6 * priced.cost->gpu_usd);
}

Buildout Made(const std::string& name, double tokens_per_s, std::optional<double> usd, double effective_s) {
  Buildout b;
  b.name = name;
  b.plan.result.tokens_per_s = tokens_per_s;
  b.ideal_s = effective_s;
  if (usd) {
    b.cost = CostEstimate{};
    b.cost->total_usd = *usd;
  }
  return b;
}

// Each objective picks its own winner: the most tokens per second, the
// cheapest (an unpriced buildout never wins), the shortest effective time.
TEST(Buildout, BestByEachObjective) {
  const std::vector<Buildout> bs = {Made("cheap", 100, 10, 50), Made("fast", 200, 20, 60),
                                    Made("unpriced", 150, std::nullopt, 40)};
  EXPECT_EQ(BestBuildout(bs, "throughput"), 1u);
  EXPECT_EQ(BestBuildout(bs, "cost"), 0u);
  EXPECT_EQ(BestBuildout(bs, "time-to-train"), 2u);
  // Ties go to the first.
  const std::vector<Buildout> tied = {Made("a", 100, 10, 50), Made("b", 100, 10, 50)};
  for (const char* objective : {"throughput", "cost", "time-to-train"}) EXPECT_EQ(BestBuildout(tied, objective), 0u);
  EXPECT_EQ(BestBuildout({Made("only", 1, std::nullopt, 1)}, "cost"), 0u);
}

}  // namespace
}  // namespace cb::sim
