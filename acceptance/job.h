// `clusterbench validate` as a job: the control plane and the optional
// backends a run uses, this node's description and the run's provenance, and
// the suite run on every rank with rank 0 writing the outputs (outputs.h).
// apps/validate.cc parses the flags and calls these; the results file is
// reached through core's ResultSink, so acceptance knows no HDF5.
#ifndef CLUSTERBENCH_ACCEPTANCE_JOB_H_
#define CLUSTERBENCH_ACCEPTANCE_JOB_H_

#include <functional>
#include <memory>
#include <string>

#include "acceptance/outputs.h"
#include "acceptance/runner.h"
#include "acceptance/suite.h"
#include "collectives/backend.h"
#include "core/backends.h"
#include "core/log.h"
#include "core/table.h"

namespace cb::acc {

// The control plane: mpi (UsageError when this build has none), loopback
// (`loopback_ranks` threads as ranks) or auto (mpi when built); nccl is no
// control plane (UsageError). Each phase's watchdog is `timeout_s`, 300 s when 0.
std::unique_ptr<coll::Backend> MakeControlPlane(const Backends& backends, CollectiveBackend backend, int loopback_ranks,
                                                double timeout_s);

// The backends this build registered: GPU kernels (an adapter registered
// under acceptance:device_kernels, or the CUDA kernels adapted) and NCCL for
// the fabric checks that ask for it (one rank per GPU under mpirun/srun).
void AttachBackends(const Backends& backends, double timeout_s, RunOptions* ro);

// This node's inventory (with the backends' GPUs and the library versions:
// `hdf5_version` from the caller, acceptance does not link HDF5) and the
// run's provenance.
void DescribeNodeAndRun(const Backends& backends, const std::string& command_line, const std::string& hdf5_version,
                        RunOptions* ro);

// Opens the results file `path` for the evidence (rank 0, only when -o).
using EvidenceOpener = std::function<std::unique_ptr<ResultSink>(const std::string& path)>;

// Runs the suite on every rank of `backend`; rank 0 writes the outputs (the
// evidence run is begun before anything is measured). Returns the exit code,
// the same on every rank.
int RunSuiteOnRanks(const ReportOutputs& out, const Suite& suite, RunOptions& ro, coll::Backend& backend,
                    const EvidenceOpener& open_evidence, const std::string& command_line, const Logger& log);

}  // namespace cb::acc

#endif  // CLUSTERBENCH_ACCEPTANCE_JOB_H_
