#include "collectives/mpi/mpi_backend.h"

#include <mpi.h>

#include <fmt/format.h>
#include <exception>

#include "collectives/mpi/mpi_call.h"
#include "collectives/mpi/mpi_communicator.h"
#include "core/error.h"

namespace cb::coll {

MpiBackend::MpiBackend(const BackendOptions& /*options: nothing to choose for MPI*/) {
  using mpi_detail::CheckMpi;
  const char* where = "initialising MPI";
  int initialized = 0, finalized = 0;
  CheckMpi(MPI_Initialized(&initialized), "MPI_Initialized", where);
  CheckMpi(MPI_Finalized(&finalized), "MPI_Finalized", where);
  if (finalized) throw RuntimeError("mpi backend: MPI was already finalised in this process; it cannot start again");
  if (!initialized) {
    // Only the thread that runs the benchmark calls MPI.
    int provided = 0;
    CheckMpi(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread", where);
    finalize_ = true;
  }
  comm_ = std::make_unique<MpiCommunicator>(MPI_COMM_WORLD);
}

MpiBackend::~MpiBackend() {
  // See the header: after a failure, finalising could wait forever on ranks
  // stuck in a collective; exiting without it makes mpirun end the job.
  if (failed_ || std::uncaught_exceptions() > 0) return;
  comm_.reset();
  if (finalize_) {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized) MPI_Finalize();
  }
}

int MpiBackend::world_size() const { return comm_->size(); }

bool MpiBackend::holds_rank0() const { return comm_->rank() == 0; }

void MpiBackend::Run(const std::function<void(Communicator&)>& body) {
  try {
    body(*comm_);
  } catch (...) {
    failed_ = true;
    throw;
  }
}

}  // namespace cb::coll
