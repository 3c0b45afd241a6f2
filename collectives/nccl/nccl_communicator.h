// One NCCL rank (one GPU) as a cb::coll::Communicator. Used by this folder
// and its tests only; the app sees the plain C++ nccl_backend.h.
//
// Data plane: device buffers (cudaMalloc), the rank's own CUDA stream, every
// op enqueued on it with NCCL (Start returns before the op completes:
// synchronous() is false, so the harness times `iters` back-to-back ops, as
// nccl-tests does). Mapping:
//   all_reduce, all_gather, reduce_scatter, broadcast, reduce -> the NCCL collective;
//     NCCL does every in-place layout of collectives/harness.cc natively
//     (all_gather: send == recv + rank·count; reduce_scatter: recv == send + rank·count)
//   alltoall  -> ncclGroupStart, ncclSend + ncclRecv to/from every rank, ncclGroupEnd
//   sendrecv  -> grouped ncclSend(SendPeer) + ncclRecv(RecvPeer)
// NCCL's send and receive of one group run concurrently, so a receive may
// overwrite bytes not yet sent when send and recv are one buffer (in-place
// alltoall and sendrecv): then the input is first copied on the stream into a
// staging buffer (a device-to-device copy included in the op's time).
//
// Deadlock rule with GPUs driven by threads of one process: cudaMalloc,
// cudaFree and pageable copies take a process-wide lock and may wait for a
// stream; if that stream holds a NCCL kernel waiting for a rank whose thread
// needs the lock, neither moves (the hang XLA fixed with a barrier after
// ncclCommInitRank). So Upload and Download copy only on this rank's idle
// stream (the harness waits first), the harness allocates and frees only
// between control-plane collectives, and the staging buffer grows (with the
// size sweep) between two control-plane barriers, with every stream idle:
// growing is collective, which the harness's identical layout on every rank
// guarantees.
//
// Control plane: delegated to a ControlPlane (threads of this process, or
// MPI), so the same communicator serves both modes of the backend.
//
// Split (--split): the control plane splits first (MPI_Comm_split, or the
// ThreadGroup's split), then ncclCommSplit on the data plane with the same
// color and key, so both order the group's ranks alike (checked). The group's
// communicator owns its NCCL comm and control plane; ncclCommSplit is
// collective over the parent, so every rank of the job calls Split, each from
// its own thread (GPUs driven by threads) or process (MPI).
#ifndef CLUSTERBENCH_COLLECTIVES_NCCL_NCCL_COMMUNICATOR_H_
#define CLUSTERBENCH_COLLECTIVES_NCCL_NCCL_COMMUNICATOR_H_

#include <cuda_runtime_api.h>
#include <nccl.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "collectives/backend.h"
#include "collectives/communicator.h"
#include "core/node_info.h"  // HostName

namespace cb::coll::nccl_detail {

struct ControlSplit;

// The harness's control plane for one rank: blocking, small host values.
// Same contract as the matching Communicator methods.
class ControlPlane {
 public:
  virtual ~ControlPlane() = default;
  virtual void Barrier() = 0;
  virtual std::vector<double> Gather(const std::vector<double>& mine) = 0;
  virtual double AllReduceMax(double v) = 0;
  virtual int64_t AllReduceSum(int64_t v) = 0;
  virtual double Broadcast(double v) = 0;
  virtual bool ArriveWithin(double timeout_s, std::vector<int>* missing) = 0;
  // As MPI_Comm_split (every rank calls it): ranks with the same color form a
  // group ordered by key, ties by rank. Returns this rank's group.
  virtual ControlSplit Split(int color, int key) = 0;
  // Ends every process of the job (MPI_Abort, or _Exit for one process).
  [[noreturn]] virtual void EndJob(int code) = 0;

  // Progress watchdog (Communicator::WatchProgress), naming ranks as `names`
  // (the NCCL ranks' GPUs). Only a control plane across processes watches:
  // threads of one process stop together, so the default watches nothing.
  virtual bool WatchProgress(const std::vector<RankInfo>& names, double timeout_s, Communicator::StallHandler on_stall,
                             std::string* why) {
    (void)names;
    (void)timeout_s;
    (void)on_stall;
    if (why) why->clear();
    return false;
  }
  virtual void StopWatching() {}
  virtual void Progress(const std::string& step) { (void)step; }
  virtual std::vector<int> SilentRanks(double t0, double t1) const {
    (void)t0;
    (void)t1;
    return {};
  }
  virtual std::vector<int> VanishedRanks() const { return {}; }
};

struct ControlSplit {
  std::unique_ptr<ControlPlane> control;  // this rank's group
  std::vector<int> members;               // the group's ranks in the parent, group order
};

class NcclCommunicator;

// What the local ranks of one process share: whether one of them failed (the
// others then stop waiting on their streams) and the communicators Abort()
// ends (the job's and the groups split from it). Thread-safe.
class LocalJob {
 public:
  std::atomic<bool> failed{false};    // a local rank threw: Wait() gives up
  std::atomic<bool> aborting{false};  // Abort() runs: the other local ranks park

  // What Abort needs of a communicator, copied when it is added: Abort must
  // not touch an NcclCommunicator that another thread may be destroying.
  struct Entry {
    NcclCommunicator* key = nullptr;
    ncclComm_t comm = nullptr;
    int device = 0;
  };
  void Add(NcclCommunicator* c);
  // Claims c's NCCL communicator for its owner to destroy; false when Abort
  // took it first (then the owner must leave it alone).
  bool Remove(NcclCommunicator* c);
  // Claims every communicator still listed, for Abort to abort.
  std::vector<Entry> TakeAll();

 private:
  std::mutex mu_;
  std::vector<Entry> comms_;
};

// NCCL's element type and reduction.
ncclDataType_t ToNccl(DataType t);
ncclRedOp_t ToNccl(RedOp r);

class NcclCommunicator : public Communicator {
 public:
  struct Setup {
    int rank = 0;
    int size = 1;
    int device = 0;                                      // CUDA device ordinal in this process
    ncclComm_t comm = nullptr;                           // initialised; owned by the backend
    std::shared_ptr<const std::vector<RankInfo>> ranks;  // every rank, identical everywhere
    double init_seconds = 0;
    std::string init_method;  // the NCCL call that created comm
    size_t memory_limit = 0;  // the same on every rank
    // The lowest compute capability major among the job's GPUs, the same on
    // every rank, so that every rank decides alike whether NCCL can reduce
    // fp8 (Supports; a mixed job must not disagree).
    int compute_major = 0;
    ControlPlane* control = nullptr;
    LocalJob* job = nullptr;
  };
  // Creates the rank's stream on setup.device (and makes it current).
  explicit NcclCommunicator(const Setup& setup);
  // Frees the stream and scratch buffer. Destroys the NCCL comm only when it
  // came from Split (the backend owns the job's), aborting it instead after a
  // failure (ncclCommDestroy could wait for ranks that will not come).
  ~NcclCommunicator() override;
  NcclCommunicator(const NcclCommunicator&) = delete;
  NcclCommunicator& operator=(const NcclCommunicator&) = delete;

  std::string backend() const override { return "nccl"; }
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  const std::vector<RankInfo>& ranks() const override { return *ranks_; }
  double init_seconds() const override { return init_seconds_; }
  std::string init_method() const override { return init_method_; }
  bool device_buffers() const override { return true; }
  // Room for the harness's two buffers: 80% of the free device memory after
  // NCCL's init (the rest for NCCL's lazily created connections), of which
  // two thirds (a third buffer may stage in-place alltoall and sendrecv, as
  // nccl-tests keeps three buffers when it checks); the minimum over ranks.
  size_t memory_limit() const override { return memory_limit_; }

  // Everything but avg on integer types: NCCL averages integers by integer
  // division, which the exact-result check does not model. fp8 needs NCCL
  // >= 2.24 (ncclFloat8e4m3, ncclFloat8e5m2), and its reductions a GPU of
  // compute capability 9.0 or later (NCCL has no fp8 arithmetic below).
  bool Supports(OpKind op, DataType t, RedOp redop, std::string* why) const override;

  void* Alloc(size_t bytes) override;
  void Free(void* p) override;
  // Copies on the rank's stream and waits for it (synchronous for the caller).
  void Upload(void* dst, const void* host_src, size_t bytes) override;
  void Download(void* host_dst, const void* src, size_t bytes) override;
  void Start(OpKind op, const void* send, void* recv, const Counts& c, DataType t, RedOp redop, int root) override;
  // -m: the ops between ncclGroupStart and ncclGroupEnd, as nccl-tests.
  void StartGroup(OpKind op, const void* send, void* recv, const Counts& c, DataType t, RedOp redop, int root,
                  int ops) override;
  // Grouped ncclSend/ncclRecv of `bytes` as ncclInt8; enqueued, not waited
  // for. Throws cb::RuntimeError when both peers are given and the buffers
  // overlap (the op sendrecv in place goes through Start).
  void SendRecv(const void* send, int to, void* recv, int from, size_t bytes) override;
  // Waits for the stream, as cudaStreamSynchronize does, but polls so that it
  // also stops on an asynchronous NCCL error or when another local rank failed.
  void Wait() override;
  bool synchronous() const override { return false; }

  void Barrier() override { control_->Barrier(); }
  std::vector<double> Gather(const std::vector<double>& mine) override { return control_->Gather(mine); }
  double AllReduceMax(double v) override { return control_->AllReduceMax(v); }
  int64_t AllReduceSum(int64_t v) override { return control_->AllReduceSum(v); }
  double Broadcast(double v) override { return control_->Broadcast(v); }
  bool ArriveWithin(double timeout_s, std::vector<int>* missing) override {
    return control_->ArriveWithin(timeout_s, missing);
  }
  // The control plane's progress watchdog (MPI: mpi_watchdog.h), naming
  // ranks by their GPUs. The watchdog's thread beats over MPI while this
  // rank's thread polls its stream in Wait(), so a stopped peer (whose NCCL
  // kernels never arrive) is named within --timeout instead of hanging.
  bool WatchProgress(double timeout_s, StallHandler on_stall, std::string* why) override {
    return control_->WatchProgress(*ranks_, timeout_s, std::move(on_stall), why);
  }
  void StopWatching() override { control_->StopWatching(); }
  void Progress(const std::string& step) override { control_->Progress(step); }
  std::vector<int> SilentRanks(double t0, double t1) const override { return control_->SilentRanks(t0, t1); }
  std::vector<int> VanishedRanks() const override { return control_->VanishedRanks(); }
  // ncclCommAbort on every communicator of this process (waiting at most a
  // few seconds for it), then ends the job through the control plane.
  [[noreturn]] void Abort(int code) override;
  // Every rank of this communicator calls it (from its own thread or
  // process). Throws cb::UsageError for a negative color, cb::RuntimeError
  // when NCCL fails or orders the group unlike the control plane. The
  // result's init_seconds() is ncclCommSplit's time, the maximum over the group.
  std::unique_ptr<Communicator> Split(int color, int key) override;

  int device() const { return device_; }
  ncclComm_t comm() const { return comm_; }
  // "rank 3 of 8 on host n7, GPU 3": the context of every error.
  std::string Who() const;

 private:
  // Returns send, or the staged copy of its `bytes` when send and recv
  // overlap. Collective when the staging buffer grows (see the file comment).
  const void* Unalias(const void* send, const void* recv, size_t bytes);

  int rank_;
  int size_;
  int device_;
  ncclComm_t comm_;
  std::shared_ptr<const std::vector<RankInfo>> ranks_;
  double init_seconds_;
  std::string init_method_;
  size_t memory_limit_;
  int compute_major_;  // Setup::compute_major (fp8 reductions need 9)
  ControlPlane* control_;
  LocalJob* job_;
  // Set for a communicator made by Split: it owns its NCCL comm and control plane.
  bool owns_comm_ = false;
  std::unique_ptr<ControlPlane> owned_control_;
  cudaStream_t stream_ = nullptr;
  void* scratch_ = nullptr;
  size_t scratch_bytes_ = 0;
};

// ---- helpers of the backend's two modes (nccl_backend.cc, nccl_mpi.cc)

// The number of visible CUDA devices. Throws cb::UsageError "nccl backend: no
// GPU on <host> (<CUDA error name>)" when there is none.
int CountGpus(const std::string& host);
// "GPU 0 NVIDIA H100 80GB HBM3 0000:18:00.0" (ordinal, name, PCI bus id).
std::string DescribeGpu(int device, const std::string& who);
// The memory_limit() of a rank on `device`: 80% of its free memory now, x 2/3.
size_t MemoryLimitOf(int device, const std::string& who);
// The compute capability major of `device` (9 for Hopper).
int ComputeMajorOf(int device, const std::string& who);

// Mode (b), defined in nccl_mpi.cc when the build has MPI (CB_NCCL_WITH_MPI).
std::unique_ptr<Backend> MakeNcclMpiBackend(const BackendOptions& options);

}  // namespace cb::coll::nccl_detail

#endif  // CLUSTERBENCH_COLLECTIVES_NCCL_NCCL_COMMUNICATOR_H_
