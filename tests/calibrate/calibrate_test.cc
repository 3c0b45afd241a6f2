// Calibration: each fit recovers the parameters of synthetic data generated
// from its own model (the closed form in each comment); profiles round-trip
// through YAML, replace what they measured in a scenario, and refuse
// hardware they were not measured on.
#include <gtest/gtest.h>

#include <cmath>

#include "calibrate/evidence.h"
#include "calibrate/fit.h"
#include "calibrate/profile.h"
#include "collectives/result_tables.h"
#include "core/config.h"
#include "core/error.h"
#include "core/table.h"
#include "simulator/simulate.h"
#include "store/hdf5_store.h"
#include "tests/scratch_dir.h"

namespace cb::calib {
namespace {

// The message of the ConfigError `f` throws; "accepted" when it throws none,
// which every caller's expected phrase then fails to find.
template <class F>
std::string RefusalOf(F&& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "accepted";
}

// t = 20 us + x / 10 GB/s at sizes 1 KiB .. 64 MiB: the fit returns α and B
// exactly (relative least squares of a model that holds).
TEST(Fit, AlphaBetaRecoversExactParameters) {
  std::vector<double> x, t;
  for (double s = 1024; s <= 64 << 20; s *= 4) {
    x.push_back(s);
    t.push_back(20e-6 + s / 10e9);
  }
  AlphaBeta f = FitAlphaBeta(x, t);
  EXPECT_NEAR(f.alpha_s, 20e-6, 1e-12);
  EXPECT_NEAR(f.bandwidth, 10e9, 1e-3 * 10e9 * 1e-6);
  EXPECT_LT(f.error.max, 1e-9);
}

// Times flat in size: no bandwidth can be fitted; α is their level.
TEST(Fit, AlphaBetaFlatTimesHaveNoBandwidth) {
  AlphaBeta f = FitAlphaBeta({1e3, 1e4, 1e5}, {5e-6, 5e-6, 5e-6});
  EXPECT_EQ(f.bandwidth, 0);
  EXPECT_NEAR(f.alpha_s, 5e-6, 1e-15);
}

// Two protocols: eager t = 2 us + x / 1 GB/s below 64 KiB, rendezvous
// t = 30 us + x / 8 GB/s above. No single (α, B) fits both within 5%; the
// piecewise fit cuts at 64 KiB and recovers both pairs.
TEST(Fit, PiecewiseFindsTheProtocolSwitch) {
  std::vector<double> x, t;
  for (double s = 256; s <= 16 << 20; s *= 2) {
    x.push_back(s);
    t.push_back(s <= 65536 ? 2e-6 + s / 1e9 : 30e-6 + s / 8e9);
  }
  EXPECT_GT(FitAlphaBeta(x, t).error.max, 0.05);
  Piecewise p = FitPiecewise(x, t);
  ASSERT_EQ(p.segments.size(), 2u);
  EXPECT_EQ(p.segments[0].max_x, 65536);
  EXPECT_NEAR(p.segments[0].fit.alpha_s, 2e-6, 1e-12);
  EXPECT_NEAR(p.segments[0].fit.bandwidth, 1e9, 1);
  EXPECT_NEAR(p.segments[1].fit.alpha_s, 30e-6, 1e-12);
  EXPECT_NEAR(p.segments[1].fit.bandwidth, 8e9, 8);
  EXPECT_LT(p.error.max, 1e-9);
  for (size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(p.Predict(x[i]) / t[i], 1, 1e-9);
}

// One model that holds everywhere stays one segment; segments never have
// fewer than three sizes (two would fit exactly and hide the error).
TEST(Fit, PiecewiseKeepsOneSegmentWhenOneFitsAndNeverFitsPairs) {
  std::vector<double> x, t;
  for (double s = 256; s <= 1 << 20; s *= 2) {
    x.push_back(s);
    t.push_back(3e-6 + s / 2e9);
  }
  EXPECT_EQ(FitPiecewise(x, t).segments.size(), 1u);
  // Noise-like zigzag: whatever the cuts, each segment spans >= 3 sizes.
  std::vector<double> z;
  for (size_t i = 0; i < x.size(); ++i) z.push_back(t[i] * (i % 2 ? 1.3 : 0.8));
  for (const Segment& s : FitPiecewise(x, z).segments) {
    int n = 0;
    for (double v : x) n += v >= s.min_x && v <= s.max_x;
    EXPECT_GE(n, 3);
  }
}

// t = 2mnk / (R · k/(k + k_half)) + c with R = 500 GFLOP/s, k_half = 128,
// c = 10 us, over squares and a thin-k shape: the grid search finds k_half
// (it is on the grid: 128 = 8·2^4) and the linear solve R and c.
TEST(Fit, GemmRecoversRateDepthAndOverhead) {
  std::vector<GemmPoint> pts;
  auto model = [](double m, double n, double k) { return 2 * m * n * k / (500e9 * k / (k + 128)) + 10e-6; };
  for (double s : {256.0, 512.0, 1024.0, 2048.0}) pts.push_back({s, s, s, model(s, s, s)});
  pts.push_back({4096, 4096, 64, model(4096, 4096, 64)});
  GemmModel g = FitGemm(pts);
  EXPECT_DOUBLE_EQ(g.k_half, 128);
  EXPECT_NEAR(g.rate / 500e9, 1, 1e-9);
  EXPECT_NEAR(g.overhead_s, 10e-6, 1e-12);
  EXPECT_LT(g.error.max, 1e-9);
}

// A collective fitted at n = 4 ranks predicts N = 8 with the bus factor of
// 8 and a ring's latency scaled by (N-1)/(n-1):
//   all_reduce, α = 12 us, B = 2 GB/s, S = 1 MiB:
//   t(8) = 12 us · 7/3 + 2·7/8 · S / B.
TEST(Profile, CollectivePredictionScalesWithRanks) {
  Profile p;
  p.device = "host";
  CollectiveEntry e;
  e.op = "all_reduce";
  e.tier = CollectiveTier::kIntra;
  e.ranks = 4;
  e.ranks_per_node = 4;
  e.fit = {12e-6, 2e9, {}};
  e.curve.segments = {{0, 1e12, e.fit}};
  e.min_bytes = 1024;
  e.max_bytes = 1 << 20;
  p.collectives = {e};
  const double S = 1 << 20;
  CollectivePrediction at4 = PredictCollective(p, "all_reduce", 4, S);
  EXPECT_DOUBLE_EQ(at4.time_s, 12e-6 + 1.5 * S / 2e9);
  EXPECT_TRUE(at4.notes.empty());
  EXPECT_NEAR(at4.busbw, 1.5 * S / at4.time_s, 1e-6);
  CollectivePrediction at8 = PredictCollective(p, "all_reduce", 8, S);
  EXPECT_DOUBLE_EQ(at8.time_s, 12e-6 * 7 / 3 + 1.75 * S / 2e9);
  ASSERT_FALSE(at8.notes.empty());
  EXPECT_NE(at8.notes.back().find("measured on 4 ranks, predicting 8"), std::string::npos);
  EXPECT_THROW(PredictCollective(p, "alltoall", 4, S), ConfigError);
  EXPECT_THROW(PredictCollective(p, "all_reduce", 1, S), UsageError);
}

// Issue 18: a profile predicts the points it was fitted on. At the measured
// scale and inside the measured sizes the measured medians answer (exact at a
// measured size, log-log interpolation between two), whatever the model says;
// beyond them, or at another rank count, the model.
TEST(Profile, MeasuredSizesAreInterpolatedNotModelled) {
  Profile p;
  p.device = "host";
  CollectiveEntry e;
  e.op = "all_gather";
  e.tier = CollectiveTier::kIntra;
  e.ranks = 4;
  e.ranks_per_node = 4;
  e.fit = {1e-6, 1e9, {}};  // a model that disagrees with the measurements
  e.curve.segments = {{0, 1e12, e.fit}};
  e.min_bytes = 1024;
  e.max_bytes = 4096;
  e.measured = {{1024, 10e-6}, {4096, 40e-6}};
  p.collectives = {e};
  CollectivePrediction at = PredictCollective(p, "all_gather", 4, 1024);
  EXPECT_EQ(at.how, "interpolated");
  EXPECT_DOUBLE_EQ(at.time_s, 10e-6);
  EXPECT_DOUBLE_EQ(PredictCollective(p, "all_gather", 4, 4096).time_s, 40e-6);
  // Halfway in log size between 1 KiB and 4 KiB: the geometric mean of the times.
  CollectivePrediction mid = PredictCollective(p, "all_gather", 4, 2048);
  EXPECT_NEAR(mid.time_s, 20e-6, 1e-15);
  EXPECT_NEAR(mid.busbw, 2048 / mid.time_s * 0.75, 1e-3);
  CollectivePrediction beyond = PredictCollective(p, "all_gather", 4, 8192);
  EXPECT_EQ(beyond.how, "model");
  EXPECT_DOUBLE_EQ(beyond.time_s, 1e-6 + 0.75 * 8192 / 1e9);
  EXPECT_EQ(PredictCollective(p, "all_gather", 8, 2048).how, "model");  // another scale
}

class ProfileFiles : public cb::testing::ScratchDirTest {
 protected:
  // A kernels run with GEMM rows of `device` (times from a 100 GFLOP/s model).
  std::string KernelsFile(const std::string& name, const std::vector<std::string>& devices) {
    const std::string path = PathIn(name);
    Hdf5Writer w(path);
    RunInfo run = MakeRunInfo("kernels", "test");
    w.BeginRun(run);
    Table t("gemm", "GEMM",
            {{"dtype", ColumnType::kString, "", ""},
             {"device", ColumnType::kString, "", ""},
             {"m", ColumnType::kInt64, "1", ""},
             {"n", ColumnType::kInt64, "1", ""},
             {"k", ColumnType::kInt64, "1", ""},
             {"time_s", ColumnType::kFloat64, "s", ""},
             {"wrong", ColumnType::kInt64, "1", ""}});
    for (const auto& d : devices) {
      for (int64_t s : {256, 512, 1024}) {
        const double f = 2.0 * static_cast<double>(s * s * s);
        t.AddRow({std::string("fp64"), d, s, s, s, f / 100e9 + 5e-6, int64_t{0}});
      }
    }
    w.WriteTable(t);
    w.EndRun(RunStatus::kComplete, "");
    return path;
  }
};

TEST_F(ProfileFiles, YamlRoundTripAndGemmPrediction) {
  std::vector<std::string> warnings;
  Profile p = Calibrate({KernelsFile("k.h5", {"host"})}, {}, &warnings);
  EXPECT_EQ(p.device, "host");
  ASSERT_EQ(p.gemm.size(), 1u);
  EXPECT_NEAR(p.gemm[0].model.rate / 100e9, 1, 1e-6);
  const std::string path = Write("p.yaml", ProfileYaml(p));
  Profile q = LoadProfile(path);
  ASSERT_EQ(q.gemm.size(), 1u);
  // The profile's numbers read back exactly (issue 17: they were written with 6 digits).
  EXPECT_EQ(q.gemm[0].model.rate, p.gemm[0].model.rate);
  EXPECT_EQ(q.gemm[0].model.k_half, p.gemm[0].model.k_half);
  EXPECT_EQ(q.gemm[0].model.overhead_s, p.gemm[0].model.overhead_s);
  EXPECT_TRUE(q.collectives.empty());
  // Through the simulator's GEMM model: the measured time back.
  EXPECT_NEAR(PredictGemm(q, "fp64", 512, 512, 512) / (2.0 * 512 * 512 * 512 / 100e9 + 5e-6), 1, 1e-4);
  EXPECT_THROW(PredictGemm(q, "bf16", 512, 512, 512), ConfigError);
}

// Measurements of two devices without saying which: an error naming both.
TEST_F(ProfileFiles, MixedDevicesNeedAChoice) {
  const std::string f = KernelsFile("mixed.h5", {"NVIDIA H200", "NVIDIA H100 80GB HBM3"});
  std::vector<std::string> warnings;
  const std::string mixed = RefusalOf([&] { Calibrate({f}, {}, &warnings); });
  EXPECT_NE(mixed.find("NVIDIA H200"), std::string::npos) << mixed;
  EXPECT_NE(mixed.find("--device"), std::string::npos) << mixed;
  Profile p = Calibrate({f}, {"NVIDIA H200"}, &warnings);
  EXPECT_EQ(p.gpu, "H200 SXM 141GB");  // matched configs/gpus/h200-sxm.yaml
  EXPECT_EQ(p.sm_count, 132);
}

// The datasheet rule is the one kernels uses (core/gpu_match.h): the longest
// match wins, so a GB200 is not taken for a B200 whose "B200" it contains
// (the first-substring rule calibrate had did exactly that).
TEST_F(ProfileFiles, Gb200IsNotTakenForB200) {
  const std::string f = KernelsFile("gb200.h5", {"NVIDIA GB200"});
  std::vector<std::string> warnings;
  Profile p = Calibrate({f}, {}, &warnings);
  EXPECT_EQ(p.gpu, "GB200 (per GPU, NVL72)");
  EXPECT_EQ(p.architecture, "blackwell");
}

// Calibrate reads typed columns (issue 16, point 3): a gemm table whose time column is not the kernels schema's
// `time_s` (here an older "time"), or whose `m` is a string, is refused naming the file, run, table and column;
// it used to read as "no time" and the rows were silently dropped.
TEST_F(ProfileFiles, ATableWithoutTheSchemasColumnsIsRefusedNamingTheColumn) {
  auto refusal = [&](const std::string& name, std::vector<Column> columns, std::vector<Cell> row) -> std::string {
    const std::string path = PathIn(name);
    Hdf5Writer w(path);
    w.BeginRun(MakeRunInfo("kernels", "test"));
    Table t("gemm", "GEMM", std::move(columns));
    t.AddRow(std::move(row));
    w.WriteTable(t);
    w.EndRun(RunStatus::kComplete, "");
    std::vector<std::string> warnings;
    try {
      Calibrate({path}, {}, &warnings);
    } catch (const IoError& e) {
      return e.what();
    }
    return "accepted";
  };
  using CT = ColumnType;
  const std::string old_time =
      refusal("old.h5",
              {{"dtype", CT::kString, "", ""},
               {"device", CT::kString, "", ""},
               {"m", CT::kInt64, "1", ""},
               {"n", CT::kInt64, "1", ""},
               {"k", CT::kInt64, "1", ""},
               {"time", CT::kFloat64, "s", ""},
               {"wrong", CT::kInt64, "1", ""}},
              {std::string("fp64"), std::string("host"), int64_t{256}, int64_t{256}, int64_t{256}, 1e-3, int64_t{0}});
  EXPECT_NE(old_time.find("old.h5: run "), std::string::npos) << old_time;
  EXPECT_NE(old_time.find("table gemm has no column 'time_s' (float64)"), std::string::npos) << old_time;
  const std::string string_m = refusal(
      "str.h5",
      {{"dtype", CT::kString, "", ""},
       {"device", CT::kString, "", ""},
       {"m", CT::kString, "", ""},
       {"n", CT::kInt64, "1", ""},
       {"k", CT::kInt64, "1", ""},
       {"time_s", CT::kFloat64, "s", ""},
       {"wrong", CT::kInt64, "1", ""}},
      {std::string("fp64"), std::string("host"), std::string("256"), int64_t{256}, int64_t{256}, 1e-3, int64_t{0}});
  EXPECT_NE(string_m.find("table gemm column 'm' is string, expected int64"), std::string::npos) << string_m;
}

// The backend a collectives run recorded is a closed set parsed where the
// file is read: mpi calibrates a host profile, a name that is no backend is
// exit 4 naming the file, the run, the key and the valid names.
TEST_F(ProfileFiles, TheRecordedBackendIsParsedAndAnUnknownOneIsRefused) {
  auto calibrate = [&](const std::string& name, const std::string& backend) {
    const std::string path = PathIn(name);
    Hdf5Writer w(path);
    RunInfo run = MakeRunInfo("collectives", "test");
    run.rank_count = 2;
    run.config_yaml = "backend: " + backend + "\nbuffers: host\n";
    w.BeginRun(run);
    // The columns calibrate reads, typed as the collectives schema types them.
    const Table schema = coll::CollectivesTableSchema();
    std::vector<Column> columns;
    for (const char* column : {"op", "size", "in_place", "time", "algbw", "busbw", "wrong"}) {
      columns.push_back(schema.columns()[static_cast<size_t>(schema.ColumnIndex(column))]);
    }
    Table t("collectives", "collectives", columns);
    for (int64_t size : {1024, 1 << 20}) {
      const double time = 1e-6 + static_cast<double>(size) / 1e9;
      t.AddRow({std::string("all_reduce"), size, int64_t{0}, time, size / time, size / time, int64_t{0}});
    }
    w.WriteTable(t);
    w.EndRun(RunStatus::kComplete, "");
    std::vector<std::string> warnings;
    return Calibrate({path}, {}, &warnings);
  };
  const Profile p = calibrate("mpi.h5", "mpi");
  ASSERT_EQ(p.collectives.size(), 1u);
  EXPECT_EQ(p.collectives[0].backend, "mpi");
  const std::string ucx = RefusalOf([&] { calibrate("ucx.h5", "ucx"); });
  EXPECT_NE(ucx.find("ucx.h5: run "), std::string::npos) << ucx;
  EXPECT_NE(ucx.find("key 'backend' of its configuration: 'ucx' is not one of auto, loopback, mpi, nccl"),
            std::string::npos)
      << ucx;
}

// A collective's tier is a closed set parsed where the profile is read: the
// YAML spells it by name and reads back as the same value; a name that is no
// tier is refused with the valid names.
TEST_F(ProfileFiles, TheCollectiveTierRoundTripsByName) {
  Profile p;
  p.device = "host";
  CollectiveEntry e;
  e.op = "all_reduce";
  e.tier = CollectiveTier::kInter;
  e.ranks = 8;
  e.ranks_per_node = 4;
  e.fit = {12e-6, 2e9, {}};
  e.curve.segments = {{0, 1e12, e.fit}};
  e.min_bytes = 1024;
  e.max_bytes = 1 << 20;
  p.collectives = {e};
  const std::string yaml = ProfileYaml(p);
  ASSERT_NE(yaml.find("    tier: inter\n"), std::string::npos) << yaml;
  const Profile back = LoadProfile(Write("p.yaml", yaml));
  ASSERT_EQ(back.collectives.size(), 1u);
  EXPECT_EQ(back.collectives[0].tier, CollectiveTier::kInter);
  std::string bad = yaml;
  bad.replace(bad.find("tier: inter"), 11, "tier: intranode");
  const std::string tier = RefusalOf([&] { LoadProfile(Write("bad.yaml", bad)); });
  EXPECT_NE(tier.find("intranode"), std::string::npos) << tier;
  EXPECT_NE(tier.find("intra"), std::string::npos) << tier;
  EXPECT_NE(tier.find("inter"), std::string::npos) << tier;
}

// A file without measurements: an error naming it.
TEST_F(ProfileFiles, NoUsableMeasurementsIsAnError) {
  const std::string path = PathIn("empty.h5");
  {
    Hdf5Writer w(path);
    w.BeginRun(MakeRunInfo("simulate", "test"));
    w.EndRun(RunStatus::kComplete, "");
  }
  std::vector<std::string> warnings;
  try {
    Calibrate({path}, {}, &warnings);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("empty.h5"), std::string::npos) << e.what();
  }
}

// The memory table's benchmark column is a closed set parsed where the file is
// read: copy and triad rows calibrate the memory bandwidth, a STREAM kernel of
// another name is skipped, and a name that is no kernel is refused naming the
// file, the run, the table, the column and the valid names.
TEST_F(ProfileFiles, TheMemoryKernelIsParsedAndAnUnknownOneIsRefused) {
  auto calibrate = [&](const std::string& name, const std::vector<std::string>& kernels) {
    const std::string path = PathIn(name);
    Hdf5Writer w(path);
    w.BeginRun(MakeRunInfo("kernels", "test"));
    Table t("memory", "STREAM",
            {{"benchmark", ColumnType::kString, "", ""},
             {"device", ColumnType::kString, "", ""},
             {"bytes", ColumnType::kInt64, "B", ""},
             {"bandwidth", ColumnType::kFloat64, "B/s", ""},
             {"wrong", ColumnType::kInt64, "1", ""}});
    double bw = 10e9;
    for (const auto& k : kernels) t.AddRow({k, std::string("host"), int64_t{1} << 28, bw += 1e9, int64_t{0}});
    w.WriteTable(t);
    w.EndRun(RunStatus::kComplete, "");
    std::vector<std::string> warnings;
    return Calibrate({path}, {}, &warnings);
  };
  const Profile p = calibrate("stream.h5", {"copy", "scale", "add", "triad"});
  ASSERT_TRUE(p.memory.has_value());
  EXPECT_EQ(p.memory->kernel, "triad");  // the fastest of copy and triad; scale and add (faster still) are not read
  const std::string nstream = RefusalOf([&] { calibrate("nstream.h5", {"copy", "nstream"}); });
  EXPECT_NE(nstream.find("nstream.h5: run "), std::string::npos) << nstream;
  EXPECT_NE(nstream.find("table memory column 'benchmark': 'nstream' is not one of copy, scale, add, triad, read, "
                         "write"),
            std::string::npos)
      << nstream;
}

// validate's culprits read back for the simulator: their method and kind are
// closed sets (core/fabric_culprit.h) parsed where the file is read; a name
// this build does not know is refused naming the table, the column and the
// valid names.
TEST_F(ProfileFiles, EvidenceCulpritsAreParsedAndAnUnknownKindIsRefused) {
  auto read = [&](const std::string& name, const std::string& method, const std::string& kind) {
    const std::string path = PathIn(name);
    Hdf5Writer w(path);
    w.BeginRun(MakeRunInfo("validate", "test"));
    using CT = ColumnType;
    Table nodes("validate_nodes", "nodes", {{"node", CT::kString, "", ""}});
    nodes.AddRow({std::string("n0")});
    Table meas("validate_measurements", "measurements",
               {{"check", CT::kString, "", ""}, {"benchmark", CT::kString, "", ""}, {"scope", CT::kString, "", ""}});
    Table verdicts("validate_verdicts", "verdicts",
                   {{"check", CT::kString, "", ""},
                    {"unit", CT::kString, "", ""},
                    {"node", CT::kString, "", ""},
                    {"device", CT::kString, "", ""},
                    {"ranks", CT::kString, "", ""},
                    {"verdict", CT::kString, "", ""},
                    {"value", CT::kFloat64, "1", ""},
                    {"reason", CT::kString, "", ""}});
    Table culprits("validate_culprits", "culprits",
                   {{"check", CT::kString, "", ""},
                    {"method", CT::kString, "", ""},
                    {"kind", CT::kString, "", ""},
                    {"name", CT::kString, "", ""},
                    {"node", CT::kInt64, "1", ""},
                    {"rail", CT::kInt64, "1", ""},
                    {"ratio", CT::kFloat64, "1", ""}});
    culprits.AddRow({std::string("pairs"), method, kind, std::string("n0/rail 1"), int64_t{0}, int64_t{1}, 0.5});
    for (const Table* t : {&nodes, &meas, &verdicts, &culprits}) w.WriteTable(*t);
    w.EndRun(RunStatus::kComplete, "");
    return ReadEvidence(path);
  };
  const EvidenceRun e = read("ok.h5", "pairs", "nic");
  ASSERT_EQ(e.fabric.size(), 1u);
  EXPECT_EQ(e.fabric[0].method, CulpritMethod::kPairs);
  EXPECT_EQ(e.fabric[0].kind, CulpritKind::kNic);
  EXPECT_EQ(e.fabric[0].rail, 1);
  auto refusal = [&](const std::string& name, const std::string& method, const std::string& kind) {
    return RefusalOf([&] { read(name, method, kind); });
  };
  const std::string sw = refusal("switch.h5", "pairs", "switch");
  EXPECT_NE(sw.find("switch.h5: run "), std::string::npos) << sw;
  EXPECT_NE(sw.find("table validate_culprits column 'kind': 'switch' is not one of node, nic, link, pair"),
            std::string::npos)
      << sw;
  const std::string bisect = refusal("bisect.h5", "bisect", "node");
  EXPECT_NE(bisect.find("column 'method': 'bisect' is not one of pairs, bisection"), std::string::npos) << bisect;
}

sim::Scenario Shipped(const std::string& name) {
  ConfigLoader loader({std::string(CB_SOURCE_DIR) + "/configs"});
  return sim::ScenarioFromConfig(loader.Load("scenario", name));
}

// A profile replaces the GEMM model of the scenario's precision: an H100
// measured at half the default bf16 rate slows the step; the notes say what
// was replaced and that 16,384 GPUs extrapolate from 8 measured ranks.
// A host profile, or one for another GPU, is refused.
TEST(Profile, AppliesToAScenarioOfItsGpuOnly) {
  sim::Scenario base = Shipped("llama3-405b-16k");
  const double defaults = sim::Simulate(base).step_time_s;
  Profile p;
  p.device = "NVIDIA H100 80GB HBM3";
  p.gpu = base.gpu.name;
  p.architecture = "hopper";
  p.sm_count = 132;
  GemmEntry g;
  g.dtype = "bf16";
  g.model = {0.5 * 0.70 * base.gpu.peak_bf16, 64, 8e-6, {}};
  p.gemm = {g};
  CollectiveEntry c;
  c.op = "all_reduce";
  c.tier = CollectiveTier::kIntra;
  c.ranks = 8;
  c.ranks_per_node = 8;
  c.fit = {20e-6, 360e9, {}};
  c.curve.segments = {{0, 1e12, c.fit}};
  p.collectives = {c};
  sim::Scenario s = base;
  ApplyProfile(p, "p.yaml", &s);
  ASSERT_TRUE(s.efficiencies.has_value());
  EXPECT_DOUBLE_EQ(s.efficiencies->scale_up, 360e9 / base.cluster.up_bandwidth);
  EXPECT_DOUBLE_EQ(s.cluster.up_latency, 20e-6 / 14);
  // Without a measured all-to-all it keeps its default ratio to the ring; with one the measurement replaces it.
  const sim::Efficiencies hopper = sim::DefaultEfficiencies("hopper");
  EXPECT_DOUBLE_EQ(s.efficiencies->scale_up_alltoall,
                   hopper.scale_up_alltoall / hopper.scale_up * 360e9 / base.cluster.up_bandwidth);
  CollectiveEntry a2a = c;
  a2a.op = "alltoall";
  a2a.fit = {25e-6, 300e9, {}};
  Profile with_a2a = p;
  with_a2a.collectives.push_back(a2a);
  sim::Scenario s2 = base;
  ApplyProfile(with_a2a, "p.yaml", &s2);
  EXPECT_DOUBLE_EQ(s2.efficiencies->scale_up_alltoall, 300e9 / base.cluster.up_bandwidth);
  sim::SimResult r = sim::Simulate(s);
  EXPECT_GT(r.step_time_s, 1.3 * defaults);
  bool extrapolates = false;
  for (const auto& n : r.notes)
    extrapolates |= n.find("measured on up to 8 ranks, predicting 16384") != std::string::npos;
  EXPECT_TRUE(extrapolates);

  sim::Scenario other = Shipped("llama3-405b-16k");
  Profile h200 = p;
  h200.gpu = "H200 SXM 141GB";
  EXPECT_THROW(ApplyProfile(h200, "h200.yaml", &other), ConfigError);
  Profile host = p;
  host.device = "host";
  EXPECT_THROW(ApplyProfile(host, "host.yaml", &other), ConfigError);
}

}  // namespace
}  // namespace cb::calib
