// The collectives harness on the loopback backend: every op, several types,
// in and out of place, exact checks, injections and nccl-tests arithmetic.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <string>
#include <thread>

#include "collectives/backend.h"
#include "collectives/harness.h"
#include "core/error.h"

namespace cb::coll {
namespace {

BenchReport RunLoopback(int ranks, BenchOptions o) {
  BackendOptions bo;
  bo.loopback_ranks = ranks;
  auto backend = MakeLoopbackBackend(bo);
  BenchReport report;
  backend->Run([&](Communicator& comm) {
    BenchOptions mine = o;
    ValidateOptions(&mine, comm);
    BenchReport r = RunBenchmark(comm, mine, nullptr);
    if (comm.rank() == 0) report = r;
  });
  return report;
}

BenchOptions Small(std::vector<OpKind> ops) {
  BenchOptions o;
  o.ops = std::move(ops);
  o.min_bytes = 64;
  o.max_bytes = 4096;
  o.factor = 8;
  o.iters = 3;
  o.warmup = 1;
  return o;
}

// Every op x type x reduction, in and out of place, on 1..5 ranks: no wrong
// element anywhere (the data are exact by construction, op.h).
TEST(Harness, EveryOpTypeAndPlacementIsExact) {
  for (int ranks : {1, 2, 3, 5}) {
    for (DataType t : {DataType::kInt8, DataType::kInt32, DataType::kHalf, DataType::kBfloat16, DataType::kFloat,
                       DataType::kDouble, DataType::kUint64, DataType::kF8e4m3, DataType::kF8e5m2}) {
      for (RedOp r : {RedOp::kSum, RedOp::kProd, RedOp::kMin, RedOp::kMax}) {
        BenchOptions o = Small(AllOps());
        o.dtype = t;
        o.redop = r;
        o.root = ranks - 1;
        BenchReport rep = RunLoopback(ranks, o);
        SCOPED_TRACE(::testing::Message() << ranks << " ranks " << Name(t) << " " << Name(r));
        EXPECT_EQ(rep.total_wrong, 0);
        EXPECT_FALSE(rep.results.empty());
        for (const auto& s : rep.results) {
          EXPECT_TRUE(s.has_in_place && s.has_out_of_place);
        }
      }
    }
  }
}

// nccl-tests arithmetic: algbw = size / time, busbw = algbw x factor with
// all_reduce 2(n-1)/n, all_gather (n-1)/n, broadcast 1.
TEST(Harness, BandwidthArithmetic) {
  BenchReport rep = RunLoopback(4, Small({OpKind::kAllReduce, OpKind::kAllGather, OpKind::kBroadcast}));
  for (const auto& s : rep.results) {
    const Timing& t = s.out_of_place;
    ASSERT_GT(t.time_s, 0);
    EXPECT_DOUBLE_EQ(t.algbw, static_cast<double>(s.size) / t.time_s);
    double factor = s.op == OpKind::kAllReduce ? 1.5 : s.op == OpKind::kAllGather ? 0.75 : 1.0;
    EXPECT_DOUBLE_EQ(t.busbw, t.algbw * factor);
  }
  EXPECT_DOUBLE_EQ(BusBandwidthFactor(OpKind::kAllReduce, 8), 1.75);
  EXPECT_DOUBLE_EQ(BusBandwidthFactor(OpKind::kReduceScatter, 8), 0.875);
  EXPECT_DOUBLE_EQ(BusBandwidthFactor(OpKind::kSendRecv, 8), 1.0);
}

// nccl-tests counts: all_gather prints the per-rank count, size is the
// gathered buffer; reduce_scatter prints the received count.
TEST(Harness, CountsFollowNcclTests) {
  Counts ag = CountsFor(OpKind::kAllGather, 1024, DataType::kFloat, 4);
  EXPECT_EQ(ag.recv_count, 256u);
  EXPECT_EQ(ag.send_count, 64u);
  EXPECT_EQ(ag.count, 64u);
  Counts rs = CountsFor(OpKind::kReduceScatter, 1024, DataType::kFloat, 4);
  EXPECT_EQ(rs.send_count, 256u);
  EXPECT_EQ(rs.count, 64u);
  EXPECT_EQ(AlignSize(OpKind::kAllToAll, 1000, DataType::kDouble, 3), 984u);
  // gather_perf: size is the root's gathered buffer, count the per-rank block
  // (nccl-tests' paramcount); scatter_perf the mirror image; alltoallv_perf
  // as alltoall: the slot per peer.
  Counts g = CountsFor(OpKind::kGather, 1024, DataType::kFloat, 4);
  EXPECT_EQ(g.send_count, 64u);
  EXPECT_EQ(g.recv_count, 256u);
  EXPECT_EQ(g.count, 64u);
  Counts sc = CountsFor(OpKind::kScatter, 1024, DataType::kFloat, 4);
  EXPECT_EQ(sc.send_count, 256u);
  EXPECT_EQ(sc.recv_count, 64u);
  EXPECT_EQ(sc.count, 64u);
  Counts v = CountsFor(OpKind::kAllToAllv, 1024, DataType::kF8e4m3, 4);
  EXPECT_EQ(v.send_count, 1024u);
  EXPECT_EQ(v.count, 256u);
  EXPECT_EQ(AlignSize(OpKind::kGather, 1000, DataType::kDouble, 3), 984u);
  EXPECT_EQ(AlignSize(OpKind::kScatter, 1000, DataType::kDouble, 3), 984u);
  EXPECT_DOUBLE_EQ(BusBandwidthFactor(OpKind::kGather, 4), 0.75);
  EXPECT_DOUBLE_EQ(BusBandwidthFactor(OpKind::kScatter, 8), 0.875);
  EXPECT_DOUBLE_EQ(BusBandwidthFactor(OpKind::kAllToAllv, 2), 0.5);
}

// alltoallv's traffic matrix (nccl-tests' built-in imbalance): (slot - i - j
// - 1) mod slot, symmetric, never more than the slot.
TEST(Harness, AllToAllvTrafficMatrix) {
  EXPECT_EQ(AllToAllvCount(64, 0, 0), 63u);
  EXPECT_EQ(AllToAllvCount(64, 1, 2), 60u);
  EXPECT_EQ(AllToAllvCount(64, 2, 1), 60u);
  EXPECT_EQ(AllToAllvCount(4, 1, 2), 0u);  // 4 - 4 = 0: sends nothing
  EXPECT_EQ(AllToAllvCount(4, 3, 3), 1u);  // (4 - 7) mod 4 = 1
  EXPECT_EQ(AllToAllvCount(0, 1, 1), 0u);
  for (int i = 0; i < 9; ++i) {
    for (int j = 0; j < 9; ++j) {
      EXPECT_EQ(AllToAllvCount(5, i, j), AllToAllvCount(5, j, i));
      EXPECT_LT(AllToAllvCount(5, i, j), 5u);
    }
  }
  // With a matrix (nccl-tests' parameter file): floor(slot x fraction), row =
  // sender; the slot is the count column.
  Counts c = CountsFor(OpKind::kAllToAllv, 4 * 10 * 4, DataType::kFloat, 2);  // 2 ranks, slot 20
  ASSERT_EQ(c.count, 20u);
  EXPECT_EQ(AllToAllvCount(c, 0, 1, 2), AllToAllvCount(20, 0, 1));  // no matrix: the built-in
  c.traffic = std::make_shared<const std::vector<double>>(std::vector<double>{1, 0.33, 0, 0.5});
  EXPECT_EQ(AllToAllvCount(c, 0, 0, 2), 20u);
  EXPECT_EQ(AllToAllvCount(c, 0, 1, 2), 6u);  // 6.6 rounds down, as nccl-tests' unsigned long conversion
  EXPECT_EQ(AllToAllvCount(c, 1, 0, 2), 0u);
  EXPECT_EQ(AllToAllvCount(c, 1, 1, 2), 10u);
}

// An asymmetric traffic matrix, in and out of place, on loopback: exact.
TEST(Harness, AllToAllvWithAMatrixIsExact) {
  BenchOptions o = Small({OpKind::kAllToAllv});
  o.alltoallv_matrix = std::make_shared<const std::vector<double>>(
      std::vector<double>{1, 0.5, 0, 0.25, 0.5, 1, 1, 1, 0, 0, 0.75, 1, 1, 0.125, 0.5, 0});
  BenchReport rep = RunLoopback(4, o);
  ASSERT_FALSE(rep.results.empty());
  EXPECT_EQ(rep.total_wrong, 0);
  o.corrupt_rank = 1;  // row 1 sends to everyone
  EXPECT_GT(RunLoopback(4, o).total_wrong, 0);
  BenchOptions wrong_size = o;
  EXPECT_THROW(RunLoopback(3, wrong_size), UsageError);
}

// A corrupted contribution is found by every rank that receives it, and the
// wrong ranks are named.
TEST(Harness, CorruptInjectionIsDetected) {
  for (RedOp redop : {RedOp::kSum, RedOp::kProd, RedOp::kMin, RedOp::kMax})
    for (OpKind op : AllOps()) {
      BenchOptions o = Small({op});
      o.redop = redop;
      o.dtype = DataType::kInt32;
      // Only the root's data reach others in broadcast and scatter.
      o.corrupt_rank = op == OpKind::kBroadcast || op == OpKind::kScatter ? 0 : 2;
      BenchReport rep = RunLoopback(4, o);
      SCOPED_TRACE(::testing::Message() << Name(op) << " " << Name(redop));
      EXPECT_GT(rep.total_wrong, 0);
      EXPECT_FALSE(rep.results.front().out_of_place.wrong_ranks.empty());
    }
}

// A slow rank enters every op late: the others wait for it, so it is named
// late (its own time inside the op is the shortest), and the op slows down.
TEST(Harness, SlowInjectionNamesTheLateRank) {
  BenchOptions o = Small({OpKind::kAllReduce});
  o.min_bytes = o.max_bytes = 1 << 20;
  o.iters = 10;
  BenchReport base = RunLoopback(4, o);
  o.slow_rank = 1;
  o.slow_fraction = 3.0;
  BenchReport slow = RunLoopback(4, o);
  const Timing& t = slow.results.front().out_of_place;
  ASSERT_FALSE(t.late_ranks.empty());
  EXPECT_EQ(t.late_ranks.front(), 1);
  EXPECT_GT(t.time_s, 1.5 * base.results.front().out_of_place.time_s);
}

TEST(Harness, SizeSweepAndValidation) {
  BenchOptions o;
  o.min_bytes = 8;
  o.max_bytes = 64;
  EXPECT_EQ(SizeSweep(o), (std::vector<size_t>{8, 16, 32, 64}));
  o.increment = 20;
  EXPECT_EQ(SizeSweep(o), (std::vector<size_t>{8, 28, 48}));
  BackendOptions bo;
  bo.loopback_ranks = 2;
  auto backend = MakeLoopbackBackend(bo);
  backend->Run([](Communicator& comm) {
    BenchOptions bad;
    bad.ops = {OpKind::kAllReduce};
    bad.min_bytes = 100;
    bad.max_bytes = 10;
    EXPECT_THROW(ValidateOptions(&bad, comm), UsageError);
    BenchOptions root;
    root.ops = {OpKind::kBroadcast};
    root.root = 5;
    EXPECT_THROW(ValidateOptions(&root, comm), UsageError);
    BenchOptions huge;
    huge.ops = {OpKind::kAllReduce};
    huge.max_bytes = size_t{1} << 50;
    std::string note = ValidateOptions(&huge, comm);
    EXPECT_NE(note.find("reducing the largest size"), std::string::npos);
    EXPECT_LT(huge.max_bytes, size_t{1} << 50);
  });
}

// nccl-tests' -o all: a reducing op runs once per reduction, in nccl-tests'
// order (sum, prod, max, min, avg); a data-movement op once. On int32 the
// loopback backend has no avg: left out, and the note says so.
TEST(Harness, EveryReductionInTurnAndCycles) {
  BenchOptions o = Small({OpKind::kAllReduce, OpKind::kAllGather});
  o.redops = AllRedOps();
  o.cycles = 2;
  BenchReport r = RunLoopback(3, o);
  // 64, 512, 4096 bytes; all_reduce: 5 reductions x 2 cycles; all_gather: 2 cycles.
  ASSERT_EQ(r.results.size(), 3u * 5 * 2 + 3u * 2);
  std::vector<RedOp> seen;
  for (size_t i = 0; i < 30; i += 6) seen.push_back(r.results[i].redop);
  EXPECT_EQ(seen, (std::vector<RedOp>{RedOp::kSum, RedOp::kProd, RedOp::kMax, RedOp::kMin, RedOp::kAvg}));
  EXPECT_EQ(r.results[0].cycle, 0);
  EXPECT_EQ(r.results[3].cycle, 1);
  EXPECT_EQ(r.total_wrong, 0);
  BackendOptions bo;
  bo.loopback_ranks = 2;
  MakeLoopbackBackend(bo)->Run([](Communicator& comm) {
    BenchOptions every = Small({OpKind::kAllReduce});
    every.dtype = DataType::kInt32;
    every.redops = AllRedOps();
    const std::string note = ValidateOptions(&every, comm);
    EXPECT_NE(note.find("-o all: all_reduce on int32 with avg left out"), std::string::npos) << note;
    BenchOptions one = Small({OpKind::kAllReduce});
    one.dtype = DataType::kInt32;
    one.redop = RedOp::kAvg;
    EXPECT_THROW(ValidateOptions(&one, comm), UsageError);
  });
}

// -d all -o all: every type, then every reduction, as nccl-tests loops;
// integer avg (which the loopback backend refuses) is left out; every
// element exact.
TEST(Harness, EveryTypeAndReductionInTurn) {
  BenchOptions o = Small({OpKind::kAllReduce});
  o.max_bytes = 64;
  o.dtypes = {DataType::kInt8, DataType::kFloat};
  o.redops = AllRedOps();
  BenchReport r = RunLoopback(2, o);
  std::vector<std::pair<DataType, RedOp>> seen;
  for (const auto& row : r.results) seen.push_back({row.dtype, row.redop});
  EXPECT_EQ(seen, (std::vector<std::pair<DataType, RedOp>>{{DataType::kInt8, RedOp::kSum},
                                                           {DataType::kInt8, RedOp::kProd},
                                                           {DataType::kInt8, RedOp::kMax},
                                                           {DataType::kInt8, RedOp::kMin},
                                                           {DataType::kFloat, RedOp::kSum},
                                                           {DataType::kFloat, RedOp::kProd},
                                                           {DataType::kFloat, RedOp::kMax},
                                                           {DataType::kFloat, RedOp::kMin},
                                                           {DataType::kFloat, RedOp::kAvg}}));
  EXPECT_EQ(r.total_wrong, 0);
}

// -c 0 marks every row unchecked (nccl-tests prints N/A); -I times the timed
// loop's own iterations and gives their coefficient of variation.
TEST(Harness, UncheckedRowsAndIterationStatistics) {
  BenchOptions o = Small({OpKind::kAllReduce});
  o.checks = 0;
  o.iteration_stats = true;
  o.blocking = true;
  o.iters = 10;
  BenchReport r = RunLoopback(2, o);
  ASSERT_FALSE(r.results.empty());
  for (const auto& row : r.results) {
    EXPECT_FALSE(row.checked);
    EXPECT_GT(row.out_of_place.iter_mean, 0);
    EXPECT_GE(row.out_of_place.iter_cv, 0);
    EXPECT_LE(row.out_of_place.rank_time.min, row.out_of_place.rank_time.max);
  }
}

// Hosts interleaved b, a, b, a, c: the run lists them sorted or in the order
// of each host's first rank; a rank's local index counts the lower ranks on
// its host; --split intra groups by host in first-rank order, inter by the
// local index.
TEST(Harness, HostsAndLocalRanksOfInterleavedRanks) {
  const std::vector<RankInfo> ranks = {
      {0, "b", "cpu"}, {1, "a", "cpu"}, {2, "b", "cpu"}, {3, "a", "cpu"}, {4, "c", "cpu"}};
  EXPECT_EQ(HostsOf(ranks), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(HostsOf(ranks, HostOrder::kFirstRank), (std::vector<std::string>{"b", "a", "c"}));
  std::vector<int> local, intra, inter;
  for (int r = 0; r < 5; ++r) {
    local.push_back(LocalRankOf(ranks, r));
    intra.push_back(SplitColor("intra", ranks, r));
    inter.push_back(SplitColor("inter", ranks, r));
  }
  EXPECT_EQ(local, (std::vector<int>{0, 0, 1, 1, 0}));
  EXPECT_EQ(intra, (std::vector<int>{0, 1, 0, 1, 2}));
  EXPECT_EQ(inter, local);
}

// nccl-tests' split operators (src/common.cu, run()): color = rank & m,
// rank | m, rank % k, rank / k; NCCL_TESTS_SPLIT_MASK (hex) first.
TEST(Harness, NcclTestsSplitOperators) {
  std::vector<RankInfo> ranks(8);
  for (int r = 0; r < 8; ++r) ranks[static_cast<size_t>(r)] = {r, "h", "cpu"};
  EXPECT_EQ(SplitColor("AND:0x3", ranks, 6), 2);
  EXPECT_EQ(SplitColor("AND:0b101", ranks, 7), 5);
  EXPECT_EQ(SplitColor("OR:1", ranks, 6), 7);
  EXPECT_EQ(SplitColor("DIV:4", ranks, 6), 1);
  EXPECT_EQ(SplitColor("MOD:4", ranks, 6), 2);
  EXPECT_EQ(SplitFromNcclTestsEnv("7", "MOD 2"), "AND:0x7");
  EXPECT_EQ(SplitFromNcclTestsEnv("", "MOD 8"), "MOD:8");
  EXPECT_EQ(SplitFromNcclTestsEnv("", "% 8"), "MOD:8");
  EXPECT_EQ(SplitFromNcclTestsEnv("", "and 0x7"), "AND:0x7");
  EXPECT_EQ(SplitFromNcclTestsEnv("", "/ 2"), "DIV:2");
  EXPECT_EQ(SplitFromNcclTestsEnv("", ""), "");
  EXPECT_THROW(SplitFromNcclTestsEnv("", "EVERY 2"), UsageError);
  EXPECT_THROW(SplitFromNcclTestsEnv("", "MOD 0"), UsageError);
  EXPECT_THROW(SplitFromNcclTestsEnv("zz", ""), UsageError);
  EXPECT_THROW(ParseSplitModulus("DIV:0"), UsageError);
}

TEST(Harness, PointToPointPairsAreLinearAndFlagged) {
  BenchOptions o = Small({});
  o.p2p = true;
  o.max_bytes = 1 << 16;
  BenchReport rep = RunLoopback(6, o);
  // One host: 6 ring pairs, then every ordered pair inside the host (30).
  int ring = 0, intra = 0;
  for (const auto& p : rep.p2p) {
    ring += p.kind == "ring";
    intra += p.kind == "intra";
    EXPECT_GT(p.bandwidth, 0);
    EXPECT_GT(p.latency_s, 0);
  }
  EXPECT_EQ(ring, 6);
  EXPECT_EQ(intra, 30 - 6);
  o.slow_rank = 3;
  o.slow_fraction = 99;  // a rank whose links carry a hundredth
  BenchReport slow = RunLoopback(6, o);
  int flagged_slow = 0, slow_pairs = 0, flagged_other = 0, other_pairs = 0;
  for (const auto& p : slow.p2p) {
    bool involves = p.src == 3 || p.dst == 3;
    (involves ? slow_pairs : other_pairs) += 1;
    (involves ? flagged_slow : flagged_other) += p.flagged;
  }
  // Every pair through the slow rank is flagged; scheduling noise on a busy
  // machine may flag the odd other pair, never most of them.
  EXPECT_EQ(flagged_slow, slow_pairs);
  EXPECT_LT(flagged_other, other_pairs / 2);
}

// Groups of unequal size (8 ranks mod 3: 3, 3, 2) agree on every size to
// run or skip, so the job neither hangs nor disagrees; ranks are named by
// their job rank.
TEST(Harness, SplitWithUnequalGroups) {
  BenchOptions o = Small({OpKind::kAllGather, OpKind::kReduceScatter, OpKind::kAllReduce});
  o.min_bytes = 8;
  o.split = "MOD:3";
  o.corrupt_rank = 7;
  BenchReport rep = RunLoopback(8, o);
  EXPECT_EQ(rep.group_count, 3);
  EXPECT_GT(rep.total_wrong, 0);
  for (const auto& r : rep.results) {
    for (int w : r.out_of_place.wrong_ranks) EXPECT_EQ(w % 3, 7 % 3);  // the corrupt rank's group: 1, 4, 7
  }
}

// The in-place check must not pass on what the timed loop left behind: a
// backend that stops working in place is caught (nccl-tests memsets too).
// A communicator that forwards every call to another: the test doubles below
// override only what they change.
class Forwarding : public Communicator {
 public:
  explicit Forwarding(Communicator& inner) : in_(inner) {}
  int rank() const override { return in_.rank(); }
  int size() const override { return in_.size(); }
  const std::vector<RankInfo>& ranks() const override { return in_.ranks(); }
  size_t memory_limit() const override { return in_.memory_limit(); }
  bool Supports(OpKind op, DataType t, RedOp r, std::string* why) const override { return in_.Supports(op, t, r, why); }
  void* Alloc(size_t b) override { return in_.Alloc(b); }
  void Free(void* p) override { in_.Free(p); }
  void Upload(void* d, const void* s, size_t b) override { in_.Upload(d, s, b); }
  void Download(void* d, const void* s, size_t b) override { in_.Download(d, s, b); }
  void Start(OpKind op, const void* send, void* recv, const Counts& c, DataType t, RedOp r, int root) override {
    in_.Start(op, send, recv, c, t, r, root);
  }
  void SendRecv(const void* s, int to, void* r, int from, size_t b) override { in_.SendRecv(s, to, r, from, b); }
  void Wait() override { in_.Wait(); }
  void Barrier() override { in_.Barrier(); }
  std::vector<double> Gather(const std::vector<double>& m) override { return in_.Gather(m); }
  double AllReduceMax(double v) override { return in_.AllReduceMax(v); }
  int64_t AllReduceSum(int64_t v) override { return in_.AllReduceSum(v); }
  double Broadcast(double v) override { return in_.Broadcast(v); }
  bool ArriveWithin(double t, std::vector<int>* m) override { return in_.ArriveWithin(t, m); }
  [[noreturn]] void Abort(int code) override {
    in_.Abort(code);
    std::abort();  // not reached: keeps -Wreturn-type quiet across compilers
  }

 protected:
  Communicator& in_;
};

class LazyInPlace : public Forwarding {
 public:
  explicit LazyInPlace(Communicator& inner) : Forwarding(inner) {}
  std::string backend() const override { return "lazy"; }
  void Start(OpKind op, const void* send, void* recv, const Counts& c, DataType t, RedOp r, int root) override {
    calls_++;
    // Correct for the warm-up and timed loop, then does nothing in place.
    if (send == recv && calls_ > 6) {
      in_.Barrier();
      in_.Barrier();
      return;
    }
    in_.Start(op, send, recv, c, t, r, root);
  }

 private:
  int calls_ = 0;
};

TEST(Harness, InPlaceCheckDoesNotPassOnStaleData) {
  BackendOptions bo;
  bo.loopback_ranks = 2;
  auto backend = MakeLoopbackBackend(bo);
  int64_t wrong = 0;
  backend->Run([&](Communicator& comm) {
    LazyInPlace lazy(comm);
    BenchOptions o = Small({OpKind::kAllGather});
    o.min_bytes = o.max_bytes = 1024;
    o.out_of_place = false;  // in place only: warm-up 1 + timed 3 + distribution 3 are correct
    BenchReport r = RunBenchmark(lazy, o, nullptr);
    if (comm.rank() == 0) wrong = r.total_wrong;
  });
  EXPECT_GT(wrong, 0);
}

// nccl-tests' -m (agg_iters): each timed iteration issues agg_iters ops. A
// backend that groups (NCCL: asynchronous) gets one StartGroup of agg_iters
// ops per iteration; a blocking one gets iters x agg_iters back-to-back ops,
// and either way the time column is per op: elapsed / (iters x agg_iters).
class Counting : public Forwarding {
 public:
  Counting(Communicator& inner, bool synchronous, double sleep_s)
      : Forwarding(inner), synchronous_(synchronous), sleep_s_(sleep_s) {}
  std::string backend() const override { return "counting"; }
  void Start(OpKind op, const void* send, void* recv, const Counts& c, DataType t, RedOp r, int root) override {
    ++starts;
    if (sleep_s_ > 0) std::this_thread::sleep_for(std::chrono::duration<double>(sleep_s_));
    in_.Start(op, send, recv, c, t, r, root);
  }
  void StartGroup(OpKind op, const void* send, void* recv, const Counts& c, DataType t, RedOp r, int root,
                  int ops) override {
    groups.push_back(ops);
    Communicator::StartGroup(op, send, recv, c, t, r, root, ops);
  }
  bool synchronous() const override { return synchronous_; }

  int starts = 0;
  std::vector<int> groups;

 private:
  bool synchronous_;
  double sleep_s_;
};

struct AggRun {
  int starts = 0;
  std::vector<int> groups;
  double time_s = 0;
  int64_t wrong = 0;
};

AggRun RunAggregated(bool synchronous, int agg, double sleep_s) {
  BackendOptions bo;
  bo.loopback_ranks = 2;
  auto backend = MakeLoopbackBackend(bo);
  AggRun out;
  backend->Run([&](Communicator& comm) {
    Counting counting(comm, synchronous, sleep_s);
    BenchOptions o = Small({OpKind::kAllReduce});
    o.min_bytes = o.max_bytes = 64;
    o.in_place = false;
    o.iters = 3;
    o.agg_iters = agg;
    ValidateOptions(&o, counting);
    BenchReport r = RunBenchmark(counting, o, nullptr);
    if (comm.rank() == 0) {
      out.starts = counting.starts;
      out.groups = counting.groups;
      out.time_s = r.results.at(0).out_of_place.time_s;
      out.wrong = r.total_wrong;
    }
  });
  return out;
}

TEST(Harness, AggregatedIterations) {
  // Asynchronous: warm-up 1 + 3 groups of 4 + check 1 = 14 ops, 3 groups.
  AggRun a = RunAggregated(false, 4, 0);
  EXPECT_EQ(a.groups, (std::vector<int>{4, 4, 4}));
  EXPECT_EQ(a.starts, 1 + 3 * 4 + 1);
  EXPECT_EQ(a.wrong, 0);
  // Blocking: nothing to group; warm-up 1 + 12 + side pass 3 + check 1.
  AggRun s = RunAggregated(true, 4, 0);
  EXPECT_TRUE(s.groups.empty());
  EXPECT_EQ(s.starts, 1 + 3 * 4 + 3 + 1);
  // -m 1 is nccl-tests' default: one op per iteration, no group.
  AggRun one = RunAggregated(false, 1, 0);
  EXPECT_TRUE(one.groups.empty());
  EXPECT_EQ(one.starts, 1 + 3 + 1);
  // Per op: each op sleeps 2 ms, so the time is at least that; and (on a
  // quiet machine only) not the time of a whole group of 4.
  AggRun slow = RunAggregated(false, 4, 2e-3);
  EXPECT_GE(slow.time_s, 2e-3);
  if (const char* timed = std::getenv("CB_TIMED_CHECKS"); timed && std::string(timed) == "1") {
    EXPECT_LT(slow.time_s, 4 * 2e-3);
  }
  BenchOptions bad = Small({OpKind::kAllReduce});
  bad.agg_iters = 0;
  BackendOptions bo;
  bo.loopback_ranks = 1;
  auto backend = MakeLoopbackBackend(bo);
  backend->Run([&](Communicator& comm) {
    EXPECT_THROW(ValidateOptions(&bad, comm), UsageError);
    BenchOptions huge = Small({OpKind::kAllReduce});
    huge.iters = 1 << 20;
    huge.agg_iters = 1 << 12;  // 2^32 ops: more than the loop counts
    EXPECT_THROW(ValidateOptions(&huge, comm), UsageError);
  });
}

}  // namespace
}  // namespace cb::coll
