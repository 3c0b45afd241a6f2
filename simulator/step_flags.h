// The options of one simulated step as the command line writes them
// (`simulate --full --network flow --straggler ... --degrade-link ...
// --fail-link ... --timeline-replicas ...`), read into SimOptions and checked
// against the scenario. Errors are UsageErrors naming the flag and the text.
#ifndef CLUSTERBENCH_SIMULATOR_STEP_FLAGS_H_
#define CLUSTERBENCH_SIMULATOR_STEP_FLAGS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "simulator/simulate.h"

namespace cb::sim {

struct StepFlags {
  std::string timeline;           // --timeline FILE.json; empty: none
  std::string timeline_replicas;  // empty: the critical replica
  bool full = false;
  std::string network = "analytical";
  std::vector<std::string> stragglers;
  std::vector<std::string> degraded_links;
  std::vector<int64_t> failed_links;
};

// RANK:FRACTION (a GPU's global rank) or DP_RANK:PP_STAGE:FRACTION.
Straggler ParseStraggler(const std::string& text, const Scenario& s);
// LINK:FRACTION, FRACTION in (0, 1].
LinkFault ParseDegradedLink(const std::string& text);
// A comma list of replicas (0 .. dp-1) or "all"; needs a timeline and full.
std::vector<int64_t> ParseTimelineReplicas(const StepFlags& o, const Scenario& s);

// The options of the simulation the command line asks for: the timeline's
// replicas, every replica (--full), the flow network, stragglers and link
// faults (which need --full and --network flow).
SimOptions ReadSimOptions(const StepFlags& o, const Scenario& s);

}  // namespace cb::sim

#endif  // CLUSTERBENCH_SIMULATOR_STEP_FLAGS_H_
