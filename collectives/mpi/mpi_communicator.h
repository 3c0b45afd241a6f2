// One MPI rank as a cb::coll::Communicator: host buffers, blocking MPI
// collectives, and a control plane on its own communicator.
//
// Two duplicates of the parent communicator (MPI_COMM_WORLD for the
// backend): `data_` carries the benchmarked collectives and point-to-point
// bytes, `control_` the harness's small values and the watchdog's arrival
// messages, so a control message can never match a data receive. Both use
// MPI_ERRORS_RETURN; every failure is a cb::RuntimeError naming the call,
// MPI's error string, the rank and the host.
//
// In place, as nccl-tests lays it out (see Start): the MPI mapping is
//   all_reduce, alltoall     recv == send            -> MPI_IN_PLACE
//   reduce                   recv == send            -> MPI_IN_PLACE on the root only
//   broadcast                recv == send            -> MPI_Bcast(recv); out of place
//                                                       the root copies send to recv first
//   all_gather               send == recv + r·count  -> MPI_IN_PLACE (block already in place)
//   reduce_scatter           recv == send + r·count  -> MPI_IN_PLACE on the whole buffer,
//                                                       then move block 0 to the rank's block
//   sendrecv                 recv == send            -> MPI_Sendrecv_replace (host buffers);
//                                                       device buffers stage the input
//                                                       first (as the NCCL backend does)
//   gather                   send == recv + r·count  -> MPI_IN_PLACE on the root (block in place)
//   scatter                  recv == send + r·count  -> MPI_IN_PLACE on the root (block in place)
//   alltoallv                recv == send            -> MPI_IN_PLACE (the traffic matrix is
//                                                       symmetric, so receive counts serve
//                                                       as send counts: op.h AllToAllvCount)
//
// fp8 (f8e4m3, f8e5m2): MPI has no such type. The bytes travel as
// MPI_UINT8_T; reductions (sum, prod, min, max) are user-defined MPI_Ops that
// decode, combine and round back to fp8 in software (collectives/fp8.h), on
// host buffers only (a user op reads its buffers on the CPU).
//
// Device buffers (UseDeviceBuffers, for a CUDA-aware MPI): Alloc, Upload and
// Download go to GPU memory through mpi_detail::DeviceBuffers, and the
// copies the in-place layouts above need are device-to-device; the MPI calls
// are the same, given device pointers.
#ifndef CLUSTERBENCH_COLLECTIVES_MPI_MPI_COMMUNICATOR_H_
#define CLUSTERBENCH_COLLECTIVES_MPI_MPI_COMMUNICATOR_H_

#include <mpi.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "collectives/communicator.h"

namespace cb::coll {
namespace mpi_detail {
class DeviceBuffers;  // mpi_device.h
class MpiWatchdog;    // mpi_watchdog.h
}  // namespace mpi_detail

class MpiCommunicator : public Communicator {
 public:
  // Collective over `parent`: every rank of it must construct one. MPI must
  // be initialised. Does not take ownership of `parent`.
  explicit MpiCommunicator(MPI_Comm parent);
  ~MpiCommunicator() override;
  MpiCommunicator(const MpiCommunicator&) = delete;
  MpiCommunicator& operator=(const MpiCommunicator&) = delete;

  std::string backend() const override { return "mpi"; }
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  const std::vector<RankInfo>& ranks() const override { return ranks_; }
  double init_seconds() const override { return init_seconds_; }
  // Physical memory of the host / ranks on the host / 4; with device
  // buffers the device's (DeviceBuffers::memory_limit), the minimum over ranks.
  size_t memory_limit() const override { return memory_limit_; }
  bool device_buffers() const override { return device_ != nullptr; }

  // Collective: from now on buffers are `device`'s GPU memory, and every
  // rank's RankInfo::device names its GPU. Call before any Alloc.
  void UseDeviceBuffers(std::shared_ptr<mpi_detail::DeviceBuffers> device);

  bool Supports(OpKind op, DataType t, RedOp redop, std::string* why) const override;

  void* Alloc(size_t bytes) override;
  void Free(void* p) override;
  void Upload(void* dst, const void* host_src, size_t bytes) override;
  void Download(void* host_dst, const void* src, size_t bytes) override;
  // Throws cb::RuntimeError for what Supports() rejects, for element counts
  // above INT_MAX, and for send and receive buffers that overlap other than
  // in the in-place layouts above.
  void Start(OpKind op, const void* send, void* recv, const Counts& c, DataType t, RedOp redop, int root) override;
  void StartRepeated(OpKind op, const void* send, void* recv, const Counts& c, DataType t, RedOp redop, int root,
                     int iterations) override;
  // Messages above max_message_bytes() go as several MPI messages.
  void SendRecv(const void* send, int to, void* recv, int from, size_t bytes) override;
  void Wait() override {}  // every MPI call here is blocking

  void Barrier() override;
  std::vector<double> Gather(const std::vector<double>& mine) override;
  double AllReduceMax(double v) override;
  int64_t AllReduceSum(int64_t v) override;
  double Broadcast(double v) override;
  // Non-root ranks send "arrived" (tag kArriveTag) to rank 0 and wait for
  // rank 0's verdict (a non-blocking broadcast, polled). Rank 0 polls its
  // receives until all arrived or timeout_s passed, then broadcasts the
  // verdict. A non-root rank waits for the verdict without a deadline.
  bool ArriveWithin(double timeout_s, std::vector<int>* missing) override;
  [[noreturn]] void Abort(int code) override;
  // Over TCP links of its own (mpi_watchdog.h, beat_links.h); false with
  // *why where they cannot be opened (the same answer on every rank).
  bool WatchProgress(double timeout_s, StallHandler on_stall, std::string* why) override;
  // The same, naming ranks as `names` (job ranks, this communicator's order):
  // the NCCL backend's control plane names its GPUs, not "cpu".
  bool WatchProgressNaming(const std::vector<RankInfo>& names, double timeout_s, StallHandler on_stall,
                           std::string* why);
  void StopWatching() override;
  void Progress(const std::string& step) override;
  std::vector<int> SilentRanks(double t0, double t1) const override;
  std::vector<int> VanishedRanks() const override;
  // MPI_Comm_split of the control communicator; infos keep job ranks.
  std::unique_ptr<Communicator> Split(int color, int key) override;

  // The largest single MPI message SendRecv sends (the rest follows in
  // further messages). Lowered by tests to exercise the chunking; must be
  // the same on every rank.
  size_t max_message_bytes() const { return max_message_bytes_; }
  void set_max_message_bytes(size_t bytes) { max_message_bytes_ = bytes; }

  static constexpr int kArriveTag = 901;
  static constexpr int kSendRecvTag = 902;

 private:
  // Start's call and one function per op (each checks the layout it is
  // given and makes the MPI call); defined in mpi_communicator.cc.
  struct Call;
  void StartAllReduce(const Call& s);
  void StartAllGather(const Call& s);
  void StartReduceScatter(const Call& s);
  void StartBroadcast(const Call& s);
  void StartReduce(const Call& s);
  void StartAllToAll(const Call& s);
  void StartSendRecv(const Call& s);
  void StartGather(const Call& s);
  void StartScatter(const Call& s);
  void StartAllToAllv(const Call& s);

  void Check(int rc, const char* call) const;
  std::string Who() const;  // "rank 3 of 8 on host n7"
  // memcpy within this rank's buffers (device to device with device buffers).
  void CopyLocal(void* dst, const void* src, size_t bytes);
  // A copy of `bytes` at src in a staging buffer that grows as needed.
  const void* Stage(const void* src, size_t bytes);
  // The MPI_Op reducing t with r: MPI's own, or for fp8 a user op made on
  // first use (freed with the communicator); MPI_OP_NULL where none.
  MPI_Op ReductionOp(DataType t, RedOp r);

  std::string host_;  // MPI_Get_processor_name
  MPI_Comm data_ = MPI_COMM_NULL;
  MPI_Comm control_ = MPI_COMM_NULL;
  int rank_ = 0;
  int size_ = 1;
  std::vector<RankInfo> ranks_;
  double init_seconds_ = 0;
  size_t memory_limit_ = 0;
  size_t max_message_bytes_ = size_t{1} << 30;
  int arrive_sequence_ = 0;                            // ArriveWithin calls so far; the payload of "arrived"
  int arrive_payload_ = 0;                             // outlives a non-root's Isend of it
  int verdict_ = 0;                                    // outlives rank 0's Ibcast of it
  std::shared_ptr<mpi_detail::DeviceBuffers> device_;  // null: host buffers
  void* staging_ = nullptr;                            // in-place sendrecv on device buffers
  // This rank's position for the progress watchdog: steps (Progress) in the
  // high 32 bits, collectives entered in the step in the low; shared with the
  // groups Split makes, written by the main thread only.
  std::shared_ptr<std::atomic<int64_t>> position_ = std::make_shared<std::atomic<int64_t>>(0);
  void Tick() { position_->store(position_->load(std::memory_order_relaxed) + 1, std::memory_order_relaxed); }
  std::unique_ptr<mpi_detail::MpiWatchdog> watchdog_;  // while WatchProgress is on
  int watch_depth_ = 0;                                // nested WatchProgress calls
  size_t staging_bytes_ = 0;
  std::vector<MPI_Op> fp8_ops_;  // user ops for fp8 reductions, [type][reduction], made on first use
};

}  // namespace cb::coll

#endif  // CLUSTERBENCH_COLLECTIVES_MPI_MPI_COMMUNICATOR_H_
