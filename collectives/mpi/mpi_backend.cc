#include "collectives/mpi/mpi_backend.h"

#include <mpi.h>

#include <fmt/format.h>
#include <climits>
#include <exception>
#include <string>
#include <vector>

#include "collectives/mpi/mpi_call.h"
#include "collectives/mpi/mpi_communicator.h"
#include "collectives/mpi/mpi_device.h"
#include "core/error.h"

namespace cb::coll {

MpiBackend::MpiBackend(const BackendOptions& options) {
  finalize_ = mpi_detail::StartMpi("mpi backend", "initialising MPI");
  comm_ = std::make_unique<MpiCommunicator>(MPI_COMM_WORLD);
  ChooseBuffers(options.buffers);
}

void MpiBackend::ChooseBuffers(const std::string& buffers) {
  using mpi_detail::CheckMpi;
  if (buffers.empty() || buffers == "host") return;
  auto& comm = static_cast<MpiCommunicator&>(*comm_);
  const int rank = comm.rank();
  const RankInfo& me = comm.ranks()[static_cast<size_t>(rank)];
  const std::string who = fmt::format("rank {} of {} on host {}", rank, comm.size(), me.host);
  if (buffers != "device" && buffers != "auto") {
    usage_error_ = fmt::format("--buffers {}: expected host, device or auto", buffers);
    return;
  }
  // This rank's GPU: its index among the ranks on its host, modulo the GPUs.
  const int local = LocalRankOf(comm.ranks(), rank);
  std::string why;
  std::unique_ptr<mpi_detail::DeviceBuffers> device;
  try {
    // The build first (without CUDA nothing else matters), then the MPI
    // library, then a GPU.
    if (!mpi_detail::BuildHasCuda() || mpi_detail::MpiIsCudaAware(&why)) {
      device = mpi_detail::OpenDeviceBuffers(local, who, &why);
    }
  } catch (const std::exception& e) {
    why = e.what();
    device.reset();
  }
  // Every rank decides alike: device buffers only where every rank has them.
  int ok = device ? 1 : 0, all_ok = 0;
  CheckMpi(MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD), "MPI_Allreduce", who);
  if (all_ok) {
    comm.UseDeviceBuffers(std::move(device));
    return;
  }
  if (buffers == "auto") return;  // host buffers on every rank
  // The first rank that cannot says why; every rank keeps the same message.
  int first = ok ? INT_MAX : rank;
  CheckMpi(MPI_Allreduce(MPI_IN_PLACE, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD), "MPI_Allreduce", who);
  constexpr int kWhy = 512;
  std::vector<char> text(kWhy, '\0');
  if (rank == first) why.copy(text.data(), kWhy - 1);
  CheckMpi(MPI_Bcast(text.data(), kWhy, MPI_CHAR, first, MPI_COMM_WORLD), "MPI_Bcast", who);
  usage_error_ = fmt::format("--buffers device: the mpi backend cannot use device buffers on rank {} (host {}): {}",
                             first, comm.ranks()[static_cast<size_t>(first)].host, text.data());
}

MpiBackend::~MpiBackend() {
  // See the header: after a failure, finalising could wait forever on ranks
  // stuck in a collective; exiting without it makes mpirun end the job.
  if (failed_ || std::uncaught_exceptions() > 0) return;
  comm_.reset();
  if (finalize_) mpi_detail::FinalizeMpi();
}

int MpiBackend::world_size() const { return comm_->size(); }

bool MpiBackend::holds_rank0() const { return comm_->rank() == 0; }

void MpiBackend::Run(const std::function<void(Communicator&)>& body) {
  if (!usage_error_.empty()) {
    // As a usage error in body would: no rank finalises (see the header).
    failed_ = true;
    throw UsageError(usage_error_);
  }
  try {
    body(*comm_);
  } catch (...) {
    failed_ = true;
    throw;
  }
}

}  // namespace cb::coll
