// Where a simulated step loses its time, in words a planner can act on: the
// largest part of the critical stage's step that is not compute, and the
// layout choice behind it (issue 17: "nothing explains a buildout's low
// MFU"). The figures are the simulation's own breakdown (SimResult);
// nothing here is estimated again.
//
// Causes named:
//   pipeline bubble  — p stages, m micro-batches per pipeline (B / (D·b)),
//                      v chunks: the 1F1B bubble is about (p − 1)/(v·m + p − 1)
//                      of the pipeline time (Narayanan et al. SC'21, eq. 1),
//                      so few micro-batches per pipeline (a fixed global batch
//                      over many data-parallel replicas) make it large;
//   TP, CP, EP       — the group size against the scale-up domain (a group
//                      wider than the domain crosses the scale-out network);
//   PP transfers, DP reduction, optimizer — named with their degree.
#ifndef CLUSTERBENCH_SIMULATOR_PLAN_EXPLAIN_H_
#define CLUSTERBENCH_SIMULATOR_PLAN_EXPLAIN_H_

#include <string>

#include "simulator/simulate.h"

namespace cb::sim {

struct StepLoss {
  std::string part;      // "pipeline bubble", "TP communication", ... or "none"
  double seconds = 0;    // of the critical stage's step
  double fraction = 0;   // of the step time
  std::string sentence;  // "MFU 25.1%: the pipeline bubble takes 48% of the step: PP35 with 2 micro-batches ..."
};

// The largest non-compute part of `r`'s step for scenario `s` (as simulated,
// with r's layout), and the sentence that explains it. When compute takes at
// least 80% of the step, part is "none" and the sentence says the step is
// compute-bound.
StepLoss LargestLoss(const Scenario& s, const SimResult& r);

}  // namespace cb::sim

#endif  // CLUSTERBENCH_SIMULATOR_PLAN_EXPLAIN_H_
