// The NCCL backend's dispatch (launcher or not) and its one-process mode:
// -g N GPUs, one thread per GPU, communicators from ncclCommInitAll, the
// control plane a ThreadGroup.
#include "collectives/nccl/nccl_backend.h"
#include "core/node_info.h"

#include <unistd.h>

#include <fmt/format.h>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <limits>
#include <mutex>
#include <thread>
#include <vector>

#include "collectives/nccl/nccl_check.h"
#include "collectives/nccl/nccl_communicator.h"
#include "collectives/thread_group.h"
#include "core/error.h"

namespace cb::coll {
namespace nccl_detail {

int CountGpus(const std::string& host) {
  int count = 0;
  const cudaError_t e = cudaGetDeviceCount(&count);
  if (e != cudaSuccess || count <= 0) {
    cudaGetLastError();  // clear it: "no device" is an answer here, not a failure
    throw UsageError(fmt::format("nccl backend: no GPU on {} ({})", host,
                                 e != cudaSuccess ? cudaGetErrorName(e) : "cudaGetDeviceCount found 0 devices"));
  }
  return count;
}

std::string DescribeGpu(int device, const std::string& who) {
  cudaDeviceProp prop{};
  CB_NCCL_CUDA_CHECK(cudaGetDeviceProperties(&prop, device), who);
  char bus[32] = {0};
  CB_NCCL_CUDA_CHECK(cudaDeviceGetPCIBusId(bus, sizeof bus, device), who);
  return fmt::format("GPU {} {} {}", device, prop.name, bus);
}

int ComputeMajorOf(int device, const std::string& who) {
  int major = 0;
  CB_NCCL_CUDA_CHECK(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device), who);
  return major;
}

size_t MemoryLimitOf(int device, const std::string& who) {
  CB_NCCL_CUDA_CHECK(cudaSetDevice(device), who);
  size_t free = 0, total = 0;
  CB_NCCL_CUDA_CHECK(cudaMemGetInfo(&free, &total), who);
  return free / 10 * 8 / 3 * 2;
}

namespace {

double Now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

// The control plane of one rank among the threads of this process.
class ThreadControl : public ControlPlane {
 public:
  ThreadControl(ThreadGroup* group, int rank) : group_(group), rank_(rank) {}
  void Barrier() override { group_->Barrier(); }
  std::vector<double> Gather(const std::vector<double>& mine) override { return group_->Gather(rank_, mine); }
  double AllReduceMax(double v) override { return group_->AllReduceMax(rank_, v); }
  int64_t AllReduceSum(int64_t v) override { return group_->AllReduceSum(rank_, v); }
  double Broadcast(double v) override { return group_->Broadcast(rank_, v); }
  bool ArriveWithin(double timeout_s, std::vector<int>* missing) override {
    return group_->ArriveWithin(rank_, timeout_s, missing);
  }
  // The child group lives in (and is broken with) this one.
  ControlSplit Split(int color, int key) override {
    ThreadGroup::SplitResult s = group_->Split(rank_, color, key);
    return {std::make_unique<ThreadControl>(s.group, s.rank), std::move(s.members)};
  }
  [[noreturn]] void EndJob(int code) override { EndProcess(code); }

 private:
  ThreadGroup* group_;
  int rank_;
};

int CheckedGpus(const BackendOptions& o) {
  if (o.gpus_per_process < 1) {
    throw UsageError(fmt::format("nccl backend: -g {}: need at least one GPU", o.gpus_per_process));
  }
  return o.gpus_per_process;
}

class NcclThreadsBackend : public Backend {
 public:
  explicit NcclThreadsBackend(const BackendOptions& o) : n_(CheckedGpus(o)), group_(n_) {
    const std::string host = HostName();
    const int present = CountGpus(host);
    if (n_ > present) {
      throw UsageError(
          fmt::format("nccl backend: -g {} asks for {} GPUs but {} has {} (visible to CUDA)", n_, n_, host, present));
    }
    const std::string who = fmt::format("process on host {}", host);
    std::vector<int> devices(static_cast<size_t>(n_));
    for (int r = 0; r < n_; ++r) devices[static_cast<size_t>(r)] = r;
    comms_.assign(static_cast<size_t>(n_), nullptr);
    const double t0 = Now();
    CB_NCCL_CHECK(ncclCommInitAll(comms_.data(), n_, devices.data()), who);
    const double init_s = Now() - t0;
    try {
      auto infos = std::make_shared<std::vector<RankInfo>>();
      size_t limit = std::numeric_limits<size_t>::max();
      int major = std::numeric_limits<int>::max();
      for (int r = 0; r < n_; ++r) {
        infos->push_back({r, host, DescribeGpu(r, who)});
        limit = std::min(limit, MemoryLimitOf(r, who));
        major = std::min(major, ComputeMajorOf(r, who));
      }
      for (int r = 0; r < n_; ++r) controls_.push_back(std::make_unique<ThreadControl>(&group_, r));
      for (int r = 0; r < n_; ++r) {
        NcclCommunicator::Setup s;
        s.rank = r;
        s.size = n_;
        s.device = r;
        s.comm = comms_[static_cast<size_t>(r)];
        s.ranks = infos;
        s.init_seconds = init_s;
        s.init_method = "ncclCommInitAll";
        s.memory_limit = limit;
        s.compute_major = major;
        s.control = controls_[static_cast<size_t>(r)].get();
        s.job = &job_;
        ranks_.push_back(std::make_unique<NcclCommunicator>(s));
        job_.Add(ranks_.back().get());
      }
    } catch (...) {
      ranks_.clear();
      AbortComms();
      throw;
    }
  }

  ~NcclThreadsBackend() override {
    ranks_.clear();
    if (failed_ || std::uncaught_exceptions() > 0) {
      AbortComms();  // local: does not wait for ranks that may be stuck
      return;
    }
    // ncclCommDestroy finalises with the other ranks: call it for every
    // rank at once, each on its own thread.
    std::vector<std::thread> threads;
    for (int r = 0; r < n_; ++r) {
      threads.emplace_back([this, r] {
        cudaSetDevice(r);
        ncclCommDestroy(comms_[static_cast<size_t>(r)]);
      });
    }
    for (auto& t : threads) t.join();
  }

  NcclThreadsBackend(const NcclThreadsBackend&) = delete;
  NcclThreadsBackend& operator=(const NcclThreadsBackend&) = delete;

  std::string name() const override { return "nccl"; }
  int world_size() const override { return n_; }
  int local_ranks() const override { return n_; }
  bool holds_rank0() const override { return true; }

  void Run(const std::function<void(Communicator&)>& body) override {
    std::mutex mu;
    std::exception_ptr first;
    auto run_rank = [&](int r) {
      NcclCommunicator& comm = *ranks_[static_cast<size_t>(r)];
      try {
        CB_NCCL_CUDA_CHECK(cudaSetDevice(comm.device()), comm.Who());
        body(comm);
      } catch (...) {
        {
          std::lock_guard<std::mutex> lock(mu);
          if (!first) first = std::current_exception();  // the cause, not the ranks it stopped
        }
        job_.failed = true;
        group_.Break(fmt::format("rank {} failed", r));
      }
    };
    if (n_ == 1) {
      run_rank(0);
    } else {
      std::vector<std::thread> threads;
      for (int r = 0; r < n_; ++r) threads.emplace_back(run_rank, r);
      for (auto& t : threads) t.join();
    }
    if (first) {
      failed_ = true;
      std::rethrow_exception(first);
    }
  }

 private:
  void AbortComms() {
    for (int r = 0; r < static_cast<int>(comms_.size()); ++r) {
      if (!comms_[static_cast<size_t>(r)]) continue;
      cudaSetDevice(r);
      ncclCommAbort(comms_[static_cast<size_t>(r)]);
      comms_[static_cast<size_t>(r)] = nullptr;
    }
  }

  const int n_;
  ThreadGroup group_;
  LocalJob job_;
  std::vector<ncclComm_t> comms_;
  std::vector<std::unique_ptr<ThreadControl>> controls_;
  std::vector<std::unique_ptr<NcclCommunicator>> ranks_;
  bool failed_ = false;
};

}  // namespace
}  // namespace nccl_detail

Launch DetectLaunch(const std::function<const char*(const char*)>& getenv) {
  auto get = [&](const char* name) -> const char* { return getenv ? getenv(name) : std::getenv(name); };
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"}) {
    if (const char* v = get(name)) return {true, fmt::format("{}={}", name, v)};
  }
  if (const char* v = get("SLURM_NTASKS")) {
    char* end = nullptr;
    const long tasks = std::strtol(v, &end, 10);
    if (end != v && tasks > 1) return {true, fmt::format("SLURM_NTASKS={}", v)};
  }
  return {};
}

int NcclInitRoots(int ranks, const char* setting) {
  if (ranks < 1) throw RuntimeError(fmt::format("nccl init roots: {} ranks", ranks));
  if (setting == nullptr || *setting == '\0') return (ranks + kRanksPerInitRoot - 1) / kRanksPerInitRoot;
  char* end = nullptr;
  errno = 0;
  const long roots = std::strtol(setting, &end, 10);
  if (end == setting || *end != '\0' || errno != 0 || roots < 1) {
    throw UsageError(fmt::format("CB_NCCL_INIT_ROOTS={}: expected a positive number of NCCL init roots", setting));
  }
  return static_cast<int>(std::min<long>(roots, ranks));
}

bool HoldsInitRoot(int rank, int ranks, int roots) {
  const int per = ranks / roots;              // ranks per root, for the later roots
  const int bigger = ranks % roots;           // roots that serve one rank more
  const int first_part = bigger * (per + 1);  // ranks served by those
  if (rank < first_part) return rank % (per + 1) == 0;
  return (rank - first_part) % per == 0;
}

std::unique_ptr<Backend> MakeNcclBackend(const BackendOptions& options) {
  const Launch launch = DetectLaunch();
  if (!launch.under_launcher) return std::make_unique<nccl_detail::NcclThreadsBackend>(options);
  if (options.gpus_per_process != 1) {
    throw UsageError(
        fmt::format("nccl backend: -g {}: under MPI use one process per GPU (-g 1); started by a "
                    "launcher ({})",
                    options.gpus_per_process, launch.evidence));
  }
#if CB_NCCL_WITH_MPI
  return nccl_detail::MakeNcclMpiBackend(options);
#else
  throw UsageError(fmt::format(
      "nccl backend: started by a launcher ({}) but this build has no MPI to create a multi-process NCCL job; "
      "rebuild with MPI (CB_ENABLE_MPI=ON), or run one process with -g <GPUs>",
      launch.evidence));
#endif
}

}  // namespace cb::coll
