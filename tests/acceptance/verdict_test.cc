// Verdict rules (acceptance/verdict.h): each test states the scenario and the
// expected closed form, then asserts it.
#include "acceptance/verdict.h"

#include <gtest/gtest.h>

#include <cmath>

#include "acceptance/suite.h"
#include "core/config.h"
#include "core/error.h"

namespace cb::acc {
namespace {

UnitData Unit(std::string label, std::vector<double> values, std::string peers = "") {
  UnitData u;
  u.label = std::move(label);
  u.values = std::move(values);
  u.peer_group = std::move(peers);
  return u;
}

CheckSpec Spec(Thresholds t, int repeats = 1, Severity s = Severity::kCritical) {
  CheckSpec c;
  c.name = "stream-triad";
  c.dimension = Dimension::kBandwidth;
  c.thresholds = t;
  c.repeats = repeats;
  c.severity = s;
  return c;
}

TEST(FleetStats, MedianMadAndOutlierFloor) {
  // Values 10, 11, 12, 13, 100: median 12, |v - 12| = 2, 1, 0, 1, 88 -> MAD 1.
  // Floor = 12 - max(3 x 1.4826 x 1, 0.05 x 12) = 12 - 4.4478.
  Thresholds t;
  t.outlier_mads = 3;
  t.outlier_min_deviation = 0.05;
  FleetStats s = ComputeFleetStats({10, 11, 12, 13, 100}, t);
  EXPECT_EQ(s.count, 5);
  EXPECT_DOUBLE_EQ(s.median, 12);
  EXPECT_DOUBLE_EQ(s.mad, 1);
  EXPECT_DOUBLE_EQ(s.best, 100);
  EXPECT_NEAR(s.outlier_floor, 12 - 3 * 1.4826, 1e-12);
}

TEST(FleetStats, MinimumDeviationKeepsATightFleetIn) {
  // Identical values: MAD 0; the floor is median x (1 - d) = 100 x 0.9.
  Thresholds t;
  t.outlier_mads = 5;
  t.outlier_min_deviation = 0.1;
  EXPECT_DOUBLE_EQ(ComputeFleetStats({100, 100, 100}, t).outlier_floor, 90);
  // Fewer than 3 units or k = 0: no outlier test.
  EXPECT_TRUE(std::isinf(ComputeFleetStats({100, 100}, t).outlier_floor));
  t.outlier_mads = 0;
  EXPECT_TRUE(std::isinf(ComputeFleetStats({100, 100, 100}, t).outlier_floor));
}

TEST(Judge, FractionOfModelHoldsEachUnitAgainstItsOwnModelFigure) {
  // Two groups, models 100 and 200; fraction 0.5: bounds 50 and 100. Group a
  // measured 60 passes (ratio 0.6), group b measured 90 fails (ratio 0.45).
  // relative off (0.99 keeps it below both), no outlier test with 2 units.
  Thresholds t;
  t.fraction_of_model = 0.5;
  t.relative = 0.99;
  UnitData a = Unit("group 0", {60}), b = Unit("group 1", {90});
  a.model = 100;
  a.model_how = "model a";
  b.model = 200;
  b.model_how = "model b";
  auto v = Judge(Spec(t), {a, b});
  EXPECT_EQ(v[0].verdict, Verdict::kPass);
  EXPECT_DOUBLE_EQ(v[0].model_ratio(), 0.6);
  EXPECT_EQ(v[0].bound, "model");
  EXPECT_DOUBLE_EQ(v[0].expected, 50);
  EXPECT_EQ(v[1].verdict, Verdict::kFail);
  EXPECT_DOUBLE_EQ(v[1].expected, 100);
  EXPECT_DOUBLE_EQ(v[1].model_ratio(), 0.45);
  EXPECT_NE(v[1].reason.find("50% of the model's"), std::string::npos) << v[1].reason;
  EXPECT_NE(v[1].reason.find("measured/model 0.45; model b"), std::string::npos) << v[1].reason;
  EXPECT_NE(v[1].plain.find("what the model expects"), std::string::npos) << v[1].plain;
}

TEST(Judge, FractionOfModelWithoutAFigureIsSkippedWithTheReason) {
  Thresholds t;
  t.fraction_of_model = 0.5;
  UnitData a = Unit("job", {60});
  a.model_how = "the profile has no model of alltoall";
  auto v = Judge(Spec(t), {a});
  EXPECT_EQ(v[0].verdict, Verdict::kSkipped);
  EXPECT_NE(v[0].reason.find("no model figure: the profile has no model of alltoall"), std::string::npos);
}

TEST(Judge, AbsoluteThreshold) {
  // Absolute minimum 50: 60 passes, 40 fails with both numbers in the reason.
  Thresholds t;
  t.absolute = 50e9;
  t.relative = 0.9;  // keep relative out of the way
  t.outlier_mads = 0;
  auto v = Judge(Spec(t), {Unit("a", {60e9}), Unit("b", {40e9})});
  EXPECT_EQ(v[0].verdict, Verdict::kPass);
  EXPECT_EQ(v[1].verdict, Verdict::kFail);
  EXPECT_EQ(v[1].bound, "absolute");
  EXPECT_NE(v[1].reason.find("stream-triad"), std::string::npos);
  EXPECT_NE(v[1].reason.find("40 GB/s"), std::string::npos) << v[1].reason;
  EXPECT_NE(v[1].reason.find("50 GB/s"), std::string::npos) << v[1].reason;
}

TEST(Judge, FractionOfSpec) {
  // 80% of a 3350 GB/s nameplate = 2680 GB/s: 2700 passes, 2600 fails.
  Thresholds t;
  t.fraction_of_spec = 0.8;
  t.relative = 0.5;
  t.outlier_mads = 0;
  CheckSpec c = Spec(t);
  c.spec = 3350e9;
  auto v = Judge(c, {Unit("a", {2700e9}), Unit("b", {2600e9})});
  EXPECT_EQ(v[0].verdict, Verdict::kPass);
  EXPECT_EQ(v[1].verdict, Verdict::kFail);
  EXPECT_DOUBLE_EQ(v[1].expected, 0.8 * 3350e9);
  EXPECT_EQ(v[1].bound, "spec");
}

TEST(Judge, RelativeToTheBestOfItsPeers) {
  // Within 10% of the node's best device: node A best 100 -> bound 90, so
  // 89 fails and 91 passes; node B (best 50) is judged against its own best.
  Thresholds t;
  t.relative = 0.1;
  t.outlier_mads = 0;
  auto v = Judge(Spec(t), {Unit("a0", {100}, "A"), Unit("a1", {89}, "A"), Unit("a2", {91}, "A"), Unit("b0", {50}, "B"),
                           Unit("b1", {46}, "B")});
  EXPECT_EQ(v[0].verdict, Verdict::kPass);
  EXPECT_EQ(v[1].verdict, Verdict::kFail);
  EXPECT_DOUBLE_EQ(v[1].expected, 90);
  EXPECT_EQ(v[2].verdict, Verdict::kPass);
  EXPECT_EQ(v[3].verdict, Verdict::kPass);
  EXPECT_EQ(v[4].verdict, Verdict::kPass);  // 46 >= 45
}

TEST(Judge, MadOutlierFlagsOnlyTheOutlier) {
  // Fleet 100, 101, 99, 100, 60 with k = 5, d = 0.05: median 100, MAD 1,
  // floor = 100 - max(7.413, 5) = 92.587: only 60 is an outlier. Relative is
  // loose (0.5) so it is the outlier test that fails it.
  Thresholds t;
  t.relative = 0.5;
  t.outlier_mads = 5;
  t.outlier_min_deviation = 0.05;
  auto v = Judge(Spec(t), {Unit("a", {100}), Unit("b", {101}), Unit("c", {99}), Unit("d", {100}), Unit("e", {60})});
  for (int i = 0; i < 4; ++i) EXPECT_EQ(v[static_cast<size_t>(i)].verdict, Verdict::kPass) << i;
  EXPECT_EQ(v[4].verdict, Verdict::kFail);
  EXPECT_EQ(v[4].bound, "outlier");
  EXPECT_NEAR(v[4].expected, 100 - 5 * 1.4826, 1e-9);
  EXPECT_NE(v[4].reason.find("1.4826"), std::string::npos);
}

TEST(Judge, RepeatsBeforeAFailureCounts) {
  // repeats 2, bound 90 (absolute): one low round of three is not a failure;
  // two are. A unit whose latest round missed with one miss asks for more.
  Thresholds t;
  t.absolute = 90;
  t.relative = 0.9;
  t.outlier_mads = 0;
  auto v = Judge(Spec(t, 2), {Unit("once", {100, 80, 100}), Unit("twice", {80, 100, 80}), Unit("latest", {100, 80})});
  EXPECT_EQ(v[0].verdict, Verdict::kPass);
  EXPECT_FALSE(v[0].needs_more);
  EXPECT_EQ(v[0].missed_rounds, 1);
  EXPECT_EQ(v[1].verdict, Verdict::kFail);
  EXPECT_EQ(v[1].missed_rounds, 2);
  EXPECT_EQ(v[2].verdict, Verdict::kPass);
  EXPECT_TRUE(v[2].needs_more);
}

TEST(Judge, UnitValueIsTheMedianOfItsRounds) {
  // Rounds 10, 30, 20: value 20 (not the best, 30).
  Thresholds t;
  t.outlier_mads = 0;
  auto v = Judge(Spec(t), {Unit("a", {10, 30, 20})});
  EXPECT_DOUBLE_EQ(v[0].value, 20);
}

TEST(Judge, SeverityWarnGivesWarn) {
  Thresholds t;
  t.absolute = 90;
  t.outlier_mads = 0;
  auto v = Judge(Spec(t, 1, Severity::kWarn), {Unit("a", {80})});
  EXPECT_EQ(v[0].verdict, Verdict::kWarn);
}

TEST(Judge, WrongResultsFailWhateverTheSeverity) {
  Thresholds t;
  t.outlier_mads = 0;
  UnitData u = Unit("a", {100});
  u.checked = 256;
  u.wrong = 1;
  auto v = Judge(Spec(t, 1, Severity::kWarn), {u});
  EXPECT_EQ(v[0].verdict, Verdict::kFail);
  EXPECT_NE(v[0].reason.find("1 of 256"), std::string::npos) << v[0].reason;
}

TEST(Judge, SkippedUnitsSayWhyAndDoNotSetTheReference) {
  Thresholds t;
  t.outlier_mads = 0;
  UnitData s;
  s.label = "gpu";
  s.skipped = "no GPU";
  auto v = Judge(Spec(t), {s, Unit("a", {100})});
  EXPECT_EQ(v[0].verdict, Verdict::kSkipped);
  EXPECT_NE(v[0].reason.find("no GPU"), std::string::npos);
  EXPECT_EQ(v[1].verdict, Verdict::kPass);
}

TEST(ClusterStatus, ExitCodes) {
  using V = Verdict;
  EXPECT_EQ(ClusterStatus({V::kPass, V::kPass}).exit_code, 0);
  EXPECT_EQ(ClusterStatus({V::kPass, V::kSkipped}).exit_code, 0);
  EXPECT_EQ(ClusterStatus({V::kPass, V::kWarn}).exit_code, 1);
  EXPECT_EQ(ClusterStatus({V::kWarn, V::kFail, V::kPass}).exit_code, 2);
  EXPECT_EQ(ClusterStatus({V::kFail}).name, "CRITICAL");
  EXPECT_EQ(ClusterStatus({V::kSkipped, V::kSkipped}).exit_code, 3);
  EXPECT_EQ(ClusterStatus({}).name, "UNKNOWN");
}

TEST(ValidateThresholds, Contradictions) {
  Thresholds t;
  t.relative = 1.0;
  EXPECT_THROW(ValidateThresholds(Spec(t), "s.yaml:3:5"), ConfigError);
  t.relative = 0.1;
  t.fraction_of_spec = 0.8;
  EXPECT_THROW(ValidateThresholds(Spec(t), "s.yaml:3:5"), ConfigError);  // no spec figure
  CheckSpec c = Spec(t);
  c.spec = 989e12;
  c.dimension = Dimension::kFlopRate;
  EXPECT_NO_THROW(ValidateThresholds(c, "s.yaml:3:5"));
  c.thresholds.absolute = 1.2e15;  // above the nameplate: nobody can pass
  try {
    ValidateThresholds(c, "s.yaml:3:5");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("s.yaml:3:5"), std::string::npos) << m;
    EXPECT_NE(m.find("nameplate"), std::string::npos) << m;
  }
}

// ---------------------------------------------------------------- suites

ConfigLoader Shipped() { return ConfigLoader({std::string(CB_SOURCE_DIR) + "/configs"}); }

TEST(Suite, EveryShippedSuiteLoads) {
  ConfigLoader loader = Shipped();
  auto names = loader.Available("suite");
  for (const char* want : {"host-cpu", "h100-sxm-node", "h200-sxm-node", "a100-sxm-node", "fabric-ndr"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), want), names.end()) << want;
  }
  for (const auto& name : names) {
    SCOPED_TRACE(name);
    Suite s = LoadSuite(loader, name);
    EXPECT_FALSE(s.checks.empty());
  }
  Suite h100 = LoadSuite(loader, "h100-sxm-node");
  EXPECT_TRUE(h100.has_gpu);
  EXPECT_TRUE(MatchesGpu(h100, "NVIDIA H100 80GB HBM3", loader));
  EXPECT_FALSE(MatchesGpu(h100, "NVIDIA A100-SXM4-80GB", loader));
}

// The suite's GPU under the datasheets' longest-match rule (core/gpu_match.h):
// a B200 suite's "B200" is in "NVIDIA GB200", but that device is a GB200.
TEST(Suite, GpuMatchTakesTheLongestDatasheetMatch) {
  ConfigLoader loader = Shipped();
  const std::string yaml =
      "name: b200 node\ngpu: b200\nchecks:\n"
      "  - {name: g, benchmark: gemm, dtype: bf16, scope: device, threshold: {relative: 0.1}}\n";
  Suite b200 = SuiteFromConfig(loader.LoadString("suite", yaml, "b200.yaml"));
  EXPECT_TRUE(MatchesGpu(b200, "NVIDIA B200", loader));
  EXPECT_FALSE(MatchesGpu(b200, "NVIDIA GB200", loader));
  EXPECT_FALSE(MatchesGpu(b200, "NVIDIA H100 80GB HBM3", loader));
}

// A stream check's kernel is parsed once where the suite is read: triad
// unless the check names another, and the description spells its name.
TEST(Suite, TheStreamKernelIsParsedOnce) {
  ConfigLoader loader = Shipped();
  const Suite s = SuiteFromConfig(
      loader.LoadString("suite",
                        "name: x\nchecks:\n  - name: a\n    benchmark: stream\n  - name: b\n    benchmark: stream\n"
                        "    kernel: copy\n",
                        "k.yaml"));
  ASSERT_EQ(s.checks.size(), 2u);
  EXPECT_EQ(s.checks[0].kernel, StreamKernel::kTriad);
  EXPECT_EQ(s.checks[1].kernel, StreamKernel::kCopy);
}

// A health check's closed sets (which PCIe devices, which NIC ports) are
// parsed where the suite is read; a name that is none of them is refused
// naming the key and the valid names.
TEST(Suite, HealthDevicesAndNicKindAreParsedOnce) {
  ConfigLoader loader = Shipped();
  const Suite s = SuiteFromConfig(loader.LoadString(
      "suite",
      "name: x\nchecks:\n  - name: h\n    benchmark: health\n    pcie:\n      at_max: true\n      devices: nic\n"
      "    nics:\n      count: 2\n      kind: ethernet\n  - name: d\n    benchmark: health\n    nics:\n"
      "      count: 1\n",
      "h.yaml"));
  ASSERT_EQ(s.checks.size(), 2u);
  EXPECT_EQ(s.checks[0].health.pcie_devices, PcieDevices::kNic);
  EXPECT_EQ(s.checks[0].health.nic_kind, NicKind::kEthernet);
  EXPECT_EQ(s.checks[1].health.pcie_devices, PcieDevices::kGpu);  // the defaults
  EXPECT_EQ(s.checks[1].health.nic_kind, NicKind::kAny);
  try {
    SuiteFromConfig(loader.LoadString(
        "suite", "name: x\nchecks:\n  - name: h\n    benchmark: health\n    nics:\n      kind: roce\n", "bad.yaml"));
    ADD_FAILURE() << "nics.kind roce accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("'roce'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("infiniband"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("ethernet"), std::string::npos) << e.what();
  }
}

TEST(Suite, BadInputNamesFileLineAndKey) {
  ConfigLoader loader = Shipped();
  auto expect_error = [&](const std::string& yaml, const std::string& needle) {
    try {
      SuiteFromConfig(loader.LoadString("suite", yaml, "bad.yaml"));
      ADD_FAILURE() << "no error for: " << yaml;
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  // An unknown check (benchmark), an unknown GPU, contradictory thresholds.
  expect_error("name: x\nchecks:\n  - name: a\n    benchmark: gemmm\n", "bad.yaml:4");
  expect_error("name: x\ngpu: h100-sxn\nchecks:\n  - name: a\n    benchmark: stream\n", "h100-sxn");
  expect_error("name: x\nchecks:\n  - name: a\n    benchmark: stream\n    threshold:\n      relative: 1\n",
               "contradictory");
  expect_error("name: x\nchecks:\n  - name: a\n    benchmark: stream\n    threshold:\n      fraction_of_spec: 0.8\n",
               "names no gpu");
  expect_error(
      "name: x\ngpu: h100-sxm\nchecks:\n  - name: a\n    benchmark: gemm\n    dtype: bf16\n    threshold:\n      "
      "absolute: 2.0e15\n",
      "nameplate");
  expect_error("name: x\nchecks:\n  - name: a\n    benchmark: all_reduce\n    scope: device\n    bytes: 1MiB\n",
               "scope must be fabric");
  expect_error("name: x\nchecks:\n  - name: a\n    benchmark: stream\n  - name: a\n    benchmark: stream\n",
               "duplicate check name");
  // A GEMM precision the kernels do not have: the key, and the valid names.
  expect_error(
      "name: x\ngpu: h100-sxm\nchecks:\n  - name: a\n    benchmark: gemm\n    dtype: bf17\n",
      "bad.yaml:6:12: key 'checks.0.dtype': check 'a': 'bf17' is not one of fp64, fp32, tf32, bf16, fp16, fp8");
  expect_error("name: x\nchecks:\n  - name: a\n    benchmark: gemm\n    dtype: bf16\n", "the host runs fp64 and fp32");
  // The backend: the schema names the valid ones.
  expect_error(
      "name: x\nchecks:\n  - name: a\n    benchmark: all_reduce\n    scope: fabric\n    bytes: 1MiB\n"
      "    backend: ucx\n",
      "key 'checks.0.backend': 'ucx' is not one of auto, mpi, nccl");
  // The stream kernel: the schema names the host's four.
  expect_error("name: x\nchecks:\n  - name: a\n    benchmark: stream\n    kernel: nstream\n",
               "key 'checks.0.kernel': 'nstream' is not one of copy, scale, add, triad");
}

}  // namespace
}  // namespace cb::acc
