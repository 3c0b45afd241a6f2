// Progress watchdog of an MPI job (issue 15): a helper thread on every rank
// that keeps beating while the main thread is blocked in a collective, so a
// rank that stops (SIGSTOP, a frozen host, a preempted VM) is noticed by the
// others even though every live rank is stuck inside the same MPI call.
//
// Protocol, over TCP links of its own (beat_links.h), so that MPI stays at
// MPI_THREAD_SINGLE and the timed loops cost what a bare loop costs; the
// helper thread never calls MPI (except MPI_Abort to end the job):
//   every rank != 0 sends its progress count to rank 0 every period P;
//   rank 0 sends a beat to every other rank every P;
//   a rank leaving normally sends -1 ("done"), so the end of a job never
//   looks like a stop;
//   a rank that receives SIGINT/SIGTERM sends -2 ("signalled") at once: when
//   a launcher ends the job because one rank died, every rank still alive
//   says so within milliseconds, and rank 0 can name the ones that did not
//   (VanishedRanks).
// Rank 0 names every rank silent for timeout_s (host and device), calls the
// stall handler (to keep the results so far) and ends the job with exit 6.
//
// Beating is not progressing: a rank whose helper thread beats but whose main
// thread is stuck (a hung call or loop outside the collectives, a library
// that never returns) keeps the others waiting inside a collective forever.
// So each rank's beat carries its position, which its communicator moves
// (MpiCommunicator: one step per Progress, one tick per collective entered,
// data or control plane), and rank 0 watches the positions too: when no
// rank's position has moved for timeout_s, every rank is still beating and
// rank 0 is not itself inside an arrival check (ArriveWithin has its own
// deadline and names the ranks that did not arrive), rank 0 names the ranks
// furthest behind (host and device: alive, but they never reached the
// collective the others wait in) or, when every rank is at the same place,
// says that no rank progressed inside that step (a collective that never
// completes), keeps the results so far and ends the job with exit 6.
// Local work counts as progress: a rank whose measurement loop timed a call
// since its last beat (core/work_ticks.h) says so with its beat, so ranks
// measuring on their own for longer than timeout_s (validate's node-local
// checks) are never taken for stuck.
// A rank that hears nothing from rank 0 for timeout_s + 2P says so and ends
// the job with exit 6. A rank silent for 3P or more and then back (stopped
// and resumed) is remembered with the interval: SilentRanks() lets the
// harness mark the measurements it delayed.
//
// P = timeout_s / 20, within 50 ms .. 1 s: rank 0 receives N/P small messages
// per second (N ranks) and holds N - 1 sockets.
#ifndef CLUSTERBENCH_COLLECTIVES_MPI_MPI_WATCHDOG_H_
#define CLUSTERBENCH_COLLECTIVES_MPI_MPI_WATCHDOG_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "collectives/communicator.h"
#include "collectives/mpi/beat_links.h"

namespace cb::coll::mpi_detail {

class MpiWatchdog {
 public:
  using StallHandler = std::function<void(const std::string& message)>;
  // `links`: open (BeatLinks::Open), rank 0's to every rank or this rank's
  // to rank 0.
  // `position`: this rank's position (steps << 32 | collectives entered in
  // the step), moved by the main thread and read here.
  MpiWatchdog(std::unique_ptr<BeatLinks> links, const std::vector<RankInfo>& ranks, int rank, double timeout_s,
              StallHandler on_stall, std::shared_ptr<const std::atomic<int64_t>> position);
  ~MpiWatchdog();  // says "done", stops the thread, closes the links
  MpiWatchdog(const MpiWatchdog&) = delete;
  MpiWatchdog& operator=(const MpiWatchdog&) = delete;

  // Main thread: one more step done; `step` says where rank 0 is when it
  // reports a stall.
  void Progress(const std::string& step);
  // Rank 0's main thread is inside (true) or out of (false) a wait with a
  // deadline of its own (ArriveWithin): positions are not judged meanwhile.
  void SetWaiting(bool waiting);
  // Rank 0: ranks (job ranks) silent for 3P or more at some time in [t0, t1]
  // (steady-clock seconds), or silent now since before t1.
  std::vector<int> SilentRanks(double t0, double t1) const;
  // Rank 0, after a signal: the ranks that neither said "signalled" nor
  // "done" (killed outright, crashed).
  std::vector<int> VanishedRanks() const;
  double period() const { return period_; }

 private:
  void Run();
  void Record(int from, int64_t beat, double now);
  [[noreturn]] void Stall(const std::vector<int>& silent, double now);
  // Rank 0: whether the positions have stood still for timeout_s while every
  // rank beats; if so names the ranks behind and ends the job.
  void JudgePositions(double now);
  // Says `message`, keeps the results so far (rank 0) and ends the job with 6.
  [[noreturn]] void EndJob(const std::string& message);

  struct Gap {
    int rank;
    double from, to;
  };

  std::unique_ptr<BeatLinks> links_;
  std::vector<RankInfo> ranks_;
  int rank_ = 0, size_ = 1;
  double timeout_s_ = 0, period_ = 1;
  StallHandler on_stall_;

  std::atomic<bool> stop_{false};
  std::shared_ptr<const std::atomic<int64_t>> position_;
  std::atomic<bool> waiting_{false};
  mutable std::mutex mu_;
  std::string step_;                // guarded by mu_
  std::vector<int64_t> positions_;  // rank 0: per rank, the last reported; guarded by mu_
  double moved_at_ = 0;             // rank 0: when a position last moved; guarded by mu_
  int64_t work_seen_ = 0;           // rank 0: its own WorkTicks at the last judgement; guarded by mu_
  std::vector<double> last_seen_;   // rank 0: per rank; others: [0] = rank 0; guarded by mu_
  std::vector<char> done_;          // ranks that said "done"; guarded by mu_
  std::vector<char> signalled_;     // ranks that said "signalled"; guarded by mu_
  std::vector<Gap> gaps_;           // guarded by mu_
  std::thread thread_;
};

}  // namespace cb::coll::mpi_detail

#endif  // CLUSTERBENCH_COLLECTIVES_MPI_MPI_WATCHDOG_H_
