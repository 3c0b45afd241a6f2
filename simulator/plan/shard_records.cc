#include "simulator/plan/shard_records.h"

namespace cb::sim {

std::vector<double> ShardRecord(const PlanSearchResult& r, size_t best) {
  // Fixed-size records: (index, estimate) for the best K, -1 padded; then
  // the counts, so every rank sends the same length.
  const size_t K = best;
  const auto& reasons = RejectionReasons();
  std::vector<double> rec(2 * K + 3 + reasons.size(), -1);
  for (size_t i = 0; i < r.plans.size() && i < K; ++i) {
    rec[2 * i] = static_cast<double>(r.plans[i].index);
    rec[2 * i + 1] = r.plans[i].estimate_step_s;
  }
  rec[2 * K] = static_cast<double>(r.candidates);
  rec[2 * K + 1] = static_cast<double>(r.valid);
  rec[2 * K + 2] = static_cast<double>(r.fit);
  for (size_t q = 0; q < reasons.size(); ++q) {
    auto it = r.rejected.find(reasons[q]);
    rec[2 * K + 3 + q] = it == r.rejected.end() ? 0 : static_cast<double>(it->second);
  }
  return rec;
}

PlanSearchResult MergeShardRecords(const Scenario& s, int64_t gpus, const std::vector<double>& all, size_t best) {
  const size_t K = best;
  const auto& reasons = RejectionReasons();
  const size_t length = 2 * K + 3 + reasons.size();
  PlanSearchResult merged;
  for (size_t off = 0; off + length <= all.size(); off += length) {
    for (size_t i = 0; i < K; ++i) {
      if (all[off + 2 * i] < 0) break;
      Plan p = PlanAt(s, gpus, static_cast<int64_t>(all[off + 2 * i]));
      p.estimate_step_s = all[off + 2 * i + 1];
      merged.plans.push_back(p);
    }
    merged.candidates += static_cast<int64_t>(all[off + 2 * K]);
    merged.valid += static_cast<int64_t>(all[off + 2 * K + 1]);
    merged.fit += static_cast<int64_t>(all[off + 2 * K + 2]);
    for (size_t q = 0; q < reasons.size(); ++q) {
      if (all[off + 2 * K + 3 + q] > 0) merged.rejected[reasons[q]] += static_cast<int64_t>(all[off + 2 * K + 3 + q]);
    }
  }
  return merged;
}

}  // namespace cb::sim
