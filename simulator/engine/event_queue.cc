#include "simulator/engine/event_queue.h"

#include <fmt/format.h>
#include <cmath>

#include "core/error.h"
#include "core/interrupt.h"

namespace cb::sim {

SimTime FromSeconds(double s) {
  if (!std::isfinite(s) || s < 0 || s > 9.2e9) {
    throw RuntimeError(
        fmt::format("simulator: a duration of {} s cannot be simulated (a cost model produced it; "
                    "check bandwidths and counts in the scenario)",
                    s));
  }
  return static_cast<SimTime>(std::llround(s * 1e9));
}

void EventQueue::At(SimTime at, Handler fn, int priority) {
  if (at < now_) throw RuntimeError("simulator: event scheduled in the past");
  queue_.push(Event{at, priority, seq_++, std::move(fn)});
}

SimTime EventQueue::Run() {
  while (!queue_.empty()) {
    // Copy out before popping: the handler may schedule more events.
    Event e = queue_.top();
    queue_.pop();
    now_ = e.time;
    // SIGINT/SIGTERM end a long schedule (millions of events) at once: every
    // 4096 events costs one atomic load.
    if ((++processed_ & 0xFFF) == 0) ThrowIfInterrupted();
    e.fn();
  }
  return now_;
}

}  // namespace cb::sim
