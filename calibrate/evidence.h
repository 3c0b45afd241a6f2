// validate's evidence file (-o EV.h5) read for the simulator: the latest
// finished validate run's units, nodes and fabric culprits as the plain rows
// simulator/measured_fleet.h places. One reader for `simulate --evidence` and
// `compare --evidence`; store/ reads the file. Measured results read for the
// simulator, as a calibration profile is: calibrate/ owns it (calibrate ->
// store, simulator, core).
#ifndef CLUSTERBENCH_CALIBRATE_EVIDENCE_H_
#define CLUSTERBENCH_CALIBRATE_EVIDENCE_H_

#include <string>
#include <vector>

#include "simulator/measured_fleet.h"

namespace cb {

struct EvidenceRun {
  std::string run_id, suite;
  std::vector<std::string> nodes;
  std::vector<sim::MeasuredUnit> units;
  std::vector<sim::MeasuredFabricCulprit> fabric;  // validate_culprits, when the suite had fabric checks
};

// Throws ConfigError naming the file when it has no finished validate run or
// that run lacks validate's tables.
EvidenceRun ReadEvidence(const std::string& path);

}  // namespace cb

#endif  // CLUSTERBENCH_CALIBRATE_EVIDENCE_H_
