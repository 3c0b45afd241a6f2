// Energy and cost of a training run; the maths is in cost.h and in
// docs/simulator-model.md ("Cost, energy and failures").
#include "simulator/plan/cost.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace cb::sim {
namespace {

std::string KeyPath(const ConfigNode& node, const std::string& key) {
  return node.path().empty() ? key : node.path() + "." + key;
}

std::string Where(const ConfigNode& node) { return node.source_file().empty() ? node.where() : node.source_file(); }

}  // namespace

PowerSpec PowerFromConfig(const ConfigNode& cluster) {
  PowerSpec p;
  p.gpu_tdp_w = cluster.GetDouble("gpu.tdp", 0);
  p.gpu_idle_fraction = cluster.GetDouble("power.gpu_idle", p.gpu_idle_fraction);
  p.node_overhead_w = cluster.GetDouble("power.node_overhead", p.node_overhead_w);
  p.pue = cluster.GetDouble("power.pue", p.pue);
  p.electricity_usd_per_kwh = cluster.FindDouble("power.electricity_price");
  p.tdp_key = KeyPath(cluster, "gpu.tdp");
  p.where = Where(cluster);
  return p;
}

PriceSpec PriceFromConfig(const ConfigNode& cluster) {
  PriceSpec p;
  p.gpu_hour_usd = cluster.FindDouble("price.gpu_hour");
  p.capex_per_gpu_usd = cluster.FindDouble("price.capex_per_gpu");
  p.amortization_years = cluster.GetDouble("price.amortization_years", p.amortization_years);
  p.subsidy = cluster.GetDouble("price.subsidy", 0);
  p.key = KeyPath(cluster, "price");
  p.where = Where(cluster);
  return p;
}

// u = compute_s / step_time_s: the critical stage's own kernels of the
// training math (its breakdown's compute term) over the step.
double BusyFraction(const SimResult& r) {
  if (r.step_time_s <= 0) return 1;
  return std::clamp(r.breakdown.compute_s / r.step_time_s, 0.0, 1.0);
}

// P_gpu(u) = P_tdp · (φ + (1 − φ) · u)
double GpuPower(const PowerSpec& power, double busy_fraction) {
  if (power.gpu_tdp_w <= 0) {
    throw ConfigError(
        fmt::format("{}: key '{}': energy needs the GPU's board power (tdp), which its config does not give",
                    power.where, power.tdp_key));
  }
  const double u = std::clamp(busy_fraction, 0.0, 1.0);
  return power.gpu_tdp_w * (power.gpu_idle_fraction + (1 - power.gpu_idle_fraction) * u);
}

// E = (N · P_gpu(u) + ⌈N / gpus_per_node⌉ · P_node) · PUE · T
EnergyEstimate EstimateEnergy(const PowerSpec& power, int64_t gpus, int64_t gpus_per_node, double busy_fraction,
                              double seconds) {
  if (gpus < 1 || gpus_per_node < 1) {
    throw ConfigError(fmt::format("energy of {} GPUs in nodes of {}: both must be at least 1", gpus, gpus_per_node));
  }
  EnergyEstimate e;
  e.busy_fraction = std::clamp(busy_fraction, 0.0, 1.0);
  e.gpu_power_w = GpuPower(power, e.busy_fraction);
  e.nodes = (gpus + gpus_per_node - 1) / gpus_per_node;
  e.it_power_w = static_cast<double>(gpus) * e.gpu_power_w + static_cast<double>(e.nodes) * power.node_overhead_w;
  e.facility_power_w = e.it_power_w * power.pue;
  e.seconds = seconds;
  e.energy_j = e.facility_power_w * seconds;
  return e;
}

// C = H · r · (1 − σ) + E · p_e, H = N · T / 3600;
// r = gpu_hour, else capex_per_gpu / (amortization_years · 8766).
CostEstimate EstimateCost(const PriceSpec& price, const PowerSpec& power, int64_t gpus, double seconds,
                          const EnergyEstimate& energy) {
  CostEstimate c;
  if (price.gpu_hour_usd) {
    c.basis = "rental";
    c.rate_usd_per_gpu_hour = *price.gpu_hour_usd;
  } else if (price.capex_per_gpu_usd) {
    if (price.amortization_years <= 0) {
      throw ConfigError(fmt::format("{}: key '{}.amortization_years': must be > 0 to amortise capex_per_gpu",
                                    price.where, price.key));
    }
    c.basis = "capital";
    c.rate_usd_per_gpu_hour = *price.capex_per_gpu_usd / (price.amortization_years * kHoursPerYear);
  } else {
    throw ConfigError(fmt::format(
        "{}: key '{}.gpu_hour': cost needs a price: {}.gpu_hour (rental, USD per GPU-hour) or {}.capex_per_gpu "
        "(capital per GPU, amortised over {}.amortization_years); the cluster gives neither",
        price.where, price.key, price.key, price.key, price.key));
  }
  c.gpu_hours = static_cast<double>(gpus) * seconds / 3600;
  c.gpu_usd = c.gpu_hours * c.rate_usd_per_gpu_hour;
  c.subsidy_usd = c.gpu_usd * price.subsidy;
  if (power.electricity_usd_per_kwh) {
    c.energy_priced = true;
    c.energy_usd = energy.energy_kwh() * *power.electricity_usd_per_kwh;
  }
  c.total_usd = c.gpu_usd - c.subsidy_usd + c.energy_usd;
  return c;
}

}  // namespace cb::sim
