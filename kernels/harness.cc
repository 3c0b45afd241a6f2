#include "kernels/harness.h"

#include <chrono>
#include <thread>

#include "core/interrupt.h"

namespace cb {

double RelativeIqr(const std::vector<double>& samples) {
  double med = Median(samples);
  if (med == 0) return 0;
  return (Quantile(samples, 0.75) - Quantile(samples, 0.25)) / med;
}

Measurement MeasureHost(const std::function<void()>& op, const MeasureOptions& options) {
  using Clock = std::chrono::steady_clock;
  Measurement m;
  auto start = Clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - start).count(); };
  for (int i = 0; i < options.warmup && !Interrupted(); ++i) op();
  while (static_cast<int>(m.samples_s.size()) < options.max_reps) {
    if (Interrupted()) {
      m.interrupted = true;
      break;
    }
    auto t0 = Clock::now();
    op();
    if (options.throttle > 0) {
      const double took = std::chrono::duration<double>(Clock::now() - t0).count();
      std::this_thread::sleep_for(std::chrono::duration<double>(took * options.throttle / (1 - options.throttle)));
    }
    m.samples_s.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
    if (static_cast<int>(m.samples_s.size()) >= options.min_reps) {
      m.iqr_spread = RelativeIqr(m.samples_s);
      if (m.iqr_spread < options.target_spread) {
        m.converged = true;
        break;
      }
      if (elapsed() > options.time_budget_s) break;
    }
  }
  m.iqr_spread = RelativeIqr(m.samples_s);
  m.summary = Summarize(m.samples_s);
  return m;
}

}  // namespace cb
