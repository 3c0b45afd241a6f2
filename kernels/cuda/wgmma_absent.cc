// Stands in for wgmma_kernels.cu when the build targets no compute
// capability 9.0 architecture (CB_CUDA_ARCHITECTURES without 90): the wgmma
// peak is then a skipped row saying so (cuda_peak.cc).
#include "kernels/cuda/launch.h"

namespace cb::cuda {

bool WgmmaCompiled() { return false; }

cudaError_t LaunchWgmmaBf16(float*, int64_t, unsigned long long*, int, cudaStream_t) { return cudaErrorNotSupported; }

}  // namespace cb::cuda
