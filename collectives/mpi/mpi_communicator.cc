#include "collectives/mpi/mpi_communicator.h"

#include <unistd.h>

#include <fmt/format.h>
#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "collectives/fp8.h"
#include "collectives/mpi/mpi_call.h"
#include "collectives/mpi/mpi_device.h"
#include "collectives/mpi/mpi_watchdog.h"
#include "core/error.h"

namespace cb::coll {
namespace {

double Now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

// Sleeps between polls: short at first (the common case is that everybody
// is already there), then 200 us so waiting ranks leave the CPU to others.
class Backoff {
 public:
  void Sleep() {
    std::this_thread::sleep_for(std::chrono::microseconds(us_));
    us_ = std::min(us_ * 2, 200);
  }

 private:
  int us_ = 10;
};

// MPI datatype of t, or MPI_DATATYPE_NULL where MPI has none.
MPI_Datatype ToMpi(DataType t) {
  switch (t) {
    case DataType::kInt8:
      return MPI_INT8_T;
    case DataType::kUint8:
      return MPI_UINT8_T;
    case DataType::kInt32:
      return MPI_INT32_T;
    case DataType::kUint32:
      return MPI_UINT32_T;
    case DataType::kInt64:
      return MPI_INT64_T;
    case DataType::kUint64:
      return MPI_UINT64_T;
    case DataType::kFloat:
      return MPI_FLOAT;
    case DataType::kDouble:
      return MPI_DOUBLE;
    case DataType::kF8e4m3:
    case DataType::kF8e5m2:
      // Moved as bytes; reduced by the user ops below.
      return MPI_UINT8_T;
    case DataType::kHalf:
    case DataType::kBfloat16:
      return MPI_DATATYPE_NULL;
  }
  return MPI_DATATYPE_NULL;
}

// An fp8 reduction in software, as an MPI_User_function: decode both
// operands, combine exactly in double, round back to fp8 (ties to even).
// Two 8-bit operands have 65536 combinations, so the results are tabulated
// once (64 KiB per type and reduction, on first use) and the reduction is a
// table lookup per element rather than a decode and an encode.
template <uint8_t (*Encode)(double), double (*Decode)(uint8_t), RedOp kOp>
void Fp8Reduce(void* in, void* inout, int* len, MPI_Datatype*) {
  static const std::vector<uint8_t> table = [] {
    std::vector<uint8_t> t(256 * 256);
    for (int a = 0; a < 256; ++a) {
      for (int b = 0; b < 256; ++b) {
        t[static_cast<size_t>(a * 256 + b)] =
            Encode(Combine(kOp, Decode(static_cast<uint8_t>(a)), Decode(static_cast<uint8_t>(b))));
      }
    }
    return t;
  }();
  const auto* a = static_cast<const uint8_t*>(in);
  auto* b = static_cast<uint8_t*>(inout);
  for (int i = 0; i < *len; ++i) b[i] = table[static_cast<size_t>(a[i]) * 256 + b[i]];
}

// The user functions by index (Fp8OpIndex): f8e4m3, f8e5m2 x sum, prod, min, max.
constexpr int kFp8Ops = 8;
MPI_User_function* const kFp8Functions[kFp8Ops] = {
    Fp8Reduce<EncodeE4m3, DecodeE4m3, RedOp::kSum>, Fp8Reduce<EncodeE4m3, DecodeE4m3, RedOp::kProd>,
    Fp8Reduce<EncodeE4m3, DecodeE4m3, RedOp::kMin>, Fp8Reduce<EncodeE4m3, DecodeE4m3, RedOp::kMax>,
    Fp8Reduce<EncodeE5m2, DecodeE5m2, RedOp::kSum>, Fp8Reduce<EncodeE5m2, DecodeE5m2, RedOp::kProd>,
    Fp8Reduce<EncodeE5m2, DecodeE5m2, RedOp::kMin>, Fp8Reduce<EncodeE5m2, DecodeE5m2, RedOp::kMax>};

// The index of an fp8 type's reduction in kFp8Functions; -1 for avg (MPI has
// none, and neither is offered in software).
int Fp8OpIndex(DataType t, RedOp r) {
  const int base = t == DataType::kF8e4m3 ? 0 : 4;
  switch (r) {
    case RedOp::kSum:
      return base;
    case RedOp::kProd:
      return base + 1;
    case RedOp::kMin:
      return base + 2;
    case RedOp::kMax:
      return base + 3;
    case RedOp::kAvg:
      return -1;
  }
  return -1;
}

// MPI reduction of r, or MPI_OP_NULL where MPI has none.
MPI_Op ToMpi(RedOp r) {
  switch (r) {
    case RedOp::kSum:
      return MPI_SUM;
    case RedOp::kProd:
      return MPI_PROD;
    case RedOp::kMin:
      return MPI_MIN;
    case RedOp::kMax:
      return MPI_MAX;
    case RedOp::kAvg:
      return MPI_OP_NULL;
  }
  return MPI_OP_NULL;
}

bool Overlap(const void* a, size_t a_bytes, const void* b, size_t b_bytes) {
  if (a_bytes == 0 || b_bytes == 0) return false;
  const auto x = reinterpret_cast<uintptr_t>(a);
  const auto y = reinterpret_cast<uintptr_t>(b);
  return x < y + b_bytes && y < x + a_bytes;
}

}  // namespace

std::unique_ptr<Communicator> MpiCommunicator::Split(int color, int key) {
  MPI_Comm sub = MPI_COMM_NULL;
  Check(MPI_Comm_split(control_, color, key, &sub), "MPI_Comm_split");
  std::unique_ptr<MpiCommunicator> c;
  try {
    c = std::make_unique<MpiCommunicator>(sub);
  } catch (...) {
    MPI_Comm_free(&sub);
    throw;
  }
  MPI_Comm_free(&sub);
  // Keep each member's rank in this (parent) job in its RankInfo.
  int me = ranks_[static_cast<size_t>(rank_)].rank;
  std::vector<int> job(static_cast<size_t>(c->size_));
  Check(MPI_Allgather(&me, 1, MPI_INT, job.data(), 1, MPI_INT, c->control_), "MPI_Allgather");
  for (int i = 0; i < c->size_; ++i) c->ranks_[static_cast<size_t>(i)].rank = job[static_cast<size_t>(i)];
  c->max_message_bytes_ = max_message_bytes_;
  c->position_ = position_;  // the group's collectives move this rank's position
  if (device_) {
    // The group uses the same GPU memory; its members' devices are known here.
    c->device_ = device_;
    c->memory_limit_ = memory_limit_;
    for (RankInfo& ri : c->ranks_) {
      for (const RankInfo& p : ranks_) {
        if (p.rank == ri.rank) ri.device = p.device;
      }
    }
  }
  return c;
}

void MpiCommunicator::UseDeviceBuffers(std::shared_ptr<mpi_detail::DeviceBuffers> device) {
  if (!device) throw RuntimeError(fmt::format("mpi: no device for device buffers ({})", Who()));
  // Every rank's GPU, in fixed-size slots, for the report and the per-rank table.
  constexpr size_t kSlot = 256;
  std::string mine = device->description();
  mine.resize(kSlot - 1);
  std::vector<char> all(kSlot * static_cast<size_t>(size_), '\0');
  Check(MPI_Allgather(mine.c_str(), static_cast<int>(kSlot), MPI_CHAR, all.data(), static_cast<int>(kSlot), MPI_CHAR,
                      control_),
        "MPI_Allgather");
  for (int r = 0; r < size_; ++r) {
    const char* slot = all.data() + static_cast<size_t>(r) * kSlot;
    ranks_[static_cast<size_t>(r)].device.assign(slot, strnlen(slot, kSlot));
  }
  // The same cap on every rank, so that every rank sweeps the same sizes.
  uint64_t limit = device->memory_limit();
  Check(MPI_Allreduce(MPI_IN_PLACE, &limit, 1, MPI_UINT64_T, MPI_MIN, control_), "MPI_Allreduce");
  memory_limit_ = static_cast<size_t>(limit);
  device_ = std::move(device);
}

void MpiCommunicator::CopyLocal(void* dst, const void* src, size_t bytes) {
  if (bytes == 0) return;
  if (device_) {
    device_->Copy(dst, src, bytes);
  } else {
    std::memcpy(dst, src, bytes);
  }
}

const void* MpiCommunicator::Stage(const void* src, size_t bytes) {
  if (staging_bytes_ < bytes) {
    Free(staging_);
    staging_ = nullptr;
    staging_bytes_ = 0;
    staging_ = Alloc(bytes);
    staging_bytes_ = bytes;
  }
  CopyLocal(staging_, src, bytes);
  return staging_;
}

MpiCommunicator::MpiCommunicator(MPI_Comm parent) {
  const double t0 = Now();
  using mpi_detail::CheckMpi;
  CheckMpi(MPI_Comm_rank(parent, &rank_), "MPI_Comm_rank", "constructing the MPI communicator");
  CheckMpi(MPI_Comm_size(parent, &size_), "MPI_Comm_size", "constructing the MPI communicator");
  char name[MPI_MAX_PROCESSOR_NAME + 1] = {0};
  int len = 0;
  CheckMpi(MPI_Get_processor_name(name, &len), "MPI_Get_processor_name", fmt::format("rank {}", rank_));
  host_.assign(name, static_cast<size_t>(std::clamp(len, 0, MPI_MAX_PROCESSOR_NAME)));
  try {
    Check(MPI_Comm_dup(parent, &data_), "MPI_Comm_dup");
    Check(MPI_Comm_set_errhandler(data_, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
    Check(MPI_Comm_dup(parent, &control_), "MPI_Comm_dup");
    Check(MPI_Comm_set_errhandler(control_, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");

    // Every rank's host name in a fixed-size slot.
    std::vector<char> all(static_cast<size_t>(size_) * MPI_MAX_PROCESSOR_NAME);
    Check(MPI_Allgather(name, MPI_MAX_PROCESSOR_NAME, MPI_CHAR, all.data(), MPI_MAX_PROCESSOR_NAME, MPI_CHAR, control_),
          "MPI_Allgather");
    int on_my_host = 0;
    for (int r = 0; r < size_; ++r) {
      const char* slot = all.data() + static_cast<size_t>(r) * MPI_MAX_PROCESSOR_NAME;
      RankInfo info;
      info.rank = r;
      info.host.assign(slot, strnlen(slot, MPI_MAX_PROCESSOR_NAME));
      info.device = "cpu";
      on_my_host += info.host == host_;
      ranks_.push_back(std::move(info));
    }
    const long pages = sysconf(_SC_PHYS_PAGES);
    const long page_size = sysconf(_SC_PAGESIZE);
    const size_t physical =
        pages > 0 && page_size > 0 ? static_cast<size_t>(pages) * static_cast<size_t>(page_size) : 0;
    memory_limit_ = physical / static_cast<size_t>(std::max(on_my_host, 1)) / 4;
  } catch (...) {
    if (data_ != MPI_COMM_NULL) MPI_Comm_free(&data_);
    if (control_ != MPI_COMM_NULL) MPI_Comm_free(&control_);
    throw;
  }
  init_seconds_ = Now() - t0;
}

MpiCommunicator::~MpiCommunicator() {
  watchdog_.reset();
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (staging_) {
    try {
      Free(staging_);
    } catch (const std::exception&) {
      // a destructor does not throw; the process is ending anyway
    }
  }
  if (finalized) return;
  for (MPI_Op& o : fp8_ops_) {
    if (o != MPI_OP_NULL) MPI_Op_free(&o);
  }
  if (data_ != MPI_COMM_NULL) MPI_Comm_free(&data_);
  if (control_ != MPI_COMM_NULL) MPI_Comm_free(&control_);
}

std::string MpiCommunicator::Who() const { return fmt::format("rank {} of {} on host {}", rank_, size_, host_); }

void MpiCommunicator::Check(int rc, const char* call) const {
  if (rc != MPI_SUCCESS) mpi_detail::CheckMpi(rc, call, Who());
}

bool MpiCommunicator::Supports(OpKind op, DataType t, RedOp redop, std::string* why) const {
  std::string reason;
  if (ToMpi(t) == MPI_DATATYPE_NULL) {
    reason = "MPI has no half/bfloat16 type; use the NCCL backend";
  } else if (IsReduction(op) && ToMpi(redop) == MPI_OP_NULL) {
    reason = "MPI has no average reduction";
  } else if (IsReduction(op) && IsFp8(t) && device_) {
    reason = "fp8 is reduced in software on the CPU, which cannot read device buffers; use --buffers host or NCCL";
  }
  if (why) *why = reason;
  return reason.empty();
}

MPI_Op MpiCommunicator::ReductionOp(DataType t, RedOp r) {
  if (!IsFp8(t)) return ToMpi(r);
  const int i = Fp8OpIndex(t, r);
  if (i < 0) return MPI_OP_NULL;
  if (fp8_ops_.empty()) fp8_ops_.assign(kFp8Ops, MPI_OP_NULL);
  MPI_Op& op = fp8_ops_[static_cast<size_t>(i)];
  if (op == MPI_OP_NULL) Check(MPI_Op_create(kFp8Functions[i], /*commute=*/1, &op), "MPI_Op_create");
  return op;
}

void* MpiCommunicator::Alloc(size_t bytes) {
  if (device_) return device_->Alloc(bytes);
  // Page-aligned, as a bare benchmark's buffers usually are: a buffer that
  // starts 64 bytes into a page made shared-memory transfers of 16 MiB up to
  // 5% slower than a page-aligned one on the same ranks (benchmarks/
  // collectives_vs_bare.cc), and that is not the tool's cost to add.
  constexpr size_t kAlign = 4096;
  const size_t rounded = std::max(kAlign, (bytes + kAlign - 1) / kAlign * kAlign);
  void* p = std::aligned_alloc(kAlign, rounded);
  if (p == nullptr) {
    throw RuntimeError(fmt::format("mpi: cannot allocate {} bytes of host memory ({})", bytes, Who()));
  }
  return p;
}

void MpiCommunicator::Free(void* p) {
  if (device_) {
    device_->Free(p);
  } else {
    std::free(p);
  }
}

void MpiCommunicator::Upload(void* dst, const void* host_src, size_t bytes) {
  if (device_) {
    device_->Upload(dst, host_src, bytes);
  } else if (bytes) {
    std::memcpy(dst, host_src, bytes);
  }
}

void MpiCommunicator::Download(void* host_dst, const void* src, size_t bytes) {
  if (device_) {
    device_->Download(host_dst, src, bytes);
  } else if (bytes) {
    std::memcpy(host_dst, src, bytes);
  }
}

// One Start call: its arguments, their MPI forms, and the checks every op
// makes of them (each throws RuntimeError naming the op).
struct MpiCommunicator::Call {
  OpKind op;
  const void* send;
  void* recv;
  const Counts& c;
  DataType t;
  int root;
  MPI_Datatype type;
  MPI_Op mpi_op;  // MPI_OP_NULL for ops that do not reduce
  size_t elem;    // bytes per element
  size_t n;       // ranks
  size_t r;       // this rank

  char* recv_bytes() const { return static_cast<char*>(recv); }

  // MPI counts are int: larger calls would need derived datatypes.
  int Count(size_t elements) const {
    if (elements > static_cast<size_t>(INT_MAX)) {
      throw RuntimeError(
          fmt::format("mpi {}: {} elements of {} in one call exceed MPI's int count limit ({}); "
                      "use a smaller size or a larger data type",
                      Name(op), elements, Name(t), INT_MAX));
    }
    return static_cast<int>(elements);
  }

  void NoOverlap(const char* layout) const {
    if (Overlap(send, c.send_count * elem, recv, c.recv_count * elem)) {
      throw RuntimeError(fmt::format("mpi {}: send and receive buffers overlap but are not the in-place layout ({})",
                                     Name(op), layout));
    }
  }

  void Divides(size_t whole, size_t part, const char* what) const {
    if (whole != part * n) {
      throw RuntimeError(fmt::format("mpi {}: {} ({}) is not {} ranks x {}", Name(op), what, whole, n, part));
    }
  }
};

void MpiCommunicator::Start(OpKind op, const void* send, void* recv, const Counts& c, DataType t, RedOp redop,
                            int root) {
  Tick();
  std::string why;
  if (!Supports(op, t, redop, &why)) {
    throw RuntimeError(
        fmt::format("mpi {} {}{}: {}", Name(op), Name(t), IsReduction(op) ? fmt::format(" {}", Name(redop)) : "", why));
  }
  if (HasRoot(op) && (root < 0 || root >= size_)) {
    throw RuntimeError(fmt::format("mpi {}: root {} is not a rank of this job of {} ranks", Name(op), root, size_));
  }
  const Call s{op,
               send,
               recv,
               c,
               t,
               root,
               ToMpi(t),
               IsReduction(op) ? ReductionOp(t, redop) : MPI_OP_NULL,
               SizeOf(t),
               static_cast<size_t>(size_),
               static_cast<size_t>(rank_)};
  switch (op) {
    case OpKind::kAllReduce:
      StartAllReduce(s);
      break;
    case OpKind::kAllGather:
      StartAllGather(s);
      break;
    case OpKind::kReduceScatter:
      StartReduceScatter(s);
      break;
    case OpKind::kBroadcast:
      StartBroadcast(s);
      break;
    case OpKind::kReduce:
      StartReduce(s);
      break;
    case OpKind::kAllToAll:
      StartAllToAll(s);
      break;
    case OpKind::kSendRecv:
      StartSendRecv(s);
      break;
    case OpKind::kGather:
      StartGather(s);
      break;
    case OpKind::kScatter:
      StartScatter(s);
      break;
    case OpKind::kAllToAllv:
      StartAllToAllv(s);
      break;
  }
}

void MpiCommunicator::StartAllReduce(const Call& s) {
  const bool in_place = s.send == s.recv;
  if (!in_place) s.NoOverlap("recv == send");
  Check(MPI_Allreduce(in_place ? MPI_IN_PLACE : s.send, s.recv, s.Count(s.c.recv_count), s.type, s.mpi_op, data_),
        "MPI_Allreduce");
}

void MpiCommunicator::StartAllGather(const Call& s) {
  // In place: this rank's block already sits at its offset in recv.
  s.Divides(s.c.recv_count, s.c.send_count, "receive count");
  const bool in_place = s.send == s.recv_bytes() + s.r * s.c.send_count * s.elem;
  if (!in_place) s.NoOverlap("send == recv + rank x send_count");
  const int per_rank = s.Count(s.c.send_count);
  s.Count(s.c.recv_count);
  Check(MPI_Allgather(in_place ? MPI_IN_PLACE : s.send, per_rank, s.type, s.recv, per_rank, s.type, data_),
        "MPI_Allgather");
}

void MpiCommunicator::StartReduceScatter(const Call& s) {
  s.Divides(s.c.send_count, s.c.recv_count, "send count");
  const size_t block = s.c.recv_count * s.elem;
  const bool in_place = s.recv == static_cast<const char*>(s.send) + s.r * block;
  if (!in_place) s.NoOverlap("recv == send + rank x recv_count");
  const int per_rank = s.Count(s.c.recv_count);
  s.Count(s.c.send_count);
  if (in_place) {
    // MPI_IN_PLACE reduces the whole buffer and leaves this rank's block
    // at its start; nccl-tests expects it at the rank's offset.
    char* whole = s.recv_bytes() - s.r * block;
    Check(MPI_Reduce_scatter_block(MPI_IN_PLACE, whole, per_rank, s.type, s.mpi_op, data_), "MPI_Reduce_scatter_block");
    if (s.r != 0 && block) CopyLocal(s.recv, whole, block);  // r >= 1 blocks apart: no overlap
  } else {
    Check(MPI_Reduce_scatter_block(s.send, s.recv, per_rank, s.type, s.mpi_op, data_), "MPI_Reduce_scatter_block");
  }
}

void MpiCommunicator::StartBroadcast(const Call& s) {
  // The root's recv gets the data too (NCCL writes it): out of place the
  // root copies send to recv and broadcasts from recv.
  const int elements = s.Count(s.c.recv_count);
  if (s.send != s.recv && rank_ == s.root) {
    s.NoOverlap("recv == send");
    CopyLocal(s.recv, s.send, s.c.recv_count * s.elem);
  }
  Check(MPI_Bcast(s.recv, elements, s.type, s.root, data_), "MPI_Bcast");
}

void MpiCommunicator::StartReduce(const Call& s) {
  // recv matters on the root only; MPI_IN_PLACE is valid on the root only.
  const bool in_place = s.send == s.recv;
  if (!in_place && rank_ == s.root) s.NoOverlap("recv == send");
  const void* from = in_place && rank_ == s.root ? MPI_IN_PLACE : s.send;
  Check(MPI_Reduce(from, s.recv, s.Count(s.c.recv_count), s.type, s.mpi_op, s.root, data_), "MPI_Reduce");
}

void MpiCommunicator::StartAllToAll(const Call& s) {
  s.Divides(s.c.send_count, s.c.send_count / s.n, "send count");
  const bool in_place = s.send == s.recv;
  if (!in_place) s.NoOverlap("recv == send");
  const int per_peer = s.Count(s.c.send_count / s.n);
  s.Count(s.c.send_count);
  Check(MPI_Alltoall(in_place ? MPI_IN_PLACE : s.send, per_peer, s.type, s.recv, per_peer, s.type, data_),
        "MPI_Alltoall");
}

void MpiCommunicator::StartSendRecv(const Call& s) {
  if (s.send != s.recv) s.NoOverlap("recv == send");
  // MPI_Sendrecv_replace's internal buffer is host memory; with device
  // buffers stage the input on the device instead (counted in the time).
  const void* from = device_ && s.send == s.recv ? Stage(s.send, s.c.send_count * s.elem) : s.send;
  SendRecv(from, SendPeer(rank_, size_), s.recv, RecvPeer(rank_, size_), s.c.send_count * s.elem);
}

void MpiCommunicator::StartGather(const Call& s) {
  // In place: the root's block already sits at its offset in recv.
  s.Divides(s.c.recv_count, s.c.send_count, "receive count");
  const bool in_place = s.send == s.recv_bytes() + s.r * s.c.send_count * s.elem;
  if (!in_place && rank_ == s.root) s.NoOverlap("send == recv + rank x send_count");
  const int per_rank = s.Count(s.c.send_count);
  s.Count(s.c.recv_count);
  const void* from = in_place && rank_ == s.root ? MPI_IN_PLACE : s.send;
  Check(MPI_Gather(from, per_rank, s.type, s.recv, per_rank, s.type, s.root, data_), "MPI_Gather");
}

void MpiCommunicator::StartScatter(const Call& s) {
  // In place: the root's block stays at its offset in send, where recv is.
  s.Divides(s.c.send_count, s.c.recv_count, "send count");
  const bool in_place = s.recv == static_cast<const char*>(s.send) + s.r * s.c.recv_count * s.elem;
  if (!in_place && rank_ == s.root) s.NoOverlap("recv == send + rank x recv_count");
  const int per_rank = s.Count(s.c.recv_count);
  s.Count(s.c.send_count);
  void* into = in_place && rank_ == s.root ? MPI_IN_PLACE : s.recv;
  Check(MPI_Scatter(s.send, per_rank, s.type, into, per_rank, s.type, s.root, data_), "MPI_Scatter");
}

void MpiCommunicator::StartAllToAllv(const Call& s) {
  const size_t n = s.n;
  s.Divides(s.c.send_count, s.c.send_count / n, "send count");
  const bool in_place = s.send == s.recv;
  if (!in_place) s.NoOverlap("recv == send");
  const size_t slot = s.c.send_count / n;
  s.Count(s.c.send_count);
  // Counts and displacements per peer (O(n) per call, as MPI_Alltoallv's
  // own arguments are); nccl-tests' slot layout: peer p at p x slot.
  std::vector<int> send_counts(n), recv_counts(n), displs(n);
  bool symmetric = true;
  for (size_t p = 0; p < n; ++p) {
    send_counts[p] = s.Count(AllToAllvCount(s.c, rank_, static_cast<int>(p), size_));
    recv_counts[p] = s.Count(AllToAllvCount(s.c, static_cast<int>(p), rank_, size_));
    displs[p] = s.Count(p * slot);
    symmetric &= send_counts[p] == recv_counts[p];
  }
  // MPI_IN_PLACE sends what it receives (the receive counts); a traffic
  // matrix that is not symmetric stages the input instead (counted in
  // the time, as NCCL's in-place staging is). Every rank decides alike:
  // the matrix is the same everywhere, and one asymmetric pair makes
  // both of its ranks stage, which MPI_Alltoallv allows.
  if (in_place && !symmetric) {
    const void* from = Stage(s.send, s.c.send_count * s.elem);
    Check(MPI_Alltoallv(from, send_counts.data(), displs.data(), s.type, s.recv, recv_counts.data(), displs.data(),
                        s.type, data_),
          "MPI_Alltoallv");
  } else if (in_place) {
    Check(
        MPI_Alltoallv(MPI_IN_PLACE, nullptr, nullptr, s.type, s.recv, recv_counts.data(), displs.data(), s.type, data_),
        "MPI_Alltoallv");
  } else {
    Check(MPI_Alltoallv(s.send, send_counts.data(), displs.data(), s.type, s.recv, recv_counts.data(), displs.data(),
                        s.type, data_),
          "MPI_Alltoallv");
  }
}

void MpiCommunicator::StartRepeated(OpKind op, const void* send, void* recv, const Counts& c, DataType t, RedOp redop,
                                    int root, int iterations) {
  if (iterations <= 0) return;
  // The first call checks everything (and throws with the reason); the rest
  // of an all-reduce loop is the bare MPI call, as a bare benchmark loop is:
  // at 8 B a call costs ~0.2 us, and per-call checks and dispatch showed.
  Start(op, send, recv, c, t, redop, root);
  if (op != OpKind::kAllReduce) {
    for (int i = 1; i < iterations; ++i) Start(op, send, recv, c, t, redop, root);
    return;
  }
  const void* from = send == recv ? MPI_IN_PLACE : send;
  const int n = static_cast<int>(c.recv_count);
  const MPI_Datatype type = ToMpi(t);
  const MPI_Op mpi_op = ReductionOp(t, redop);
  for (int i = 1; i < iterations; ++i) {
    const int rc = MPI_Allreduce(from, recv, n, type, mpi_op, data_);
    if (rc != MPI_SUCCESS) Check(rc, "MPI_Allreduce");
  }
}

void MpiCommunicator::SendRecv(const void* send, int to, void* recv, int from, size_t bytes) {
  Tick();
  if (to < -1 || to >= size_ || from < -1 || from >= size_) {
    throw RuntimeError(
        fmt::format("mpi sendrecv: peer out of range (to {}, from {}, {} ranks; {})", to, from, size_, Who()));
  }
  const size_t chunk = std::clamp<size_t>(max_message_bytes_, 1, static_cast<size_t>(INT_MAX));
  const char* s = static_cast<const char*>(send);
  char* d = static_cast<char*>(recv);
  for (size_t off = 0; off < bytes; off += chunk) {
    const int m = static_cast<int>(std::min(chunk, bytes - off));
    if (to >= 0 && from >= 0) {
      if (send == recv) {
        Check(
            MPI_Sendrecv_replace(d + off, m, MPI_BYTE, to, kSendRecvTag, from, kSendRecvTag, data_, MPI_STATUS_IGNORE),
            "MPI_Sendrecv_replace");
      } else {
        Check(MPI_Sendrecv(s + off, m, MPI_BYTE, to, kSendRecvTag, d + off, m, MPI_BYTE, from, kSendRecvTag, data_,
                           MPI_STATUS_IGNORE),
              "MPI_Sendrecv");
      }
    } else if (to >= 0) {
      Check(MPI_Send(s + off, m, MPI_BYTE, to, kSendRecvTag, data_), "MPI_Send");
    } else if (from >= 0) {
      Check(MPI_Recv(d + off, m, MPI_BYTE, from, kSendRecvTag, data_, MPI_STATUS_IGNORE), "MPI_Recv");
    }
  }
}

void MpiCommunicator::Barrier() {
  Tick();
  Check(MPI_Barrier(control_), "MPI_Barrier");
}

std::vector<double> MpiCommunicator::Gather(const std::vector<double>& mine) {
  Tick();
  if (mine.size() > static_cast<size_t>(INT_MAX) / static_cast<size_t>(size_)) {
    throw RuntimeError(fmt::format("mpi Gather: {} values per rank is too many ({})", mine.size(), Who()));
  }
  const int m = static_cast<int>(mine.size());
  std::vector<double> all;
  if (rank_ == 0) all.resize(mine.size() * static_cast<size_t>(size_));
  Check(MPI_Gather(mine.data(), m, MPI_DOUBLE, rank_ == 0 ? all.data() : nullptr, m, MPI_DOUBLE, 0, control_),
        "MPI_Gather");
  return all;
}

double MpiCommunicator::AllReduceMax(double v) {
  Tick();
  double out = 0;
  Check(MPI_Allreduce(&v, &out, 1, MPI_DOUBLE, MPI_MAX, control_), "MPI_Allreduce");
  return out;
}

int64_t MpiCommunicator::AllReduceSum(int64_t v) {
  Tick();
  int64_t out = 0;
  Check(MPI_Allreduce(&v, &out, 1, MPI_INT64_T, MPI_SUM, control_), "MPI_Allreduce");
  return out;
}

double MpiCommunicator::Broadcast(double v) {
  Tick();
  Check(MPI_Bcast(&v, 1, MPI_DOUBLE, 0, control_), "MPI_Bcast");
  return v;
}

bool MpiCommunicator::ArriveWithin(double timeout_s, std::vector<int>* missing) {
  Tick();
  // This wait has its own deadline and names the ranks that miss it: the
  // watchdog does not judge positions meanwhile.
  struct Waiting {
    mpi_detail::MpiWatchdog* w;
    explicit Waiting(mpi_detail::MpiWatchdog* dog) : w(dog) {
      if (w) w->SetWaiting(true);
    }
    ~Waiting() {
      if (w) w->SetWaiting(false);
    }
  } waiting(watchdog_.get());
  if (missing) missing->clear();
  // The payload names the call, so a late "arrived" from an earlier call that
  // timed out is not taken for this one.
  const int sequence = ++arrive_sequence_;
  if (size_ == 1) return true;
  const double deadline = Now() + std::max(timeout_s, 0.0);

  // Polls *request until it completes (true) or, with a deadline, until the
  // deadline passes (false; the request stays active).
  auto poll = [&](MPI_Request* request, const char* call, double until) {
    Backoff backoff;
    for (;;) {
      int done = 0;
      Check(MPI_Test(request, &done, MPI_STATUS_IGNORE), call);
      if (done) return true;
      if (until > 0 && Now() >= until) return false;
      backoff.Sleep();
    }
  };

  if (rank_ != 0) {
    arrive_payload_ = sequence;
    MPI_Request sent = MPI_REQUEST_NULL, verdict = MPI_REQUEST_NULL;
    Check(MPI_Isend(&arrive_payload_, 1, MPI_INT, 0, kArriveTag, control_, &sent), "MPI_Isend");
    Check(MPI_Ibcast(&verdict_, 1, MPI_INT, 0, control_, &verdict), "MPI_Ibcast");
    // Rank 0 answers within its timeout; if it does not (it is the rank that
    // hangs), give up after a grace period and say so.
    if (!poll(&verdict, "MPI_Test(MPI_Ibcast)", deadline + 10.0)) {
      if (missing) *missing = {0};
      return false;
    }
    if (verdict_) {
      Check(MPI_Wait(&sent, MPI_STATUS_IGNORE), "MPI_Wait(MPI_Isend)");
    } else {
      // Rank 0 may have given up before our message came; let MPI finish it.
      Check(MPI_Request_free(&sent), "MPI_Request_free");
    }
    return verdict_ != 0;
  }

  const size_t others = static_cast<size_t>(size_ - 1);
  std::vector<MPI_Request> received(others, MPI_REQUEST_NULL);
  std::vector<int> payload(others, 0);
  std::vector<char> arrived(others, 0);
  auto post = [&](size_t i) {
    Check(MPI_Irecv(&payload[i], 1, MPI_INT, static_cast<int>(i) + 1, kArriveTag, control_, &received[i]), "MPI_Irecv");
  };
  for (size_t i = 0; i < others; ++i) post(i);
  std::vector<int> indices(others);
  size_t pending = others;
  Backoff backoff;
  while (pending > 0) {
    int completed = 0;
    Check(MPI_Testsome(static_cast<int>(others), received.data(), &completed, indices.data(), MPI_STATUSES_IGNORE),
          "MPI_Testsome");
    for (int k = 0; k < completed && completed != MPI_UNDEFINED; ++k) {
      const size_t i = static_cast<size_t>(indices[static_cast<size_t>(k)]);
      if (payload[i] == sequence) {
        arrived[i] = 1;
        --pending;
      } else {
        post(i);  // stale: from a call this rank already gave up on
      }
    }
    if (pending == 0 || Now() >= deadline) break;
    backoff.Sleep();
  }
  // Withdraw the receives still open. One that matched meanwhile counts.
  for (size_t i = 0; i < others; ++i) {
    if (received[i] == MPI_REQUEST_NULL) continue;
    Check(MPI_Cancel(&received[i]), "MPI_Cancel");
    MPI_Status status;
    Check(MPI_Wait(&received[i], &status), "MPI_Wait(MPI_Irecv)");
    int cancelled = 0;
    Check(MPI_Test_cancelled(&status, &cancelled), "MPI_Test_cancelled");
    if (!cancelled && payload[i] == sequence && !arrived[i]) {
      arrived[i] = 1;
      --pending;
    }
  }

  verdict_ = pending == 0 ? 1 : 0;
  MPI_Request verdict = MPI_REQUEST_NULL;
  Check(MPI_Ibcast(&verdict_, 1, MPI_INT, 0, control_, &verdict), "MPI_Ibcast");
  if (verdict_) {
    poll(&verdict, "MPI_Test(MPI_Ibcast)", 0);  // everybody is there: it completes
    return true;
  }
  // A missing rank may hold up the broadcast's tree; give it a moment, then
  // leave the request active (the caller aborts the job).
  poll(&verdict, "MPI_Test(MPI_Ibcast)", Now() + 1.0);
  if (missing) {
    for (size_t i = 0; i < others; ++i) {
      if (!arrived[i]) missing->push_back(static_cast<int>(i) + 1);
    }
  }
  return false;
}

bool MpiCommunicator::WatchProgress(double timeout_s, StallHandler on_stall, std::string* why) {
  return WatchProgressNaming(ranks_, timeout_s, std::move(on_stall), why);
}

bool MpiCommunicator::WatchProgressNaming(const std::vector<RankInfo>& names, double timeout_s, StallHandler on_stall,
                                          std::string* why) {
  if (names.size() != ranks_.size()) {
    throw RuntimeError(
        fmt::format("mpi watchdog: {} rank names for a communicator of {} ranks", names.size(), ranks_.size()));
  }
  if (why) why->clear();
  if (size_ == 1 || timeout_s <= 0) return false;
  // An escape hatch, the same on every rank (the launcher's environment).
  if (const char* off = std::getenv("CB_PROGRESS_WATCHDOG"); off && std::string(off) == "0") {
    if (why) *why = "CB_PROGRESS_WATCHDOG=0: only arrival is watched";
    return false;
  }
  // Nested (validate watches the whole suite, its fabric checks' harness
  // again): the outer watch stays, with its handler.
  if (watch_depth_++ > 0) return watchdog_ != nullptr;
  // Its own TCP links (collective; the same answer on every rank), so MPI
  // stays at MPI_THREAD_SINGLE (beat_links.h).
  auto links = std::make_unique<mpi_detail::BeatLinks>();
  std::string no_links;
  if (!links->Open(control_, std::clamp(timeout_s / 4, 2.0, 10.0), &no_links)) {
    if (why) *why = no_links + "; only arrival is watched";
    return false;
  }
  watchdog_ = std::make_unique<mpi_detail::MpiWatchdog>(std::move(links), names, rank_, timeout_s, std::move(on_stall),
                                                        position_);
  return true;
}

void MpiCommunicator::StopWatching() {
  if (watch_depth_ > 0 && --watch_depth_ > 0) return;
  watchdog_.reset();
}

void MpiCommunicator::Progress(const std::string& step) {
  const int64_t steps = (position_->load(std::memory_order_relaxed) >> 32) + 1;
  position_->store(steps << 32, std::memory_order_relaxed);
  if (watchdog_) watchdog_->Progress(step);
}

std::vector<int> MpiCommunicator::SilentRanks(double t0, double t1) const {
  return watchdog_ ? watchdog_->SilentRanks(t0, t1) : std::vector<int>{};
}

std::vector<int> MpiCommunicator::VanishedRanks() const {
  return watchdog_ ? watchdog_->VanishedRanks() : std::vector<int>{};
}

void MpiCommunicator::Abort(int code) { mpi_detail::AbortJobOnce(code); }

}  // namespace cb::coll
