// `clusterbench kernels` as a job: alone, or one rank of several under
// mpirun/srun, each measuring its own device (kernels/kernels_run.h) and
// sending its outcome to rank 0, which prints, writes the results file and
// decides the exit code, the same on every rank.
//
// noderun/ is the module that runs a node's measurement over the job's
// communicator: it depends on kernels, collectives and core (kernels may not
// depend on collectives). Plain C++: the communicator is coll::Communicator,
// the results file a core ResultSink, so no MPI, CUDA or HDF5 type appears.
#ifndef CLUSTERBENCH_NODERUN_KERNELS_JOB_H_
#define CLUSTERBENCH_NODERUN_KERNELS_JOB_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "collectives/communicator.h"
#include "core/backends.h"
#include "core/log.h"
#include "core/table.h"
#include "kernels/kernels_run.h"

namespace cb {

// Where rank 0 puts what the job measured (the command's output flags).
struct KernelsOutput {
  std::string format = "table";  // --format: table or json
  std::string path;              // -o: named in the closing line; empty without a file
  Logger log;                    // rank 0's; the other ranks only warn, saying who they are
  // Rank 0, before anything is measured: checks that the output can be
  // written and opens it (null without -o). Throws cb::Error.
  std::function<std::unique_ptr<ResultSink>()> open_results;
};

// A rank's place from the hosts the backend gathered at init (rank order):
// works under any launcher, whatever variables it sets.
RankPlace PlaceOnHost(const std::vector<coll::RankInfo>& ranks, int rank);

// One rank's whole run; `comm` null: the only one, without a launcher.
// Returns the exit code, the same on every rank.
int RunKernelsJob(const KernelsRunOptions& o, const KernelsOutput& out, const Backends& backends,
                  const std::string& command_line, coll::Communicator* comm);

// The run of this process: alone when `launcher` is empty (see
// SeveralProcesses in apps/command.h), else one rank of the MPI job
// ("collectives:mpi" in `backends`; a UsageError without one).
int RunKernelsOnNode(const KernelsRunOptions& o, const KernelsOutput& out, const Backends& backends,
                     const std::string& command_line, const std::string& launcher);

}  // namespace cb

#endif  // CLUSTERBENCH_NODERUN_KERNELS_JOB_H_
