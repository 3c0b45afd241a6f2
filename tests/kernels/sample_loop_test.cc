// Scenario: the harness's stopping rule for self-timed samples, fed a scripted
// sequence of durations so each outcome is known in advance.
#include "kernels/sample_loop.h"

#include <gtest/gtest.h>

#include <thread>

namespace cb {
namespace {

TEST(MeasureSampled, StopsAtMinRepsWhenSamplesAgree) {
  int calls = 0;
  MeasureOptions o;
  o.warmup = 2;
  o.min_reps = 5;
  Measurement m = MeasureSampled(
      [&] {
        ++calls;
        return 1e-3;
      },
      o);
  // 2 warm-up samples are discarded; 5 identical samples: spread 0 < 0.5%.
  EXPECT_EQ(calls, 7);
  EXPECT_EQ(m.samples_s.size(), 5u);
  EXPECT_TRUE(m.converged);
  EXPECT_DOUBLE_EQ(m.summary.median, 1e-3);
  EXPECT_DOUBLE_EQ(m.iqr_spread, 0);
}

TEST(MeasureSampled, WarmupSamplesAreNotKept) {
  int calls = 0;
  MeasureOptions o;
  o.warmup = 3;
  o.min_reps = 3;
  Measurement m = MeasureSampled([&] { return ++calls <= 3 ? 1.0 : 2e-3; }, o);
  EXPECT_DOUBLE_EQ(m.summary.max, 2e-3);
}

TEST(MeasureSampled, NoisySamplesRunUntilTheBudget) {
  // Alternating 1 and 2 ms: interquartile spread ~ 2/3 of the median, never
  // under 0.5%; the loop ends on the 20 ms budget (each sample sleeps 1 ms).
  int calls = 0;
  MeasureOptions o;
  o.warmup = 0;
  o.time_budget_s = 0.02;
  Measurement m = MeasureSampled(
      [&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        return (++calls % 2) ? 1e-3 : 2e-3;
      },
      o);
  EXPECT_FALSE(m.converged);
  EXPECT_GE(m.samples_s.size(), 5u);
  EXPECT_LT(m.samples_s.size(), 200u);
  EXPECT_GT(m.iqr_spread, 0.3);
}

TEST(MeasureSampled, MaxRepsBoundsTheSamples) {
  int calls = 0;
  MeasureOptions o;
  o.warmup = 0;
  o.min_reps = 2;
  o.max_reps = 4;
  o.time_budget_s = 100;
  Measurement m = MeasureSampled([&] { return (++calls % 2) ? 1.0 : 3.0; }, o);
  EXPECT_EQ(m.samples_s.size(), 4u);
}

// Issue 17: one fp64 4096^3 host GEMM took 34 s under a 2 s budget, because 2
// warm-up and 5 timed calls were always made. Now the budget counts from the
// first warm-up call: calls of 30 ms under a 50 ms budget get one warm-up call
// (30 ms + 6 x 30 ms would overrun) and one timed call (another would end at
// 90 ms), said in budget_limited: 2 calls where there were 7.
TEST(MeasureSampled, SlowCallsTakeFewerRepsWithinTheBudget) {
  int calls = 0;
  MeasureOptions o;
  o.warmup = 2;
  o.min_reps = 5;
  o.time_budget_s = 0.05;
  auto slow = [&] {
    ++calls;
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    return 0.03;
  };
  Measurement m = MeasureSampled(slow, o);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(m.samples_s.size(), 1u);
  EXPECT_TRUE(m.budget_limited);
  EXPECT_FALSE(m.converged);
  // --min-reps given: every warm-up and min_reps timed calls, whatever the budget.
  calls = 0;
  o.min_reps_over_budget = true;
  m = MeasureSampled(slow, o);
  EXPECT_EQ(calls, 7);
  EXPECT_EQ(m.samples_s.size(), 5u);
  EXPECT_FALSE(m.budget_limited);
}

// Calls of 10 ms under a 200 ms budget: the whole procedure fits (2 warm-ups
// and 5 agreeing samples, 70 ms), nothing is cut.
TEST(MeasureSampled, CallsThatFitTheBudgetKeepTheFullProcedure) {
  int calls = 0;
  MeasureOptions o;
  o.warmup = 2;
  o.min_reps = 5;
  o.time_budget_s = 0.2;
  Measurement m = MeasureSampled(
      [&] {
        ++calls;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        return 0.01;
      },
      o);
  EXPECT_EQ(calls, 7);
  EXPECT_TRUE(m.converged);
  EXPECT_FALSE(m.budget_limited);
}

}  // namespace
}  // namespace cb
