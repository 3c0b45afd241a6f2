#include "kernels/harness.h"

#include <chrono>

#include "kernels/sample_loop.h"

namespace cb {

double RelativeIqr(const std::vector<double>& samples) {
  double med = Median(samples);
  if (med == 0) return 0;
  return (Quantile(samples, 0.75) - Quantile(samples, 0.25)) / med;
}

// The sampling loop is MeasureSampled's (kernels/sample_loop.h), which also
// applies the throttle (self-test); a host sample is the monotonic time of
// one call.
Measurement MeasureHost(const std::function<void()>& op, const MeasureOptions& options) {
  using Clock = std::chrono::steady_clock;
  return MeasureSampled(
      [&] {
        const auto t0 = Clock::now();
        op();
        return std::chrono::duration<double>(Clock::now() - t0).count();
      },
      options);
}

}  // namespace cb
