#include "simulator/engine/event_queue.h"

#include <fmt/format.h>
#include <cmath>

#include "core/error.h"

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
    ++processed_;
    e.fn();
  }
  return now_;
}

}  // namespace cb::sim
