// Energy and cost of a training run on a cluster (docs/simulator-model.md,
// "Cost, energy and failures").
//
// Power of one GPU at busy fraction u (the share of the step its SMs run
// kernels of the training math; the rest is exposed communication, pipeline
// bubble or waiting):
//   P_gpu(u) = P_tdp · (φ + (1 − φ) · u),   u = compute_s / step_time_s
// with φ = `power.gpu_idle` the draw of a GPU that waits (in a collective, a
// bubble), as a fraction of its TDP. A GPU running dense GEMMs sits at its
// power limit (Patel et al., "Characterizing Power Management Opportunities
// for LLMs in the Cloud", ASPLOS 2024, measure training near TDP with dips
// during communication and checkpointing); a linear blend between the two
// levels is the utilisation-based server power model of Fan, Weber and
// Barroso, "Power Provisioning for a Warehouse-sized Computer", ISCA 2007.
//
// Facility energy of N GPUs in n = ⌈N / gpus_per_node⌉ nodes for time T:
//   E = (N · P_gpu(u) + n · P_node) · PUE · T
// Cost:
//   C = H · r · (1 − σ) + E · p_e,   H = N · T / 3600 GPU-hours
// with r the rental price per GPU-hour (`price.gpu_hour`) or, without one,
// amortised capital per GPU-hour: capex_per_gpu / (amortization_years · 8766 h)
// (8766 = 365.25 · 24); σ the subsidised fraction (`price.subsidy`, e.g. a
// compute voucher) of the GPU bill; p_e the electricity price per kWh
// (`power.electricity_price`, optional: a rental price usually includes it).
#ifndef CLUSTERBENCH_SIMULATOR_PLAN_COST_H_
#define CLUSTERBENCH_SIMULATOR_PLAN_COST_H_

#include <cstdint>
#include <optional>
#include <string>

#include "core/config.h"
#include "simulator/simulate.h"

namespace cb::sim {

inline constexpr double kHoursPerYear = 8766;  // 365.25 days
inline constexpr double kJoulesPerKwh = 3.6e6;

// A cluster's `power` section and its GPU's TDP.
struct PowerSpec {
  double gpu_tdp_w = 0;            // gpu.tdp; 0 = not given
  double gpu_idle_fraction = 0.3;  // φ
  double node_overhead_w = 2000;   // P_node
  double pue = 1.2;
  std::optional<double> electricity_usd_per_kwh;  // p_e
  std::string tdp_key = "gpu.tdp";                // key path for errors
  std::string where;                              // the cluster file, for errors
};

// A cluster's `price` section.
struct PriceSpec {
  std::optional<double> gpu_hour_usd;       // r (rental)
  std::optional<double> capex_per_gpu_usd;  // capital per GPU, all-in
  double amortization_years = 4;
  double subsidy = 0;         // σ
  std::string key = "price";  // key path for errors
  std::string where;          // the cluster file, for errors
};

// From a validated cluster document (standalone, or the `cluster` of a
// scenario: key paths in errors follow `cluster.path()`).
PowerSpec PowerFromConfig(const ConfigNode& cluster);
PriceSpec PriceFromConfig(const ConfigNode& cluster);

// u = compute_s / step_time_s of the critical stage, clamped to [0, 1]; 1 when
// the step time is zero (nothing simulated).
double BusyFraction(const SimResult& r);

// P_gpu(u) = P_tdp · (φ + (1 − φ) · u). Throws ConfigError naming gpu.tdp
// when the GPU config has no TDP.
double GpuPower(const PowerSpec& power, double busy_fraction);

struct EnergyEstimate {
  double busy_fraction = 0;     // u
  double gpu_power_w = 0;       // P_gpu(u), one GPU
  int64_t nodes = 0;            // n = ⌈N / gpus_per_node⌉
  double it_power_w = 0;        // N · P_gpu + n · P_node
  double facility_power_w = 0;  // it_power · PUE
  double seconds = 0;           // T
  double energy_j = 0;          // facility_power · T
  double energy_kwh() const { return energy_j / kJoulesPerKwh; }
};

// E = (N · P_gpu(u) + n · P_node) · PUE · T. Preconditions: gpus ≥ 1,
// gpus_per_node ≥ 1, seconds ≥ 0.
EnergyEstimate EstimateEnergy(const PowerSpec& power, int64_t gpus, int64_t gpus_per_node, double busy_fraction,
                              double seconds);

struct CostEstimate {
  std::string basis;                 // "rental" or "capital"
  double gpu_hours = 0;              // H
  double rate_usd_per_gpu_hour = 0;  // r
  double gpu_usd = 0;                // H · r
  double subsidy_usd = 0;            // H · r · σ
  bool energy_priced = false;        // p_e given
  double energy_usd = 0;             // E · p_e
  double total_usd = 0;              // C
};

// C = H · r · (1 − σ) + E · p_e over `seconds` of wall-clock on `gpus` GPUs.
// Throws ConfigError naming price.gpu_hour / price.capex_per_gpu when the
// cluster gives neither.
CostEstimate EstimateCost(const PriceSpec& price, const PowerSpec& power, int64_t gpus, double seconds,
                          const EnergyEstimate& energy);

}  // namespace cb::sim

#endif  // CLUSTERBENCH_SIMULATOR_PLAN_COST_H_
