// Device buffers for the MPI backend (`--buffers device|auto`): a CUDA-aware
// MPI takes device pointers in its calls, so the benchmarked bytes can live in
// GPU memory. Plain C++ (no CUDA or MPI type), so the MPI backend compiles the
// same without CUDA: mpi_device.cc implements it with the CUDA runtime when
// the build has CUDA (CB_MPI_WITH_CUDA, set by CMake) and says why not
// otherwise.
#ifndef CLUSTERBENCH_COLLECTIVES_MPI_MPI_DEVICE_H_
#define CLUSTERBENCH_COLLECTIVES_MPI_MPI_DEVICE_H_

#include <cstddef>
#include <memory>
#include <string>

namespace cb::coll::mpi_detail {

// One rank's GPU memory. Every copy is complete when the call returns (the
// MPI call that follows may read the bytes on a stream of its own). Failures
// throw cb::RuntimeError naming the CUDA call, its error and the rank.
class DeviceBuffers {
 public:
  virtual ~DeviceBuffers() = default;
  // "GPU 0 NVIDIA H100 80GB HBM3 0000:18:00.0" (ordinal, name, PCI bus id).
  virtual const std::string& description() const = 0;
  // Room for the harness's buffers: 80% of the free memory, x 2/3 (a third
  // buffer may stage in-place sendrecv), as the NCCL backend counts.
  virtual size_t memory_limit() const = 0;
  virtual void* Alloc(size_t bytes) = 0;
  virtual void Free(void* p) = 0;
  virtual void Upload(void* dst, const void* host_src, size_t bytes) = 0;
  virtual void Download(void* host_dst, const void* src, size_t bytes) = 0;
  // Device to device; the ranges must not overlap.
  virtual void Copy(void* dst, const void* src, size_t bytes) = 0;
};

// Whether this build has the CUDA runtime for device buffers.
bool BuildHasCuda();

// Whether the MPI library takes device pointers: at compile time (OpenMPI's
// MPIX_CUDA_AWARE_SUPPORT in <mpi-ext.h>) and at run time
// (MPIX_Query_cuda_support()). MPIs without that extension count as not
// CUDA-aware. On false, *why says which check failed.
bool MpiIsCudaAware(std::string* why);

// Opens GPU `local_rank` modulo the visible GPUs and makes it current.
// Returns nullptr and sets *why when the build has no CUDA or no GPU is
// visible; throws cb::RuntimeError when a CUDA call fails otherwise.
std::unique_ptr<DeviceBuffers> OpenDeviceBuffers(int local_rank, const std::string& who, std::string* why);

}  // namespace cb::coll::mpi_detail

#endif  // CLUSTERBENCH_COLLECTIVES_MPI_MPI_DEVICE_H_
