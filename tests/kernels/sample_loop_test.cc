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

}  // namespace
}  // namespace cb
