// Gathering variable-length text (serialised results, error messages) on
// rank 0 through any Communicator's control plane, which only gathers
// equal-length vectors of doubles.
//
// Why doubles: the control plane is the one every backend already has
// (MPI_Gather, thread groups, NCCL's MPI or thread control), so the apps
// that gather per-rank results (kernels under mpirun) need nothing new from
// the backends. Each double carries 6 bytes as an integer below 2^48, which
// a double holds exactly; every rank pads to the longest text, so rank 0
// holds N x longest bytes (x 8/6): O(N) memory, as the harness's gathers.
#ifndef CLUSTERBENCH_COLLECTIVES_GATHER_TEXT_H_
#define CLUSTERBENCH_COLLECTIVES_GATHER_TEXT_H_

#include <string>
#include <vector>

#include "collectives/communicator.h"

namespace cb::coll {

// Every rank calls it. Rank 0 gets every rank's text in rank order; other
// ranks get an empty vector.
std::vector<std::string> GatherText(Communicator& comm, const std::string& mine);

// The packing, exposed for tests: text -> doubles of 6 bytes each (the last
// one zero-padded), and back for the first `bytes` bytes.
std::vector<double> PackText(const std::string& text, size_t words);
std::string UnpackText(const double* words, size_t bytes);

}  // namespace cb::coll

#endif  // CLUSTERBENCH_COLLECTIVES_GATHER_TEXT_H_
