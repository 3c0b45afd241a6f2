// The loopback backend: ranks are threads of this process, buffers are host
// memory, and every op is computed from the ranks' inputs with the exact
// semantics NCCL and MPI give it. It exists so the harness (sizes, timing,
// checks, injections, watchdog, output) is tested anywhere; its bandwidth
// numbers mean nothing.
#include <fmt/format.h>
#include <unistd.h>
#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <map>
#include <mutex>
#include <thread>

#include "collectives/backend.h"
#include "collectives/thread_group.h"
#include "core/error.h"
#include "core/node_info.h"

namespace cb::coll {
namespace {

// Shared state of the job: the control plane (barriers, small collectives,
// arrival; collectives/thread_group.h) and per-rank slots for the data.
class Shared {
 public:
  explicit Shared(int n) : group_(n), slots_(static_cast<size_t>(n)) {
    const std::string host = HostName();
    for (int r = 0; r < n; ++r) infos_.push_back({r, host, fmt::format("cpu (thread {})", r)});
  }
  explicit Shared(std::vector<RankInfo> infos)
      : group_(static_cast<int>(infos.size())), slots_(infos.size()), infos_(std::move(infos)) {}

  // Groups made by Split live as long as the job's state. Written by the
  // lowest rank between two barriers, read by all after the second.
  struct Child;
  std::vector<std::unique_ptr<Child>> children;
  std::vector<std::pair<Child*, int>> assignment;  // per rank: its group and rank in it

  void Barrier() { group_.Barrier(); }
  ThreadGroup& group() { return group_; }

  struct Slot {
    std::vector<char> staged;  // copy of the rank's input (in-place safe)
    void* recv = nullptr;
    const void* send = nullptr;
    size_t bytes = 0;
  };
  Slot& slot(int r) { return slots_[static_cast<size_t>(r)]; }
  const std::vector<RankInfo>& infos() const { return infos_; }
  int n() const { return group_.size(); }

 private:
  ThreadGroup group_;
  std::vector<Slot> slots_;
  std::vector<RankInfo> infos_;
};

struct P2pState {
  std::mutex mu;
  std::condition_variable cv;
  std::map<std::pair<int, int>, bool> posted, consumed;
};

struct Shared::Child {
  explicit Child(std::vector<RankInfo> infos) : shared(std::move(infos)) {}
  Shared shared;
  P2pState p2p;
};

class LoopbackCommunicator : public Communicator {
 public:
  LoopbackCommunicator(Shared* shared, int rank) : s_(shared), rank_(rank) {}

  std::string backend() const override { return "loopback"; }
  int rank() const override { return rank_; }
  int size() const override { return s_->n(); }
  const std::vector<RankInfo>& ranks() const override { return s_->infos(); }
  size_t memory_limit() const override {
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
    return static_cast<size_t>(pages) * static_cast<size_t>(page) / 8 / static_cast<size_t>(s_->n());
  }
  bool Supports(OpKind, DataType t, RedOp redop, std::string* why) const override {
    // As NCCL: integer avg would divide with truncation, which no check models.
    if (redop == RedOp::kAvg && !IsFloating(t)) {
      if (why) *why = "avg is defined for floating-point types only";
      return false;
    }
    return true;
  }

  void* Alloc(size_t bytes) override { return std::calloc(std::max<size_t>(bytes, 1), 1); }
  void Free(void* p) override { std::free(p); }
  void Upload(void* dst, const void* src, size_t bytes) override { std::memcpy(dst, src, bytes); }
  void Download(void* dst, const void* src, size_t bytes) override { std::memcpy(dst, src, bytes); }

  void Start(OpKind op, const void* send, void* recv, const Counts& c, DataType t, RedOp redop, int root) override {
    const size_t es = SizeOf(t);
    const int n = s_->n();
    Shared::Slot& me = s_->slot(rank_);
    me.staged.assign(static_cast<const char*>(send), static_cast<const char*>(send) + c.send_count * es);
    s_->Barrier();  // every input staged
    auto in = [&](int r) { return static_cast<const void*>(s_->slot(r).staged.data()); };
    // Element i of every rank's input reduced, in rank order, into element j of recv.
    auto reduce = [&](size_t i, size_t j) {
      double acc = Load(in(0), t, i);
      for (int r = 1; r < n; ++r) acc = Combine(redop, acc, Load(in(r), t, i));
      if (redop == RedOp::kAvg) acc /= n;
      Store(recv, t, j, WrapToType(acc, t));
    };
    switch (op) {
      case OpKind::kAllReduce:
      case OpKind::kReduce:
        if (op == OpKind::kAllReduce || rank_ == root) {
          for (size_t i = 0; i < c.recv_count; ++i) reduce(i, i);
        }
        break;
      case OpKind::kReduceScatter:
        for (size_t j = 0; j < c.recv_count; ++j) reduce(static_cast<size_t>(rank_) * c.recv_count + j, j);
        break;
      case OpKind::kAllGather:
        for (int r = 0; r < n; ++r) {
          std::memcpy(static_cast<char*>(recv) + static_cast<size_t>(r) * c.send_count * es, in(r), c.send_count * es);
        }
        break;
      case OpKind::kBroadcast:
        std::memcpy(recv, in(root), c.recv_count * es);
        break;
      case OpKind::kAllToAll: {
        size_t chunk = c.send_count / static_cast<size_t>(n) * es;
        for (int q = 0; q < n; ++q) {
          std::memcpy(static_cast<char*>(recv) + static_cast<size_t>(q) * chunk,
                      static_cast<const char*>(in(q)) + static_cast<size_t>(rank_) * chunk, chunk);
        }
        break;
      }
      case OpKind::kSendRecv:
        std::memcpy(recv, in(RecvPeer(rank_, n)), c.recv_count * es);
        break;
      case OpKind::kGather:
        if (rank_ == root) {
          for (int r = 0; r < n; ++r) {
            std::memcpy(static_cast<char*>(recv) + static_cast<size_t>(r) * c.send_count * es, in(r),
                        c.send_count * es);
          }
        }
        break;
      case OpKind::kScatter:
        std::memcpy(recv, static_cast<const char*>(in(root)) + static_cast<size_t>(rank_) * c.recv_count * es,
                    c.recv_count * es);
        break;
      case OpKind::kAllToAllv: {
        // Slot q receives the prefix rank q sends here (op.h: AllToAllvCount).
        const size_t slot = c.send_count / static_cast<size_t>(n);
        for (int q = 0; q < n; ++q) {
          std::memcpy(static_cast<char*>(recv) + static_cast<size_t>(q) * slot * es,
                      static_cast<const char*>(in(q)) + static_cast<size_t>(rank_) * slot * es,
                      AllToAllvCount(c, q, rank_, n) * es);
        }
        break;
      }
    }
    s_->Barrier();  // nobody restages before everyone has read
  }

  void SendRecv(const void* send, int to, void* recv, int from, size_t bytes) override {
    // Pairwise exchange through the slots; the harness calls it on both
    // ends of a pair and nowhere else, with the others waiting at a barrier.
    Shared::Slot& me = s_->slot(rank_);
    me.send = send;
    me.bytes = bytes;
    {
      std::unique_lock<std::mutex> lock(p2p_mu());
      posted()[{rank_, to}] = true;
      p2p_cv().notify_all();
      if (from >= 0) {
        p2p_cv().wait(lock, [&] { return posted()[{from, rank_}]; });
        posted()[{from, rank_}] = false;
      }
    }
    if (from >= 0) std::memcpy(recv, s_->slot(from).send, bytes);
    // Tell the sender its buffer may be reused.
    std::unique_lock<std::mutex> lock(p2p_mu());
    if (from >= 0) {
      consumed()[{from, rank_}] = true;
      p2p_cv().notify_all();
    }
    if (to >= 0) {
      p2p_cv().wait(lock, [&] { return consumed()[{rank_, to}]; });
      consumed()[{rank_, to}] = false;
    }
  }

  void Wait() override {}

  void Barrier() override { s_->Barrier(); }
  std::vector<double> Gather(const std::vector<double>& mine) override { return s_->group().Gather(rank_, mine); }
  double AllReduceMax(double v) override { return s_->group().AllReduceMax(rank_, v); }
  int64_t AllReduceSum(int64_t v) override { return s_->group().AllReduceSum(rank_, v); }
  double Broadcast(double v) override { return s_->group().Broadcast(rank_, v); }
  bool ArriveWithin(double timeout_s, std::vector<int>* missing) override {
    return s_->group().ArriveWithin(rank_, timeout_s, missing);
  }
  [[noreturn]] void Abort(int code) override { EndProcess(code); }

 private:
  // Point-to-point rendezvous state, shared by the job's threads.
  std::mutex& p2p_mu() { return p2p_->mu; }
  std::condition_variable& p2p_cv() { return p2p_->cv; }
  std::map<std::pair<int, int>, bool>& posted() { return p2p_->posted; }
  std::map<std::pair<int, int>, bool>& consumed() { return p2p_->consumed; }

 public:
  using P2p = P2pState;
  P2p* p2p_ = nullptr;

  std::unique_ptr<Communicator> Split(int color, int key) override {
    // Every rank posts (color, key); the job's rank 0 forms the groups.
    std::vector<double> all = s_->group().Gather(rank_, {static_cast<double>(color), static_cast<double>(key)});
    if (rank_ == 0) {
      s_->children.clear();
      s_->assignment.assign(static_cast<size_t>(s_->n()), {nullptr, 0});
      std::map<int, std::vector<std::pair<int, int>>> groups;  // color -> (key, rank)
      for (int r = 0; r < s_->n(); ++r) {
        groups[static_cast<int>(all[static_cast<size_t>(2 * r)])].push_back(
            {static_cast<int>(all[static_cast<size_t>(2 * r + 1)]), r});
      }
      for (auto& [c, members] : groups) {
        std::sort(members.begin(), members.end());
        std::vector<RankInfo> infos;
        for (const auto& m : members) infos.push_back(s_->infos()[static_cast<size_t>(m.second)]);
        s_->children.push_back(std::make_unique<Shared::Child>(std::move(infos)));
        for (size_t i = 0; i < members.size(); ++i) {
          s_->assignment[static_cast<size_t>(members[i].second)] = {s_->children.back().get(), static_cast<int>(i)};
        }
      }
    }
    s_->Barrier();
    auto [child, sub_rank] = s_->assignment[static_cast<size_t>(rank_)];
    s_->Barrier();
    auto comm = std::make_unique<LoopbackCommunicator>(&child->shared, sub_rank);
    comm->p2p_ = &child->p2p;
    return comm;
  }

 private:
  Shared* s_;
  int rank_;
};

class LoopbackBackend : public Backend {
 public:
  explicit LoopbackBackend(const BackendOptions& o) : n_(o.loopback_ranks) {
    if (n_ < 1) throw UsageError(fmt::format("loopback: {} ranks; need at least 1", n_));
  }
  std::string name() const override { return "loopback"; }
  int world_size() const override { return n_; }
  int local_ranks() const override { return n_; }
  bool holds_rank0() const override { return true; }

  void Run(const std::function<void(Communicator&)>& body) override {
    Shared shared(n_);
    P2pState p2p;
    std::vector<std::unique_ptr<LoopbackCommunicator>> comms;
    for (int r = 0; r < n_; ++r) {
      comms.push_back(std::make_unique<LoopbackCommunicator>(&shared, r));
      comms.back()->p2p_ = &p2p;
    }
    std::vector<std::exception_ptr> errors(static_cast<size_t>(n_));
    std::vector<std::thread> threads;
    for (int r = 0; r < n_; ++r) {
      threads.emplace_back([&, r] {
        try {
          body(*comms[static_cast<size_t>(r)]);
        } catch (const std::exception& e) {
          errors[static_cast<size_t>(r)] = std::current_exception();
          // Ranks waiting for this one in the control plane give up too.
          shared.group().Break(fmt::format("rank {} failed: {}", r, e.what()));
        } catch (...) {
          errors[static_cast<size_t>(r)] = std::current_exception();
          shared.group().Break(fmt::format("rank {} failed", r));
        }
      });
    }
    for (auto& t : threads) t.join();
    // The first failing rank's error is the cause; ranks woken by Break report
    // only that the group broke, so rethrow in rank order but prefer causes.
    std::exception_ptr first;
    for (auto& e : errors) {
      if (!e) continue;
      if (!first) first = e;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& x) {
        if (std::string(x.what()).rfind("stopped waiting for the other ranks", 0) != 0) std::rethrow_exception(e);
      } catch (...) {
      }
    }
    if (first) std::rethrow_exception(first);
  }

 private:
  int n_;
};

}  // namespace

std::unique_ptr<Backend> MakeLoopbackBackend(const BackendOptions& options) {
  return std::make_unique<LoopbackBackend>(options);
}

}  // namespace cb::coll
