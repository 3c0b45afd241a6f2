// The NCCL collectives backend (`clusterbench collectives --backend nccl`):
// one rank per GPU, device buffers, NCCL on each rank's own stream. Plain C++
// (no CUDA, NCCL or MPI type here); the communicator that does the work is
// collectives/nccl/nccl_communicator.h.
//
// Two modes, chosen from the environment (DetectLaunch):
//  - one process (no launcher): -g N GPUs (devices 0..N-1) driven by N
//    threads, communicators from ncclCommInitAll, control plane in process
//    (collectives/thread_group.h);
//  - under mpirun/srun (built with MPI): one GPU per process (-g 1), the
//    device is the local rank modulo the visible devices, rank 0's
//    ncclUniqueId goes out by MPI_Bcast to ncclCommInitRank (or, above
//    kRanksPerInitRoot ranks, several ids to ncclCommInitRankScalable: see
//    NcclInitRoots), and the control plane is MPI (an MpiCommunicator from
//    collectives/mpi).
// Errors a user can fix are cb::UsageError (exit 2): no GPU, -g larger than
// the GPUs present, -g > 1 under MPI, two ranks on one GPU, a launcher
// without MPI in the build. A failed NCCL or CUDA call is a cb::RuntimeError
// naming the call, NCCL's error and detail, and the rank and host.
#ifndef CLUSTERBENCH_COLLECTIVES_NCCL_NCCL_BACKEND_H_
#define CLUSTERBENCH_COLLECTIVES_NCCL_NCCL_BACKEND_H_

#include <functional>
#include <memory>
#include <string>

#include "collectives/backend.h"

namespace cb {
struct Backends;

// Registers the NCCL backend: "nccl" in enabled, the NCCL version for
// `info`, and the factory "collectives:nccl" (a cb::coll::BackendFactory).
void RegisterNcclBackend(Backends& backends);
}  // namespace cb

namespace cb::coll {

// How this process was started, as the environment tells.
struct Launch {
  bool under_launcher = false;  // mpirun, srun or another PMI launcher started it
  std::string evidence;         // the variable that says so: "OMPI_COMM_WORLD_SIZE=4"
};

// Reads OMPI_COMM_WORLD_SIZE, PMI_SIZE, PMIX_RANK (any value) and
// SLURM_NTASKS (> 1) through `getenv` (std::getenv when empty).
Launch DetectLaunch(const std::function<const char*(const char*)>& getenv = {});

// Scalable init under MPI (ncclCommInitRankScalable, NCCL >= 2.23): the
// bootstrap handshake is spread over several ncclUniqueIds ("roots"), each
// created by one rank and serving a share of the ranks, instead of every rank
// meeting rank 0. NCCL's design notes advise at most 256 ranks per root and
// warn that very few ranks per root is slower; the default is one root per
// kRanksPerInitRoot ranks, so jobs of up to 128 ranks keep the one-id
// ncclCommInitRank.
constexpr int kRanksPerInitRoot = 128;

// The number of roots for a job of `ranks` (>= 1). `setting` is the value of
// CB_NCCL_INIT_ROOTS (nullptr or "" when unset): a positive integer, capped at
// `ranks`. Throws cb::UsageError naming the variable for anything else.
int NcclInitRoots(int ranks, const char* setting);

// Whether `rank` creates one of the `roots` ids: the first rank of each
// root's share, in the shares NCCL's bootstrap gives (the first ranks % roots
// roots serve ranks / roots + 1 ranks, the others ranks / roots), so that a
// root serves the ranks next to it. Exactly `roots` ranks hold one.
bool HoldsInitRoot(int rank, int ranks, int roots);

// Creates the backend in the mode DetectLaunch() picks. Throws cb::UsageError
// for the cases listed above and cb::RuntimeError when NCCL, CUDA or MPI fail.
std::unique_ptr<Backend> MakeNcclBackend(const BackendOptions& options);

}  // namespace cb::coll

#endif  // CLUSTERBENCH_COLLECTIVES_NCCL_NCCL_BACKEND_H_
