// The baseline for `clusterbench collectives --backend mpi`: a bare
// MPI_Allreduce loop timed the way the tool times it (warm-up, barrier,
// n back-to-back calls between two clock reads, average over ranks), under
// MPI_Init (MPI_THREAD_SINGLE), as nccl-tests initialises MPI.
// scripts/bench/collectives_cli_vs_bare.py alternates it with the command.
#include <mpi.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  // Optional third argument: the thread level to ask for instead of
  // MPI_Init's (single, funneled, serialized, multiple), to show what a level
  // costs: Open MPI 4.1 takes its locks at any level above single.
  const std::string level = argc > 3 ? argv[3] : "";
  if (level.empty()) {
    MPI_Init(&argc, &argv);
  } else {
    const int wanted = level == "multiple"     ? MPI_THREAD_MULTIPLE
                       : level == "serialized" ? MPI_THREAD_SERIALIZED
                       : level == "funneled"   ? MPI_THREAD_FUNNELED
                                               : MPI_THREAD_SINGLE;
    int provided = 0;
    MPI_Init_thread(&argc, &argv, wanted, &provided);
  }
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const int iters = argc > 1 ? std::atoi(argv[1]) : 200;
  // Optional: fewer iterations at 16 MiB (a 5000-iteration loop there takes
  // ~20 s per run on a small VM).
  const int iters_large = argc > 2 ? std::atoi(argv[2]) : iters;
  const int warmup = 20;
  if (rank == 0)
    std::printf("# bare MPI_Allreduce float sum, %d ranks, %d iterations (%d at 16 MiB)\n#%12s %12s\n", size, iters,
                iters_large, "size(B)", "time(us)");
  for (size_t bytes : {size_t{8}, size_t{64} << 10, size_t{16} << 20}) {
    const int n = bytes >= (size_t{16} << 20) ? iters_large : iters;
    size_t count = bytes / sizeof(float);
    std::vector<float> send(count, 1.0f), recv(count);
    for (int i = 0; i < warmup; ++i) {
      MPI_Allreduce(send.data(), recv.data(), static_cast<int>(count), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < n; ++i) {
      MPI_Allreduce(send.data(), recv.data(), static_cast<int>(count), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    }
    double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / n;
    double sum = 0;
    MPI_Reduce(&t, &sum, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
    if (rank == 0) std::printf(" %12zu %12.2f\n", bytes, sum / size * 1e6);
  }
  MPI_Finalize();
  return 0;
}
