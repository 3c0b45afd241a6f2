// The self-test injections' one seam (acceptance/inject.h, kernels/harness.h):
// a benchmark added tomorrow is covered by `validate --inject` by
// construction. A GPU benchmark (acceptance/device_kernels.h) that ignores
// MeasureOptions altogether, run through the acceptance runner with
// corrupt:R or slow:R:F, FAILs its unit with a self-test reason naming the
// check and the benchmark instead of passing; one that measures through the
// harness is slowed without a line of its own.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "acceptance/device_kernels.h"
#include "acceptance/inject.h"
#include "acceptance/runner.h"
#include "acceptance/suite.h"
#include "collectives/backend.h"
#include "core/config.h"
#include "kernels/harness.h"

namespace cb::acc {
namespace {

constexpr double kOpSeconds = 1e-3;  // the harnessed benchmark's operation sleeps this long

// Two H100s, one per loopback rank (two ranks on one host split a node's GPUs).
std::vector<DeviceIdentity> TwoGpus() {
  return {{0, "NVIDIA H100 80GB HBM3", "GPU-0", "0000:01:00.0", "s0"},
          {1, "NVIDIA H100 80GB HBM3", "GPU-1", "0000:02:00.0", "s1"}};
}

// A new benchmark that forgets the injections: it times itself outside the
// harness and verifies 64 elements, none ever wrong, whatever MeasureOptions says.
class Oblivious : public DeviceKernels {
 public:
  std::vector<DeviceIdentity> Devices() override { return TwoGpus(); }
  DeviceResult Run(int, const DeviceRequest&, const MeasureOptions&) override {
    DeviceResult r;
    r.measurement.samples_s = {kOpSeconds, kOpSeconds, kOpSeconds, kOpSeconds, kOpSeconds};
    r.measurement.summary = Summarize(r.measurement.samples_s);
    r.value = 1e12;
    r.checked = 64;
    return r;
  }
};

// A benchmark written the ordinary way: its operation measured by the
// harness with the options it was given, its output perturbed under
// corrupt_output before its check.
class Harnessed : public DeviceKernels {
 public:
  std::vector<DeviceIdentity> Devices() override { return TwoGpus(); }
  DeviceResult Run(int, const DeviceRequest&, const MeasureOptions& options) override {
    DeviceResult r;
    std::vector<double> out(64, 1.0);
    r.measurement =
        MeasureHost([] { std::this_thread::sleep_for(std::chrono::duration<double>(kOpSeconds)); }, options);
    r.value = 1e12 * kOpSeconds / r.measurement.summary.median;
    if (options.corrupt_output) out[0] += 1;
    for (double x : out) r.wrong += x != 1.0;
    r.checked = static_cast<int64_t>(out.size());
    return r;
  }
};

// A one-check GPU suite (GEMM bf16, device scope) with loose relative bounds:
// two equal devices pass it unless an injection shows.
Suite GemmSuite() {
  ConfigLoader loader({std::string(CB_SOURCE_DIR) + "/configs"});
  return SuiteFromConfig(loader.LoadString("suite",
                                           "name: seam\ngpu: h100-sxm\ntime_budget: 0.1s\nchecks:\n"
                                           "  - {name: gemm-bf16, benchmark: gemm, dtype: bf16, size: 64, "
                                           "scope: device, threshold: {relative: 0.9, outlier_mads: 0}}\n",
                                           "seam.yaml"));
}

// The suite on two loopback ranks (each its own node) with `kernels` and the
// injections `injects`; rank 0's report.
template <typename Kernels>
ValidationReport RunWith(const std::vector<std::string>& injects) {
  RunOptions ro;
  ParseInjections(injects, &ro);
  ro.device_kernels = [] { return std::make_unique<Kernels>(); };
  coll::BackendOptions bo;
  bo.loopback_ranks = 2;
  auto backend = coll::MakeLoopbackBackend(bo);
  const Suite suite = GemmSuite();
  ValidationReport rep;
  backend->Run([&](coll::Communicator& comm) {
    ValidationReport mine = RunSuite(comm, suite, ro);
    if (comm.rank() == 0) rep = std::move(mine);
  });
  return rep;
}

// The unit rank `rank` measured.
const UnitResult& UnitOf(const ValidationReport& rep, int rank) {
  for (const auto& u : rep.units) {
    if (u.ranks == std::vector<int>{rank}) return u;
  }
  throw std::runtime_error("no unit of rank " + std::to_string(rank));
}

TEST(InjectionSeam, ABenchmarkThatIgnoresCorruptFailsItsSelfTestLoudly) {
  // Without an injection the oblivious benchmark passes: what fails below is the seam.
  const ValidationReport clean = RunWith<Oblivious>({});
  ASSERT_EQ(clean.units.size(), 2u);
  for (int r : {0, 1}) EXPECT_EQ(UnitOf(clean, r).verdict.verdict, Verdict::kPass) << UnitOf(clean, r).verdict.reason;

  const ValidationReport rep = RunWith<Oblivious>({"corrupt:1"});
  EXPECT_EQ(UnitOf(rep, 0).verdict.verdict, Verdict::kPass) << UnitOf(rep, 0).verdict.reason;
  const UnitVerdict& v = UnitOf(rep, 1).verdict;
  EXPECT_EQ(v.verdict, Verdict::kFail);
  EXPECT_EQ(v.failure, Failure::kSelfTest);
  EXPECT_EQ(v.reason.rfind("gemm-bf16: self-test failed: gemm ignores --inject corrupt: its check saw no corrupted "
                           "element in 1 of 1 round(s) (64 element(s) checked)",
                           0),
            0u)
      << v.reason;
  EXPECT_NE(v.plain.find("SELF-TEST FAILED"), std::string::npos) << v.plain;
  EXPECT_EQ(rep.ranks[1].verdict, Verdict::kFail);
  EXPECT_STREQ(FailureName(v.failure), "self-test");
}

TEST(InjectionSeam, ABenchmarkThatIgnoresSlowFailsItsSelfTestLoudly) {
  const ValidationReport rep = RunWith<Oblivious>({"slow:0:0.5"});
  const UnitVerdict& v = UnitOf(rep, 0).verdict;
  EXPECT_EQ(v.verdict, Verdict::kFail);
  EXPECT_EQ(v.failure, Failure::kSelfTest);
  EXPECT_NE(v.reason.find("gemm-bf16: self-test failed: gemm ignores --inject slow: 1 of 1 round(s) were measured "
                          "with throttle 0, not 0.5"),
            std::string::npos)
      << v.reason;
  EXPECT_EQ(UnitOf(rep, 1).verdict.verdict, Verdict::kPass) << UnitOf(rep, 1).verdict.reason;
}

// Measured through MeasureHost, a benchmark is slowed with no code of its
// own: every timed call of the slowed rank takes at least the operation's
// 1 ms plus the throttle's sleep of F/(1-F) = 1 x that call (sleeps only ever
// last longer, so only the lower bound is asserted), and its self-test holds.
TEST(InjectionSeam, ABenchmarkMeasuredByTheHarnessIsSlowedByConstruction) {
  const ValidationReport rep = RunWith<Harnessed>({"slow:1:0.5"});
  const UnitResult& slowed = UnitOf(rep, 1);
  EXPECT_NE(slowed.verdict.failure, Failure::kSelfTest) << slowed.verdict.reason;
  ASSERT_FALSE(slowed.rounds.empty());
  for (const Round& r : slowed.rounds) {
    EXPECT_GT(r.samples, 0);
    EXPECT_EQ(r.throttle, 0.5);
    EXPECT_GE(r.min_s, 2 * kOpSeconds);
  }
  for (const Round& r : UnitOf(rep, 0).rounds) EXPECT_EQ(r.throttle, 0);
}

// A benchmark that honours corrupt_output fails as wrong results, as a
// faulty device would: the seam only steps in when the injection vanished.
TEST(InjectionSeam, AHonouredCorruptionIsAWrongResultNotASelfTestFailure) {
  const ValidationReport rep = RunWith<Harnessed>({"corrupt:0"});
  const UnitVerdict& v = UnitOf(rep, 0).verdict;
  EXPECT_EQ(v.verdict, Verdict::kFail);
  EXPECT_EQ(v.failure, Failure::kWrong) << v.reason;
  EXPECT_EQ(UnitOf(rep, 1).verdict.failure, Failure::kNone) << UnitOf(rep, 1).verdict.reason;
}

// The rule itself: only rounds with samples that were not interrupted count;
// each must show every injection it was measured under.
TEST(InjectionSeam, IgnoredInjectionCountsEveryMeasuredRound) {
  Check c;
  c.benchmark = "stream";
  auto round = [](int64_t wrong, double throttle, int64_t samples = 5, bool interrupted = false) {
    Round r;
    r.samples = samples;
    r.checked = 100;
    r.wrong = wrong;
    r.throttle = throttle;
    r.interrupted = interrupted;
    return r;
  };
  EXPECT_EQ(IgnoredInjection(c, {round(0, 0)}, false, 0), "");  // no injection, nothing to show
  EXPECT_EQ(IgnoredInjection(c, {round(1, 0), round(3, 0)}, true, 0), "");
  EXPECT_EQ(IgnoredInjection(c, {round(1, 0.25)}, true, 0.25), "");
  EXPECT_EQ(IgnoredInjection(c, {}, true, 0.25), "");                                      // nothing measured
  EXPECT_EQ(IgnoredInjection(c, {round(0, 0, 0), round(0, 0, 5, true)}, true, 0.25), "");  // none counted
  const std::string corrupt = IgnoredInjection(c, {round(1, 0), round(0, 0)}, true, 0);
  EXPECT_EQ(corrupt.rfind("stream ignores --inject corrupt: its check saw no corrupted element in 1 of 2 round(s) (200 "
                          "element(s) checked)",
                          0),
            0u)
      << corrupt;
  const std::string both = IgnoredInjection(c, {round(0, 0)}, true, 0.25);
  EXPECT_NE(both.find("ignores --inject corrupt"), std::string::npos) << both;
  EXPECT_NE(both.find("; stream ignores --inject slow: 1 of 1 round(s) were measured with throttle 0, not 0.25"),
            std::string::npos)
      << both;
  // A check that verified nothing cannot have seen the corruption either.
  Round unchecked = round(0, 0);
  unchecked.checked = 0;
  EXPECT_NE(IgnoredInjection(c, {unchecked}, true, 0).find("(0 element(s) checked)"), std::string::npos);
}

}  // namespace
}  // namespace cb::acc
