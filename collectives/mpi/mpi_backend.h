// The MPI collectives backend: one rank per process, host buffers, launched
// by mpirun/srun. Plain C++ (no MPI type here); the communicator that does
// the work is collectives/mpi/mpi_communicator.h.
//
// Lifetime: the constructor initialises MPI (MPI_THREAD_SINGLE) unless
// somebody already did, and creates the job's communicator; the destructor
// frees it and calls MPI_Finalize if the constructor initialised MPI. If an
// exception escaped Run() (or is unwinding through the destructor), the
// destructor skips both: MPI_Finalize is collective and would wait forever
// for ranks that are still inside a collective, whereas a process that exits
// without finalising makes mpirun end the whole job (it then exits with this
// process's exit code).
//
// Buffers (BackendOptions::buffers): host memory, or with "device"/"auto"
// GPU memory (the local rank's GPU modulo the visible ones) when the build
// has CUDA, the MPI is CUDA-aware and every rank has a GPU; the ranks agree
// at creation. "device" where that cannot be is a cb::UsageError thrown by
// Run on every rank (so only rank 0's process reports it), naming the first
// rank that cannot and why; "auto" then uses host buffers.
#ifndef CLUSTERBENCH_COLLECTIVES_MPI_MPI_BACKEND_H_
#define CLUSTERBENCH_COLLECTIVES_MPI_MPI_BACKEND_H_

#include <functional>
#include <memory>
#include <string>

#include "collectives/backend.h"
#include "collectives/communicator.h"

namespace cb {
struct Backends;

// Registers the MPI backend: "mpi" in enabled, the MPI library version for
// `info`, and the factory "collectives:mpi" (a cb::coll::BackendFactory).
void RegisterMpiBackend(Backends& backends);
}  // namespace cb

namespace cb::coll {

class MpiBackend : public Backend {
 public:
  // Throws cb::RuntimeError if MPI cannot be initialised (or was already
  // finalised) or the communicator cannot be created.
  explicit MpiBackend(const BackendOptions& options);
  ~MpiBackend() override;
  MpiBackend(const MpiBackend&) = delete;
  MpiBackend& operator=(const MpiBackend&) = delete;

  std::string name() const override { return "mpi"; }
  int world_size() const override;
  int local_ranks() const override { return 1; }
  bool holds_rank0() const override;
  // Runs body on the calling thread (the thread that constructed the
  // backend: the only thread that calls MPI) with this process's rank.
  void Run(const std::function<void(Communicator&)>& body) override;

 private:
  // Opens device buffers as BackendOptions::buffers asks (collective).
  void ChooseBuffers(const std::string& buffers);

  bool finalize_ = false;  // this object initialised MPI
  bool failed_ = false;    // an exception escaped Run
  std::unique_ptr<Communicator> comm_;
  std::string usage_error_;  // agreed by every rank at creation; Run throws it
};

}  // namespace cb::coll

#endif  // CLUSTERBENCH_COLLECTIVES_MPI_MPI_BACKEND_H_
