// What the simulator and a calibration profile say about a validation job,
// given to acceptance as data (acceptance/runner.h RunOptions::expect_model
// and ::topology): acceptance itself depends on no model. This adapter is a
// library of its own (cb_acceptance_model: acceptance, simulator, calibrate;
// docs/architecture.md says why), linked by the clusterbench executable.
#ifndef CLUSTERBENCH_ACCEPTANCE_MODEL_MODEL_ADAPTER_H_
#define CLUSTERBENCH_ACCEPTANCE_MODEL_MODEL_ADAPTER_H_

#include <functional>
#include <string>
#include <vector>

#include "acceptance/fabric.h"
#include "acceptance/runner.h"
#include "acceptance/suite.h"
#include "collectives/communicator.h"

namespace cb::acc {

// threshold.fraction_of_model (docs/acceptance.md): what a model expects of a
// collective group, given to acceptance as data (acceptance does not depend
// on the simulator). A calibration profile (--calibration) answers when
// given; otherwise the simulator's collective model on the suite's cluster.
// Throws ConfigError, naming the check, when a check asks for the model and
// neither exists. Null when no check asks.
std::function<ModelFigure(const Check&, const std::vector<coll::RankInfo>&)> ModelExpectations(
    const Suite& suite, const std::string& calibration);

// The suite cluster's fat tree for the pairs check (acceptance/fabric.h
// FabricTopology), built by the simulator's topology code: fabric node i is
// the cluster's node i and its rail r the node's NIC r; a node's switch is the
// leaf of its rail-0 NIC, a pair's route the physical links of both
// directions, named as `clusterbench topology` names them. Null when no pairs
// check or no cluster; a note instead of a topology when the cluster has no
// scale_out.tiers or fewer nodes or NICs than the job.
std::function<FabricTopology(int, int)> PairsTopology(const Suite& suite);

}  // namespace cb::acc

#endif  // CLUSTERBENCH_ACCEPTANCE_MODEL_MODEL_ADAPTER_H_
