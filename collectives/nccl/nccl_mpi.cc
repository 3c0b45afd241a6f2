// The NCCL backend under mpirun/srun: one GPU per process. Compiled only
// when the build has MPI (CB_NCCL_WITH_MPI).
//
// Creation, every step collective over MPI_COMM_WORLD:
//   1. MPI_Init_thread (SINGLE, as nccl-tests: the progress watchdog beats
//      over TCP, mpi_call.h) unless already initialised; the control plane, an
//      MpiCommunicator (its own duplicated communicators);
//   2. the device: the local rank (OMPI_COMM_WORLD_LOCAL_RANK, SLURM_LOCALID,
//      MPI_LOCALRANKID, else the rank in MPI_Comm_split_type(SHARED)) modulo
//      the visible devices, so launchers that hand each rank one device
//      through CUDA_VISIBLE_DEVICES work too;
//   3. an arrival check within the --timeout (a rank stuck creating its CUDA
//      context is named, and the job ends with exit code 6);
//   4. every rank's GPU (name and PCI bus id) gathered: two ranks on one GPU
//      is a cb::UsageError on every rank, before NCCL would fail on it;
//   5. the number of init roots (rank 0 reads CB_NCCL_INIT_ROOTS; the default
//      is one per kRanksPerInitRoot ranks) by MPI_Bcast; with one root, rank
//      0's ncclUniqueId by MPI_Bcast, then ncclCommInitRank; with more (NCCL
//      >= 2.23), each root rank (HoldsInitRoot) creates an id, MPI_Allgatherv
//      gives every rank all of them in root order, then
//      ncclCommInitRankScalable. The NCCL call is timed (the maximum over
//      ranks is reported) and named in the report.
// Lifetime as the MPI backend's: after a failure neither ncclCommDestroy nor
// MPI_Finalize (both collective) is called; the process exits and mpirun
// ends the job.
#include <mpi.h>

#include <fmt/format.h>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <map>
#include <thread>
#include <unordered_map>
#include <utility>

#include "collectives/mpi/mpi_call.h"
#include "collectives/mpi/mpi_communicator.h"
#include "collectives/nccl/nccl_backend.h"
#include "collectives/nccl/nccl_check.h"
#include "collectives/nccl/nccl_communicator.h"
#include "core/error.h"

namespace cb::coll::nccl_detail {
namespace {

constexpr size_t kDeviceChars = 256;  // one rank's GPU description, gathered

double Now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

// The control plane over MPI: the MPI backend's communicator.
class MpiControl : public ControlPlane {
 public:
  explicit MpiControl(MPI_Comm parent) : comm_(std::make_unique<MpiCommunicator>(parent)) {}
  explicit MpiControl(std::unique_ptr<MpiCommunicator> comm) : comm_(std::move(comm)) {}
  const MpiCommunicator& mpi() const { return *comm_; }
  void Barrier() override { comm_->Barrier(); }
  std::vector<double> Gather(const std::vector<double>& mine) override { return comm_->Gather(mine); }
  double AllReduceMax(double v) override { return comm_->AllReduceMax(v); }
  int64_t AllReduceSum(int64_t v) override { return comm_->AllReduceSum(v); }
  double Broadcast(double v) override { return comm_->Broadcast(v); }
  bool ArriveWithin(double timeout_s, std::vector<int>* missing) override {
    return comm_->ArriveWithin(timeout_s, missing);
  }
  // MPI_Comm_split (MpiCommunicator::Split). Its ranks() keep job ranks,
  // which name the members' ranks in this control plane.
  ControlSplit Split(int color, int key) override {
    std::unique_ptr<Communicator> sub = comm_->Split(color, key);
    auto* raw = dynamic_cast<MpiCommunicator*>(sub.get());
    if (!raw) throw RuntimeError("nccl split: the MPI control plane's split is not an MPI communicator");
    (void)sub.release();
    auto child = std::unique_ptr<MpiCommunicator>(raw);
    std::unordered_map<int, int> index;  // job rank -> rank here
    for (size_t i = 0; i < comm_->ranks().size(); ++i) index[comm_->ranks()[i].rank] = static_cast<int>(i);
    std::vector<int> members;
    for (const RankInfo& ri : child->ranks()) members.push_back(index.at(ri.rank));
    return {std::make_unique<MpiControl>(std::move(child)), std::move(members)};
  }
  bool WatchProgress(const std::vector<RankInfo>& names, double timeout_s, Communicator::StallHandler on_stall,
                     std::string* why) override {
    return comm_->WatchProgressNaming(names, timeout_s, std::move(on_stall), why);
  }
  void StopWatching() override { comm_->StopWatching(); }
  void Progress(const std::string& step) override { comm_->Progress(step); }
  std::vector<int> SilentRanks(double t0, double t1) const override { return comm_->SilentRanks(t0, t1); }
  std::vector<int> VanishedRanks() const override { return comm_->VanishedRanks(); }
  [[noreturn]] void EndJob(int code) override {
    std::fflush(stdout);
    std::fflush(stderr);
    comm_->Abort(code);
    std::abort();  // Abort does not return (g++ does not see [[noreturn]] through the virtual call)
  }

 private:
  std::unique_ptr<MpiCommunicator> comm_;
};

int LocalRankFromEnvironment() {
  for (const char* name : {"OMPI_COMM_WORLD_LOCAL_RANK", "SLURM_LOCALID", "MPI_LOCALRANKID"}) {
    const char* v = std::getenv(name);
    if (!v) continue;
    char* end = nullptr;
    const long r = std::strtol(v, &end, 10);
    if (end != v && *end == '\0' && r >= 0) return static_cast<int>(r);
  }
  return -1;
}

class NcclMpiBackend : public Backend {
 public:
  explicit NcclMpiBackend(const BackendOptions& o) {
    finalize_ = mpi_detail::StartMpi("nccl backend", "starting the nccl backend under MPI");
    try {
      Create(o);
    } catch (...) {
      // Leave MPI and NCCL as they are: freeing either is collective, and the
      // other ranks may be elsewhere. The process exits; mpirun ends the job.
      comm_.reset();
      if (nccl_) ncclCommAbort(nccl_);
      nccl_ = nullptr;
      (void)control_.release();
      throw;
    }
  }

  ~NcclMpiBackend() override {
    comm_.reset();
    if (failed_ || std::uncaught_exceptions() > 0) {
      if (nccl_) ncclCommAbort(nccl_);  // local; see the file comment
      (void)control_.release();
      return;
    }
    if (nccl_) ncclCommDestroy(nccl_);
    if (boot_ != MPI_COMM_NULL) MPI_Comm_free(&boot_);
    control_.reset();
    if (finalize_) mpi_detail::FinalizeMpi();
  }

  NcclMpiBackend(const NcclMpiBackend&) = delete;
  NcclMpiBackend& operator=(const NcclMpiBackend&) = delete;

  std::string name() const override { return "nccl"; }
  int world_size() const override { return size_; }
  int local_ranks() const override { return 1; }
  bool holds_rank0() const override { return rank_ == 0; }

  // Runs body on the calling thread (the one that initialised MPI).
  void Run(const std::function<void(Communicator&)>& body) override {
    try {
      body(*comm_);
    } catch (...) {
      failed_ = true;
      job_.failed = true;
      throw;
    }
  }

 private:
  std::string Who() const { return fmt::format("rank {} of {} on host {}", rank_, size_, host_); }
  void Check(int rc, const char* call) const {
    if (rc != MPI_SUCCESS) mpi_detail::CheckMpi(rc, call, Who());
  }

  // Creation in steps, each a collective call every rank makes in order: the
  // control plane, the device, everybody's context within the timeout, every
  // rank's GPU (no GPU twice), the NCCL communicator, the job-wide limits.
  void Create(const BackendOptions& o) {
    control_ = std::make_unique<MpiControl>(MPI_COMM_WORLD);
    rank_ = control_->mpi().rank();
    size_ = control_->mpi().size();
    host_ = control_->mpi().ranks()[static_cast<size_t>(rank_)].host;
    Check(MPI_Comm_dup(MPI_COMM_WORLD, &boot_), "MPI_Comm_dup");
    Check(MPI_Comm_set_errhandler(boot_, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
    const int gpus = ChooseDevice();
    AwaitContexts(o.timeout_s);
    auto infos = GatherGpus(gpus);
    const auto [roots, runtime_version] = DecideRoots();
    const auto [init_s, method] = InitCommunicator(roots, runtime_version);
    Finish(infos, init_s, method);
  }

  // 2. The device: the node-local rank (from the launcher's environment, else
  // the shared-memory split) modulo the GPUs this process sees. Returns those.
  int ChooseDevice() {
    MPI_Comm node = MPI_COMM_NULL;
    Check(MPI_Comm_split_type(boot_, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &node), "MPI_Comm_split_type");
    int node_rank = 0;
    const int rc = MPI_Comm_rank(node, &node_rank);
    MPI_Comm_free(&node);
    Check(rc, "MPI_Comm_rank");
    int local = LocalRankFromEnvironment();
    if (local < 0) local = node_rank;
    const int gpus = CountGpus(host_);
    device_ = local % gpus;
    CB_NCCL_CUDA_CHECK(cudaSetDevice(device_), Who());
    CB_NCCL_CUDA_CHECK(cudaFree(nullptr), Who());  // creates the context: slow or stuck here shows in step 3
    return gpus;
  }

  // 3. Everybody has a GPU context within the timeout; rank 0 names the ranks
  // that did not arrive and ends the job.
  void AwaitContexts(double timeout_s) {
    std::vector<int> missing;
    if (control_->ArriveWithin(timeout_s, &missing)) return;
    if (rank_ == 0) {
      std::string who;
      for (int r : missing) {
        who += fmt::format("{}rank {} ({})", who.empty() ? "" : ", ", r,
                           control_->mpi().ranks()[static_cast<size_t>(r)].host);
      }
      std::fprintf(stderr,
                   "clusterbench: error: watchdog: nccl communicator creation: %zu rank(s) did not arrive within "
                   "%g s: %s\n",
                   missing.size(), timeout_s, who.c_str());
    } else {
      std::this_thread::sleep_for(std::chrono::seconds(5));  // rank 0 names them and ends the job
    }
    control_->EndJob(static_cast<int>(ExitCode::kTimeout));
  }

  // 4. Every rank's GPU; no GPU twice.
  std::shared_ptr<std::vector<RankInfo>> GatherGpus(int gpus) {
    std::string mine = DescribeGpu(device_, Who());
    mine.resize(kDeviceChars - 1);
    std::vector<char> all(kDeviceChars * static_cast<size_t>(size_), '\0');
    Check(MPI_Allgather(mine.c_str(), static_cast<int>(kDeviceChars), MPI_CHAR, all.data(),
                        static_cast<int>(kDeviceChars), MPI_CHAR, boot_),
          "MPI_Allgather");
    auto infos = std::make_shared<std::vector<RankInfo>>();
    std::map<std::pair<std::string, std::string>, int> owner;  // (host, bus id) -> first rank
    for (int r = 0; r < size_; ++r) {
      const char* slot = all.data() + static_cast<size_t>(r) * kDeviceChars;
      RankInfo info;
      info.rank = r;
      info.host = control_->mpi().ranks()[static_cast<size_t>(r)].host;
      info.device.assign(slot, strnlen(slot, kDeviceChars));
      const std::string bus = info.device.substr(info.device.find_last_of(' ') + 1);
      auto [it, fresh] = owner.insert({{info.host, bus}, r});
      if (!fresh) {
        throw UsageError(fmt::format(
            "nccl backend: ranks {} and {} on host {} both use {} ({} visible GPU(s) per process); start at most one "
            "rank per GPU",
            it->second, r, info.host, info.device, gpus));
      }
      infos->push_back(std::move(info));
    }
    return infos;
  }

  // 5a. Rank 0 decides the number of roots, so that an environment that
  // differs between ranks cannot split the decision. The library loaded at run
  // time may be older than the header this was built against (a bundle run
  // against a machine's NCCL wheel): rank 0's version decides, for every rank,
  // whether the scalable call exists. Returns (roots, NCCL runtime version).
  std::pair<int, int> DecideRoots() {
    int roots = 1;
    std::string roots_error;
    if (rank_ == 0) {
      try {
        roots = NcclInitRoots(size_, std::getenv("CB_NCCL_INIT_ROOTS"));
      } catch (const UsageError& e) {
        roots = 0;
        roots_error = e.what();
      }
    }
    int decision[2] = {roots, 0};
    if (rank_ == 0) CB_NCCL_CHECK(ncclGetVersion(&decision[1]), Who());
    Check(MPI_Bcast(decision, 2, MPI_INT, 0, boot_), "MPI_Bcast");
    if (decision[0] < 1) {
      throw UsageError(rank_ == 0 ? roots_error : "nccl backend: rank 0 refused its CB_NCCL_INIT_ROOTS (it says why)");
    }
    return {decision[0], decision[1]};
  }

  // 5b. The NCCL communicator, by ncclCommInitRankScalable over `roots` ids
  // where the loaded NCCL has it, else ncclCommInitRank. Returns (the slowest
  // rank's init seconds, the method in words).
  std::pair<double, std::string> InitCommunicator(int roots, int runtime_version) {
    std::string method = "ncclCommInitRank";
    double init_s = 0;
#if NCCL_VERSION_CODE >= NCCL_VERSION(2, 23, 0)
    if (roots > 1 && runtime_version < NCCL_VERSION(2, 23, 0)) {
      method = fmt::format("ncclCommInitRank; the NCCL loaded ({}) has no scalable init for {} roots", runtime_version,
                           roots);
      roots = 1;
    }
    if (roots > 1) {
      init_s = InitScalable(roots);
      method = fmt::format("ncclCommInitRankScalable, {} roots", roots);
    }
#else
    (void)runtime_version;
    if (roots > 1) {
      method = fmt::format("ncclCommInitRank; NCCL {} has no scalable init for {} roots", NCCL_VERSION_CODE, roots);
    }
    roots = 1;
#endif
    if (roots == 1) {
      ncclUniqueId id{};
      if (rank_ == 0) CB_NCCL_CHECK(ncclGetUniqueId(&id), Who());
      Check(MPI_Bcast(&id, static_cast<int>(sizeof id), MPI_BYTE, 0, boot_), "MPI_Bcast");
      const double t0 = Now();
      CB_NCCL_CHECK(ncclCommInitRank(&nccl_, size_, id, rank_), Who());
      init_s = Now() - t0;
    }
    Check(MPI_Allreduce(MPI_IN_PLACE, &init_s, 1, MPI_DOUBLE, MPI_MAX, boot_), "MPI_Allreduce");
    return {init_s, method};
  }

#if NCCL_VERSION_CODE >= NCCL_VERSION(2, 23, 0)
  // ncclCommInitRankScalable: the root ranks each make an id, every rank
  // gathers them. Returns this rank's init seconds.
  double InitScalable(int roots) {
    ncclUniqueId my_id{};
    if (HoldsInitRoot(rank_, size_, roots)) CB_NCCL_CHECK(ncclGetUniqueId(&my_id), Who());
    std::vector<int> counts(static_cast<size_t>(size_)), offsets(static_cast<size_t>(size_));
    int at = 0;
    for (int r = 0; r < size_; ++r) {
      counts[static_cast<size_t>(r)] = HoldsInitRoot(r, size_, roots) ? static_cast<int>(sizeof(ncclUniqueId)) : 0;
      offsets[static_cast<size_t>(r)] = at;
      at += counts[static_cast<size_t>(r)];
    }
    if (at != roots * static_cast<int>(sizeof(ncclUniqueId))) {
      throw RuntimeError(fmt::format("nccl backend: {} root ranks for {} roots of {} ranks ({})",
                                     at / static_cast<int>(sizeof(ncclUniqueId)), roots, size_, Who()));
    }
    std::vector<ncclUniqueId> ids(static_cast<size_t>(roots));
    Check(MPI_Allgatherv(&my_id, counts[static_cast<size_t>(rank_)], MPI_BYTE, ids.data(), counts.data(),
                         offsets.data(), MPI_BYTE, boot_),
          "MPI_Allgatherv");
    ncclConfig_t config = NCCL_CONFIG_INITIALIZER;
    const double t0 = Now();
    CB_NCCL_CHECK(ncclCommInitRankScalable(&nccl_, size_, rank_, roots, ids.data(), &config), Who());
    return Now() - t0;
  }
#endif

  // 6. The job's smallest device memory and compute capability, and the
  // communicator every op runs on.
  void Finish(const std::shared_ptr<std::vector<RankInfo>>& infos, double init_s, const std::string& method) {
    uint64_t limit = MemoryLimitOf(device_, Who());
    Check(MPI_Allreduce(MPI_IN_PLACE, &limit, 1, MPI_UINT64_T, MPI_MIN, boot_), "MPI_Allreduce");
    int major = ComputeMajorOf(device_, Who());
    Check(MPI_Allreduce(MPI_IN_PLACE, &major, 1, MPI_INT, MPI_MIN, boot_), "MPI_Allreduce");
    NcclCommunicator::Setup s;
    s.rank = rank_;
    s.size = size_;
    s.device = device_;
    s.comm = nccl_;
    s.ranks = infos;
    s.init_seconds = init_s;
    s.init_method = method;
    s.memory_limit = static_cast<size_t>(limit);
    s.compute_major = major;
    s.control = control_.get();
    s.job = &job_;
    comm_ = std::make_unique<NcclCommunicator>(s);
    job_.Add(comm_.get());
  }

  bool finalize_ = false;  // this object initialised MPI
  bool failed_ = false;    // an exception escaped Run
  int rank_ = 0, size_ = 1, device_ = 0;
  std::string host_;
  std::unique_ptr<MpiControl> control_;
  MPI_Comm boot_ = MPI_COMM_NULL;  // creation's own messages
  ncclComm_t nccl_ = nullptr;
  LocalJob job_;
  std::unique_ptr<NcclCommunicator> comm_;
};

}  // namespace

std::unique_ptr<Backend> MakeNcclMpiBackend(const BackendOptions& options) {
  return std::make_unique<NcclMpiBackend>(options);
}

}  // namespace cb::coll::nccl_detail
