#include "kernels/harness.h"

#include <chrono>
#include <thread>

#include "kernels/sample_loop.h"

namespace cb {

double RelativeIqr(const std::vector<double>& samples) {
  double med = Median(samples);
  if (med == 0) return 0;
  return (Quantile(samples, 0.75) - Quantile(samples, 0.25)) / med;
}

// The sampling loop is MeasureSampled's (kernels/sample_loop.h); a host
// sample is the monotonic time of one call, a throttled one (self-test) made
// slower by sleeping throttle/(1 - throttle) of the call inside the sample.
Measurement MeasureHost(const std::function<void()>& op, const MeasureOptions& options) {
  using Clock = std::chrono::steady_clock;
  return MeasureSampled(
      [&] {
        const auto t0 = Clock::now();
        op();
        if (options.throttle > 0) {
          const double took = std::chrono::duration<double>(Clock::now() - t0).count();
          std::this_thread::sleep_for(std::chrono::duration<double>(took * options.throttle / (1 - options.throttle)));
        }
        return std::chrono::duration<double>(Clock::now() - t0).count();
      },
      options);
}

}  // namespace cb
