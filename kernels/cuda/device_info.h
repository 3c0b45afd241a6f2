// GPU identity and conditions from the CUDA runtime and NVML (NVML loaded at
// run time with dlopen; its parts stay empty where it is missing).
#ifndef CLUSTERBENCH_KERNELS_CUDA_DEVICE_INFO_H_
#define CLUSTERBENCH_KERNELS_CUDA_DEVICE_INFO_H_

#include "core/node_info.h"

namespace cb::cuda {

// Identity and current conditions (clock, temperature, power) of device
// `index`; throws RuntimeError when the runtime cannot describe it.
GpuInfo ReadGpuInfo(int index);

// NVML's P2P status of the NVLink capability between devices a and b
// (0 = the two are connected by NVLink), or -1 when NVML cannot say.
int NvlinkP2pStatus(int a, int b);

}  // namespace cb::cuda

#endif  // CLUSTERBENCH_KERNELS_CUDA_DEVICE_INFO_H_
