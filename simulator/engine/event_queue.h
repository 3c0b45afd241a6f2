// Discrete-event core: integer simulated time and a deterministic queue.
//
// Time is an int64 count of nanoseconds (SimTime): 2^63 ns is 292 years, and
// 1 ns is far below any modelled duration (kernel launches are microseconds).
// Events are ordered by (time, priority, sequence number): equal times break
// by priority (lower first), then by insertion order, so a run is reproducible
// bit for bit. No global state: each simulation owns its queue (cf. sst-core
// activity ordering; ns-3's singleton simulator is the thing avoided).
#ifndef CLUSTERBENCH_SIMULATOR_ENGINE_EVENT_QUEUE_H_
#define CLUSTERBENCH_SIMULATOR_ENGINE_EVENT_QUEUE_H_

#include <cmath>
#include <cstdint>
#include <functional>
#include <queue>
#include <vector>

namespace cb::sim {

using SimTime = int64_t;  // nanoseconds
inline constexpr SimTime kNanosecond = 1;
inline constexpr double kSecondsPerTick = 1e-9;

// Durations come from the cost models; a non-finite or absurd one (over 292
// years) is a modelling error, never silently wrapped.
SimTime FromSeconds(double s);
inline double ToSeconds(SimTime t) { return static_cast<double>(t) * kSecondsPerTick; }

class EventQueue {
 public:
  using Handler = std::function<void()>;

  // Schedules `fn` at absolute time `at` (>= now()).
  void At(SimTime at, Handler fn, int priority = 0);
  void After(SimTime delay, Handler fn, int priority = 0) { At(now_ + delay, std::move(fn), priority); }
  // Runs until no event is left; returns the time of the last event.
  SimTime Run();

  SimTime now() const { return now_; }
  uint64_t events_processed() const { return processed_; }

 private:
  struct Event {
    SimTime time;
    int priority;
    uint64_t seq;
    Handler fn;
  };
  struct Later {
    bool operator()(const Event& a, const Event& b) const {
      if (a.time != b.time) return a.time > b.time;
      if (a.priority != b.priority) return a.priority > b.priority;
      return a.seq > b.seq;
    }
  };
  std::priority_queue<Event, std::vector<Event>, Later> queue_;
  SimTime now_ = 0;
  uint64_t seq_ = 0;
  uint64_t processed_ = 0;
};

}  // namespace cb::sim

#endif  // CLUSTERBENCH_SIMULATOR_ENGINE_EVENT_QUEUE_H_
