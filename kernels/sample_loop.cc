#include "kernels/sample_loop.h"

#include <chrono>

#include "core/interrupt.h"

namespace cb {

Measurement MeasureSampled(const std::function<double()>& sample, const MeasureOptions& options) {
  using Clock = std::chrono::steady_clock;
  Measurement m;
  for (int i = 0; i < options.warmup && !Interrupted(); ++i) sample();
  const auto start = Clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - start).count(); };
  while (static_cast<int>(m.samples_s.size()) < options.max_reps) {
    if (Interrupted()) {
      m.interrupted = true;
      break;
    }
    m.samples_s.push_back(sample());
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
