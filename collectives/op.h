// The operation catalogue: what each collective moves, how nccl-tests counts
// its size and bus bandwidth, and what each rank must end up with.
//
// Sizes follow nccl-tests (doc/PERFORMANCE.md): `size` is the byte count of
// the larger of the send and receive buffers of one rank —
//   all_reduce, broadcast, reduce, sendrecv: count elements in and out
//   all_gather: count elements out (size/n in)      reduce_scatter: count in (size/n out)
//   alltoall:   count elements in and out, size/n to each peer
//   gather:     size/n in, size out (on the root)   scatter: size in (on the root), size/n out
//   alltoallv:  as alltoall, but rank i sends AllToAllvCount(...) <= size/n
//               elements to rank j (nccl-tests alltoallv: the row still counts
//               the full size, so algbw and busbw compare with alltoall's)
// algbw = size / time. busbw = algbw x factor, the factor making busbw
// comparable to the link bandwidth for a ring algorithm (derived in
// docs/collectives.md):
//   all_reduce 2(n-1)/n   all_gather, reduce_scatter, alltoall (n-1)/n
//   broadcast, reduce, sendrecv 1   gather, scatter, alltoallv (n-1)/n
#ifndef CLUSTERBENCH_COLLECTIVES_OP_H_
#define CLUSTERBENCH_COLLECTIVES_OP_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "collectives/datatype.h"
#include "core/collective_op.h"

namespace cb::coll {

// The catalogue is core's (core/collective_op.h), shared with the simulator
// and calibration.
using OpKind = cb::CollectiveOp;

const char* Name(OpKind op);           // all_reduce, all_gather, ...
OpKind ParseOp(const std::string& s);  // also allreduce, all-reduce, alltoall; throws UsageError
std::vector<OpKind> AllOps();
bool IsReduction(OpKind op);  // takes a redop
bool HasRoot(OpKind op);      // broadcast, reduce, gather, scatter
double BusBandwidthFactor(OpKind op, int nranks);

// Element counts of one rank's buffers for a given `size` in bytes.
struct Counts {
  size_t count = 0;       // the count column nccl-tests prints
  size_t send_count = 0;  // elements in the send buffer
  size_t recv_count = 0;  // elements in the receive buffer
  // alltoallv: the traffic matrix, n x n fractions in [0, 1], row = sender
  // (ReadAllToAllvMatrix); null: nccl-tests' built-in imbalance.
  std::shared_ptr<const std::vector<double>> traffic;
};
Counts CountsFor(OpKind op, size_t size_bytes, DataType t, int nranks);
// Sizes rounded down to whole elements that divide evenly among ranks.
size_t AlignSize(OpKind op, size_t size_bytes, DataType t, int nranks);

// alltoallv's traffic matrix: the elements rank `from` sends to rank `to`,
// out of a slot of `slot` elements (Counts::count). nccl-tests' built-in
// imbalance (src/alltoallv.cu before its parameter file): (slot - from - to -
// 1) mod slot, taken as a true modulus (nccl-tests' unsigned arithmetic wraps
// differently when from + to >= slot, which only the smallest sizes reach).
// Symmetric: what i sends to j equals what j sends to i, so every rank's
// total traffic differs and in-place exchanges need no extra room.
size_t AllToAllvCount(size_t slot, int from, int to);
// The elements `from` sends to `to` in an alltoallv of counts c among
// nranks: floor(c.count x fraction) with a traffic matrix (as nccl-tests'
// parameter file: count x imbalancingFactors[from][to]), else the above.
size_t AllToAllvCount(const Counts& c, int from, int to, int nranks);
// nccl-tests' alltoallv parameter file: n lines of n comma-separated
// fractions in [0, 1], line i the fractions of its slot rank i sends to each
// rank (blank lines and lines starting with '#' skipped). Returns the n x n
// values row by row and sets *n. Throws UsageError naming the file and line.
std::vector<double> ReadAllToAllvMatrix(const std::string& path, int* n);

// sendrecv pairs ranks in a ring: rank r sends to r+1 and receives from r-1.
int SendPeer(int rank, int nranks);
int RecvPeer(int rank, int nranks);

// Verifiable data. FillSend writes rank `rank`'s input; (a corrupting rank
// adds 1 to element 0 of every chunk so every receiver sees a wrong element).
void FillSend(OpKind op, RedOp redop, DataType t, int rank, int nranks, int root, void* send, const Counts& c,
              bool corrupt);
// Counts elements of `recv` that differ from the exact expected result.
int64_t CountWrong(OpKind op, RedOp redop, DataType t, int rank, int nranks, int root, const void* recv,
                   const Counts& c);

}  // namespace cb::coll

#endif  // CLUSTERBENCH_COLLECTIVES_OP_H_
