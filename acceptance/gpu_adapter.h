// Attaches the kernels module's GPU interface (kernels/gpu_bench.h, the
// "kernels:cuda" factory) to validate's DeviceKernels: gemm -> GpuBench::Gemm
// on an m = n = k square, peak -> Peak (mma for bf16, fma for fp32/fp64),
// stream -> Memory (the check's kernel), copy -> Copy (the slower of pinned
// host-to-device and device-to-host). Plain C++; compiled with or without
// CUDA. Not yet run on a GPU: the self-test injections (MeasureOptions
// throttle, corrupt_output) reach the GPU backend only if it honours them.
#ifndef CLUSTERBENCH_ACCEPTANCE_GPU_ADAPTER_H_
#define CLUSTERBENCH_ACCEPTANCE_GPU_ADAPTER_H_

#include "acceptance/device_kernels.h"
#include "kernels/gpu_bench.h"

namespace cb::acc {

DeviceKernelsFactory AdaptGpuBench(GpuBenchFactory factory);

}  // namespace cb::acc

#endif  // CLUSTERBENCH_ACCEPTANCE_GPU_ADAPTER_H_
