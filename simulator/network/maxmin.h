// Max-min fair sharing of link bandwidth among flows (the flow-level network
// model of SimGrid's LMM solver, without its weights: Casanova, Giersch,
// Legrand, Quinson, Suter, "Versatile, Scalable, and Accurate Simulation of
// Distributed Applications and Platforms", JPDC 2014, sec. 4; Bertsekas &
// Gallager, "Data Networks", 2nd ed., sec. 6.5.2).
//
// Links l have capacities c_l (bytes/s); each flow f crosses a set of links.
// The allocation x is max-min fair: no flow's rate can grow without lowering
// the rate of a flow that has a smaller or equal rate. Progressive filling
// computes it: every unfrozen flow's rate rises together; the first link to
// fill (smallest c_l' / n_l, remaining capacity over unfrozen flows crossing
// it) freezes its flows at that share; repeat until every flow is frozen.
//   Each round:  s* = min_l  c_l' / n_l ;   x_f = s* for flows on the argmin
//                links;  c_l' -= x_f on every link those flows cross.
// With a heap of link shares (lazily updated) a solve costs
// O(sum of route lengths x log L).
#ifndef CLUSTERBENCH_SIMULATOR_NETWORK_MAXMIN_H_
#define CLUSTERBENCH_SIMULATOR_NETWORK_MAXMIN_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace cb::sim {

class MaxMinSolver {
 public:
  // Returns the link's index. capacity > 0 (bytes/s).
  int AddLink(double capacity);
  // Returns the flow's index. Every link index must exist; a flow crossing
  // no link gets rate `unbounded_rate` (default: infinite).
  int AddFlow(std::vector<int> links);

  // Computes the max-min fair rate of every flow.
  const std::vector<double>& Solve();

  const std::vector<double>& rates() const { return rates_; }
  // Bytes/s each link carries after Solve (sum of its flows' rates).
  std::vector<double> LinkLoads() const;
  size_t links() const { return capacity_.size(); }
  size_t flows() const { return routes_.size(); }
  const std::vector<int>& route(int flow) const { return routes_[static_cast<size_t>(flow)]; }
  int rounds() const { return rounds_; }  // distinct bottleneck levels of the last solve

 private:
  std::vector<double> capacity_;
  std::vector<std::vector<int>> routes_;  // per flow: links
  std::vector<double> rates_;
  int rounds_ = 0;
};

}  // namespace cb::sim

#endif  // CLUSTERBENCH_SIMULATOR_NETWORK_MAXMIN_H_
