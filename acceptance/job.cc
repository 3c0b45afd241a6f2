#include "acceptance/job.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include "acceptance/device_kernels.h"
#include "acceptance/gpu_adapter.h"
#include "core/error.h"
#include "core/node_info.h"
#include "core/version.h"
#include "kernels/gpu_bench.h"
#include "kernels/host_gemm.h"

namespace cb::acc {

std::unique_ptr<coll::Backend> MakeControlPlane(const Backends& backends, CollectiveBackend backend, int loopback_ranks,
                                                double timeout_s) {
  if (backend == CollectiveBackend::kNccl) throw UsageError("--backend nccl: the control plane is mpi or loopback");
  coll::BackendOptions bo;
  bo.loopback_ranks = loopback_ranks;
  bo.timeout_s = timeout_s > 0 ? timeout_s : 300;
  const coll::BackendFactory* mpi = backends.factories.Find(coll::BackendKey("mpi"));
  const bool has_mpi = mpi != nullptr;
  if (backend == CollectiveBackend::kAuto) backend = has_mpi ? CollectiveBackend::kMpi : CollectiveBackend::kLoopback;
  if (backend == CollectiveBackend::kMpi) {
    if (!has_mpi) throw UsageError("--backend mpi: this build has no MPI backend");
    return (*mpi)(bo);
  }
  return coll::MakeLoopbackBackend(bo);
}

void AttachBackends(const Backends& backends, double timeout_s, RunOptions* ro) {
  const auto& f = backends.factories;
  if (const DeviceKernelsFactory* dk = f.Find(kDeviceKernelsKey)) {
    ro->device_kernels = *dk;
  } else if (const GpuBenchFactory* cuda = f.Find(kCudaKernelsFactory)) {
    ro->device_kernels = AdaptGpuBench(*cuda);
  } else {
    ro->why_no_devices = "this build has no GPU kernels backend (configure with CB_ENABLE_CUDA)";
  }
  if (const coll::BackendFactory* nccl = f.Find(coll::BackendKey("nccl"))) {
    coll::BackendFactory factory = *nccl;
    coll::BackendOptions bo;
    bo.gpus_per_process = 1;
    bo.timeout_s = timeout_s > 0 ? timeout_s : 300;
    ro->make_nccl = [factory, bo]() { return factory(bo); };
  }
}

void DescribeNodeAndRun(const Backends& backends, const std::string& command_line, const std::string& hdf5_version,
                        RunOptions* ro) {
  NodeInfo info = DescribeNode(backends, hdf5_version);
  info.versions["blas"] = BlasInfo();
  ro->cpu_model = info.cpu_model;
  ro->versions = info.versions;
  ro->node_info = info;
  ro->provenance.started_utc = NowIso8601();
  ro->provenance.tool_version = kVersion;
  ro->provenance.git_revision = kGitRevision;
  ro->provenance.build_type = kBuildType;
  ro->provenance.command_line = command_line;
  ro->provenance.host = info.hostname;
  // A backend's own reason for no GPU (not the default note) says why there are no devices.
  if (!info.gpu_note.empty() && info.gpu_note != std::string(kNoGpuBackendNote) && !ro->device_kernels) {
    ro->why_no_devices += "; " + info.gpu_note;
  }
}

namespace {

// Rank 0: the evidence run, recorded as "running" before anything is
// measured: a kill leaves a run that says so, never a corrupt file.
std::unique_ptr<ResultSink> BeginEvidence(const ReportOutputs& out, const Suite& suite, coll::Communicator& comm,
                                          const EvidenceOpener& open_evidence, const std::string& command_line) {
  if (comm.rank() != 0 || out.evidence.empty()) return nullptr;
  std::unique_ptr<ResultSink> writer = open_evidence(out.evidence);
  RunInfo run = MakeRunInfo("validate", command_line);
  run.rank_count = comm.size();
  run.hosts = coll::HostsOf(comm.ranks());
  run.config_yaml = suite.yaml;
  writer->BeginRun(run);
  return writer;
}

}  // namespace

int RunSuiteOnRanks(const ReportOutputs& out, const Suite& suite, RunOptions& ro, coll::Backend& backend,
                    const EvidenceOpener& open_evidence, const std::string& command_line, const Logger& log) {
  const bool root_process = backend.holds_rank0();
  int exit_code = 0;
  std::mutex mu;
  try {
    backend.Run([&](coll::Communicator& comm) {
      std::unique_ptr<ResultSink> writer = BeginEvidence(out, suite, comm, open_evidence, command_line);
      // A rank stopped mid-suite: rank 0's watchdog writes what was judged so
      // far (report PARTIAL, evidence marked failed) before the job ends (6).
      ro.on_stall = [&](const ValidationReport& so_far, const std::string&) {
        WriteOutputs(out, so_far, writer.get(), /*failed=*/so_far.stalled || so_far.vanished);
      };
      ValidationReport rep = RunSuite(comm, suite, ro);
      int code = 0;
      if (comm.rank() == 0) {
        if (!rep.written) WriteOutputs(out, rep, writer.get());
        code = rep.partial ? static_cast<int>(ExitCode::kInterrupted) : rep.status.exit_code;
        if (rep.partial) log.Warn("interrupted: the evidence so far is kept and the report says PARTIAL");
      }
      code = static_cast<int>(comm.Broadcast(static_cast<double>(code)));
      std::lock_guard<std::mutex> lock(mu);
      exit_code = std::max(exit_code, code);
    });
  } catch (const Error& e) {
    // Every rank reaches the same decision; rank 0 says it, all exit alike.
    if (root_process) throw;
    if (e.code() == ExitCode::kInterrupted || e.code() == ExitCode::kTimeout) return static_cast<int>(e.code());
    // A decision every rank took inside the job (an injection naming a rank
    // outside it): the launcher ends the job at the first rank that exits, so
    // wait for rank 0 to say why before this rank's exit lets it do so.
    std::this_thread::sleep_for(std::chrono::seconds(2));
    return 3;
  }
  return exit_code;
}

}  // namespace cb::acc
