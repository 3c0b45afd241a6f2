#include "simulator/network/maxmin.h"

#include <fmt/format.h>

#include <limits>
#include <queue>

#include "core/error.h"

namespace cb::sim {

int MaxMinSolver::AddLink(double capacity) {
  if (!(capacity > 0)) throw RuntimeError(fmt::format("max-min solver: link capacity {} must be > 0", capacity));
  capacity_.push_back(capacity);
  return static_cast<int>(capacity_.size() - 1);
}

int MaxMinSolver::AddFlow(std::vector<int> links) {
  for (int l : links) {
    if (l < 0 || static_cast<size_t>(l) >= capacity_.size()) {
      throw RuntimeError(fmt::format("max-min solver: flow crosses unknown link {}", l));
    }
  }
  routes_.push_back(std::move(links));
  return static_cast<int>(routes_.size() - 1);
}

const std::vector<double>& MaxMinSolver::Solve() {
  const size_t L = capacity_.size(), F = routes_.size();
  rates_.assign(F, std::numeric_limits<double>::infinity());
  rounds_ = 0;
  // Flows of each link, remaining capacity and unfrozen count per link.
  std::vector<std::vector<int>> flows_of(L);
  std::vector<int> unfrozen(L, 0);
  for (size_t f = 0; f < F; ++f) {
    for (int l : routes_[f]) {
      flows_of[static_cast<size_t>(l)].push_back(static_cast<int>(f));
      ++unfrozen[static_cast<size_t>(l)];
    }
  }
  std::vector<double> remaining = capacity_;
  std::vector<bool> frozen(F, false);
  // Min-heap of (share, link), lazily invalidated: an entry is current only
  // if it equals the link's share when popped.
  using Entry = std::pair<double, int>;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> heap;
  auto share = [&](size_t l) { return remaining[l] / unfrozen[l]; };
  for (size_t l = 0; l < L; ++l) {
    if (unfrozen[l] > 0) heap.push({share(l), static_cast<int>(l)});
  }
  double last_level = -1;
  while (!heap.empty()) {
    auto [s, li] = heap.top();
    heap.pop();
    const size_t l = static_cast<size_t>(li);
    if (unfrozen[l] == 0 || s != share(l)) continue;  // stale entry
    // Rounding can leave a tiny negative remainder; rates never go below 0.
    const double level = std::max(s, 0.0);
    if (level != last_level) {
      ++rounds_;
      last_level = level;
    }
    for (int fi : flows_of[l]) {
      const size_t f = static_cast<size_t>(fi);
      if (frozen[f]) continue;
      frozen[f] = true;
      rates_[f] = level;
      for (int lj : routes_[f]) {
        const size_t j = static_cast<size_t>(lj);
        remaining[j] -= level;
        --unfrozen[j];
        if (j != l && unfrozen[j] > 0) heap.push({share(j), lj});
      }
    }
  }
  return rates_;
}

std::vector<double> MaxMinSolver::LinkLoads() const {
  std::vector<double> load(capacity_.size(), 0);
  for (size_t f = 0; f < routes_.size() && f < rates_.size(); ++f) {
    for (int l : routes_[f]) load[static_cast<size_t>(l)] += rates_[f];
  }
  return load;
}

}  // namespace cb::sim
