// Energy, cost and goodput (simulator/plan/cost.h, reliability.h). Each test
// writes its hand computation in the comment, then asserts it.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <string>

#include "core/config.h"
#include "core/error.h"
#include "simulator/plan/cost.h"
#include "simulator/plan/reliability.h"
#include "simulator/simulate.h"

namespace cb::sim {
namespace {

ConfigLoader Shipped() { return ConfigLoader({std::string(CB_SOURCE_DIR) + "/configs"}); }

template <typename F>
std::string ErrorOf(F&& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "<no error>";
}

PowerSpec H100Power() {
  PowerSpec p;
  p.gpu_tdp_w = 700;
  p.gpu_idle_fraction = 0.3;
  p.node_overhead_w = 2000;
  p.pue = 1.2;
  return p;
}

// ------------------------------------------------------------------ energy

// P_gpu(u) = 700 W · (0.3 + 0.7·u): u = 0 → 210 W, u = 1 → 700 W, u = 0.8 → 700·0.86 = 602 W.
TEST(Energy, GpuPowerBlendsIdleAndTdp) {
  const PowerSpec p = H100Power();
  EXPECT_DOUBLE_EQ(GpuPower(p, 0), 210);
  EXPECT_DOUBLE_EQ(GpuPower(p, 1), 700);
  EXPECT_NEAR(GpuPower(p, 0.8), 602, 1e-9);
  EXPECT_DOUBLE_EQ(GpuPower(p, 1.5), 700);  // clamped
}

// 16 GPUs in nodes of 8 (n = 2) at u = 0.8 for 10 h:
//   IT = 16·602 + 2·2000 = 9,632 + 4,000 = 13,632 W; facility = 13,632 · 1.2 = 16,358.4 W;
//   E = 16,358.4 W · 36,000 s = 588,902,400 J = 163.584 kWh.
TEST(Energy, HandComputedRun) {
  const EnergyEstimate e = EstimateEnergy(H100Power(), 16, 8, 0.8, 36000);
  EXPECT_EQ(e.nodes, 2);
  EXPECT_NEAR(e.it_power_w, 13632, 1e-6);
  EXPECT_NEAR(e.facility_power_w, 16358.4, 1e-6);
  EXPECT_NEAR(e.energy_j, 588902400, 1e-3);
  EXPECT_NEAR(e.energy_kwh(), 163.584, 1e-9);
}

// 9 GPUs in nodes of 8 need n = ⌈9/8⌉ = 2 nodes; at u = 1 for 1 h:
//   (9·700 + 2·2000) · 1.2 = 10,300 · 1.2 = 12,360 W → 12.36 kWh.
TEST(Energy, PartialNodeCountsAsANode) {
  const EnergyEstimate e = EstimateEnergy(H100Power(), 9, 8, 1, 3600);
  EXPECT_EQ(e.nodes, 2);
  EXPECT_NEAR(e.energy_kwh(), 12.36, 1e-9);
}

// u = compute / step: 6 s of compute in an 8 s step → 0.75.
TEST(Energy, BusyFractionIsComputeShareOfStep) {
  SimResult r;
  r.step_time_s = 8;
  r.breakdown.compute_s = 6;
  EXPECT_DOUBLE_EQ(BusyFraction(r), 0.75);
}

TEST(Energy, MissingTdpAndZeroGpusAreErrors) {
  PowerSpec p = H100Power();
  p.gpu_tdp_w = 0;
  p.tdp_key = "cluster.gpu.tdp";
  p.where = "x.yaml";
  EXPECT_NE(ErrorOf([&] { GpuPower(p, 1); }).find("cluster.gpu.tdp"), std::string::npos);
  EXPECT_NE(ErrorOf([&] { EstimateEnergy(H100Power(), 0, 8, 1, 1); }).find("at least 1"), std::string::npos);
}

// -------------------------------------------------------------------- cost

// Rental $2.00/GPU-hour, 25% voucher, electricity $0.10/kWh; the run above (16 GPUs, 10 h, 163.584 kWh):
//   H = 160 GPU-h; GPUs $320; subsidy $80; energy $16.3584; total 320 − 80 + 16.3584 = $256.3584.
TEST(Cost, RentalWithSubsidyAndElectricity) {
  PowerSpec power = H100Power();
  power.electricity_usd_per_kwh = 0.10;
  PriceSpec price;
  price.gpu_hour_usd = 2.0;
  price.subsidy = 0.25;
  const EnergyEstimate e = EstimateEnergy(power, 16, 8, 0.8, 36000);
  const CostEstimate c = EstimateCost(price, power, 16, 36000, e);
  EXPECT_EQ(c.basis, "rental");
  EXPECT_NEAR(c.gpu_hours, 160, 1e-9);
  EXPECT_NEAR(c.gpu_usd, 320, 1e-9);
  EXPECT_NEAR(c.subsidy_usd, 80, 1e-9);
  EXPECT_TRUE(c.energy_priced);
  EXPECT_NEAR(c.energy_usd, 16.3584, 1e-9);
  EXPECT_NEAR(c.total_usd, 256.3584, 1e-9);
}

// Capital $30,000 per GPU over 4 years: r = 30,000 / (4 · 8,766 h) = 30,000 / 35,064 = $0.855578.../GPU-h;
// 160 GPU-h → 4,800,000 / 35,064 = $136.8925...; no electricity price → no energy cost.
TEST(Cost, AmortisedCapital) {
  PriceSpec price;
  price.capex_per_gpu_usd = 30000;
  price.amortization_years = 4;
  const PowerSpec power = H100Power();
  const CostEstimate c = EstimateCost(price, power, 16, 36000, EstimateEnergy(power, 16, 8, 0.8, 36000));
  EXPECT_EQ(c.basis, "capital");
  EXPECT_NEAR(c.rate_usd_per_gpu_hour, 30000.0 / 35064, 1e-12);
  EXPECT_NEAR(c.total_usd, 4800000.0 / 35064, 1e-9);
  EXPECT_FALSE(c.energy_priced);
}

// A cluster without prices: the error names the file and the keys to add.
TEST(Cost, MissingPriceNamesTheKeys) {
  const ConfigNode cluster = Shipped().LoadString("cluster", "name: bare\ngpu: h100-sxm\ngpus: 8\n", "bare.yaml");
  const PriceSpec price = PriceFromConfig(cluster);
  const PowerSpec power = PowerFromConfig(cluster);
  const std::string why = ErrorOf([&] { EstimateCost(price, power, 8, 3600, EstimateEnergy(power, 8, 8, 1, 3600)); });
  EXPECT_NE(why.find("bare.yaml"), std::string::npos) << why;
  EXPECT_NE(why.find("price.gpu_hour"), std::string::npos) << why;
  EXPECT_NE(why.find("price.capex_per_gpu"), std::string::npos) << why;
}

// The shipped 16k H100 cluster reads back in SI and USD units.
TEST(Cost, ShippedClusterKeysLoad) {
  const ConfigNode cluster = Shipped().Load("cluster", "h100-16k-roce");
  const PowerSpec power = PowerFromConfig(cluster);
  const PriceSpec price = PriceFromConfig(cluster);
  EXPECT_DOUBLE_EQ(power.gpu_tdp_w, 700);
  EXPECT_DOUBLE_EQ(power.node_overhead_w, 3000);
  ASSERT_TRUE(power.electricity_usd_per_kwh.has_value());
  EXPECT_DOUBLE_EQ(*power.electricity_usd_per_kwh, 0.08);
  ASSERT_TRUE(price.capex_per_gpu_usd.has_value());
  EXPECT_DOUBLE_EQ(*price.capex_per_gpu_usd, 40000);
  const ConfigNode ascend = Shipped().Load("cluster", "ascend-910b-10k");
  EXPECT_DOUBLE_EQ(PriceFromConfig(ascend).subsidy, 0.3);
  EXPECT_DOUBLE_EQ(*PriceFromConfig(ascend).gpu_hour_usd, 1.2);
}

// ------------------------------------------------------------- reliability

// Llama 3 (Dubey et al. 2024): 419 interruptions in 54 days on 16,384 GPUs → M = 1,296 h / 419 = 3.093 h.
// h100-16k-roce.yaml splits them into M_gpu = 81,044 h and M_node = 16,906 h:
//   1/M = 16,384/81,044 + 2,048/16,906 = 0.20216 + 0.12114 = 0.32330 per hour → M = 3.093 h.
TEST(Reliability, Llama3RatesGiveItsInterruptionCount) {
  const ReliabilitySpec r = ReliabilityFromConfig(Shipped().Load("cluster", "h100-16k-roce"));
  const double m = JobMtbf(r, 16384, 8);
  EXPECT_NEAR(m / 3600, 1296.0 / 419, 0.005 * 1296.0 / 419);
  // Over 54 days of wall-clock the model expects 54 d / M = 419 failures.
  EXPECT_NEAR(54 * 86400 / m, 419, 2);
}

// Checkpoint of a 405B model: 14 B/param (bf16 weights + fp32 master, Adam m, v) → about 5.7 TB.
TEST(Reliability, CheckpointIsFourteenBytesPerParameter) {
  const ConfigNode model = Shipped().Load("model", "llama3-405b");
  const ModelSpec m = ModelFromConfig(model);
  EXPECT_DOUBLE_EQ(CheckpointBytes(m, false), 14 * CountParams(m).total);
  EXPECT_NEAR(CheckpointBytes(m, false) / 1e12, 5.67, 0.1);
  // A pure-bf16 model (framework.pure_bf16) saves 6 B: bf16 weights, m and v.
  EXPECT_DOUBLE_EQ(CheckpointBytes(m, true), 6 * CountParams(m).total);
}

// Young: τ = √(2δM); δ = 200 s, M = 10,000 s → √4,000,000 = 2,000 s.
// Daly:  x = δ/2M = 0.01; τ = 2,000·(1 + 0.1/3 + 0.01/9) − 200 = 2,068.889 − 200 = 1,868.889 s.
// δ ≥ 2M → τ = M.
TEST(Reliability, YoungAndDalyIntervals) {
  EXPECT_NEAR(YoungInterval(200, 10000), 2000, 1e-9);
  EXPECT_NEAR(DalyInterval(200, 10000), 2000 * (1 + 0.1 / 3 + 0.01 / 9) - 200, 1e-9);
  EXPECT_NEAR(DalyInterval(200, 10000), 1868.889, 1e-3);
  EXPECT_DOUBLE_EQ(DalyInterval(30000, 10000), 10000);
  // Small δ/M: Daly → Young.
  EXPECT_NEAR(DalyInterval(1, 1e7) / YoungInterval(1, 1e7), 1, 1e-3);
}

// One segment of work τ = 1,000 s, δ = 100 s, no restart cost, M = 10,000 s:
//   T_w = M·(e^{(τ+δ)/M} − 1) = 10,000·(e^{0.11} − 1) = 1,162.78 s.
// M → ∞: T_w → W·(τ+δ)/τ (checkpoints only).
TEST(Reliability, ExpectedWallTimeClosedForms) {
  EXPECT_NEAR(ExpectedWallTime(1000, 1000, 100, 0, 10000), 10000 * (std::exp(0.11) - 1), 1e-6);
  EXPECT_NEAR(ExpectedWallTime(1e6, 1000, 100, 600, 1e15), 1e6 * 1.1, 1e-3);
}

// Where the extra time goes adds up: W + checkpoints + lost work + restarts = T_w.
TEST(Reliability, BreakdownAddsUp) {
  const GoodputEstimate g = EstimateGoodput(30 * 86400, 60, 900, 3 * 3600);
  EXPECT_NEAR(g.ideal_s + g.checkpoint_total_s + g.lost_work_s + g.restart_total_s, g.effective_s,
              1e-9 * g.effective_s);
  EXPECT_NEAR(g.goodput, g.ideal_s / g.effective_s, 1e-12);
  EXPECT_GT(g.goodput, 0.8);
  EXPECT_LT(g.goodput, 1);
  // Daly's τ is the optimum: moving it either way costs time.
  for (double f : {0.7, 1.4}) {
    EXPECT_GT(ExpectedWallTime(g.ideal_s, f * g.interval_s, 60, 900, 3 * 3600), g.effective_s);
  }
}

// The goodput formula against a Monte Carlo of the same failure process (exponential inter-arrival,
// a checkpoint every τ, each failure losing the work since the last checkpoint plus restart and
// restore), within 2%, for a Llama 3-like job and for harsher ratios of δ and R to M.
TEST(Reliability, GoodputAgreesWithMonteCarlo) {
  struct Case {
    double work, delta, restart, mtbf;
  };
  const Case cases[] = {
      {20 * 86400.0, 3, 603, 11135},   // Llama 3 405B on 16k H100: 5.7 TB at 2 TB/s, 10 min restart, M = 3.09 h
      {5 * 86400.0, 300, 1200, 7200},  // slow storage: δ/M = 0.04, R/M = 0.17
      {2 * 86400.0, 900, 1800, 3600},  // hostile: δ/M = 0.25, R/M = 0.5
  };
  const auto start = std::chrono::steady_clock::now();
  for (const Case& c : cases) {
    const GoodputEstimate g = EstimateGoodput(c.work, c.delta, c.restart, c.mtbf);
    const double mc = MonteCarloWallTime(c.work, g.interval_s, c.delta, c.restart, c.mtbf, 200, 20261125);
    const double mc_goodput = c.work / mc;
    EXPECT_NEAR(g.goodput / mc_goodput, 1, 0.02) << "delta " << c.delta << " R " << c.restart << " M " << c.mtbf
                                                 << ": formula " << g.goodput << ", Monte Carlo " << mc_goodput;
  }
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 5);
}

// Missing rates or bandwidth: the errors name the keys.
TEST(Reliability, MissingKeysAreNamed) {
  const ConfigNode bare = Shipped().LoadString("cluster", "name: bare\ngpu: h100-sxm\ngpus: 8\n", "bare.yaml");
  const ModelSpec m = ModelFromConfig(Shipped().Load("model", "llama3-8b"));
  const std::string no_rates = ErrorOf([&] { EstimateGoodput(ReliabilityFromConfig(bare), 8, 8, m, 3600, false); });
  EXPECT_NE(no_rates.find("reliability.gpu_mtbf"), std::string::npos) << no_rates;
  EXPECT_NE(no_rates.find("bare.yaml"), std::string::npos) << no_rates;
  const ConfigNode rates = Shipped().LoadString(
      "cluster", "name: r\ngpu: h100-sxm\ngpus: 8\nreliability: {gpu_mtbf: 80000h}\n", "rates.yaml");
  const std::string no_bw = ErrorOf([&] { EstimateGoodput(ReliabilityFromConfig(rates), 8, 8, m, 3600, false); });
  EXPECT_NE(no_bw.find("reliability.checkpoint_bandwidth"), std::string::npos) << no_bw;
}

}  // namespace
}  // namespace cb::sim
