// Tests of the MPI collectives backend, run by CTest under mpiexec with 2, 4
// and 8 ranks on one host. Every rank runs the same checks; a rank that sees
// a failure prints "rank R: FAIL ..." and the process exits non-zero, which
// makes mpiexec exit non-zero.
//
//   mpi_backend_test                   the checks below
//   mpi_backend_test --arrive-timeout  the watchdog scenario: rank n-1 never
//       arrives; rank 0 must see ArriveWithin(1 s) fail within a few seconds
//       with missing == {n-1}, print "arrive-timeout: OK missing=[n-1]" and
//       Abort(6).
//   mpi_backend_test --throw           rank n-1 throws from its body while
//       the others wait in a Barrier: the job must end (exit status 1, the
//       error printed), not hang in MPI_Finalize or the Barrier.
// expect_exit.sh checks how the last two end.
//
// The backend comes from the registered "collectives:mpi" factory, as the app
// gets it, so the registration is tested too.
#include <fmt/format.h>
#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "collectives/backend.h"
#include "collectives/mpi/mpi_backend.h"
#include "collectives/mpi/mpi_communicator.h"
#include "core/backends.h"
#include "core/error.h"

namespace cb::coll {
namespace {

double Now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

class Checker {
 public:
  explicit Checker(const Communicator& comm) : comm_(comm) {}
  // Records a failure on this rank when !ok.
  void Expect(bool ok, const std::string& what) {
    if (ok) return;
    ++failures_;
    std::fprintf(stderr, "rank %d: FAIL %s\n", comm_.rank(), what.c_str());
    std::fflush(stderr);
  }
  int failures() const { return failures_; }

 private:
  const Communicator& comm_;
  int failures_ = 0;
};

constexpr unsigned char kPoison = 0xA5;  // never one of the verifiable values

std::string Describe(OpKind op, DataType t, RedOp redop, bool in_place, size_t size, int root) {
  return fmt::format("{} {}{} {} bytes {}{}", Name(op), Name(t), IsReduction(op) ? fmt::format(" {}", Name(redop)) : "",
                     size, in_place ? "in place" : "out of place", HasRoot(op) ? fmt::format(" root {}", root) : "");
}

// Runs one op on this rank with the harness's buffer layout and returns the
// elements this rank got wrong. Collective: every rank calls it alike.
int64_t RunOp(Communicator& comm, OpKind op, DataType t, RedOp redop, bool in_place, const Counts& c, int root,
              int corrupt_rank) {
  const int rank = comm.rank(), n = comm.size();
  const size_t es = SizeOf(t);
  const size_t send_bytes = c.send_count * es, recv_bytes = c.recv_count * es;
  std::vector<unsigned char> send_host(send_bytes, kPoison), recv_host(recv_bytes, kPoison);
  FillSend(op, redop, t, rank, n, root, send_host.data(), c, rank == corrupt_rank);

  void* send = nullptr;
  void* recv = nullptr;
  void* first = nullptr;
  void* second = nullptr;
  if (in_place) {
    // One buffer, laid out as nccl-tests (and the harness) lay in-place ops out.
    const size_t bytes = std::max(send_bytes, recv_bytes);
    char* buf = static_cast<char*>(comm.Alloc(bytes));
    first = buf;
    std::vector<unsigned char> poison(bytes, kPoison);
    comm.Upload(buf, poison.data(), bytes);
    if (op == OpKind::kAllGather || op == OpKind::kGather) {
      send = buf + static_cast<size_t>(rank) * send_bytes;
      recv = buf;
    } else if (op == OpKind::kReduceScatter || op == OpKind::kScatter) {
      send = buf;
      recv = buf + static_cast<size_t>(rank) * recv_bytes;
    } else {
      send = recv = buf;
    }
    // Broadcast, scatter: only the root's input is defined; elsewhere the poison stays.
    if ((op != OpKind::kBroadcast && op != OpKind::kScatter) || rank == root) {
      comm.Upload(send, send_host.data(), send_bytes);
    }
  } else {
    first = send = comm.Alloc(send_bytes);
    second = recv = comm.Alloc(recv_bytes);
    comm.Upload(send, send_host.data(), send_bytes);
    comm.Upload(recv, recv_host.data(), recv_bytes);
  }
  comm.Start(op, send, recv, c, t, redop, root);
  comm.Wait();
  comm.Download(recv_host.data(), recv, recv_bytes);
  comm.Free(first);
  if (second) comm.Free(second);
  return CountWrong(op, redop, t, rank, n, root, recv_host.data(), c);
}

// Every op x {int8, int32, float, double, f8e4m3, f8e5m2} x {sum, prod, min, max} (for
// reductions) x {out of place, in place} x sizes from one element to 1 MiB:
// the exact expected result on every rank (CountWrong == 0).
void CheckAllOps(Communicator& comm, Checker& check) {
  const int n = comm.size();
  int cases = 0;
  for (OpKind op : AllOps()) {
    // fp8 travels as bytes and reduces through user-defined MPI_Ops.
    for (DataType t : {DataType::kInt8, DataType::kInt32, DataType::kFloat, DataType::kDouble, DataType::kF8e4m3,
                       DataType::kF8e5m2}) {
      std::vector<RedOp> redops = {RedOp::kSum};
      if (IsReduction(op)) redops = {RedOp::kSum, RedOp::kProd, RedOp::kMin, RedOp::kMax};
      for (RedOp redop : redops) {
        // One element (per rank where the op divides among ranks), a size
        // that is not a power of two, and 1 MiB (64 KiB in fp8, whose
        // software reduction on 8 oversubscribed ranks would take minutes).
        const size_t large = IsFp8(t) ? size_t{1} << 16 : size_t{1} << 20;
        std::vector<size_t> sizes;
        for (size_t s : {SizeOf(t), SizeOf(t) * static_cast<size_t>(n), size_t{1000}, large}) {
          size_t aligned = AlignSize(op, s, t, n);
          if (aligned > 0 && std::find(sizes.begin(), sizes.end(), aligned) == sizes.end()) sizes.push_back(aligned);
        }
        for (size_t size : sizes) {
          for (bool in_place : {false, true}) {
            const int root = cases++ % n;  // visit every root
            const Counts c = CountsFor(op, size, t, n);
            const int64_t wrong = RunOp(comm, op, t, redop, in_place, c, root, -1);
            check.Expect(wrong == 0,
                         fmt::format("{}: {} wrong elements", Describe(op, t, redop, in_place, size, root), wrong));
            // Every rank learns whether any rank failed, so a rank that got
            // its own part right still reports a broken case.
            const int64_t total = comm.AllReduceSum(wrong);
            if (comm.rank() == 0 && total != 0) {
              std::fprintf(stderr, "rank 0: %s: %lld wrong elements over all ranks\n",
                           Describe(op, t, redop, in_place, size, root).c_str(), static_cast<long long>(total));
            }
          }
        }
      }
    }
  }
  check.Expect(cases >= 400, fmt::format("ran only {} op cases", cases));
  if (comm.rank() == 0) std::printf("ops: %d cases on %d ranks\n", cases, n);
}

// A corrupting rank (rank 1; the root for broadcast and scatter, whose input
// is the only one) must make some rank see wrong elements, for every op and placement:
// the checks can fail.
void CheckCorruptionIsSeen(Communicator& comm, Checker& check) {
  const int n = comm.size();
  for (OpKind op : AllOps()) {
    for (bool in_place : {false, true}) {
      const int root = n - 1;
      const int corrupt = op == OpKind::kBroadcast || op == OpKind::kScatter ? root : 1;
      const Counts c = CountsFor(op, 1000, DataType::kFloat, n);
      const int64_t wrong = RunOp(comm, op, DataType::kFloat, RedOp::kSum, in_place, c, root, corrupt);
      const int64_t total = comm.AllReduceSum(wrong);
      check.Expect(total > 0, fmt::format("{} with rank {} corrupting: no rank saw a wrong element",
                                          Describe(op, DataType::kFloat, RedOp::kSum, in_place, 1000, root), corrupt));
    }
  }
}

// What MPI cannot do is refused with a reason, and Start throws for it.
void CheckSupports(Communicator& comm, Checker& check) {
  std::string why;
  for (DataType t : {DataType::kHalf, DataType::kBfloat16}) {
    check.Expect(!comm.Supports(OpKind::kAllGather, t, RedOp::kSum, &why), fmt::format("{} supported", Name(t)));
    check.Expect(why == "MPI has no half/bfloat16 type; use the NCCL backend", "half/bfloat16 reason: " + why);
  }
  check.Expect(!comm.Supports(OpKind::kAllReduce, DataType::kFloat, RedOp::kAvg, &why), "avg supported");
  check.Expect(why == "MPI has no average reduction", "avg reason: " + why);
  check.Expect(comm.Supports(OpKind::kBroadcast, DataType::kFloat, RedOp::kAvg, &why),
               "broadcast refused because of a redop it does not use");
  for (DataType t : {DataType::kInt8, DataType::kUint8, DataType::kInt32, DataType::kUint32, DataType::kInt64,
                     DataType::kUint64, DataType::kFloat, DataType::kDouble}) {
    for (OpKind op : AllOps()) {
      for (RedOp r : {RedOp::kSum, RedOp::kProd, RedOp::kMin, RedOp::kMax}) {
        check.Expect(comm.Supports(op, t, r, &why) && why.empty(),
                     fmt::format("{} {} {} refused: {}", Name(op), Name(t), Name(r), why));
      }
    }
  }

  // These throw before any MPI call, on every rank alike.
  void* buf = comm.Alloc(64);
  auto expect_throw = [&](const char* what, const std::string& needle, auto&& call) {
    try {
      call();
      check.Expect(false, fmt::format("{}: no exception", what));
    } catch (const RuntimeError& e) {
      check.Expect(std::string(e.what()).find(needle) != std::string::npos,
                   fmt::format("{}: message '{}' lacks '{}'", what, e.what(), needle));
    }
  };
  const Counts two = CountsFor(OpKind::kAllReduce, 8, DataType::kHalf, comm.size());
  expect_throw("half all_reduce", "half/bfloat16",
               [&] { comm.Start(OpKind::kAllReduce, buf, buf, two, DataType::kHalf, RedOp::kSum, 0); });
  Counts huge;
  huge.count = huge.send_count = huge.recv_count = size_t{3} << 30;  // > INT_MAX; never touched
  expect_throw("3 Gi elements", "int count limit",
               [&] { comm.Start(OpKind::kAllReduce, buf, buf, huge, DataType::kFloat, RedOp::kSum, 0); });
  const Counts four = CountsFor(OpKind::kAllReduce, 16, DataType::kFloat, comm.size());
  expect_throw("overlapping buffers", "overlap", [&] {
    comm.Start(OpKind::kAllReduce, buf, static_cast<char*>(buf) + 4, four, DataType::kFloat, RedOp::kSum, 0);
  });
  expect_throw("root outside the job", "root",
               [&] { comm.Start(OpKind::kBroadcast, buf, buf, four, DataType::kFloat, RedOp::kSum, comm.size()); });
  comm.Free(buf);
}

unsigned char Pattern(int rank, size_t i) { return static_cast<unsigned char>(rank * 31 + i * 7); }

// SendRecv: a ring exchange split into many messages (max message 4 KiB, a
// size that is not a multiple of it), in place and out of place, and a
// one-way transfer where the other ranks pass -1 for both peers.
void CheckSendRecv(Communicator& comm, Checker& check) {
  auto& mpi = dynamic_cast<MpiCommunicator&>(comm);
  const size_t saved = mpi.max_message_bytes();
  mpi.set_max_message_bytes(4096);
  const int rank = comm.rank(), n = comm.size();
  const size_t bytes = (size_t{1} << 20) + 123;
  const int to = SendPeer(rank, n), from = RecvPeer(rank, n);
  std::vector<unsigned char> mine(bytes), got(bytes);
  for (size_t i = 0; i < bytes; ++i) mine[i] = Pattern(rank, i);
  auto wrong_from = [&](int peer) {
    size_t wrong = 0;
    for (size_t i = 0; i < bytes; ++i) wrong += got[i] != Pattern(peer, i);
    return wrong;
  };
  for (bool in_place : {false, true}) {
    void* send = comm.Alloc(bytes);
    void* recv = in_place ? send : comm.Alloc(bytes);
    comm.Upload(send, mine.data(), bytes);
    comm.SendRecv(send, to, recv, from, bytes);
    comm.Wait();
    comm.Download(got.data(), recv, bytes);
    check.Expect(wrong_from(from) == 0, fmt::format("ring SendRecv {}: {} wrong bytes from rank {}",
                                                    in_place ? "in place" : "out of place", wrong_from(from), from));
    if (recv != send) comm.Free(recv);
    comm.Free(send);
  }
  void* buf = comm.Alloc(bytes);
  const int last = n - 1;
  if (rank == 0) {
    comm.Upload(buf, mine.data(), bytes);
    comm.SendRecv(buf, last, nullptr, -1, bytes);
  } else if (rank == last) {
    comm.SendRecv(nullptr, -1, buf, 0, bytes);
    comm.Download(got.data(), buf, bytes);
    check.Expect(wrong_from(0) == 0, fmt::format("one-way SendRecv 0 -> {}: {} wrong bytes", last, wrong_from(0)));
  } else {
    comm.SendRecv(nullptr, -1, nullptr, -1, bytes);  // no peer: returns at once
  }
  comm.Wait();
  comm.Free(buf);
  mpi.set_max_message_bytes(saved);
  comm.Barrier();
}

// The control plane: values with a closed form over n ranks.
void CheckControlPlane(Communicator& comm, Checker& check) {
  const int rank = comm.rank(), n = comm.size();
  comm.Barrier();
  // Gather: rank 0 gets {0, 0, 1, 10, 2, 20, ...}; the others nothing.
  std::vector<double> all = comm.Gather({static_cast<double>(rank), rank * 10.0});
  if (rank == 0) {
    bool ok = all.size() == static_cast<size_t>(2 * n);
    for (int r = 0; ok && r < n; ++r) ok = all[2 * r] == r && all[2 * r + 1] == r * 10.0;
    check.Expect(ok, fmt::format("Gather on rank 0: {} values, not rank order", all.size()));
  } else {
    check.Expect(all.empty(), "Gather returned values on a rank other than 0");
  }
  check.Expect(comm.AllReduceMax(rank + 0.5) == n - 0.5, "AllReduceMax != n - 0.5");
  // Sum of (r + 1) x 2^32 over ranks: n(n+1)/2 x 2^32, beyond 32 bits.
  const int64_t big = int64_t{1} << 32;
  check.Expect(comm.AllReduceSum((rank + 1) * big) == int64_t{n} * (n + 1) / 2 * big, "AllReduceSum");
  check.Expect(comm.Broadcast(rank == 0 ? 42.5 : -1.0) == 42.5, "Broadcast did not carry rank 0's value");
}

void CheckIdentity(Backend& backend, Communicator& comm, Checker& check) {
  const int n = comm.size();
  check.Expect(backend.name() == "mpi" && comm.backend() == "mpi", "backend name is not mpi");
  check.Expect(backend.world_size() == n && backend.local_ranks() == 1, "world_size/local_ranks");
  check.Expect(backend.holds_rank0() == (comm.rank() == 0), "holds_rank0");
  check.Expect(comm.ranks().size() == static_cast<size_t>(n), "ranks() size");
  std::string hosts;
  for (int r = 0; r < n && static_cast<size_t>(r) < comm.ranks().size(); ++r) {
    const RankInfo& info = comm.ranks()[static_cast<size_t>(r)];
    check.Expect(info.rank == r && !info.host.empty() && info.device == "cpu",
                 fmt::format("ranks()[{}] = {{{}, '{}', '{}'}}", r, info.rank, info.host, info.device));
    hosts += info.host + ";";
  }
  // The same table on every rank: compare a checksum of it.
  const int64_t h = static_cast<int64_t>(std::hash<std::string>{}(hosts)&0xffffffff);
  check.Expect(comm.AllReduceSum(h) == h * n, "ranks() differs between ranks");
  check.Expect(comm.memory_limit() > 0, "memory_limit() is 0");
  check.Expect(comm.init_seconds() >= 0, "init_seconds() < 0");
}

// Everybody arrives (one rank a little late): true, nobody missing; twice,
// so the second call is not confused by the first.
void CheckArrival(Communicator& comm, Checker& check) {
  for (int round = 0; round < 2; ++round) {
    if (comm.rank() == comm.size() - 1) std::this_thread::sleep_for(std::chrono::milliseconds(300));
    std::vector<int> missing = {-7};
    const bool ok = comm.ArriveWithin(30, &missing);
    check.Expect(ok && missing.empty(),
                 fmt::format("ArriveWithin round {}: {} with {} missing", round, ok, missing.size()));
  }
}

// Rank n-1 never arrives. Rank 0 must give up after the 1 s timeout, name
// rank n-1 and end the job with Abort(6); the other ranks get false.
[[noreturn]] void ArriveTimeout(Communicator& comm) {
  const int rank = comm.rank(), n = comm.size();
  if (rank == n - 1) {
    std::this_thread::sleep_for(std::chrono::seconds(30));  // never arrives
    std::fprintf(stderr, "rank %d: still alive after 30 s: nobody aborted the job\n", rank);
    comm.Abort(1);
  }
  const double t0 = Now();
  std::vector<int> missing;
  const bool ok = comm.ArriveWithin(1.0, &missing);
  const double elapsed = Now() - t0;
  std::string who;
  for (int r : missing) who += fmt::format("{}{}", who.empty() ? "" : ",", r);
  if (rank != 0) {
    std::printf("arrive-timeout: rank %d: ArriveWithin returned %s after %.2f s\n", rank, ok ? "true" : "false",
                elapsed);
    std::fflush(stdout);
    std::this_thread::sleep_for(std::chrono::seconds(30));  // rank 0 aborts the job
    comm.Abort(1);
  }
  std::printf("arrive-timeout: rank 0: ArriveWithin returned %s after %.2f s, missing [%s]\n", ok ? "true" : "false",
              elapsed, who.c_str());
  const bool pass = !ok && missing == std::vector<int>{n - 1} && elapsed >= 0.9 && elapsed < 5;
  if (pass) std::printf("arrive-timeout: OK missing=[%d]\n", n - 1);
  std::fflush(stdout);
  comm.Abort(pass ? 6 : 1);
  std::abort();  // Abort does not return (g++ does not see [[noreturn]] through the virtual call)
}

// The NCCL backend's control plane watches progress through
// MpiCommunicator::WatchProgressNaming with the NCCL ranks' GPUs as names:
// the last rank stops itself inside a barrier and rank 0 must name it by the
// name given (not the MPI communicator's "cpu"), then end the job with 6.
[[noreturn]] void StallNames(Communicator& comm) {
  auto& mpi = dynamic_cast<MpiCommunicator&>(comm);
  const int rank = comm.rank(), n = comm.size();
  try {
    mpi.WatchProgressNaming(
        {}, 2.0, [](const std::string&) {}, nullptr);
    std::printf("stall-names: FAIL no error for 0 names on %d ranks\n", n);
  } catch (const RuntimeError& e) {
    if (rank == 0) std::printf("stall-names: wrong count refused: %s\n", e.what());
  }
  std::vector<RankInfo> names = comm.ranks();
  for (RankInfo& r : names) r.device = fmt::format("GPU {} (named by the test)", r.rank);
  std::string why;
  const bool watching = mpi.WatchProgressNaming(
      names, 2.0,
      [](const std::string& message) {
        std::printf("stall-names: handler: %s\n", message.c_str());
        std::fflush(stdout);
      },
      &why);
  if (!watching) {
    std::printf("stall-names: FAIL not watching: %s\n", why.c_str());
    std::fflush(stdout);
    comm.Abort(1);
  }
  if (rank == n - 1) std::raise(SIGSTOP);
  comm.Barrier();  // never completes: the watchdog ends the job
  std::printf("stall-names: FAIL rank %d passed the barrier\n", rank);
  std::fflush(stdout);
  comm.Abort(1);
  std::abort();
}

int Main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  Backends backends;
  RegisterMpiBackend(backends);
  const BackendFactory& factory = *backends.factories.Find(BackendKey("mpi"));
  std::unique_ptr<Backend> backend = factory(BackendOptions{});
  int failures = 0;
  backend->Run([&](Communicator& comm) {
    if (mode == "--arrive-timeout") ArriveTimeout(comm);
    if (mode == "--stall-names") StallNames(comm);
    if (mode == "--throw") {
      if (comm.rank() == comm.size() - 1) throw RuntimeError(fmt::format("injected failure on rank {}", comm.rank()));
      comm.Barrier();  // never completes: the failing rank is not coming
      std::fprintf(stderr, "rank %d: FAIL passed a Barrier without rank %d\n", comm.rank(), comm.size() - 1);
      return;
    }
    Checker check(comm);
    CheckIdentity(*backend, comm, check);
    CheckControlPlane(comm, check);
    CheckSupports(comm, check);
    CheckArrival(comm, check);
    CheckSendRecv(comm, check);
    CheckAllOps(comm, check);
    CheckCorruptionIsSeen(comm, check);
    const int64_t total = comm.AllReduceSum(check.failures());
    if (comm.rank() == 0)
      std::printf("%s: %lld failures on %d ranks\n", total ? "FAIL" : "PASS", static_cast<long long>(total),
                  comm.size());
    failures = static_cast<int>(total);
  });
  return failures == 0 ? 0 : 1;
}

}  // namespace
}  // namespace cb::coll

int main(int argc, char** argv) {
  try {
    return cb::coll::Main(argc, argv);
  } catch (const std::exception& e) {
    // The backend skips MPI_Finalize after an exception: mpiexec then ends
    // the other ranks instead of leaving them waiting in a collective.
    std::fprintf(stderr, "mpi_backend_test: error: %s\n", e.what());
    return 1;
  }
}
