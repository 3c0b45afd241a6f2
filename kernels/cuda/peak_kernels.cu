// Device code of the peak-arithmetic benchmark. Each kernel keeps enough
// independent operations in flight per thread (kFmaChains FMA recurrences,
// kMmaChains mma accumulators) that the arithmetic pipes, not latency, bound
// it, and computes a value known exactly in advance so the result is checked.
// Thread 0 of every block records its elapsed clock64 cycles and globaltimer
// nanoseconds: their ratio is the SM clock during the kernel.
#include <cuda_runtime.h>

#include "kernels/cuda/block_clock.cuh"
#include "kernels/cuda/launch.h"

namespace cb::cuda {
namespace {

constexpr int kInner = 16;  // unrolled steps per loop trip; iters is a multiple of it

__device__ __forceinline__ float Fma(float x, float m, float a) { return __fmaf_rn(x, m, a); }
__device__ __forceinline__ double Fma(double x, double m, double a) { return __fma_rn(x, m, a); }

// mul = add = 1 arrive as kernel arguments, so the compiler cannot fold the
// recurrence: chain c ends at c + iters.
template <typename T>
__global__ void FmaKernel(T* out, int64_t iters, T mul, T add, unsigned long long* clocks) {
  T x[kFmaChains];
#pragma unroll
  for (int c = 0; c < kFmaChains; ++c) x[c] = static_cast<T>(c);
  BlockClock timer;
  timer.Start();
  for (int64_t it = 0; it < iters; it += kInner) {
#pragma unroll
    for (int u = 0; u < kInner; ++u) {
#pragma unroll
      for (int c = 0; c < kFmaChains; ++c) x[c] = Fma(x[c], mul, add);
    }
  }
  timer.Stop(clocks);
  T sum = 0;
#pragma unroll
  for (int c = 0; c < kFmaChains; ++c) sum += x[c];
  out[static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x] = sum;
}

// mma.sync.m16n8k16, bf16 inputs, fp32 accumulators (sm_80 and newer). Every
// lane's A registers hold bf16 pairs (1, 1) and B likewise, so each mma adds
// k = 16 to every accumulator element.
__global__ void MmaKernel(float* out, int64_t iters, uint32_t one_pair, unsigned long long* clocks) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  float d[kMmaChains][4];
#pragma unroll
  for (int c = 0; c < kMmaChains; ++c) d[c][0] = d[c][1] = d[c][2] = d[c][3] = 0.f;
  const uint32_t a = one_pair, b = one_pair;
  BlockClock timer;
  timer.Start();
  for (int64_t it = 0; it < iters; ++it) {
#pragma unroll
    for (int c = 0; c < kMmaChains; ++c) {
      asm("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
          "{%0,%1,%2,%3};\n"
          : "+f"(d[c][0]), "+f"(d[c][1]), "+f"(d[c][2]), "+f"(d[c][3])
          : "r"(a), "r"(a), "r"(a), "r"(a), "r"(b), "r"(b));
    }
  }
  timer.Stop(clocks);
  // Count the accumulators that are not 16·iters (exact in fp32 below 2^24).
  const float expect = 16.f * static_cast<float>(iters);
  float bad = 0;
#pragma unroll
  for (int c = 0; c < kMmaChains; ++c) {
#pragma unroll
    for (int r = 0; r < 4; ++r) bad += (d[c][r] != expect) ? 1.f : 0.f;
  }
  out[static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x] = bad;
#else
  // Not compiled for a tensor-core architecture: report every element wrong.
  (void)iters;
  (void)one_pair;
  (void)clocks;
  out[static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x] = 4.f * kMmaChains;
#endif
}

}  // namespace

cudaError_t LaunchFmaF32(float* out, int64_t iters, unsigned long long* clocks, int blocks, int threads,
                         cudaStream_t stream) {
  FmaKernel<float><<<blocks, threads, 0, stream>>>(out, iters, 1.f, 1.f, clocks);
  return cudaGetLastError();
}

cudaError_t LaunchFmaF64(double* out, int64_t iters, unsigned long long* clocks, int blocks, int threads,
                         cudaStream_t stream) {
  FmaKernel<double><<<blocks, threads, 0, stream>>>(out, iters, 1.0, 1.0, clocks);
  return cudaGetLastError();
}

cudaError_t LaunchMmaBf16(float* out, int64_t iters, unsigned long long* clocks, int blocks, int threads,
                          cudaStream_t stream) {
  // bf16 1.0 is 0x3F80; two of them packed in one 32-bit register.
  MmaKernel<<<blocks, threads, 0, stream>>>(out, iters, 0x3F803F80u, clocks);
  return cudaGetLastError();
}

}  // namespace cb::cuda
