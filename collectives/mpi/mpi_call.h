// The one check helper for MPI calls in this folder: a failed call becomes a
// cb::RuntimeError naming the call, where it was made, MPI's own error string
// and the rank and host that saw it. Only works where the communicator's
// error handler is MPI_ERRORS_RETURN (the default, MPI_ERRORS_ARE_FATAL,
// aborts the job inside the call instead).
#ifndef CLUSTERBENCH_COLLECTIVES_MPI_MPI_CALL_H_
#define CLUSTERBENCH_COLLECTIVES_MPI_MPI_CALL_H_

#include <source_location>
#include <string>

namespace cb::coll::mpi_detail {

// Throws cb::RuntimeError unless rc == MPI_SUCCESS. `call` is the function's
// name ("MPI_Allreduce"); `who` says which rank ("rank 3 of 8 on host n7").
void CheckMpi(int rc, const char* call, const std::string& who,
              std::source_location where = std::source_location::current());

// MPI's text for an error code ("MPI_ERR_TRUNCATE: message truncated").
std::string MpiErrorString(int rc);

// MPI_Abort(MPI_COMM_WORLD, code), once per process: the progress watchdog's
// thread and the main thread may both decide to end the job, and two
// concurrent MPI_Abort calls crash inside OpenMPI (its help-message parser is
// not thread-safe). The second caller waits for the first to end the job.
[[noreturn]] void AbortJobOnce(int code);

// The thread level to ask MPI_Init_thread for: MPI_THREAD_SINGLE, as
// nccl-tests' MPI_Init. Only the main thread calls MPI (the progress
// watchdog's thread beats over TCP, beat_links.h; it calls MPI_Abort alone,
// to end the job). Open MPI 4.1 turns on its locks for any level above
// SINGLE, FUNNELED included: an 8 B MPI_Allreduce of two ranks on one host
// took 1.5x as long at MULTIPLE or FUNNELED as under MPI_Init (issue 17).
int WantedThreadLevel();

// Starts MPI for a backend unless something else in this process has
// (MPI_Init_thread at WantedThreadLevel); throws cb::RuntimeError when MPI was
// finalised already (`backend`, "mpi backend", names it; `where` is the step
// CheckMpi names). True when this call started MPI: the backend then ends it
// with FinalizeMpi.
bool StartMpi(const char* backend, const char* where);
// MPI_Finalize unless MPI is finalised already (a backend's destructor).
void FinalizeMpi();

}  // namespace cb::coll::mpi_detail

#endif  // CLUSTERBENCH_COLLECTIVES_MPI_MPI_CALL_H_
