// The collectives tool's NCCL path against a bare ncclAllReduce loop *in the
// same run* (issue: "the NCCL path's bus bandwidth within 2% of what a bare
// NCCL loop gets in the same run"). One process drives GPUs 0..N-1 (-g N, as
// `clusterbench collectives --backend nccl -g N`): the tool through the public
// backend factory and harness (MakeNcclBackend, RunBenchmark: all_reduce,
// float sum, out of place, no checks, -a 1), and the bare loop on its own
// communicators (ncclCommInitAll over the same GPUs), its own streams and
// buffers, timed with CUDA events around `iters` back-to-back ncclAllReduce
// calls after a warm-up, averaged over ranks. For each size, rounds alternate
// bare and tool; the medians of the rounds are compared. Same GPUs, same
// moment: what is left of the ratio is the tool's own cost.
//
// The ratio printed is bandwidth tool/bare = bare time / tool time: busbw and
// algbw share the factor 2(n-1)/n, so it is the busbw ratio for n > 1 (with
// one GPU busbw is 0 by definition and the ratio compares algbw). The target
// is >= 0.98.
//
// Usage: nccl_vs_bare [GPUS [ITERS [ROUNDS [SIZE...]]]]
//   GPUS 1, ITERS 1000 (fewer at large sizes: at most 1 GiB moved per round,
//   at least 20), ROUNDS 5, sizes 8 64K 16M 256M (K/M/G suffixes are binary).
#include <cuda_runtime_api.h>
#include <nccl.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "benchmarks/tool_all_reduce.h"
#include "collectives/backend.h"
#include "collectives/harness.h"
#include "collectives/nccl/nccl_backend.h"
#include "core/error.h"
#include "core/units.h"

namespace {

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "nccl_vs_bare: %s\n", what.c_str());
  std::exit(1);
}

void CheckCuda(cudaError_t e, const char* call) {
  if (e != cudaSuccess)
    Fail(std::string(call) + " failed: " + cudaGetErrorName(e) + " (" + cudaGetErrorString(e) + ")");
}

void CheckNccl(ncclResult_t r, const char* call) {
  if (r != ncclSuccess) Fail(std::string(call) + " failed: " + ncclGetErrorString(r));
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

int IterationsFor(size_t bytes, int iters) {
  const size_t per_gib = (size_t{1} << 30) / std::max<size_t>(bytes, 1);
  return static_cast<int>(std::max<size_t>(20, std::min<size_t>(static_cast<size_t>(iters), per_gib)));
}

// One GPU's bare loop: its own communicator, stream, buffers and events,
// created before the tool's threads start (cudaMalloc while another GPU's
// NCCL kernel waits could deadlock; see nccl_communicator.h).
struct Bare {
  int device = 0;
  ncclComm_t comm = nullptr;
  cudaStream_t stream = nullptr;
  float* send = nullptr;
  float* recv = nullptr;
  cudaEvent_t start = nullptr, stop = nullptr;
};

// Seconds per ncclAllReduce on this rank, by CUDA events; the caller's
// barrier has every rank start together.
double BareLoop(Bare& b, size_t bytes, int iters, int warmup, cb::coll::Communicator& control) {
  const size_t count = bytes / sizeof(float);
  CheckCuda(cudaSetDevice(b.device), "cudaSetDevice");
  for (int i = 0; i < warmup; ++i) {
    CheckNccl(ncclAllReduce(b.send, b.recv, count, ncclFloat32, ncclSum, b.comm, b.stream), "ncclAllReduce");
  }
  CheckCuda(cudaStreamSynchronize(b.stream), "cudaStreamSynchronize");
  control.Barrier();
  CheckCuda(cudaEventRecord(b.start, b.stream), "cudaEventRecord");
  for (int i = 0; i < iters; ++i) {
    CheckNccl(ncclAllReduce(b.send, b.recv, count, ncclFloat32, ncclSum, b.comm, b.stream), "ncclAllReduce");
  }
  CheckCuda(cudaEventRecord(b.stop, b.stream), "cudaEventRecord");
  CheckCuda(cudaEventSynchronize(b.stop), "cudaEventSynchronize");
  float ms = 0;
  CheckCuda(cudaEventElapsedTime(&ms, b.start, b.stop), "cudaEventElapsedTime");
  return ms * 1e-3 / iters;
}

}  // namespace

int main(int argc, char** argv) {
  const int gpus = argc > 1 ? std::atoi(argv[1]) : 1;
  const int iters = argc > 2 ? std::atoi(argv[2]) : 1000;
  const int rounds = argc > 3 ? std::atoi(argv[3]) : 5;
  const int warmup = 20;
  std::vector<size_t> sizes;
  for (int i = 4; i < argc; ++i) {
    std::string why;
    const auto v = cb::ParseSize(argv[i], &why);
    if (!v || *v < sizeof(float)) Fail(std::string("size ") + argv[i] + ": " + (why.empty() ? "below 4 bytes" : why));
    sizes.push_back(static_cast<size_t>(*v) / sizeof(float) * sizeof(float));
  }
  if (sizes.empty()) sizes = {8, size_t{64} << 10, size_t{16} << 20, size_t{256} << 20};
  if (gpus < 1 || iters < 1 || rounds < 1) Fail("GPUS, ITERS and ROUNDS must be positive");
  const size_t largest = *std::max_element(sizes.begin(), sizes.end());

  try {
    cb::coll::BackendOptions bo;
    bo.gpus_per_process = gpus;
    std::unique_ptr<cb::coll::Backend> backend = cb::coll::MakeNcclBackend(bo);

    std::vector<Bare> bare(static_cast<size_t>(gpus));
    std::vector<ncclComm_t> comms(static_cast<size_t>(gpus));
    std::vector<int> devices(static_cast<size_t>(gpus));
    for (int r = 0; r < gpus; ++r) devices[static_cast<size_t>(r)] = r;
    CheckNccl(ncclCommInitAll(comms.data(), gpus, devices.data()), "ncclCommInitAll");
    for (int r = 0; r < gpus; ++r) {
      Bare& b = bare[static_cast<size_t>(r)];
      b.device = r;
      b.comm = comms[static_cast<size_t>(r)];
      CheckCuda(cudaSetDevice(r), "cudaSetDevice");
      CheckCuda(cudaStreamCreateWithFlags(&b.stream, cudaStreamNonBlocking), "cudaStreamCreateWithFlags");
      CheckCuda(cudaMalloc(reinterpret_cast<void**>(&b.send), largest), "cudaMalloc");
      CheckCuda(cudaMalloc(reinterpret_cast<void**>(&b.recv), largest), "cudaMalloc");
      CheckCuda(cudaMemset(b.send, 0, largest), "cudaMemset");
      CheckCuda(cudaMemset(b.recv, 0, largest), "cudaMemset");
      CheckCuda(cudaEventCreate(&b.start), "cudaEventCreate");
      CheckCuda(cudaEventCreate(&b.stop), "cudaEventCreate");
      CheckCuda(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
    }

    backend->Run([&](cb::coll::Communicator& comm) {
      Bare& b = bare[static_cast<size_t>(comm.rank())];
      if (comm.rank() == 0) {
        std::printf(
            "# all_reduce float sum, %d GPU(s) in one process (%s), median of %d interleaved rounds, same run\n"
            "# bare: ncclAllReduce loop, CUDA events, average over ranks; tool: clusterbench's harness (-a 1)\n",
            comm.size(), comm.ranks()[0].device.c_str(), rounds);
        std::printf("%12s %7s %12s %12s %12s %12s %8s\n", "size(B)", "iters", "bare(us)", "tool(us)", "bare_bw(GB/s)",
                    "tool_bw(GB/s)", "tool/bare");
      }
      for (size_t bytes : sizes) {
        const int n = IterationsFor(bytes, iters);
        std::vector<double> bare_s, tool_s;
        for (int round = 0; round < rounds; ++round) {
          const std::vector<double> all = comm.Gather({BareLoop(b, bytes, n, warmup, comm)});
          double sum = 0;
          for (double t : all) sum += t;
          if (comm.rank() == 0) bare_s.push_back(sum / static_cast<double>(all.size()));
          // Every bare kernel done everywhere before the harness allocates.
          comm.Barrier();
          const double t = cb::bench::ToolAllReduceSeconds(comm, bytes, n, warmup);
          if (comm.rank() == 0) tool_s.push_back(t);
        }
        if (comm.rank() == 0) {
          const double tb = Median(bare_s), tt = Median(tool_s);
          const double gb = static_cast<double>(bytes) / 1e9;
          std::printf("%12zu %7d %12.3f %12.3f %12.2f %12.2f %8.3f\n", bytes, n, tb * 1e6, tt * 1e6, gb / tb, gb / tt,
                      tt > 0 ? tb / tt : 0);
          std::fflush(stdout);
        }
      }
    });

    // ncclCommDestroy finalises with the other ranks: every GPU's at once,
    // each on its own thread (as the backend does).
    std::vector<std::thread> threads;
    for (Bare& b : bare) {
      threads.emplace_back([&b] {
        cudaSetDevice(b.device);
        cudaEventDestroy(b.start);
        cudaEventDestroy(b.stop);
        cudaFree(b.send);
        cudaFree(b.recv);
        cudaStreamDestroy(b.stream);
        ncclCommDestroy(b.comm);
      });
    }
    for (auto& t : threads) t.join();
  } catch (const cb::Error& e) {
    Fail(e.what());
  }
  return 0;
}
