// The measurement harness: it owns timing; a benchmark supplies only the
// operation. Host operations are timed with the monotonic clock.
//
// Procedure: `warmup` untimed calls, then timed calls until either at least
// `min_reps` samples have a relative spread under `target_spread`, or the time
// budget is spent. The budget counts from the first warm-up call and bounds
// the whole measurement: a call too slow for the procedure to fit gets one
// warm-up call and then as many timed calls as the budget holds (at least one,
// so at least two calls in all), fewer than `min_reps`, said in
// `budget_limited`. With `min_reps_over_budget` (`--min-reps` given), every
// warm-up call and `min_reps` timed calls are made whatever the budget.
// Relative spread is the interquartile range over the median, robust to the
// occasional preempted sample on a shared machine; max and min are reported
// as well. Stops early, keeping its samples, when interrupted.
//
// Self-test injections (`validate --inject`) have one seam each:
//  - throttle: applied by the harness, never by a benchmark. The sampling loop
//    every host-timed measurement goes through (MeasureSampled, so MeasureHost
//    too) sleeps after each sample inside it; the GPU device timer
//    (kernels/cuda/device_timer.h), whose samples are device-event times a host
//    sleep would not enter, appends a GPU sleep instead. Either way the
//    Measurement says so (`throttle`), and validate fails a unit whose
//    measurement does not (acceptance/inject.h IgnoredInjection).
//  - corrupt_output: only the benchmark knows which element its check reads
//    and where the output lives (a host vector, device memory, an accumulator
//    inside a kernel), so it perturbs one before its check; validate fails a
//    unit measured with it whose check saw no wrong element, so a benchmark
//    that forgets it is caught, never silently passed.
#ifndef CLUSTERBENCH_KERNELS_HARNESS_H_
#define CLUSTERBENCH_KERNELS_HARNESS_H_

#include <functional>
#include <vector>

#include "core/stats.h"

namespace cb {

struct MeasureOptions {
  double time_budget_s = 1.0;
  double target_spread = 0.005;
  int warmup = 2;
  int min_reps = 5;
  int max_reps = 100000;
  bool min_reps_over_budget = false;  // min_reps timed calls even past the budget
  // Self-test injections (`validate --inject`), off by default.
  // throttle in [0, 1): every call is followed, inside its sample, by a
  // sleep of throttle / (1 - throttle) times its own duration, so the
  // measured throughput really drops to (1 - throttle) of what the operation
  // delivers. Applied by the harness (above); a benchmark only passes it on.
  double throttle = 0;
  // The benchmark perturbs one element of its output after timing and
  // before its check, so the check must report it wrong (above).
  bool corrupt_output = false;
};

struct Measurement {
  std::vector<double> samples_s;
  Summary summary;
  double iqr_spread = 0;
  bool converged = false;       // reached target_spread
  bool budget_limited = false;  // fewer than min_reps timed calls: one call is slow for the budget
  bool interrupted = false;     // SIGINT/SIGTERM arrived
  // The throttle (self-test) the harness put into these samples; 0: none.
  // Set by the harness only, so a measurement made outside it says 0.
  double throttle = 0;
};

double RelativeIqr(const std::vector<double>& samples);

Measurement MeasureHost(const std::function<void()>& op, const MeasureOptions& options);

}  // namespace cb

#endif  // CLUSTERBENCH_KERNELS_HARNESS_H_
