// The harness's stopping rule for operations that time themselves (a GPU
// operation timed with device events, a copy timed by the host around a
// synchronous call): `sample()` runs the operation once and returns its
// duration in seconds. The same procedure as MeasureHost (kernels/harness.h):
// `warmup` untimed samples, then samples until at least `min_reps` have a
// relative interquartile spread under `target_spread`, or the time budget (a
// monotonic host clock, counted from the first warm-up sample, so a slow call
// gets fewer warm-ups and fewer than `min_reps` samples) is spent, or
// `max_reps` is reached; stops early, keeping its samples, when interrupted.
// The throttle self-test (MeasureOptions::throttle in (0, 1)) is applied here,
// the one place for every host-timed sample: after each sample (warm-up
// included) the host sleeps throttle / (1 - throttle) times the sample, and
// the sample becomes the sample plus that sleep as the monotonic clock
// measured it (a sleep only ever lasts longer than asked); the Measurement's
// `throttle` says it was applied. A caller whose samples the host does not
// time (the GPU device timer) applies it itself and passes throttle 0.
#ifndef CLUSTERBENCH_KERNELS_SAMPLE_LOOP_H_
#define CLUSTERBENCH_KERNELS_SAMPLE_LOOP_H_

#include <functional>

#include "kernels/harness.h"

namespace cb {

Measurement MeasureSampled(const std::function<double()>& sample, const MeasureOptions& options);

}  // namespace cb

#endif  // CLUSTERBENCH_KERNELS_SAMPLE_LOOP_H_
