#include "kernels/sample_loop.h"

#include <chrono>
#include <thread>

#include "core/interrupt.h"
#include "core/work_ticks.h"

namespace cb {

namespace {

// One sample, throttled (self-test) when `throttle` is in (0, 1): the host
// sleeps throttle / (1 - throttle) of the sample and the sample includes the
// sleep as measured.
double Throttled(const std::function<double()>& sample, double throttle) {
  using Clock = std::chrono::steady_clock;
  const double s = sample();
  if (!(throttle > 0 && throttle < 1)) return s;
  const auto t0 = Clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(s * throttle / (1 - throttle)));
  return s + std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace

Measurement MeasureSampled(const std::function<double()>& raw_sample, const MeasureOptions& options) {
  using Clock = std::chrono::steady_clock;
  Measurement m;
  if (options.throttle > 0 && options.throttle < 1) m.throttle = options.throttle;
  auto sample = [&] {
    const double t = Throttled(raw_sample, options.throttle);
    TickWork();  // working, not stuck, for the progress watchdog (core/work_ticks.h)
    return t;
  };
  const auto start = Clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - start).count(); };
  const bool bounded = !options.min_reps_over_budget;
  // The wall time of one call, for the budget (a GPU sample's own figure may
  // leave out the launch and the synchronisation).
  double call_s = 0;
  for (int i = 0; i < options.warmup && !Interrupted(); ++i) {
    const double before = elapsed();
    sample();
    call_s = elapsed() - before;
    // More warm-up only while the rest, at min_reps calls, still fits.
    if (bounded && elapsed() + call_s * (1 + options.min_reps) > options.time_budget_s) break;
  }
  const double timed_from = elapsed();
  while (static_cast<int>(m.samples_s.size()) < options.max_reps) {
    if (Interrupted()) {
      m.interrupted = true;
      break;
    }
    const double before = elapsed();
    m.samples_s.push_back(sample());
    call_s = elapsed() - before;
    const int n = static_cast<int>(m.samples_s.size());
    if (n >= options.min_reps) {
      m.iqr_spread = RelativeIqr(m.samples_s);
      if (m.iqr_spread < options.target_spread) {
        m.converged = true;
        break;
      }
      if ((bounded ? elapsed() : elapsed() - timed_from) > options.time_budget_s) break;
    } else if (bounded && elapsed() + call_s > options.time_budget_s) {
      m.budget_limited = true;  // another call would overrun the budget
      break;
    }
  }
  m.iqr_spread = RelativeIqr(m.samples_s);
  m.summary = Summarize(m.samples_s);
  return m;
}

}  // namespace cb
