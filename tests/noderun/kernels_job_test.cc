// kernels as a job without mpirun: a rank's place on its host from the ranks'
// host names, and a whole job of two loopback ranks (threads) measuring the
// host's STREAM, gathered on rank 0 into one results sink.
#include "noderun/kernels_job.h"

#include <gtest/gtest.h>

#include <mutex>

#include "collectives/backend.h"

namespace cb {
namespace {

TEST(PlaceOnHost, CountsTheRanksSharingTheHost) {
  const std::vector<coll::RankInfo> ranks = {{0, "a", "cpu"}, {1, "b", "cpu"}, {2, "a", "cpu"}, {3, "a", "cpu"}};
  const RankPlace p = PlaceOnHost(ranks, 2);
  EXPECT_EQ(p.rank, 2);
  EXPECT_EQ(p.host, "a");
  EXPECT_EQ(p.local_rank, 1);
  EXPECT_EQ(p.local_size, 3);
  const RankPlace b = PlaceOnHost(ranks, 1);
  EXPECT_EQ(b.local_rank, 0);
  EXPECT_EQ(b.local_size, 1);
  EXPECT_EQ(b.host, "b");
}

// Records what rank 0 writes.
class FakeSink : public ResultSink {
 public:
  void BeginRun(const RunInfo& info) override { run = info; }
  void WriteTable(const Table& table) override { tables.push_back(table); }
  void EndRun(RunStatus s, const std::string& m) override {
    status = s;
    message = m;
    ended = true;
  }
  RunInfo run;
  std::vector<Table> tables;
  RunStatus status = RunStatus::kRunning;
  std::string message;
  bool ended = false;
};

// Passes rank 0's writes on to a FakeSink the test keeps (the job drops
// the sink it opened when it returns).
class ForwardSink : public ResultSink {
 public:
  explicit ForwardSink(FakeSink* to) : to_(to) {}
  void BeginRun(const RunInfo& info) override { to_->BeginRun(info); }
  void WriteTable(const Table& table) override { to_->WriteTable(table); }
  void EndRun(RunStatus s, const std::string& m) override { to_->EndRun(s, m); }

 private:
  FakeSink* to_;
};

struct JobRun {
  std::vector<int> codes;
  FakeSink sink;
  int opened = 0;  // times open_results was called: rank 0 only
};

// Two loopback ranks run `o`; rank 0 writes into the FakeSink.
void RunOnTwoRanks(const KernelsRunOptions& o, JobRun* result) {
  KernelsOutput out;
  out.log = Logger(Verbosity::kQuiet);
  out.path = "fake.h5";
  out.open_results = [result]() -> std::unique_ptr<ResultSink> {
    ++result->opened;
    return std::make_unique<ForwardSink>(&result->sink);
  };
  coll::BackendOptions bo;
  bo.loopback_ranks = 2;
  auto backend = coll::MakeLoopbackBackend(bo);
  std::mutex mu;
  result->codes.assign(2, -1);
  backend->Run([&](coll::Communicator& comm) {
    const int code = RunKernelsJob(o, out, Backends{}, "clusterbench kernels (test)", &comm);
    std::lock_guard<std::mutex> lock(mu);
    result->codes[static_cast<size_t>(comm.rank())] = code;
  });
}

KernelsRunOptions ShortStream() {
  KernelsRunOptions o;
  o.device = "host";
  o.benches = {"stream"};
  o.bytes = "64K";
  o.time_budget_s = 0.01;
  o.threads = 1;
  return o;
}

TEST(KernelsJob, RankZeroWritesEveryRanksRows) {
  JobRun r;
  RunOnTwoRanks(ShortStream(), &r);
  EXPECT_EQ(r.codes, (std::vector<int>{0, 0}));
  EXPECT_EQ(r.opened, 1);
  EXPECT_EQ(r.sink.run.rank_count, 2);
  EXPECT_NE(r.sink.run.config_yaml.find("ranks: 2"), std::string::npos) << r.sink.run.config_yaml;
  ASSERT_EQ(r.sink.tables.size(), 1u);
  const Table& memory = r.sink.tables[0];
  EXPECT_EQ(memory.name(), "memory");
  ASSERT_EQ(memory.size(), 8u);  // four STREAM kernels per rank
  const auto rank = static_cast<size_t>(memory.ColumnIndex("rank"));
  EXPECT_EQ(std::get<int64_t>(memory.rows()[0][rank]), 0);
  EXPECT_EQ(std::get<int64_t>(memory.rows()[7][rank]), 1);
  EXPECT_TRUE(r.sink.ended);
  EXPECT_EQ(r.sink.status, RunStatus::kComplete);
}

TEST(KernelsJob, ABadFlagFailsEveryRankWithOneCode) {
  KernelsRunOptions o = ShortStream();
  o.benches = {"nosuch"};
  JobRun r;
  RunOnTwoRanks(o, &r);
  EXPECT_EQ(r.codes, (std::vector<int>{2, 2}));
  EXPECT_EQ(r.opened, 1);
  EXPECT_TRUE(r.sink.tables.empty());
  EXPECT_EQ(r.sink.status, RunStatus::kFailed);
  EXPECT_NE(r.sink.message.find("--bench nosuch"), std::string::npos) << r.sink.message;
}

// --device is parsed once where a rank reads it: a name that is no device
// fails every rank with the usage code, naming the valid ones.
TEST(KernelsJob, AnUnknownDeviceIsRefusedWithTheValidNames) {
  KernelsRunOptions o = ShortStream();
  o.device = "tpu";
  JobRun r;
  RunOnTwoRanks(o, &r);
  EXPECT_EQ(r.codes, (std::vector<int>{2, 2}));
  EXPECT_NE(r.sink.message.find("--device tpu: not one of auto, cuda, host"), std::string::npos) << r.sink.message;
}

}  // namespace
}  // namespace cb
