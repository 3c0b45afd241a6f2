#include "simulator/plan/objective.h"

#include <fmt/format.h>

#include "core/error.h"
#include "simulator/plan/cost.h"
#include "simulator/plan/reliability.h"

namespace cb::sim {

std::function<double(const SimResult&)> ObjectiveFunction(const std::string& objective, const Scenario& s,
                                                          const ConfigNode& cluster, int64_t job,
                                                          const std::string& where, std::vector<std::string>* notes) {
  if (objective == "throughput") return {};
  const int64_t per_node = s.cluster.gpus_per_node;
  if (objective == "cost") {
    const PowerSpec power = PowerFromConfig(cluster);
    const PriceSpec price = PriceFromConfig(cluster);
    auto value = [power, price, job, per_node](const SimResult& r) {
      const EnergyEstimate e = EstimateEnergy(power, job, per_node, BusyFraction(r), r.step_time_s);
      return EstimateCost(price, power, job, r.step_time_s, e).total_usd;  // per step
    };
    SimResult probe;
    probe.step_time_s = 1;
    value(probe);  // missing prices or TDP: the error now, before any search
    return value;
  }
  if (objective == "time-to-train") {
    if (s.train.tokens <= 0) {
      throw ConfigError(
          fmt::format("{}: key 'training.tokens': --objective time-to-train needs the tokens to train on", where));
    }
    const ReliabilitySpec rel = ReliabilityFromConfig(cluster);
    const double tokens = s.train.tokens;
    const ModelSpec model = s.model;
    const bool pure_bf16 = s.fw.pure_bf16;
    bool with_failures = true;
    try {
      EstimateGoodput(rel, job, per_node, model, 1.0, pure_bf16);
    } catch (const ConfigError& e) {
      with_failures = false;
      if (notes) notes->push_back(fmt::format("time to train without failures: {}", e.what()));
    }
    return [=](const SimResult& r) {
      const double ideal = tokens / r.tokens_per_s;
      return with_failures ? EstimateGoodput(rel, job, per_node, model, ideal, pure_bf16).effective_s : ideal;
    };
  }
  throw UsageError(fmt::format("--objective {}: expected throughput, cost or time-to-train", objective));
}

}  // namespace cb::sim
