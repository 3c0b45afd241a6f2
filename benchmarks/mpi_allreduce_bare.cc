// The baseline for `clusterbench collectives --backend mpi`: a bare
// MPI_Allreduce loop timed the way the tool times it (warm-up, barrier,
// n back-to-back calls between two clock reads, average over ranks).
// scripts/bench/collectives_vs_bare.sh runs both in the same job and prints
// the ratio per size.
#include <mpi.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const int iters = argc > 1 ? std::atoi(argv[1]) : 200;
  const int warmup = 20;
  if (rank == 0)
    std::printf("# bare MPI_Allreduce float sum, %d ranks, %d iterations\n#%12s %12s\n", size, iters, "size(B)",
                "time(us)");
  for (size_t bytes : {size_t{8}, size_t{64} << 10, size_t{16} << 20}) {
    size_t count = bytes / sizeof(float);
    std::vector<float> send(count, 1.0f), recv(count);
    for (int i = 0; i < warmup; ++i) {
      MPI_Allreduce(send.data(), recv.data(), static_cast<int>(count), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < iters; ++i) {
      MPI_Allreduce(send.data(), recv.data(), static_cast<int>(count), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    }
    double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / iters;
    double sum = 0;
    MPI_Reduce(&t, &sum, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
    if (rank == 0) std::printf(" %12zu %12.2f\n", bytes, sum / size * 1e6);
  }
  MPI_Finalize();
  return 0;
}
