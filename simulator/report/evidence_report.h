// `simulate SCENARIO --evidence EV.h5`'s renderings: the healthy step, the
// fleet's as validate measured it, each culprit's cost per step and in days
// of training (simulator/measured_fleet.h places and prices them).
#ifndef CLUSTERBENCH_SIMULATOR_REPORT_EVIDENCE_REPORT_H_
#define CLUSTERBENCH_SIMULATOR_REPORT_EVIDENCE_REPORT_H_

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

#include "simulator/measured_fleet.h"

namespace cb::sim {

// Where the evidence came from, as the reports name it.
struct EvidenceSource {
  std::string path;    // the evidence file (--evidence)
  std::string run_id;  // its validate run
  std::string suite;   // that run's suite; empty: "validate"
};

nlohmann::json EvidenceJson(const EvidenceSource& e, const Scenario& s, const FleetEvidence& fleet,
                            const FleetPrice& p);
void PrintEvidence(std::ostream& out, const EvidenceSource& e, const Scenario& s, const FleetEvidence& fleet,
                   const FleetPrice& p);

}  // namespace cb::sim

#endif  // CLUSTERBENCH_SIMULATOR_REPORT_EVIDENCE_REPORT_H_
