#include "simulator/engine/event_queue.h"

#include "core/error.h"

namespace cb::sim {

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
