// Scenario: the harness's stopping rule for self-timed samples, fed a scripted
// sequence of durations so each outcome is known in advance; and its throttle
// self-test (MeasureSampled and MeasureHost apply it, no benchmark does).
#include "kernels/sample_loop.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "core/work_ticks.h"

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

// The throttle self-test (validate --inject slow) is the harness's, for every
// sample: a self-timed sample of 1 ms under throttle 0.75 is followed by a
// sleep of 0.75 / 0.25 = 3 x 1 ms inside it, so each sample is at least 4 ms
// (a sleep only ever lasts longer: lower bounds only), and the Measurement
// says it was throttled. Unthrottled, the samples are the operation's own.
TEST(MeasureSampled, ThrottleSleepsInsideEverySampleAndSaysSo) {
  MeasureOptions o;
  o.warmup = 1;
  o.min_reps = 5;
  o.max_reps = 5;
  o.throttle = 0.75;
  Measurement m = MeasureSampled([] { return 1e-3; }, o);
  ASSERT_EQ(m.samples_s.size(), 5u);
  for (double s : m.samples_s) EXPECT_GE(s, 4e-3 * (1 - 1e-9));
  EXPECT_EQ(m.throttle, 0.75);
  o.throttle = 0;
  m = MeasureSampled([] { return 1e-3; }, o);
  for (double s : m.samples_s) EXPECT_EQ(s, 1e-3);
  EXPECT_EQ(m.throttle, 0);
}

// Every call the loop makes, warm-up included, is local work for the progress watchdog (core/work_ticks.h): a
// rank measuring alone for longer than --timeout is not taken for stuck.
TEST(MeasureSampled, EveryCallCountsAsWork) {
  MeasureOptions o;
  o.warmup = 2;
  o.min_reps = 5;
  o.max_reps = 5;
  const int64_t before = WorkTicks().load();
  const Measurement m = MeasureSampled([] { return 1e-6; }, o);
  EXPECT_EQ(m.samples_s.size(), 5u);
  EXPECT_EQ(WorkTicks().load() - before, 7);
}

// A host benchmark measured through MeasureHost is throttled without a line
// of its own: an operation of at least 2 ms under throttle 0.5 sleeps at least
// as long again inside each sample, so every sample is at least 4 ms.
TEST(MeasureHost, AThrottledOperationTakesAtLeastItsShareLonger) {
  MeasureOptions o;
  o.warmup = 1;
  o.min_reps = 4;
  o.max_reps = 4;
  o.throttle = 0.5;
  int calls = 0;
  Measurement m = MeasureHost(
      [&] {
        ++calls;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      },
      o);
  EXPECT_EQ(calls, 5);
  ASSERT_EQ(m.samples_s.size(), 4u);
  for (double s : m.samples_s) EXPECT_GE(s, 4e-3);
  EXPECT_EQ(m.throttle, 0.5);
}

}  // namespace
}  // namespace cb
