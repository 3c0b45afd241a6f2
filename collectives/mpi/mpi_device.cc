#include "collectives/mpi/mpi_device.h"

#include <mpi.h>
#if __has_include(<mpi-ext.h>)
#include <mpi-ext.h>  // OpenMPI's extensions: MPIX_CUDA_AWARE_SUPPORT, MPIX_Query_cuda_support
#endif

#if CB_MPI_WITH_CUDA
#include <cuda_runtime_api.h>
#endif

#include <fmt/format.h>
#include <algorithm>
#include <cstdlib>
#include <string>
#include <utility>

#include "core/error.h"

namespace cb::coll::mpi_detail {

bool MpiIsCudaAware(std::string* why) {
  // MPIs that do not report it through OpenMPI's extension (MVAPICH2-GDR,
  // Cray MPICH with MPICH_GPU_SUPPORT_ENABLED=1) can be vouched for, and a
  // CUDA-aware MPI can be kept off device buffers, by the user.
  if (const char* force = std::getenv("CB_MPI_CUDA_AWARE")) {
    const std::string v = force;
    if (v == "1") return true;
    if (v == "0") {
      if (why) *why = "CB_MPI_CUDA_AWARE=0 says the MPI library is not CUDA-aware";
      return false;
    }
    if (why) *why = fmt::format("CB_MPI_CUDA_AWARE={}: expected 1 (the MPI is CUDA-aware) or 0 (it is not)", v);
    return false;
  }
  std::string reason;
#if defined(MPIX_CUDA_AWARE_SUPPORT) && MPIX_CUDA_AWARE_SUPPORT
  if (MPIX_Query_cuda_support() != 1) {
    reason =
        "the MPI library was built CUDA-aware but its CUDA support is off at run time "
        "(MPIX_Query_cuda_support() = 0; OpenMPI: check the mpi_cuda_support/opal_cuda_support MCA parameters)";
  }
#elif defined(MPIX_CUDA_AWARE_SUPPORT)
  reason = "the MPI library is not CUDA-aware (MPIX_CUDA_AWARE_SUPPORT is 0 in its mpi-ext.h)";
#else
  reason =
      "the MPI library does not say that it is CUDA-aware (no MPIX_CUDA_AWARE_SUPPORT in <mpi-ext.h>); "
      "CB_MPI_CUDA_AWARE=1 vouches for it";
#endif
  if (why) *why = reason;
  return reason.empty();
}

#if CB_MPI_WITH_CUDA

namespace {

// The check helper for CUDA calls here: the call's text, CUDA's error name
// and text, and the rank.
[[noreturn]] void ThrowCuda(cudaError_t e, const char* call, const std::string& who, int line) {
  throw RuntimeError(fmt::format("collectives/mpi/mpi_device.cc:{}: {} failed: {} ({}) ({})", line, call,
                                 cudaGetErrorName(e), cudaGetErrorString(e), who));
}

#define CB_MPI_CUDA_CHECK(call)                                                        \
  do {                                                                                 \
    const cudaError_t cb_cuda_error = (call);                                          \
    if (cb_cuda_error != cudaSuccess) ThrowCuda(cb_cuda_error, #call, who_, __LINE__); \
  } while (0)

class CudaBuffers : public DeviceBuffers {
 public:
  CudaBuffers(int device, std::string who) : device_(device), who_(std::move(who)) {
    CB_MPI_CUDA_CHECK(cudaSetDevice(device_));
    cudaDeviceProp prop{};
    CB_MPI_CUDA_CHECK(cudaGetDeviceProperties(&prop, device_));
    char bus[32] = {0};
    CB_MPI_CUDA_CHECK(cudaDeviceGetPCIBusId(bus, sizeof bus, device_));
    description_ = fmt::format("GPU {} {} {}", device_, prop.name, bus);
    size_t free = 0, total = 0;
    CB_MPI_CUDA_CHECK(cudaMemGetInfo(&free, &total));
    memory_limit_ = free / 10 * 8 / 3 * 2;
    who_ += ", " + description_;
  }

  const std::string& description() const override { return description_; }
  size_t memory_limit() const override { return memory_limit_; }

  void* Alloc(size_t bytes) override {
    CB_MPI_CUDA_CHECK(cudaSetDevice(device_));
    void* p = nullptr;
    const cudaError_t e = cudaMalloc(&p, std::max<size_t>(bytes, 1));
    if (e != cudaSuccess) {
      size_t free = 0, total = 0;
      cudaMemGetInfo(&free, &total);
      throw RuntimeError(fmt::format("mpi: cannot allocate {} bytes of device memory ({}: {} of {} bytes free; {})",
                                     bytes, cudaGetErrorName(e), free, total, who_));
    }
    return p;
  }
  void Free(void* p) override {
    if (p) CB_MPI_CUDA_CHECK(cudaFree(p));
  }
  // cudaMemcpy from and to pageable host memory returns when the copy is done.
  void Upload(void* dst, const void* host_src, size_t bytes) override {
    if (bytes) CB_MPI_CUDA_CHECK(cudaMemcpy(dst, host_src, bytes, cudaMemcpyHostToDevice));
  }
  void Download(void* host_dst, const void* src, size_t bytes) override {
    if (bytes) CB_MPI_CUDA_CHECK(cudaMemcpy(host_dst, src, bytes, cudaMemcpyDeviceToHost));
  }
  // A device-to-device cudaMemcpy may return before the copy is done; the
  // MPI call that follows reads on its own streams, so wait for it.
  void Copy(void* dst, const void* src, size_t bytes) override {
    if (!bytes) return;
    CB_MPI_CUDA_CHECK(cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToDevice));
    CB_MPI_CUDA_CHECK(cudaDeviceSynchronize());
  }

 private:
  int device_;
  std::string who_;
  std::string description_;
  size_t memory_limit_ = 0;
};

#undef CB_MPI_CUDA_CHECK

}  // namespace

bool BuildHasCuda() { return true; }

std::unique_ptr<DeviceBuffers> OpenDeviceBuffers(int local_rank, const std::string& who, std::string* why) {
  int count = 0;
  const cudaError_t e = cudaGetDeviceCount(&count);
  if (e != cudaSuccess || count <= 0) {
    cudaGetLastError();  // "no device" is an answer here, not a failure
    if (why) {
      *why = fmt::format("no GPU visible to CUDA ({})", e != cudaSuccess ? cudaGetErrorName(e) : "0 devices");
    }
    return nullptr;
  }
  return std::make_unique<CudaBuffers>(std::max(local_rank, 0) % count, who);
}

#else  // no CUDA in this build

bool BuildHasCuda() { return false; }

std::unique_ptr<DeviceBuffers> OpenDeviceBuffers(int, const std::string&, std::string* why) {
  if (why) *why = "this build has no CUDA (configured with CB_ENABLE_CUDA=OFF or without a CUDA toolkit)";
  return nullptr;
}

#endif

}  // namespace cb::coll::mpi_detail
