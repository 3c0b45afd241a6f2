// A process-wide count of units of local work done, for the progress watchdog.
//
// The watchdog (collectives/mpi/mpi_watchdog.h) ends a job whose ranks all
// beat but none of whose positions (steps, collectives entered) move for
// --timeout: a rank stuck outside the collectives. A rank measuring on its
// own (validate's node-local checks: a GEMM or STREAM loop of a few seconds
// per round, no collective in it) does not move its position either, yet it
// is working, not stuck. So the measurement loop (kernels/sample_loop.h) ticks
// this counter once per call it times, and a rank whose counter moved is
// progressing. Only a single call longer than --timeout looks stuck.
#ifndef CLUSTERBENCH_CORE_WORK_TICKS_H_
#define CLUSTERBENCH_CORE_WORK_TICKS_H_

#include <atomic>
#include <cstdint>

namespace cb {

inline std::atomic<int64_t>& WorkTicks() {
  static std::atomic<int64_t> ticks{0};
  return ticks;
}

// One unit of local work done (a timed or warm-up call).
inline void TickWork() { WorkTicks().fetch_add(1, std::memory_order_relaxed); }

}  // namespace cb

#endif  // CLUSTERBENCH_CORE_WORK_TICKS_H_
