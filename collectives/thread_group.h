// An in-process control plane: the ranks of a job that are threads of this
// process meet here for barriers, the harness's small host-value collectives
// and the watchdog's arrival check. The loopback backend uses one for all its
// ranks; the NCCL backend uses one when a process drives several GPUs (-g N).
//
// Contract (as for MPI collectives): every rank of the group calls each
// collective method, in the same order, from its own thread, passing its own
// rank. Gather, AllReduceMax, AllReduceSum and Broadcast are built on two
// barriers each, so the group serves one collective at a time.
//
// Break() ends the group for good: ranks waiting in it, and every later call,
// throw cb::RuntimeError naming the reason. A backend calls it when one rank
// fails, so the other ranks stop waiting for it instead of hanging.
#ifndef CLUSTERBENCH_COLLECTIVES_THREAD_GROUP_H_
#define CLUSTERBENCH_COLLECTIVES_THREAD_GROUP_H_

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace cb::coll {

class ThreadGroup {
 public:
  // Throws cb::UsageError unless size >= 1.
  explicit ThreadGroup(int size);
  ThreadGroup(const ThreadGroup&) = delete;
  ThreadGroup& operator=(const ThreadGroup&) = delete;

  int size() const { return size_; }

  // Returns when all ranks have called it (reusable: generation counted).
  void Barrier();
  // Rank 0 gets every rank's vector concatenated in rank order; the others
  // get an empty vector.
  std::vector<double> Gather(int rank, const std::vector<double>& mine);
  double AllReduceMax(int rank, double v);
  int64_t AllReduceSum(int rank, int64_t v);
  double Broadcast(int rank, double v);  // rank 0's value to all

  // Arrival for the watchdog: true when all ranks arrived within timeout_s.
  // On timeout every waiting rank gets false; rank 0 also gets the ranks
  // that did not arrive in *missing (the caller then ends the process).
  bool ArriveWithin(int rank, double timeout_s, std::vector<int>* missing);

  // Splits the group as MPI_Comm_split does: every rank calls it; ranks with
  // the same color form a child group, ordered by key (ties by rank). The
  // children live as long as this group; Break() breaks them too.
  struct SplitResult {
    ThreadGroup* group = nullptr;  // this rank's child group
    int rank = 0;                  // this rank's rank in it
    std::vector<int> members;      // the child's ranks in this group, child order
  };
  SplitResult Split(int rank, int color, int key);

  // Ends the group (and the groups split from it): waiting and later calls
  // throw cb::RuntimeError with `why`. The first reason given is kept.
  // Thread-safe; never throws.
  void Break(const std::string& why);
  bool broken() const;

 private:
  void CheckRank(int rank) const;
  void ThrowIfBroken() const;  // requires mu_ held

  const int size_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  // Barrier.
  int waiting_ = 0;
  uint64_t generation_ = 0;
  // Per-rank slots of the value collectives.
  std::vector<std::vector<double>> values_;
  std::vector<int64_t> integers_;
  // Arrival.
  std::vector<bool> arrived_;
  int arrive_count_ = 0;
  uint64_t arrive_round_ = 0;
  // Break.
  bool broken_ = false;
  std::string why_;
  // Split: the children (appended by rank 0, under mu_) and, between the two
  // barriers of a Split, each rank's result.
  std::vector<std::unique_ptr<ThreadGroup>> children_;
  std::vector<SplitResult> split_results_;
};

}  // namespace cb::coll

#endif  // CLUSTERBENCH_COLLECTIVES_THREAD_GROUP_H_
