// Device code of the GEMM benchmark: input fill (the integers of
// gemm_values.h in each element type) and the gather of sampled outputs.
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_fp8.h>
#include <cuda_runtime.h>

#include "kernels/cuda/gemm_values.h"
#include "kernels/cuda/launch.h"

namespace cb::cuda {
namespace {

template <typename T>
__device__ __forceinline__ T FromInt(int v);
template <>
__device__ __forceinline__ double FromInt<double>(int v) {
  return static_cast<double>(v);
}
template <>
__device__ __forceinline__ float FromInt<float>(int v) {
  return static_cast<float>(v);
}
template <>
__device__ __forceinline__ __nv_bfloat16 FromInt<__nv_bfloat16>(int v) {
  return __float2bfloat16(static_cast<float>(v));
}
template <>
__device__ __forceinline__ __half FromInt<__half>(int v) {
  return __float2half(static_cast<float>(v));
}
template <>
__device__ __forceinline__ __nv_fp8_e4m3 FromInt<__nv_fp8_e4m3>(int v) {
  return __nv_fp8_e4m3(static_cast<float>(v));
}

template <typename T>
__device__ __forceinline__ double ToDouble(T v) {
  return static_cast<double>(v);
}
template <>
__device__ __forceinline__ double ToDouble<__nv_bfloat16>(__nv_bfloat16 v) {
  return static_cast<double>(__bfloat162float(v));
}
template <>
__device__ __forceinline__ double ToDouble<__half>(__half v) {
  return static_cast<double>(__half2float(v));
}
template <>
__device__ __forceinline__ double ToDouble<__nv_fp8_e4m3>(__nv_fp8_e4m3 v) {
  return static_cast<double>(static_cast<float>(v));
}

template <typename T>
__global__ void FillKernel(T* data, int64_t count, uint64_t seed) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count; i += stride) {
    data[i] = FromInt<T>(GemmInputValue(seed, static_cast<uint64_t>(i)));
  }
}

template <typename T>
__global__ void GatherKernel(const T* data, const int64_t* index, double* out, int64_t samples) {
  const int64_t s = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (s < samples) out[s] = ToDouble<T>(data[index[s]]);
}

__global__ void FillFloatKernel(float* data, int64_t count, float value) {
  const int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < count) data[i] = value;
}

constexpr int kThreads = 256;

unsigned GridFor(int64_t count) {
  int64_t blocks = (count + kThreads - 1) / kThreads;
  if (blocks > 65535 * 16) blocks = 65535 * 16;  // grid-stride loops cover the rest
  return static_cast<unsigned>(blocks < 1 ? 1 : blocks);
}

}  // namespace

cudaError_t LaunchFillGemmInput(void* data, ElemType type, int64_t count, uint64_t seed, cudaStream_t stream) {
  const unsigned grid = GridFor(count);
  switch (type) {
    case ElemType::kF64:
      FillKernel<<<grid, kThreads, 0, stream>>>(static_cast<double*>(data), count, seed);
      break;
    case ElemType::kF32:
      FillKernel<<<grid, kThreads, 0, stream>>>(static_cast<float*>(data), count, seed);
      break;
    case ElemType::kBf16:
      FillKernel<<<grid, kThreads, 0, stream>>>(static_cast<__nv_bfloat16*>(data), count, seed);
      break;
    case ElemType::kF16:
      FillKernel<<<grid, kThreads, 0, stream>>>(static_cast<__half*>(data), count, seed);
      break;
    case ElemType::kFp8E4M3:
      FillKernel<<<grid, kThreads, 0, stream>>>(static_cast<__nv_fp8_e4m3*>(data), count, seed);
      break;
  }
  return cudaGetLastError();
}

cudaError_t LaunchGather(const void* data, ElemType type, const int64_t* index, double* out, int64_t samples,
                         cudaStream_t stream) {
  if (samples <= 0) return cudaSuccess;
  const unsigned grid = static_cast<unsigned>((samples + kThreads - 1) / kThreads);
  switch (type) {
    case ElemType::kF64:
      GatherKernel<<<grid, kThreads, 0, stream>>>(static_cast<const double*>(data), index, out, samples);
      break;
    case ElemType::kF32:
      GatherKernel<<<grid, kThreads, 0, stream>>>(static_cast<const float*>(data), index, out, samples);
      break;
    case ElemType::kBf16:
      GatherKernel<<<grid, kThreads, 0, stream>>>(static_cast<const __nv_bfloat16*>(data), index, out, samples);
      break;
    case ElemType::kF16:
      GatherKernel<<<grid, kThreads, 0, stream>>>(static_cast<const __half*>(data), index, out, samples);
      break;
    case ElemType::kFp8E4M3:
      GatherKernel<<<grid, kThreads, 0, stream>>>(static_cast<const __nv_fp8_e4m3*>(data), index, out, samples);
      break;
  }
  return cudaGetLastError();
}

cudaError_t LaunchFillFloat(float* data, int64_t count, float value, cudaStream_t stream) {
  if (count <= 0) return cudaSuccess;
  FillFloatKernel<<<static_cast<unsigned>((count + kThreads - 1) / kThreads), kThreads, 0, stream>>>(data, count,
                                                                                                     value);
  return cudaGetLastError();
}

}  // namespace cb::cuda
