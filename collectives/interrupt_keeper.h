// Rank 0's interrupt keeper: a thread that keeps the results so far when
// SIGINT/SIGTERM arrives and the ranks do not agree to stop within a grace
// period (they are inside a long measurement, or a rank was killed and the
// others wait for it). Under mpirun a signal to the launcher, or the death of
// one rank, becomes SIGTERM to every rank and SIGKILL about a second later:
// without it a long measurement loses everything. Shared by the collectives
// harness and the acceptance runner.
#ifndef CLUSTERBENCH_COLLECTIVES_INTERRUPT_KEEPER_H_
#define CLUSTERBENCH_COLLECTIVES_INTERRUPT_KEEPER_H_

#include <atomic>
#include <functional>
#include <string>
#include <thread>

#include "collectives/communicator.h"

namespace cb::coll {

// Seconds between the signal and the keeper writing (OpenMPI's mpirun sends
// SIGKILL about a second after the SIGTERM it relays).
inline constexpr double kInterruptGrace = 0.3;

class InterruptKeeper {
 public:
  // Starts the thread on rank 0 of `world` when `keep` is set (else does
  // nothing). `keep(vanished)` runs at most once, on the keeper's thread;
  // `vanished` names the ranks that did not answer the signal
  // (Communicator::VanishedRanks), empty when every rank did.
  InterruptKeeper(const Communicator& world, std::function<void(const std::string& vanished)> keep);
  ~InterruptKeeper();  // Finish()
  InterruptKeeper(const InterruptKeeper&) = delete;
  InterruptKeeper& operator=(const InterruptKeeper&) = delete;

  // Stops the thread (idempotent). After it, fired() is final.
  void Finish();
  bool fired() const { return fired_; }

 private:
  std::atomic<bool> finished_{false}, fired_{false};
  std::thread thread_;
};

}  // namespace cb::coll

#endif  // CLUSTERBENCH_COLLECTIVES_INTERRUPT_KEEPER_H_
