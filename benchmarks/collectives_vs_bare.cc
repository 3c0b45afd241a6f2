// The collectives tool against a bare MPI_Allreduce loop *in the same job*
// (issue: "run a bare MPI_Allreduce loop and the tool in the same job"):
// for each size, rounds alternate a bare loop (warm-up, barrier, n calls
// between two clock reads, average over ranks: nccl-tests' timing) and the
// tool's harness (RunBenchmark, all_reduce out of place, no checks, -a 1),
// and the medians of the rounds are compared. Same ranks, same placement,
// same moment: what is left of the ratio is the tool's own cost.
// Usage: mpirun -np N collectives_vs_bare [ITERS] [ROUNDS]
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "benchmarks/tool_all_reduce.h"
#include "collectives/mpi/mpi_backend.h"

namespace {

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// Seconds per MPI_Allreduce, averaged over ranks (the same on every rank).
double BareLoop(size_t bytes, int iters, int warmup) {
  const int count = static_cast<int>(bytes / sizeof(float));
  // Page-aligned, as the tool's buffers are: a 16-byte-aligned std::vector
  // copies measurably slower through shared memory at 16 MiB.
  const size_t padded = (bytes + 4095) / 4096 * 4096;
  auto* send = static_cast<float*>(std::aligned_alloc(4096, padded));
  auto* recv = static_cast<float*>(std::aligned_alloc(4096, padded));
  std::fill(send, send + count, 1.0f);
  std::fill(recv, recv + count, 0.0f);
  for (int i = 0; i < warmup; ++i) MPI_Allreduce(send, recv, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
  MPI_Barrier(MPI_COMM_WORLD);
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < iters; ++i) MPI_Allreduce(send, recv, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
  const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / iters;
  std::free(send);
  std::free(recv);
  double sum = 0;
  int size = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  MPI_Allreduce(&t, &sum, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
  return sum / size;
}

}  // namespace

int main(int argc, char** argv) {
  const int iters = argc > 1 ? std::atoi(argv[1]) : 1000;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 5;
  const int warmup = 20;
  cb::coll::MpiBackend backend(cb::coll::BackendOptions{});
  backend.Run([&](cb::coll::Communicator& comm) {
    if (comm.rank() == 0) {
      std::printf("# all_reduce float sum, %d ranks, %d iterations, median of %d interleaved rounds, same job\n",
                  comm.size(), iters, rounds);
      std::printf("%12s %12s %12s %8s\n", "size(B)", "bare(us)", "tool(us)", "ratio");
    }
    for (size_t bytes : {size_t{8}, size_t{64} << 10, size_t{16} << 20}) {
      std::vector<double> bare, tool;
      for (int r = 0; r < rounds; ++r) {
        bare.push_back(BareLoop(bytes, iters, warmup));
        tool.push_back(cb::bench::ToolAllReduceSeconds(comm, bytes, iters, warmup));
      }
      const double b = Median(bare), t = Median(tool);
      if (comm.rank() == 0) std::printf("%12zu %12.3f %12.3f %8.3f\n", bytes, b * 1e6, t * 1e6, t / b);
    }
  });
  return 0;
}
