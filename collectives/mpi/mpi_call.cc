#include "collectives/mpi/mpi_call.h"

#include <mpi.h>

#include <fmt/format.h>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <string_view>
#include <thread>

#include "core/error.h"

namespace cb::coll::mpi_detail {

int WantedThreadLevel() { return MPI_THREAD_SINGLE; }

bool StartMpi(const char* backend, const char* where) {
  int initialized = 0, finalized = 0;
  CheckMpi(MPI_Initialized(&initialized), "MPI_Initialized", where);
  CheckMpi(MPI_Finalized(&finalized), "MPI_Finalized", where);
  if (finalized) {
    throw RuntimeError(fmt::format("{}: MPI was already finalised in this process; it cannot start again", backend));
  }
  if (initialized) return false;
  // SINGLE, as nccl-tests' MPI_Init: only this thread calls MPI, and any
  // higher level costs small messages their latency (WantedThreadLevel).
  int provided = 0;
  CheckMpi(MPI_Init_thread(nullptr, nullptr, WantedThreadLevel(), &provided), "MPI_Init_thread", where);
  return true;
}

void FinalizeMpi() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}

void AbortJobOnce(int code) {
  static std::atomic<bool> ending{false};
  if (!ending.exchange(true)) {
    MPI_Abort(MPI_COMM_WORLD, code);
    std::abort();  // MPI_Abort does not return; in case an implementation does
  }
  // The other thread is ending the job; MPI_Abort does not return there.
  for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
}

std::string MpiErrorString(int rc) {
  char text[MPI_MAX_ERROR_STRING] = {0};
  int len = 0;
  if (MPI_Error_string(rc, text, &len) != MPI_SUCCESS) return fmt::format("MPI error {}", rc);
  return std::string(text, static_cast<size_t>(len));
}

void CheckMpi(int rc, const char* call, const std::string& who, std::source_location where) {
  if (rc == MPI_SUCCESS) return;
  std::string_view file = where.file_name();
  if (size_t p = file.rfind("collectives/"); p != std::string_view::npos) file.remove_prefix(p);
  throw RuntimeError(fmt::format("{} failed ({}:{}): {} ({})", call, file, where.line(), MpiErrorString(rc), who));
}

}  // namespace cb::coll::mpi_detail
