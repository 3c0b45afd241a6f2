#include "collectives/nccl/nccl_communicator.h"

#include <fmt/format.h>
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <future>
#include <thread>

#include "collectives/nccl/nccl_check.h"
#include "core/error.h"

namespace cb::coll::nccl_detail {
namespace {

// How long Abort waits for ncclCommAbort before ending the job regardless.
constexpr auto kAbortGrace = std::chrono::seconds(10);

double Now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

[[noreturn]] void Park() {
  for (;;) std::this_thread::sleep_for(std::chrono::hours(1));
}

bool Overlap(const void* a, const void* b, size_t bytes) {
  if (bytes == 0) return false;
  const auto x = reinterpret_cast<uintptr_t>(a);
  const auto y = reinterpret_cast<uintptr_t>(b);
  return x < y + bytes && y < x + bytes;
}

// ncclGroupStart .. ncclGroupEnd. A group left by an exception is still
// ended (its error is the one already being thrown).
class Group {
 public:
  explicit Group(const NcclCommunicator& c) : c_(c) {
    CB_NCCL_CHECK(ncclGroupStart(), c_.Who());
    open_ = true;
  }
  ~Group() {
    if (open_) ncclGroupEnd();
  }
  Group(const Group&) = delete;
  Group& operator=(const Group&) = delete;
  void End() {
    open_ = false;
    CB_NCCL_CHECK(ncclGroupEnd(), c_.Who());
  }

 private:
  const NcclCommunicator& c_;
  bool open_ = false;
};

}  // namespace

ncclDataType_t ToNccl(DataType t) {
  switch (t) {
    case DataType::kInt8:
      return ncclInt8;
    case DataType::kUint8:
      return ncclUint8;
    case DataType::kInt32:
      return ncclInt32;
    case DataType::kUint32:
      return ncclUint32;
    case DataType::kInt64:
      return ncclInt64;
    case DataType::kUint64:
      return ncclUint64;
    case DataType::kHalf:
      return ncclFloat16;
    case DataType::kBfloat16:
      return ncclBfloat16;
    case DataType::kFloat:
      return ncclFloat32;
    case DataType::kDouble:
      return ncclFloat64;
    case DataType::kF8e4m3:
    case DataType::kF8e5m2:
#if NCCL_VERSION_CODE >= NCCL_VERSION(2, 24, 0)
      return t == DataType::kF8e4m3 ? ncclFloat8e4m3 : ncclFloat8e5m2;
#else
      break;  // Supports refuses fp8 with this NCCL
#endif
  }
  throw RuntimeError(fmt::format("nccl: no NCCL type for data type {}", static_cast<int>(t)));
}

ncclRedOp_t ToNccl(RedOp r) {
  switch (r) {
    case RedOp::kSum:
      return ncclSum;
    case RedOp::kProd:
      return ncclProd;
    case RedOp::kMin:
      return ncclMin;
    case RedOp::kMax:
      return ncclMax;
    case RedOp::kAvg:
      return ncclAvg;
  }
  throw RuntimeError(fmt::format("nccl: no NCCL reduction for {}", static_cast<int>(r)));
}

void LocalJob::Add(NcclCommunicator* c) {
  std::lock_guard<std::mutex> lock(mu_);
  comms_.push_back({c, c->comm(), c->device()});
}

bool LocalJob::Remove(NcclCommunicator* c) {
  std::lock_guard<std::mutex> lock(mu_);
  const auto it = std::find_if(comms_.begin(), comms_.end(), [c](const Entry& e) { return e.key == c; });
  if (it == comms_.end()) return false;
  comms_.erase(it);
  return true;
}

std::vector<LocalJob::Entry> LocalJob::TakeAll() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Entry> all;
  all.swap(comms_);
  return all;
}

NcclCommunicator::NcclCommunicator(const Setup& s)
    : rank_(s.rank),
      size_(s.size),
      device_(s.device),
      comm_(s.comm),
      ranks_(s.ranks),
      init_seconds_(s.init_seconds),
      init_method_(s.init_method),
      memory_limit_(s.memory_limit),
      compute_major_(s.compute_major),
      control_(s.control),
      job_(s.job) {
  if (!comm_ || !ranks_ || ranks_->size() != static_cast<size_t>(size_) || !control_ || !job_) {
    throw RuntimeError(fmt::format("nccl: incomplete setup of rank {} of {}", rank_, size_));
  }
  CB_NCCL_CUDA_CHECK(cudaSetDevice(device_), Who());
  // Non-blocking: no implicit ordering with the legacy default stream, which
  // another thread may use for its own device.
  CB_NCCL_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), Who());
}

NcclCommunicator::~NcclCommunicator() {
  cudaSetDevice(device_);
  if (scratch_) cudaFree(scratch_);
  if (stream_) cudaStreamDestroy(stream_);
  if (!owns_comm_) return;
  // A split group's communicator: destroy it unless a failing rank's Abort
  // already claimed it (aborting it twice would free it twice).
  if (!job_->Remove(this)) return;
  if (job_->failed.load() || std::uncaught_exceptions() > 0) {
    // Local, as the backends do after a failure: the other ranks may never
    // come to a collective destroy, and the control plane stays as it is
    // (freeing an MPI communicator is collective too).
    ncclCommAbort(comm_);
    (void)owned_control_.release();
    return;
  }
  ncclCommDestroy(comm_);
}

std::unique_ptr<Communicator> NcclCommunicator::Split(int color, int key) {
  if (color < 0) {
    throw UsageError(fmt::format("nccl split: color {} must not be negative ({})", color, Who()));
  }
  // ncclCommSplit allocates device memory: nobody may have NCCL work in
  // flight (the deadlock rule in the header).
  Wait();
  control_->Barrier();
  ControlSplit sub = control_->Split(color, key);
  const auto me = std::find(sub.members.begin(), sub.members.end(), rank_);
  if (!sub.control || me == sub.members.end()) {
    throw RuntimeError(
        fmt::format("nccl split: the control plane's group for color {} lacks this rank ({})", color, Who()));
  }
  const int group_rank = static_cast<int>(me - sub.members.begin());
  const int group_size = static_cast<int>(sub.members.size());

  CB_NCCL_CUDA_CHECK(cudaSetDevice(device_), Who());
  // A configuration of its own (not the parent's) with NCCL's defaults:
  // splitShare off, so each group gets its own channels and buffers, as a
  // separate job would.
  ncclConfig_t config = NCCL_CONFIG_INITIALIZER;
  ncclComm_t child = nullptr;
  const double t0 = Now();
  CB_NCCL_CHECK(ncclCommSplit(comm_, color, key, &child, &config), Who());
  double seconds = Now() - t0;
  std::unique_ptr<NcclCommunicator> c;
  try {
    int nccl_rank = -1, nccl_size = 0;
    CB_NCCL_CHECK(ncclCommUserRank(child, &nccl_rank), Who());
    CB_NCCL_CHECK(ncclCommCount(child, &nccl_size), Who());
    if (nccl_rank != group_rank || nccl_size != group_size) {
      // Results would be gathered under the wrong ranks: refuse.
      throw RuntimeError(
          fmt::format("nccl split: ncclCommSplit made this rank {} of {} but the control plane {} of {} (color {}, "
                      "key {}; {})",
                      nccl_rank, nccl_size, group_rank, group_size, color, key, Who()));
    }
    auto infos = std::make_shared<std::vector<RankInfo>>();
    for (int m : sub.members) infos->push_back((*ranks_)[static_cast<size_t>(m)]);
    // The group's figures agreed within it: the slowest member's creation
    // time, and the least memory left after NCCL's own allocations.
    seconds = sub.control->AllReduceMax(seconds);
    const size_t left = std::min(memory_limit_, MemoryLimitOf(device_, Who()));
    const size_t limit = static_cast<size_t>(-sub.control->AllReduceMax(-static_cast<double>(left)));
    Setup s;
    s.rank = group_rank;
    s.size = group_size;
    s.device = device_;
    s.comm = child;
    s.ranks = infos;
    s.init_seconds = seconds;
    s.init_method = "ncclCommSplit";
    s.memory_limit = limit;
    s.compute_major = compute_major_;  // the job's lowest: the same on every member, if cautious for the group
    s.control = sub.control.get();
    s.job = job_;
    c = std::make_unique<NcclCommunicator>(s);
  } catch (...) {
    ncclCommAbort(child);
    throw;
  }
  c->owned_control_ = std::move(sub.control);
  c->owns_comm_ = true;
  job_->Add(c.get());
  // Every member's stream exists before any member starts work on the group.
  c->control_->Barrier();
  return c;
}

std::string NcclCommunicator::Who() const {
  return fmt::format("rank {} of {} on host {}, GPU {}", rank_, size_, (*ranks_)[static_cast<size_t>(rank_)].host,
                     device_);
}

bool NcclCommunicator::Supports(OpKind op, DataType t, RedOp redop, std::string* why) const {
  std::string reason;
  if (IsReduction(op) && redop == RedOp::kAvg && !IsFloating(t)) {
    reason = "NCCL averages integers by integer division, which the exact check does not model; use a floating type";
  }
#if NCCL_VERSION_CODE < NCCL_VERSION(2, 24, 0)
  if (IsFp8(t)) reason = "this build's NCCL is older than 2.24, which added fp8 (ncclFloat8e4m3, ncclFloat8e5m2)";
#endif
  if (reason.empty() && IsFp8(t) && IsReduction(op) && compute_major_ < 9) {
    reason = fmt::format("NCCL reduces fp8 only on GPUs of compute capability 9.0 or later; this job's oldest is {}.x",
                         compute_major_);
  }
  if (why) *why = reason;
  return reason.empty();
}

void* NcclCommunicator::Alloc(size_t bytes) {
  CB_NCCL_CUDA_CHECK(cudaSetDevice(device_), Who());
  void* p = nullptr;
  const cudaError_t e = cudaMalloc(&p, std::max<size_t>(bytes, 1));
  if (e != cudaSuccess) {
    size_t free = 0, total = 0;
    cudaMemGetInfo(&free, &total);
    throw RuntimeError(fmt::format("nccl: cannot allocate {} bytes of device memory ({}: {} of {} bytes free; {})",
                                   bytes, cudaGetErrorName(e), free, total, Who()));
  }
  return p;
}

void NcclCommunicator::Free(void* p) {
  if (!p) return;
  CB_NCCL_CUDA_CHECK(cudaSetDevice(device_), Who());
  CB_NCCL_CUDA_CHECK(cudaFree(p), Who());
}

void NcclCommunicator::Upload(void* dst, const void* host_src, size_t bytes) {
  if (bytes == 0) return;
  CB_NCCL_CUDA_CHECK(cudaSetDevice(device_), Who());
  CB_NCCL_CUDA_CHECK(cudaMemcpyAsync(dst, host_src, bytes, cudaMemcpyHostToDevice, stream_), Who());
  Wait();
}

void NcclCommunicator::Download(void* host_dst, const void* src, size_t bytes) {
  if (bytes == 0) return;
  CB_NCCL_CUDA_CHECK(cudaSetDevice(device_), Who());
  CB_NCCL_CUDA_CHECK(cudaMemcpyAsync(host_dst, src, bytes, cudaMemcpyDeviceToHost, stream_), Who());
  Wait();
}

const void* NcclCommunicator::Unalias(const void* send, const void* recv, size_t bytes) {
  if (!Overlap(send, recv, bytes)) return send;
  CB_NCCL_CUDA_CHECK(cudaSetDevice(device_), Who());
  if (scratch_bytes_ < bytes) {
    // Grows with the size sweep, on every rank at the same op (the harness
    // lays out every rank alike). cudaFree and cudaMalloc may synchronise
    // more than this rank's stream; with GPUs driven by threads of one
    // process, a kernel of another rank waiting for this one would then never
    // end. So nobody has NCCL work in flight while the buffer changes.
    Wait();
    control_->Barrier();
    if (scratch_) CB_NCCL_CUDA_CHECK(cudaFree(scratch_), Who());
    scratch_ = nullptr;
    scratch_bytes_ = 0;
    const cudaError_t e = cudaMalloc(&scratch_, bytes);
    if (e != cudaSuccess) {
      scratch_ = nullptr;
      throw RuntimeError(
          fmt::format("nccl: in-place send and receive need a {}-byte staging buffer, and cudaMalloc failed ({}); "
                      "use a smaller -e ({})",
                      bytes, cudaGetErrorName(e), Who()));
    }
    scratch_bytes_ = bytes;
    control_->Barrier();
  }
  CB_NCCL_CUDA_CHECK(cudaMemcpyAsync(scratch_, send, bytes, cudaMemcpyDeviceToDevice, stream_), Who());
  return scratch_;
}

void NcclCommunicator::StartGroup(OpKind op, const void* send, void* recv, const Counts& c, DataType t, RedOp redop,
                                  int root, int ops) {
  if (ops <= 1) {
    if (ops == 1) Start(op, send, recv, c, t, redop, root);
    return;
  }
  Group group(*this);
  for (int i = 0; i < ops; ++i) Start(op, send, recv, c, t, redop, root);
  group.End();
}

void NcclCommunicator::Start(OpKind op, const void* send, void* recv, const Counts& c, DataType t, RedOp redop,
                             int root) {
  std::string why;
  if (!Supports(op, t, redop, &why)) {
    throw RuntimeError(fmt::format("nccl {} {}{}: {}", Name(op), Name(t),
                                   IsReduction(op) ? fmt::format(" {}", Name(redop)) : "", why));
  }
  const ncclDataType_t type = ToNccl(t);
  const ncclRedOp_t red = ToNccl(redop);
  switch (op) {
    case OpKind::kAllReduce:
      CB_NCCL_CHECK(ncclAllReduce(send, recv, c.recv_count, type, red, comm_, stream_), Who());
      break;
    case OpKind::kAllGather:
      CB_NCCL_CHECK(ncclAllGather(send, recv, c.send_count, type, comm_, stream_), Who());
      break;
    case OpKind::kReduceScatter:
      CB_NCCL_CHECK(ncclReduceScatter(send, recv, c.recv_count, type, red, comm_, stream_), Who());
      break;
    case OpKind::kBroadcast:
      CB_NCCL_CHECK(ncclBroadcast(send, recv, c.recv_count, type, root, comm_, stream_), Who());
      break;
    case OpKind::kReduce:
      CB_NCCL_CHECK(ncclReduce(send, recv, c.recv_count, type, red, root, comm_, stream_), Who());
      break;
    case OpKind::kAllToAll: {
      const size_t per_peer = c.send_count / static_cast<size_t>(size_);
      const size_t chunk = per_peer * SizeOf(t);
      const char* from = static_cast<const char*>(Unalias(send, recv, c.send_count * SizeOf(t)));
      char* to = static_cast<char*>(recv);
      Group group(*this);
      for (int p = 0; p < size_; ++p) {
        const size_t off = static_cast<size_t>(p) * chunk;
        CB_NCCL_CHECK(ncclSend(from + off, per_peer, type, p, comm_, stream_), Who());
        CB_NCCL_CHECK(ncclRecv(to + off, per_peer, type, p, comm_, stream_), Who());
      }
      group.End();
      break;
    }
    case OpKind::kSendRecv: {
      const void* from = Unalias(send, recv, c.send_count * SizeOf(t));
      Group group(*this);
      CB_NCCL_CHECK(ncclSend(from, c.send_count, type, SendPeer(rank_, size_), comm_, stream_), Who());
      CB_NCCL_CHECK(ncclRecv(recv, c.recv_count, type, RecvPeer(rank_, size_), comm_, stream_), Who());
      group.End();
      break;
    }
    case OpKind::kGather: {
      // As nccl-tests' gather.cu: every rank sends its block to the root, which
      // receives block r at r x count (in place, its own block is already there).
      if (c.send_count == 0) break;
      const size_t chunk = c.send_count * SizeOf(t);
      Group group(*this);
      CB_NCCL_CHECK(ncclSend(send, c.send_count, type, root, comm_, stream_), Who());
      if (rank_ == root) {
        for (int p = 0; p < size_; ++p) {
          CB_NCCL_CHECK(ncclRecv(static_cast<char*>(recv) + static_cast<size_t>(p) * chunk, c.send_count, type, p,
                                 comm_, stream_),
                        Who());
        }
      }
      group.End();
      break;
    }
    case OpKind::kScatter: {
      // As nccl-tests' scatter.cu (NCCL < 2.28): the root sends block r to rank r.
      if (c.recv_count == 0) break;
      const size_t chunk = c.recv_count * SizeOf(t);
      Group group(*this);
      if (rank_ == root) {
        for (int p = 0; p < size_; ++p) {
          CB_NCCL_CHECK(ncclSend(static_cast<const char*>(send) + static_cast<size_t>(p) * chunk, c.recv_count, type, p,
                                 comm_, stream_),
                        Who());
        }
      }
      CB_NCCL_CHECK(ncclRecv(recv, c.recv_count, type, root, comm_, stream_), Who());
      group.End();
      break;
    }
    case OpKind::kAllToAllv: {
      // As nccl-tests' alltoallv.cu: grouped sends and receives of the traffic
      // matrix's counts (op.h AllToAllvCount), peer p's slot at p x slot.
      const size_t slot = c.send_count / static_cast<size_t>(size_);
      const size_t chunk = slot * SizeOf(t);
      const char* from = static_cast<const char*>(Unalias(send, recv, c.send_count * SizeOf(t)));
      char* to = static_cast<char*>(recv);
      Group group(*this);
      for (int p = 0; p < size_; ++p) {
        const size_t off = static_cast<size_t>(p) * chunk;
        CB_NCCL_CHECK(ncclSend(from + off, AllToAllvCount(c, rank_, p, size_), type, p, comm_, stream_), Who());
        CB_NCCL_CHECK(ncclRecv(to + off, AllToAllvCount(c, p, rank_, size_), type, p, comm_, stream_), Who());
      }
      group.End();
      break;
    }
  }
}

void NcclCommunicator::SendRecv(const void* send, int to, void* recv, int from, size_t bytes) {
  if (to < -1 || to >= size_ || from < -1 || from >= size_) {
    throw RuntimeError(
        fmt::format("nccl sendrecv: peer out of range (to {}, from {}, {} ranks; {})", to, from, size_, Who()));
  }
  if (to < 0 && from < 0) return;
  if (to >= 0 && from >= 0 && Overlap(send, recv, bytes)) {
    // Staging would be collective (see Unalias); the harness never asks.
    throw RuntimeError(fmt::format("nccl sendrecv: the send and receive buffers overlap ({})", Who()));
  }
  Group group(*this);
  if (to >= 0) CB_NCCL_CHECK(ncclSend(send, bytes, ncclInt8, to, comm_, stream_), Who());
  if (from >= 0) CB_NCCL_CHECK(ncclRecv(recv, bytes, ncclInt8, from, comm_, stream_), Who());
  group.End();
}

void NcclCommunicator::Wait() {
  // As nccl-tests' testStreamSynchronize: poll the stream, and between polls
  // ask NCCL for asynchronous errors (a peer that died, a network error).
  for (;;) {
    const cudaError_t e = cudaStreamQuery(stream_);
    if (e == cudaSuccess) return;
    if (e != cudaErrorNotReady) ThrowCudaError(e, "cudaStreamQuery(stream)", Who(), __FILE__, __LINE__);
    if (job_->aborting.load()) Park();  // another local rank ends the job
    ncclResult_t async = ncclSuccess;
    CB_NCCL_CHECK(ncclCommGetAsyncError(comm_, &async), Who());
    if (async != ncclSuccess) {
      ThrowNcclError(async, "an enqueued NCCL operation (ncclCommGetAsyncError)", Who(), __FILE__, __LINE__);
    }
    if (job_->failed.load()) {
      throw RuntimeError(
          fmt::format("nccl: {} stopped waiting for its stream: another rank of this process failed", Who()));
    }
    std::this_thread::yield();
  }
}

void NcclCommunicator::Abort(int code) {
  std::fflush(stdout);
  std::fflush(stderr);
  if (job_->aborting.exchange(true)) Park();  // the first caller ends the job
  // ncclCommAbort stops kernels still waiting for peers, so that the GPUs
  // are free at once; it may itself wait on a broken peer, so bound it.
  auto done = std::make_shared<std::promise<void>>();
  std::future<void> finished = done->get_future();
  std::thread([job = job_, done] {
    for (const LocalJob::Entry& e : job->TakeAll()) {
      cudaSetDevice(e.device);
      ncclCommAbort(e.comm);
    }
    done->set_value();
  }).detach();
  finished.wait_for(kAbortGrace);
  control_->EndJob(code);
  std::abort();  // EndJob does not return (g++ does not see [[noreturn]] through the virtual call)
}

}  // namespace cb::coll::nccl_detail
