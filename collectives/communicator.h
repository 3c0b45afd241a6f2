// The communicator interface every collectives backend implements (loopback,
// MPI, NCCL). Plain C++: no MPI or NCCL type appears here, so the harness and
// the app compile the same whatever is enabled.
//
// One Communicator object is one rank. A process may hold several (loopback
// threads; NCCL driving every local GPU with -g N), each used by its own
// thread. Two planes:
//  - the data plane (Alloc, Start, SendRecv, Wait) moves the benchmarked
//    bytes, on the device for NCCL;
//  - the control plane (Barrier, Gather, AllReduce*, Broadcast) carries the
//    harness's small host values: results, errors, arrival for the watchdog.
#ifndef CLUSTERBENCH_COLLECTIVES_COMMUNICATOR_H_
#define CLUSTERBENCH_COLLECTIVES_COMMUNICATOR_H_

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "collectives/datatype.h"
#include "collectives/op.h"

namespace cb::coll {

struct RankInfo {
  int rank = 0;
  std::string host;
  std::string device;  // "cpu" for host buffers, else the GPU's name and index
};

// Ends this process at once with `code`, what it printed so far flushed: how
// a job that is one process ends (the loopback backend's Abort, the NCCL
// backend's thread control plane), with no launcher to tell.
[[noreturn]] inline void EndProcess(int code) {
  std::fflush(stdout);
  std::fflush(stderr);
  std::_Exit(code);
}

// `rank`'s index among the ranks on its host, counted by rank (the GPU a
// rank takes, modulo the GPUs it sees; the collectives' `--split inter` groups).
inline int LocalRankOf(const std::vector<RankInfo>& ranks, int rank) {
  const std::string& host = ranks[static_cast<size_t>(rank)].host;
  int local = 0;
  for (const auto& ri : ranks) local += ri.host == host && ri.rank < rank ? 1 : 0;
  return local;
}

// How a run lists its hosts: sorted (collectives, validate), or in the order
// of each host's first rank (kernels, whose stored `hosts` always read so).
enum class HostOrder { kSorted, kFirstRank };

// The job's host names, each once (a results run's `hosts`).
inline std::vector<std::string> HostsOf(const std::vector<RankInfo>& ranks, HostOrder order = HostOrder::kSorted) {
  std::set<std::string> seen;
  std::vector<std::string> hosts;
  for (const auto& ri : ranks) {
    if (seen.insert(ri.host).second) hosts.push_back(ri.host);
  }
  if (order == HostOrder::kSorted) return {seen.begin(), seen.end()};
  return hosts;
}

class Communicator {
 public:
  virtual ~Communicator() = default;

  virtual std::string backend() const = 0;  // "loopback", "mpi", "nccl"
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // Every rank's host and device, identical on all ranks (gathered at init).
  virtual const std::vector<RankInfo>& ranks() const = 0;
  // Seconds spent creating the communicator (NCCL init, MPI_Init excluded).
  virtual double init_seconds() const { return 0; }
  // How it was created, for the report: "ncclCommInitAll",
  // "ncclCommInitRankScalable (4 roots)", "ncclCommSplit"; "" when nothing to say.
  virtual std::string init_method() const { return ""; }
  // True when Alloc returns device memory (NCCL; MPI with --buffers device).
  virtual bool device_buffers() const { return false; }
  // Bytes a rank may allocate for buffers (device memory for NCCL).
  virtual size_t memory_limit() const = 0;

  // Whether this backend can run op on t with redop; *why says why not.
  virtual bool Supports(OpKind op, DataType t, RedOp redop, std::string* why) const = 0;

  // ---- data plane
  virtual void* Alloc(size_t bytes) = 0;
  virtual void Free(void* p) = 0;
  virtual void Upload(void* dst, const void* host_src, size_t bytes) = 0;
  virtual void Download(void* host_dst, const void* src, size_t bytes) = 0;
  // Starts one collective. recv == send (or inside it, as nccl-tests lays
  // out in-place all_gather/reduce_scatter) means in place. Blocking backends
  // complete it here; NCCL enqueues it on the rank's stream.
  virtual void Start(OpKind op, const void* send, void* recv, const Counts& c, DataType t, RedOp redop, int root) = 0;
  // `iterations` back-to-back Starts with the same arguments: the harness's
  // timed loop. A backend may check the arguments once and then loop on the
  // bare call, so that the loop costs what a bare loop of the call costs.
  virtual void StartRepeated(OpKind op, const void* send, void* recv, const Counts& c, DataType t, RedOp redop,
                             int root, int iterations) {
    for (int i = 0; i < iterations; ++i) Start(op, send, recv, c, t, redop, root);
  }
  // nccl-tests' -m (agg_iters): `ops` Starts with the same arguments issued
  // as one group, one timed iteration. NCCL launches them between
  // ncclGroupStart and ncclGroupEnd (nccl-tests' BenchTime); blocking
  // backends have nothing to group, and run them back to back.
  virtual void StartGroup(OpKind op, const void* send, void* recv, const Counts& c, DataType t, RedOp redop, int root,
                          int ops) {
    for (int i = 0; i < ops; ++i) Start(op, send, recv, c, t, redop, root);
  }
  // Point to point: send `bytes` to `to` and receive `bytes` from `from`
  // concurrently; either peer may be -1 (none).
  virtual void SendRecv(const void* send, int to, void* recv, int from, size_t bytes) = 0;
  // Returns when everything started on this rank has completed.
  virtual void Wait() = 0;
  // True when Start returns only after the op completed on this rank (MPI,
  // loopback): then the harness also times every iteration on its own.
  virtual bool synchronous() const { return true; }

  // ---- control plane (blocking, small, host values)
  virtual void Barrier() = 0;
  // Rank 0 receives every rank's vector concatenated in rank order (all the
  // same length); other ranks receive an empty vector. O(N) memory on rank 0.
  virtual std::vector<double> Gather(const std::vector<double>& mine) = 0;
  virtual double AllReduceMax(double v) = 0;
  virtual int64_t AllReduceSum(int64_t v) = 0;
  virtual double Broadcast(double v) = 0;  // rank 0's value to all

  // Arrival check for the watchdog: every rank calls it; returns true when
  // all ranks arrived within timeout_s. On timeout rank 0 gets false and the
  // ranks that did not arrive in *missing; other ranks get false too once
  // rank 0 gives up, or stay blocked until Abort.
  virtual bool ArriveWithin(double timeout_s, std::vector<int>* missing) = 0;
  // Splits the job into groups (every rank calls it, as MPI_Comm_split):
  // ranks with the same color form a group, ordered by key. Returns this
  // rank's group; its ranks() are the members' infos in group order, each
  // with its rank in the job. Backends that cannot split throw UsageError.
  virtual std::unique_ptr<Communicator> Split(int color, int key);

  // Ends every rank of the job with `code` (MPI_Abort for MPI).
  [[noreturn]] virtual void Abort(int code) = 0;

  // ---- progress watchdog (issue 15)
  // Collective: from now on a helper thread per rank watches that every rank
  // keeps running while the main threads are inside collectives. A rank
  // silent for timeout_s (stopped, frozen), or alive but not progressing for
  // that long (it never reaches the collective the others wait in), is named
  // by rank 0, which calls on_stall(message) to keep the results so far and
  // ends the job with exit 6. Returns false with *why when the backend cannot watch (MPI without
  // MPI_THREAD_MULTIPLE); single-process backends need no watching (false,
  // empty why).
  using StallHandler = std::function<void(const std::string& message)>;
  virtual bool WatchProgress(double timeout_s, StallHandler on_stall, std::string* why) {
    (void)timeout_s;
    (void)on_stall;
    if (why) why->clear();
    return false;
  }
  // Stops watching (each rank on its own; says "done" so the others do not
  // take it for a stop).
  virtual void StopWatching() {}
  // Main thread: one more step done (rank 0 names its step in a stall).
  virtual void Progress(const std::string& step) { (void)step; }
  // Rank 0: job ranks that stopped for a while (several beats missed) at
  // some time in [t0, t1], steady-clock seconds, and came back.
  virtual std::vector<int> SilentRanks(double t0, double t1) const {
    (void)t0;
    (void)t1;
    return {};
  }
  // Rank 0, after SIGINT/SIGTERM: the ranks that did not say they were
  // signalled too (killed outright or crashed, so the launcher is ending the
  // job); empty without a progress watchdog.
  virtual std::vector<int> VanishedRanks() const { return {}; }
};

}  // namespace cb::coll

#endif  // CLUSTERBENCH_COLLECTIVES_COMMUNICATOR_H_
