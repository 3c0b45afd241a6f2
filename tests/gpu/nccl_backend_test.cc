// Runs only where a GPU is present (CTest label gpu): the collectives harness
// with the NCCL backend in one process on every local GPU (-g = device count).
//
// Scenario: every op (all_reduce, all_gather, reduce_scatter, broadcast,
// reduce, alltoall, sendrecv, gather, scatter, alltoallv) on float, bfloat16
// and int32 (and fp8: data movement on any GPU, reductions from compute
// capability 9.0, refused below), out of place and
// in place (the nccl-tests layouts), small sizes. The inputs are the exact
// verifiable data of collectives/op.h, so every element of every result has
// one right value: the expected count of wrong elements is 0. With one rank's
// input corrupted, every rank's all_reduce result is wrong somewhere: the
// count must be > 0 and name that the check saw it.
#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "collectives/backend.h"
#include "collectives/harness.h"
#include "collectives/nccl/nccl_backend.h"
#include "core/error.h"

namespace cb::coll {
namespace {

int VisibleGpus() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) return 0;
  return n;
}

class NcclBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // One process: no launcher variables may send the backend to MPI mode.
    for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "SLURM_NTASKS"}) unsetenv(v);
    gpus_ = VisibleGpus();
    // Label gpu: CI runs this only where a GPU is present, so none is a failure.
    ASSERT_GT(gpus_, 0) << "no GPU visible to CUDA";
    BackendOptions bo;
    bo.gpus_per_process = gpus_;
    backend_ = MakeNcclBackend(bo);
  }

  // Runs the harness on every rank; returns rank 0's report.
  BenchReport Run(BenchOptions o) {
    BenchReport report;
    std::mutex mu;
    backend_->Run([&](Communicator& comm) {
      BenchOptions b = o;
      ValidateOptions(&b, comm);
      BenchReport r = RunBenchmark(comm, b, nullptr);
      if (comm.rank() == 0) {
        std::lock_guard<std::mutex> lock(mu);
        report = r;
      }
    });
    return report;
  }

  static BenchOptions Small(DataType t) {
    BenchOptions o;
    o.ops = AllOps();
    o.dtype = t;
    o.min_bytes = 8;
    o.max_bytes = 64 << 10;
    o.factor = 16;
    o.iters = 3;
    o.warmup = 1;
    o.checks = 1;
    o.timeout_s = 120;
    return o;
  }

  int gpus_ = 0;
  std::unique_ptr<Backend> backend_;
};

TEST_F(NcclBackendTest, DescribesEveryRankAndItsGpu) {
  EXPECT_EQ(backend_->name(), "nccl");
  EXPECT_EQ(backend_->world_size(), gpus_);
  EXPECT_EQ(backend_->local_ranks(), gpus_);
  EXPECT_TRUE(backend_->holds_rank0());
  std::mutex mu;
  backend_->Run([&](Communicator& comm) {
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_EQ(comm.backend(), "nccl");
    EXPECT_EQ(comm.size(), gpus_);
    EXPECT_FALSE(comm.synchronous());
    EXPECT_GT(comm.init_seconds(), 0);
    EXPECT_GT(comm.memory_limit(), size_t{1} << 20);
    ASSERT_EQ(comm.ranks().size(), static_cast<size_t>(gpus_));
    const RankInfo& me = comm.ranks()[static_cast<size_t>(comm.rank())];
    EXPECT_EQ(me.device.rfind("GPU " + std::to_string(comm.rank()) + " ", 0), 0u) << me.device;
    EXPECT_FALSE(me.host.empty());
  });
}

TEST_F(NcclBackendTest, EveryOpIsExactOnFloatBfloat16AndInt32InAndOutOfPlace) {
  for (DataType t : {DataType::kFloat, DataType::kBfloat16, DataType::kInt32}) {
    for (RedOp redop : {RedOp::kSum, RedOp::kMax}) {
      BenchOptions o = Small(t);
      o.redop = redop;
      o.root = gpus_ - 1;  // not rank 0, where a wrong root would hide
      BenchReport rep = Run(o);
      SCOPED_TRACE(std::string(Name(t)) + " " + Name(redop));
      EXPECT_EQ(rep.total_wrong, 0);
      // Every op and size ran both placements (sizes too small for one
      // element per rank are skipped by the harness, as nccl-tests does).
      std::vector<bool> seen(AllOps().size(), false);
      for (const SizeResult& r : rep.results) {
        EXPECT_TRUE(r.has_out_of_place && r.has_in_place) << Name(r.op) << " " << r.size;
        EXPECT_EQ(r.out_of_place.wrong, 0) << Name(r.op) << " " << r.size << " out of place";
        EXPECT_EQ(r.in_place.wrong, 0) << Name(r.op) << " " << r.size << " in place";
        EXPECT_GT(r.out_of_place.time_s, 0) << Name(r.op) << " " << r.size;
        seen[static_cast<size_t>(r.op)] = true;
      }
      for (OpKind op : AllOps()) EXPECT_TRUE(seen[static_cast<size_t>(op)]) << Name(op) << " never ran";
    }
  }
}

// fp8 (ncclFloat8e4m3, ncclFloat8e5m2): moved exactly on every GPU; reduced
// exactly where NCCL reduces fp8 (compute capability 9.0 and later), refused
// below with the reason (a usage error, as for every op a backend cannot do).
TEST_F(NcclBackendTest, Fp8MovesEverywhereAndReducesFromComputeCapability9) {
  int major = 0;
  ASSERT_EQ(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, 0), cudaSuccess);
  for (DataType t : {DataType::kF8e4m3, DataType::kF8e5m2}) {
    SCOPED_TRACE(Name(t));
    BenchOptions o = Small(t);
    o.ops = {OpKind::kAllGather, OpKind::kBroadcast, OpKind::kAllToAll, OpKind::kSendRecv,
             OpKind::kGather,    OpKind::kScatter,   OpKind::kAllToAllv};
    o.root = gpus_ - 1;
    BenchReport moved = Run(o);
    EXPECT_FALSE(moved.results.empty());
    EXPECT_EQ(moved.total_wrong, 0);
    o.ops = {OpKind::kAllReduce, OpKind::kReduceScatter, OpKind::kReduce};
    for (RedOp redop : {RedOp::kSum, RedOp::kMax, RedOp::kAvg}) {
      o.redop = redop;
      if (major >= 9) {
        EXPECT_EQ(Run(o).total_wrong, 0) << Name(redop);
      } else {
        EXPECT_THROW(Run(o), UsageError) << Name(redop);
      }
    }
  }
}

TEST_F(NcclBackendTest, AverageOnFloatIsCheckedAndRefusedOnIntegers) {
  BenchOptions o = Small(DataType::kFloat);
  o.ops = {OpKind::kAllReduce, OpKind::kReduceScatter, OpKind::kReduce};
  o.redop = RedOp::kAvg;
  EXPECT_EQ(Run(o).total_wrong, 0);
  o.dtype = DataType::kInt32;
  EXPECT_THROW(Run(o), UsageError);
}

TEST_F(NcclBackendTest, CorruptInputIsDetected) {
  BenchOptions o = Small(DataType::kFloat);
  o.ops = {OpKind::kAllReduce};
  o.corrupt_rank = gpus_ - 1;
  BenchReport rep = Run(o);
  EXPECT_GT(rep.total_wrong, 0);
  ASSERT_FALSE(rep.results.empty());
  EXPECT_FALSE(rep.results.back().out_of_place.wrong_ranks.empty());
}

TEST_F(NcclBackendTest, PointToPointMeasuresEveryRingPair) {
  BenchOptions o = Small(DataType::kFloat);
  o.ops.clear();
  o.p2p = true;
  o.max_bytes = 1 << 20;
  BenchReport rep = Run(o);
  if (gpus_ == 1) {
    EXPECT_TRUE(rep.p2p.empty());  // no pair in a job of one
    return;
  }
  EXPECT_GE(rep.p2p.size(), static_cast<size_t>(gpus_));
  for (const P2pResult& p : rep.p2p) {
    EXPECT_GT(p.bandwidth, 0) << p.src << " -> " << p.dst;
    EXPECT_GT(p.latency_s, 0) << p.src << " -> " << p.dst;
  }
}

// --split with NCCL: the groups run the sweep concurrently. intra is one
// group of every GPU (one host); MOD:2 two groups when there are two GPUs or
// more. Expected: no wrong element, one figure per group, every group's
// creation timed, and the group's ranks the members' own infos in key order.
TEST_F(NcclBackendTest, SplitGroupsRunExactlyAndReportTheirInitTime) {
  for (const char* split : {"intra", "MOD:2"}) {
    SCOPED_TRACE(split);
    BenchOptions o = Small(DataType::kFloat);
    o.ops = {OpKind::kAllReduce, OpKind::kAllGather, OpKind::kAllToAll};
    o.split = split;
    BenchReport rep = Run(o);
    const int groups = std::string(split) == "intra" ? 1 : std::min(gpus_, 2);
    EXPECT_EQ(rep.total_wrong, 0);
    EXPECT_EQ(rep.group_count, groups);
    EXPECT_GT(rep.group_init_seconds, 0);
    EXPECT_EQ(rep.group_init_method, "ncclCommSplit");
    ASSERT_FALSE(rep.groups.empty());
    for (const GroupRow& g : rep.groups) EXPECT_EQ(g.wrong, 0) << Name(g.op) << " " << g.size;
  }
}

TEST_F(NcclBackendTest, SplitKeepsMemberInfosInKeyOrder) {
  std::mutex mu;
  backend_->Run([&](Communicator& comm) {
    // Reverse order inside each group: key = -rank.
    std::unique_ptr<Communicator> g = comm.Split(comm.rank() % 2, -comm.rank());
    std::lock_guard<std::mutex> lock(mu);
    const int expected_size = (gpus_ - comm.rank() % 2 + 1) / 2;
    EXPECT_EQ(g->size(), expected_size);
    EXPECT_EQ(g->backend(), "nccl");
    EXPECT_EQ(g->init_method(), "ncclCommSplit");
    ASSERT_EQ(g->ranks().size(), static_cast<size_t>(expected_size));
    for (size_t i = 1; i < g->ranks().size(); ++i) EXPECT_GT(g->ranks()[i - 1].rank, g->ranks()[i].rank);
    const RankInfo& me = g->ranks()[static_cast<size_t>(g->rank())];
    EXPECT_EQ(me.rank, comm.rank());
    EXPECT_EQ(me.device, comm.ranks()[static_cast<size_t>(comm.rank())].device);
  });
}

TEST(NcclBackendErrors, MoreGpusThanPresentIsAUsageErrorNamingBothNumbers) {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "SLURM_NTASKS"}) unsetenv(v);
  const int gpus = VisibleGpus();
  ASSERT_GT(gpus, 0) << "no GPU visible to CUDA";
  BackendOptions bo;
  bo.gpus_per_process = gpus + 1;
  try {
    MakeNcclBackend(bo);
    FAIL() << "expected a UsageError";
  } catch (const UsageError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("-g " + std::to_string(gpus + 1)), std::string::npos) << m;
    EXPECT_NE(m.find("has " + std::to_string(gpus)), std::string::npos) << m;
  }
}

}  // namespace
}  // namespace cb::coll
